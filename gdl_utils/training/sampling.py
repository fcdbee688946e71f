"""Oversampling the rare class: a training loader that draws positives more often.

Showing each positive ``w`` times as often as it occurs has, in expectation, the same
effect on the loss as ``pos_weight = w``: the model learns the odds of a world with
``w`` times more positives, and :func:`gdl_utils.evaluate.prior_correction` undoes it.

Used in: chapter 10 (notebook 10b).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    TensorDataset,
    WeightedRandomSampler,
)

from .._util import as_numpy

__all__ = ["oversampling_loader", "oversampling_weight"]


def _binary_labels(y, where: str) -> np.ndarray:
    y = as_numpy(y)
    if y.ndim != 1 or not np.isin(y, (0, 1)).all():
        bad = y.ravel()[~np.isin(y.ravel(), (0, 1))]
        raise ValueError(
            f"{where}: y must be (N,) 0/1 labels, got shape {y.shape}"
            + (f" with the label {bad.tolist()[0]!r}" if len(bad) else "")
        )
    if y.sum() == 0 or y.sum() == len(y):
        raise ValueError(f"{where}: y holds a single class")
    return y.astype(np.int64)


def oversampling_weight(y, positive_fraction: float = 0.5) -> float:
    """The factor ``w`` by which drawing positives to make ``positive_fraction`` of
    the draws multiplies their odds: ``(f / (1 - f)) / (pi / (1 - pi))`` with ``pi``
    the fraction of positives in ``y`` ((N,) 0/1).

    Used in: chapter 10 (10b).
    """
    y = _binary_labels(y, "oversampling_weight")
    f, pi = float(positive_fraction), float(y.mean())
    if not 0 < f < 1:
        raise ValueError(
            f"oversampling_weight: positive_fraction must be in (0, 1): {f}"
        )
    return (f / (1 - f)) / (pi / (1 - pi))


def oversampling_loader(
    X,
    y,
    *,
    positive_fraction: float = 0.5,
    batch_size: int = 128,
    seed: int | None = None,
) -> DataLoader:
    """A training loader whose batches hold ``positive_fraction`` positives on
    average: every epoch draws ``N`` examples with replacement, positives with
    probability ``f / n_pos`` each, negatives ``(1 - f) / n_neg``.

    Parameters
    ----------
    X : (N, ...) array, e.g. (N, 4, L) one-hot DNA (as float32)
    y : (N,) 0/1 labels (as float32, for ``BCEWithLogitsLoss``)
    positive_fraction : expected fraction of positives in a batch, in (0, 1)
    batch_size : examples per batch
    seed : seeds the sampler's generator (same seed, same draws)

    Returns
    -------
    DataLoader yielding ``(x, y)`` batches; pass it to ``fit`` as ``train``.

    Used in: chapter 10 (10b).
    """
    labels = _binary_labels(y, "oversampling_loader")
    oversampling_weight(labels, positive_fraction)  # checks the fraction
    if len(as_numpy(X)) != len(labels):
        raise ValueError(
            f"oversampling_loader: X has {len(as_numpy(X))} rows but y has"
            f" {len(labels)}"
        )
    n_pos = labels.sum()
    p = np.where(
        labels == 1,
        positive_fraction / n_pos,
        (1 - positive_fraction) / (len(labels) - n_pos),
    )
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    sampler = WeightedRandomSampler(
        torch.as_tensor(p, dtype=torch.double), len(labels), generator=generator
    )
    data = TensorDataset(
        torch.as_tensor(as_numpy(X), dtype=torch.float32),
        torch.as_tensor(labels, dtype=torch.float32),
    )
    # whole batches indexed at once, as make_loader does (faster than row by row)
    batches = BatchSampler(sampler, batch_size, drop_last=False)
    return DataLoader(data, sampler=batches, batch_size=None)
