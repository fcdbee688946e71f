"""Cross-validation for torch models: out-of-fold predictions, a fresh model per fold.

Used in: chapter 2 (UCI splice 10-fold CV, promoter leave-one-out) and later chapters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch.nn as nn

from ..runtime import seeded
from .inference import predict
from .loop import fit


def cross_val_predict(
    make_model: Callable[[], nn.Module],
    X,
    y,
    folds: Iterable,
    *,
    loss_fn: Callable,
    seed: int | None = None,
    activation: str | None = None,
    **fit_kwargs,
) -> np.ndarray:
    """Train a fresh ``make_model()`` per fold on its training rows, predict the rest.

    Parameters
    ----------
    make_model : callable returning a new, untrained ``nn.Module`` (called once per
        fold)
    X : (N, ...) array, e.g. (N, 4, L) one-hot DNA
    y : (N,) or (N, T) targets (see :func:`gdl_utils.training.fit` for the target rule)
    folds : iterable of ``(train_idx, test_idx)`` integer arrays, e.g. from
        :func:`gdl_utils.dna.dedup_kfold`; every row should be in exactly one test
        part
    loss_fn : passed to :func:`~gdl_utils.training.fit`
    seed : fold ``k`` is initialised and trained with ``seed + k`` (reproducible,
        different per fold); None leaves the generators alone (not reproducible)
    activation : passed to :func:`~gdl_utils.training.predict` (None: raw outputs, e.g.
        logits)
    **fit_kwargs : further :func:`~gdl_utils.training.fit` options (epochs, lr,
        batch_size, ...)

    Returns
    -------
    (N, n_outputs) float32 array of out-of-fold outputs; rows in no test part are NaN.

    Used in: chapter 2 (UCI splice and promoter cross-validation).
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(
            f"cross_val_predict: X has {len(X)} rows (shape {X.shape})"
            f" but y has {len(y)}"
        )
    out = None
    for k, (train_idx, test_idx) in enumerate(folds):
        fold_seed = None if seed is None else seed + k
        if fold_seed is None:
            model = make_model()
        else:  # the initial weights, too, are named by the fold's seed
            with seeded(fold_seed):
                model = make_model()
        fit(
            model,
            (X[train_idx], y[train_idx]),
            loss_fn=loss_fn,
            seed=fold_seed,
            **fit_kwargs,
        )
        pred = predict(model, X[test_idx], activation=activation)
        if out is None:
            out = np.full((len(X),) + pred.shape[1:], np.nan, dtype=np.float32)
        out[test_idx] = pred
    if out is None:
        raise ValueError("cross_val_predict: no folds given")
    return out
