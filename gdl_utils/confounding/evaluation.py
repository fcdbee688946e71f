"""Evaluating a classifier when a nuisance variable (the processing batch) travels with
the label: folds, the batch-only baseline, in-fold correction, the random-label control.

- :func:`screened_logistic`: a small classifier whose feature selection is part of the
  model, so that it is refitted inside every fold;
- :func:`batch_folds` (every batch in every training part) and
  :func:`leave_group_out` (one batch held out at a time);
- :func:`cv_predict`: cross-validated probabilities, with an optional batch correction
  fitted on the training arrays of each fold only;
- :func:`batch_only_predictions`: the classifier that knows nothing but the batch;
- :func:`disagreeing`: the arrays whose label differs from the majority of their batch;
- :func:`random_label_control`: a whole pipeline rerun with permuted labels.

Used in: chapter 10 (notebook 10a).
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np

from .combat import LocationScale

__all__ = [
    "batch_folds",
    "batch_only_predictions",
    "check_labels",
    "cv_predict",
    "disagreeing",
    "leave_group_out",
    "random_label_control",
    "screened_logistic",
]


def check_labels(y, classes, where: str = "labels") -> np.ndarray:
    """``y`` as an array, refusing labels outside ``classes``.

    Raises ``ValueError`` naming the first bad label and its position.

    Used in: chapter 10 (10a).
    """
    y = np.asarray(y)
    bad = ~np.isin(y, np.asarray(list(classes)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{where}: label {y.tolist()[i]!r} at position {i} is not one of"
            f" {list(classes)}"
        )
    return y


def screened_logistic(k: int = 50, c: float = 0.1):
    """Keep the ``k`` probes with the largest ANOVA F statistic, standardise, then an
    L2 logistic regression (inverse strength ``c``): a scikit-learn pipeline, so the
    screening is refitted on the training part of every fold.

    Used in: chapter 10 (10a).
    """
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        SelectKBest(f_classif, k=k),
        StandardScaler(),
        LogisticRegression(C=c, max_iter=2000),
    )


def batch_folds(batch, n_splits: int = 5, seed: int | None = None) -> list:
    """``n_splits`` folds stratified by batch, so that every batch has arrays in every
    training part (an in-fold correction needs that).

    Returns a list of ``(train, test)`` position arrays.

    Used in: chapter 10 (10a).
    """
    from sklearn.model_selection import StratifiedKFold

    batch = np.asarray(batch)
    skf = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # a batch smaller than n_splits is fine here:
        warnings.simplefilter("ignore", UserWarning)  # it is in every training part
        return list(skf.split(np.zeros(len(batch)), batch))


def leave_group_out(groups) -> list:
    """One fold per group (batch): train on the others, test on it.

    Returns a list of ``(train, test)`` position arrays, in the order of the sorted
    groups.

    Used in: chapter 10 (10a).
    """
    groups = np.asarray(groups)
    return [
        (np.flatnonzero(groups != g), np.flatnonzero(groups == g))
        for g in np.unique(groups)
    ]


def cv_predict(
    x, y, folds, make_model, *, batch=None, correction: str | None = None
) -> np.ndarray:
    """Cross-validated class probabilities of ``make_model()``.

    Parameters
    ----------
    x : (n_arrays, n_probes) features
    y : (n_arrays,) labels
    folds : list of ``(train, test)`` positions (:func:`batch_folds`,
        :func:`leave_group_out`)
    make_model : callable returning an unfitted scikit-learn classifier
    batch : (n_arrays,) batch labels, needed for a correction
    correction : None, ``"label-free"`` (ComBat fitted on the training arrays without
        covariates) or ``"with-labels"`` (fitted on the training arrays keeping their
        labels; test arrays are adjusted without theirs)

    Returns
    -------
    (n_arrays, n_classes) probabilities (columns: the sorted classes); rows of
    arrays in no test part are NaN.

    Raises ``ValueError`` for an unknown correction, a correction without batches, or
    a test part whose classes the training part lacks.

    Used in: chapter 10 (10a).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y)
    classes = np.unique(y)
    if correction not in (None, "label-free", "with-labels"):
        raise ValueError(f"cv_predict: unknown correction {correction!r}")
    if correction is not None and batch is None:
        raise ValueError("cv_predict: a correction needs batch=")
    out = np.full((len(y), len(classes)), np.nan)
    for train, test in folds:
        xtr, xte = x[train], x[test]
        if correction is not None:
            cov = None
            if correction == "with-labels":
                cov = (y[train][:, None] == classes[1:]).astype(float)
            ls = LocationScale().fit(xtr, np.asarray(batch)[train], cov)
            xtr = ls.transform(xtr, np.asarray(batch)[train], cov)
            xte = ls.transform(xte, np.asarray(batch)[test])
        model = make_model().fit(xtr, y[train])
        cols = np.searchsorted(classes, model.classes_)
        out[np.ix_(test, cols)] = model.predict_proba(xte)
    return out


def _majority(labels) -> object:
    counts = Counter(np.asarray(labels).tolist())
    return max(sorted(counts), key=counts.__getitem__)  # ties: the smallest label


def batch_only_predictions(batch, y, folds) -> np.ndarray:
    """The batch-only baseline: each test array gets the majority label of the
    training arrays of its batch (the overall training majority for a batch not seen
    in training).

    Parameters
    ----------
    batch, y : (n_arrays,) batch and label of each array
    folds : list of ``(train, test)`` positions

    Returns
    -------
    (n_arrays,) predicted labels (``y``'s dtype; arrays in no test part keep ``y``'s
    first label, so read only the tested ones)

    Used in: chapter 10 (10a).
    """
    batch, y = np.asarray(batch), np.asarray(y)
    pred = np.full(len(y), y[0], dtype=y.dtype)
    for train, test in folds:
        fallback = _majority(y[train])
        rule = {b: _majority(y[train][batch[train] == b]) for b in set(batch[train])}
        pred[test] = [rule.get(b, fallback) for b in batch[test]]
    return pred


def disagreeing(groups, y) -> np.ndarray:
    """``(n,) bool``: the arrays whose label is not the majority label of their group
    (the only arrays on which biology and batch make different predictions).

    Used in: chapter 10 (10a).
    """
    groups, y = np.asarray(groups), np.asarray(y)
    rule = {g: _majority(y[groups == g]) for g in np.unique(groups)}
    return np.array([label != rule[g] for g, label in zip(groups, y, strict=True)])


def random_label_control(score, y, n_permutations: int = 30, seed: int | None = None):
    """Rerun a whole pipeline with permuted labels: ``score(y_permuted) -> float``.

    A pipeline that only learns from the data gives chance scores here; one that lets
    the labels leak in (e.g. a batch correction fitted with the labels before the
    split) scores above chance on labels that mean nothing.

    Returns
    -------
    (n_permutations,) float, the scores

    Used in: chapter 10 (10a).
    """
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    return np.array([float(score(rng.permutation(y))) for _ in range(n_permutations)])
