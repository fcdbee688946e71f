"""Evaluation metrics with shape checks and clear errors (scikit-learn and scipy do the
arithmetic).

Labels and scores may be numpy arrays, lists, pandas objects or torch tensors (any
device).
Conventions: ``y_true`` holds class labels (0/1 for binary tasks), ``y_pred`` predicted
labels and
``y_score`` a score that grows with the positive class (probability or logit; ranking
metrics do not care
which). Two silent mistakes are refused: ranking metrics never guess which of two
non-0/1 labels is the
positive class (pass ``pos_label``), and label metrics refuse fractional scores passed
as predictions.

Used in: chapter 1 (k-mer baselines) on; ``multitask_report`` and ``pos_weight`` in
chapter 3
(multi-task CNNs); ``regression_report`` in chapter 3 (notebook 03d).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from scipy import stats
from sklearn import metrics as skm

from ._util import as_numpy as _to_numpy

__all__ = [
    "accuracy",
    "mcc",
    "multitask_report",
    "per_class_error",
    "pos_weight",
    "pr_auc",
    "regression_report",
    "roc_auc",
]


def _pair(y_true, y_other, func: str, other: str) -> tuple[np.ndarray, np.ndarray]:
    """Both as numpy, with equal shapes; an (N, 1) column is accepted for an (N,)
    partner."""
    t, o = _to_numpy(y_true), _to_numpy(y_other)
    if o.ndim == 2 and o.shape[1] == 1 and t.ndim == 1:
        o = o[:, 0]
    if t.ndim == 2 and t.shape[1] == 1 and o.ndim == 1:
        t = t[:, 0]
    if t.shape != o.shape:
        raise ValueError(
            f"{func}: y_true has shape {t.shape} but {other} has shape {o.shape}"
        )
    if t.size == 0:
        raise ValueError(f"{func}: empty input")
    return t, o


def _binary(t: np.ndarray, func: str, pos_label=None) -> np.ndarray:
    """(N,) 0/1 labels from ``t``; raise unless it is 1-D with both classes present and
    the positive class
    is unambiguous (numeric/bool labels 0 and 1, or ``pos_label`` given)."""
    if t.ndim != 1:
        raise ValueError(
            f"{func}: expects 1-D binary labels (N,), got shape {t.shape}; "
            f"use multitask_report for (N, T) multi-task labels"
        )
    classes = np.unique(t)
    if len(classes) != 2:
        raise ValueError(
            f"{func}: y_true must contain exactly two classes, found "
            f"{classes.tolist()} "
            f"(undefined with a single class)"
        )
    if pos_label is not None:
        if pos_label not in classes.tolist():
            raise ValueError(
                f"{func}: pos_label={pos_label!r} is not one of the labels "
                f"{classes.tolist()}"
            )
        return (t == pos_label).astype(np.int64)
    if t.dtype.kind not in "biuf" or set(classes.tolist()) != {0, 1}:
        raise ValueError(
            f"{func}: y_true holds the labels {classes.tolist()}, not 0/1; which one "
            f"is the "
            f"positive class? Pass pos_label= (e.g. pos_label={classes.tolist()[-1]!r})"
        )
    return t.astype(np.int64)


def _labels(p: np.ndarray, func: str, name: str = "y_pred") -> None:
    """Raise if ``p`` holds fractional numbers: scores or logits passed where labels
    are expected."""
    if p.dtype.kind == "f":
        frac = np.isfinite(p) & (p != np.round(p))
        if frac.any() or not np.isfinite(p).all():
            i = int(np.argmax(frac | ~np.isfinite(p)))
            raise ValueError(
                f"{func}: {name} must hold class labels, but {name}.flat[{i}] = "
                f"{float(p.flat[i])!r} "
                "looks like a score/logit/probability; threshold it (scores > 0 for "
                f"logits) "
                f"or take argmax(axis=1) first"
            )


def accuracy(y_true, y_pred) -> float:
    """Fraction of correct predictions, in [0, 1].

    y_true, y_pred : (N,) labels (or (N, T) for exact per-element agreement); fractional
        values (scores,
    logits, probabilities) raise ``ValueError``: threshold them first.
    Used in: chapters 2 and 3.
    """
    t, p = _pair(y_true, y_pred, "accuracy", "y_pred")
    _labels(p, "accuracy")
    _labels(t, "accuracy", "y_true")
    return float(np.mean(t == p))


def per_class_error(y_true, y_pred, labels: Sequence | None = None) -> pd.Series:
    """Percentage of the examples of each true class that were misclassified.

    Parameters
    ----------
    y_true, y_pred : (N,) class labels (any hashable type, e.g. "EI", "IE", "N")
    labels : the classes to report, in this order; default: sorted classes of
        ``y_true``.
        A class without true examples gets NaN.

    Returns
    -------
    pandas.Series indexed by class label (name "error_%"), values in percent.

    Used in: chapter 2 (splice-junction classes, as in the UCI benchmark tables).
    """
    t, p = _pair(y_true, y_pred, "per_class_error", "y_pred")
    _labels(p, "per_class_error")
    if t.ndim != 1:
        raise ValueError(f"per_class_error: expects (N,) labels, got shape {t.shape}")
    labels = list(np.unique(t)) if labels is None else list(labels)
    errors = []
    for label in labels:
        mask = t == label
        errors.append(
            100.0 * float(np.mean(p[mask] != label)) if mask.any() else np.nan
        )
    return pd.Series(errors, index=pd.Index(labels, name="class"), name="error_%")


def roc_auc(y_true, y_score, *, pos_label=None) -> float:
    """Area under the ROC curve.

    Parameters
    ----------
    y_true : (N,) binary labels; both classes must be present (ValueError otherwise).
        Labels other than
        numeric 0/1 (e.g. strings, or -1/1) need ``pos_label``; nothing is guessed.
    y_score : (N,) or (N, 1) scores; or (N, C) class probabilities (rows summing to 1)
        for C >= 3 classes,
        giving the macro average of one-vs-rest AUCs (``y_true`` then holds integer
        labels 0..C-1).
    pos_label : the positive class, for binary labels that are not 0/1

    Used in: chapter 1 on.
    """
    s = _to_numpy(y_score)
    if s.ndim == 2 and s.shape[1] >= 3:
        t = _to_numpy(y_true)
        if t.shape != (s.shape[0],):
            raise ValueError(
                f"roc_auc: y_true has shape {t.shape} but y_score has shape {s.shape}; "
                f"expected ({s.shape[0]},) class labels"
            )
        if t.dtype.kind not in "iu" or t.min() < 0 or t.max() >= s.shape[1]:
            raise ValueError(
                f"roc_auc: with (N, {s.shape[1]}) scores y_true must hold integer "
                f"labels "
                f"0..{s.shape[1] - 1} (column order), got {np.unique(t)[:10].tolist()}"
            )
        return float(
            skm.roc_auc_score(
                t, s, multi_class="ovr", average="macro", labels=np.arange(s.shape[1])
            )
        )
    t, s = _pair(y_true, s, "roc_auc", "y_score")
    return float(skm.roc_auc_score(_binary(t, "roc_auc", pos_label), s))


def pr_auc(y_true, y_score, *, pos_label=None) -> float:
    """Area under the precision-recall curve, computed as average precision.

    y_true : (N,) binary labels, both classes present (0/1, or any two labels with
        ``pos_label``);
    y_score : (N,) or (N, 1) scores. A random classifier scores about the prevalence
        (fraction of
    positives), not 0.5.
    Used in: chapter 1 on (imbalanced tasks: chapter 3).
    """
    t, s = _pair(y_true, y_score, "pr_auc", "y_score")
    return float(skm.average_precision_score(_binary(t, "pr_auc", pos_label), s))


def mcc(y_true, y_pred) -> float:
    """Matthews correlation coefficient in [-1, 1] (0 for chance or a constant
    prediction).

    y_true, y_pred : (N,) labels (binary or multi-class). Used in: no notebook yet.
    """
    t, p = _pair(y_true, y_pred, "mcc", "y_pred")
    _labels(p, "mcc")
    if t.ndim != 1:
        raise ValueError(f"mcc: expects (N,) labels, got shape {t.shape}")
    return float(skm.matthews_corrcoef(t, p))


def multitask_report(
    Y_true, Y_score, names: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per task: task, positives, prevalence, roc_auc, pr_auc.

    Parameters
    ----------
    Y_true : (N, T) binary labels; Y_score : (N, T) scores
    names : T task names (default "task0", "task1", ...)

    A task whose labels contain a single class gets NaN AUCs and one ``UserWarning``
    names all such tasks.
    Used in: chapter 3 (DeepSEA/Basset-like multi-task models).
    """
    t, s = _pair(Y_true, Y_score, "multitask_report", "Y_score")
    if t.ndim == 1:
        t, s = t[:, None], s[:, None]
    if t.ndim != 2:
        raise ValueError(
            f"multitask_report: expects (N, T) arrays, got shape {t.shape}"
        )
    n_tasks = t.shape[1]
    names = [f"task{i}" for i in range(n_tasks)] if names is None else list(names)
    if len(names) != n_tasks:
        raise ValueError(
            f"multitask_report: {len(names)} names for {n_tasks} tasks (Y_true shape "
            f"{t.shape})"
        )
    rows, degenerate = [], []
    for j, name in enumerate(names):
        col = t[:, j]
        ok = len(np.unique(col)) == 2
        if not ok:
            degenerate.append(name)
        rows.append(
            {
                "task": name,
                "positives": int(np.sum(col == 1)),
                "prevalence": float(np.mean(col == 1)),
                "roc_auc": roc_auc(col, s[:, j]) if ok else np.nan,
                "pr_auc": pr_auc(col, s[:, j]) if ok else np.nan,
            }
        )
    if degenerate:
        warnings.warn(
            f"multitask_report: tasks {degenerate} have a single class in Y_true; "
            f"their AUCs are NaN",
            UserWarning,
            stacklevel=2,
        )
    return pd.DataFrame(
        rows, columns=["task", "positives", "prevalence", "roc_auc", "pr_auc"]
    )


