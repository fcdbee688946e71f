"""Late fusion, and repeated stratified cross-validation of fusion methods.

*Early* fusion concatenates the views and fits one model; *late* fusion fits one model
per view and combines their predicted class probabilities (:func:`late_fusion`);
*intermediate* fusion learns a representation per view and combines those
(:class:`gdl_utils.models.MultiViewNet`). Whatever the method, everything fitted --
scalers, CCA weights, classifiers -- must be fitted inside each training fold:
:func:`repeated_view_cv` hands each method only the training rows of every view.

Used in: chapter 9 (09c).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold

from .views import check_views

__all__ = ["late_fusion", "repeated_view_cv"]


def late_fusion(probas, weights=None, rule: str = "mean") -> np.ndarray:
    """Combine the class probabilities that per-view models predict.

    Parameters
    ----------
    probas : sequence of (n_samples, n_classes) arrays (or (n_samples,) probabilities
        of the positive class), one per view
    weights : sequence of float, optional, one per view (default equal)
    rule : "mean" (weighted average of probabilities) or "product" (weighted sum of
        log-probabilities, renormalised: the naive-Bayes combination of views assumed
        independent given the class, without the prior correction)

    Returns
    -------
    (n_samples, n_classes) probabilities summing to 1 per row ((n_samples,) for
    (n_samples,) inputs).

    Used in: chapter 9 (09c).
    """
    arrays = [np.asarray(p, float) for p in probas]
    if len(arrays) < 2 or any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError(
            "late_fusion: expected two or more probability arrays of one shape, got "
            f"{[a.shape for a in arrays]}"
        )
    binary = arrays[0].ndim == 1
    if binary:
        arrays = [np.stack([1 - a, a], axis=1) for a in arrays]
    for i, a in enumerate(arrays):
        if a.min() < 0 or a.max() > 1 or not np.allclose(a.sum(axis=1), 1, atol=1e-6):
            raise ValueError(f"late_fusion: view {i} does not hold probabilities")
    w = np.ones(len(arrays)) if weights is None else np.asarray(weights, float)
    if w.shape != (len(arrays),) or (w < 0).any() or w.sum() == 0:
        raise ValueError(f"late_fusion: need one weight >= 0 per view, got {weights}")
    w = w / w.sum()
    if rule == "mean":
        fused = sum(wi * a for wi, a in zip(w, arrays))
    elif rule == "product":
        logs = sum(wi * np.log(np.clip(a, 1e-12, 1)) for wi, a in zip(w, arrays))
        fused = np.exp(logs - logs.max(axis=1, keepdims=True))
        fused /= fused.sum(axis=1, keepdims=True)
    else:
        raise ValueError(f"late_fusion: rule must be 'mean' or 'product', got {rule!r}")
    return fused[:, 1] if binary else fused


def repeated_view_cv(
    views: Mapping,
    y,
    methods: Mapping[str, Callable],
    *,
    n_splits: int = 5,
    n_repeats: int = 5,
    seed: int | None = None,
) -> pd.DataFrame:
    """Accuracy of fusion methods under repeated stratified k-fold cross-validation.

    Parameters
    ----------
    views : mapping of name -> (n_samples, n_features_k), checked by ``check_views``
    y : (n_samples,) class labels (the folds are stratified on them)
    methods : mapping of name -> ``f(train_views, y_train, test_views) -> proba``;
        ``train_views`` / ``test_views`` are dicts of the views' training / test rows,
        ``proba`` is ``(n_test, n_classes)`` in the order of ``np.unique(y)``. A method
        may return ``(proba, logs)`` with ``logs`` a dict of scalars (e.g. a held-out
        canonical correlation), recorded per fold.
    n_splits, n_repeats : folds per repeat, and repeats (each a new random partition)
    seed : the partitions' seed

    Returns
    -------
    DataFrame, one row per method, repeat and fold: ``method``, ``repeat``, ``fold``,
    ``n_test``, ``correct`` (number of test samples classified correctly) and the
    methods' logs. A repeat's accuracy is its ``correct`` summed over the folds
    divided by its summed ``n_test``.

    Used in: chapter 9 (09c).
    """
    arrays = check_views(views)
    y = np.asarray(y)
    if len(y) != len(next(iter(arrays.values()))):
        raise ValueError(f"repeated_view_cv: {len(y)} labels for a different n of rows")
    classes = np.unique(y)
    folds = RepeatedStratifiedKFold(
        n_splits=n_splits, n_repeats=n_repeats, random_state=seed
    )
    rows = []
    for i, (train, test) in enumerate(folds.split(np.zeros(len(y)), y)):
        tr = {k: a[train] for k, a in arrays.items()}
        te = {k: a[test] for k, a in arrays.items()}
        for name, method in methods.items():
            out = method(tr, y[train], te)
            proba, logs = out if isinstance(out, tuple) else (out, {})
            proba = np.asarray(proba)
            if proba.shape != (len(test), len(classes)):
                raise ValueError(
                    f"repeated_view_cv: method {name!r} returned shape {proba.shape}, "
                    f"expected {(len(test), len(classes))}"
                )
            correct = int((classes[proba.argmax(axis=1)] == y[test]).sum())
            rows.append(
                {
                    "method": name,
                    "repeat": i // n_splits,
                    "fold": i % n_splits,
                    "n_test": len(test),
                    "correct": correct,
                    **logs,
                }
            )
    return pd.DataFrame(rows)
