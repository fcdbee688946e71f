"""Classification metrics with shape checks and clear errors, and class weights.

scikit-learn does the arithmetic. Labels and scores may be numpy arrays, lists, pandas
objects or torch tensors (any device). Conventions: ``y_true`` holds class labels (0/1
for binary tasks), ``y_pred`` predicted labels and ``y_score`` a score that grows with
the positive class (probability or logit; ranking metrics do not care which). Two
silent mistakes are refused: ranking metrics never guess which of two non-0/1 labels is
the positive class (pass ``pos_label``), and label metrics refuse fractional scores
passed as predictions. Tables of metrics per task and regression summaries live in
:mod:`gdl_utils.evaluate.reports`.

Used in: chapter 1 (k-mer baselines) on; ``pos_weight`` in chapter 3 (multi-task
CNNs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn import metrics as skm

from .._util import as_numpy as _to_numpy

__all__ = [
    "accuracy",
    "mcc",
    "per_class_error",
    "pos_weight",
    "pr_auc",
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

    Parameters
    ----------
    y_true, y_pred : (N,) labels (or (N, T) for exact per-element agreement); fractional
        values (scores, logits, probabilities) raise ``ValueError``: threshold them
        first.

    Used in: chapter 2 (02a, 02b).
    Also chapter 10 (10a).
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

    Used in: chapters 1 (01), 2 (02a), 3 (03a, 03b), 4 (04a, 04b), 7 (07a, 07e) and 8
    (08a, 08b, 08c).
    Also chapters 9 (09a, 09b) and 10 (10a, 10b, 10d).
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

    Parameters
    ----------
    y_true : (N,) binary labels, both classes present (0/1, or any two labels with
        ``pos_label``)
    y_score : (N,) or (N, 1) scores. A random classifier scores about the prevalence
        (fraction of positives), not 0.5.

    Used in: chapters 1 (01), 3 (03a) and 4 (04b).
    Also chapters 9 (09c) and 10 (10b).
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