def pos_weight(y) -> torch.Tensor:
    """``pos_weight`` for ``torch.nn.BCEWithLogitsLoss``: negatives / positives of each
    output column.

    Weighting the positives by this ratio makes each column's positives count as much as
    its negatives.

    Parameters
    ----------
    y : (N,) or (N, T) binary 0/1 labels (numpy, pandas or torch)

    Returns
    -------
    (T,) float32 CPU tensor ((1,) for (N,) labels); move it with ``.to(device)``.

    Used in: chapter 3 (imbalanced multi-task labels, notebooks 03b and 03c).
    """
    t = _to_numpy(y)
    t = t[:, None] if t.ndim == 1 else t
    if t.ndim != 2 or t.shape[0] == 0:
        raise ValueError(
            f"pos_weight: expects (N,) or (N, T) labels with N > 0, got shape {t.shape}"
        )
    if t.dtype.kind not in "biuf" or not np.isin(t, (0, 1)).all():
        bad = np.unique(t[~np.isin(t, (0, 1))] if t.dtype.kind in "biuf" else t)[
            :5
        ].tolist()
        raise ValueError(f"pos_weight: labels must be 0/1, found {bad}")
    pos = t.sum(axis=0).astype(np.float64)
    if (pos == 0).any() or (pos == len(t)).any():
        j = int(np.flatnonzero((pos == 0) | (pos == len(t)))[0])
        raise ValueError(
            f"pos_weight: column {j} has {int(pos[j])} positives among {len(t)} rows; "
            "the ratio needs both classes in every column"
        )
    return torch.as_tensor((len(t) - pos) / pos, dtype=torch.float32)


def _vector(a, name: str) -> np.ndarray:
    a = _to_numpy(a, dtype=float)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(
            f"regression_report: {name} must be (N,) or (N, 1), got shape {a.shape}"
        )
    return a


def regression_report(y_true, y_pred) -> pd.Series:
    """Pearson r, Spearman rho, R^2 and RMSE of predictions against measurements.

    Parameters
    ----------
    y_true, y_pred : (N,) or (N, 1) arrays (numpy, pandas or torch), N >= 3, both
        non-constant

    Returns
    -------
    pandas.Series with ``n``, ``pearson``, ``spearman``, ``r2`` (1 - SSE/SST; negative
    when worse than
    predicting the mean) and ``rmse``.

    Used in: chapter 3 (notebook 03d).
    """
    t, p = _vector(y_true, "y_true"), _vector(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(
            f"regression_report: y_true has {t.shape[0]} values but y_pred has "
            f"{p.shape[0]}"
        )
    if len(t) < 3:
        raise ValueError(f"regression_report: need at least 3 values, got {len(t)}")
    if not (np.isfinite(t).all() and np.isfinite(p).all()):
        raise ValueError("regression_report: y_true and y_pred must be finite")
    for a, name in ((t, "y_true"), (p, "y_pred")):
        if np.ptp(a) == 0:
            raise ValueError(
                f"regression_report: {name} is constant, correlations are undefined"
            )
    sse, sst = np.sum((t - p) ** 2), np.sum((t - t.mean()) ** 2)
    return pd.Series(
        {
            "n": float(len(t)),
            "pearson": float(stats.pearsonr(t, p)[0]),
            "spearman": float(stats.spearmanr(t, p)[0]),
            "r2": float(1 - sse / sst),
            "rmse": float(np.sqrt(sse / len(t))),
        }
    )
