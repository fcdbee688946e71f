"""Evaluation metrics with shape checks and clear errors (scikit-learn does the arithmetic).

Labels and scores may be numpy arrays, lists, pandas objects or torch tensors (any device).
Conventions: ``y_true`` holds class labels (0/1 for binary tasks), ``y_pred`` predicted labels and
``y_score`` a score that grows with the positive class (probability or logit; ranking metrics do not care
which).

Used in: chapter 1 (k-mer baselines) on; ``multitask_report`` in chapter 3 (multi-task CNNs).
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn import metrics as skm

__all__ = ["accuracy", "per_class_error", "roc_auc", "pr_auc", "mcc", "multitask_report"]


def _to_numpy(a) -> np.ndarray:
    if hasattr(a, "detach"):  # torch tensor
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def _pair(y_true, y_other, func: str, other: str) -> tuple[np.ndarray, np.ndarray]:
    """Both as numpy, with equal shapes; an (N, 1) column is accepted for an (N,) partner."""
    t, o = _to_numpy(y_true), _to_numpy(y_other)
    if o.ndim == 2 and o.shape[1] == 1 and t.ndim == 1:
        o = o[:, 0]
    if t.ndim == 2 and t.shape[1] == 1 and o.ndim == 1:
        t = t[:, 0]
    if t.shape != o.shape:
        raise ValueError(f"{func}: y_true has shape {t.shape} but {other} has shape {o.shape}")
    if t.size == 0:
        raise ValueError(f"{func}: empty input")
    return t, o


def _binary(t: np.ndarray, func: str) -> None:
    """Raise unless ``t`` is 1-D with both classes present."""
    if t.ndim != 1:
        raise ValueError(f"{func}: expects 1-D binary labels (N,), got shape {t.shape}; "
                         f"use multitask_report for (N, T) multi-task labels")
    classes = np.unique(t)
    if len(classes) != 2:
        raise ValueError(f"{func}: y_true must contain exactly two classes, found {classes.tolist()} "
                         f"(undefined with a single class)")


def accuracy(y_true, y_pred) -> float:
    """Fraction of correct predictions, in [0, 1].

    y_true, y_pred : (N,) labels (or (N, T) for exact per-element agreement).
    Used in: chapter 1 on.
    """
    t, p = _pair(y_true, y_pred, "accuracy", "y_pred")
    return float(np.mean(t == p))


def per_class_error(y_true, y_pred, labels: Sequence | None = None) -> pd.Series:
    """Percentage of the examples of each true class that were misclassified.

    Parameters
    ----------
    y_true, y_pred : (N,) class labels (any hashable type, e.g. "EI", "IE", "N")
    labels : the classes to report, in this order; default: sorted classes of ``y_true``.
        A class without true examples gets NaN.

    Returns
    -------
    pandas.Series indexed by class label (name "error_%"), values in percent.

    Used in: chapters 1 and 2 (splice-junction classes, as in the UCI benchmark tables).
    """
    t, p = _pair(y_true, y_pred, "per_class_error", "y_pred")
    if t.ndim != 1:
        raise ValueError(f"per_class_error: expects (N,) labels, got shape {t.shape}")
    labels = list(np.unique(t)) if labels is None else list(labels)
    errors = []
    for label in labels:
        mask = t == label
        errors.append(100.0 * float(np.mean(p[mask] != label)) if mask.any() else np.nan)
    return pd.Series(errors, index=pd.Index(labels, name="class"), name="error_%")


def roc_auc(y_true, y_score) -> float:
    """Area under the ROC curve.

    Parameters
    ----------
    y_true : (N,) binary labels; both classes must be present (ValueError otherwise)
    y_score : (N,) or (N, 1) scores; or (N, C) class probabilities (rows summing to 1) for C >= 3 classes,
        giving the macro average of one-vs-rest AUCs (``y_true`` then holds labels 0..C-1).

    Used in: chapter 1 on.
    """
    s = _to_numpy(y_score)
    if s.ndim == 2 and s.shape[1] >= 3:
        t = _to_numpy(y_true)
        if t.shape != (s.shape[0],):
            raise ValueError(f"roc_auc: y_true has shape {t.shape} but y_score has shape {s.shape}; "
                             f"expected ({s.shape[0]},) class labels")
        return float(skm.roc_auc_score(t, s, multi_class="ovr", average="macro",
                                       labels=np.arange(s.shape[1])))
    t, s = _pair(y_true, s, "roc_auc", "y_score")
    _binary(t, "roc_auc")
    return float(skm.roc_auc_score(t, s))


def pr_auc(y_true, y_score) -> float:
    """Area under the precision-recall curve, computed as average precision.

    y_true : (N,) binary labels, both classes present; y_score : (N,) or (N, 1) scores.
    A random classifier scores about the prevalence (fraction of positives), not 0.5.
    Used in: chapter 1 on (imbalanced tasks: chapter 3).
    """
    t, s = _pair(y_true, y_score, "pr_auc", "y_score")
    _binary(t, "pr_auc")
    return float(skm.average_precision_score(t, s, pos_label=np.unique(t)[1]))


def mcc(y_true, y_pred) -> float:
    """Matthews correlation coefficient in [-1, 1] (0 for chance or a constant prediction).

    y_true, y_pred : (N,) labels (binary or multi-class). Used in: chapter 1 on.
    """
    t, p = _pair(y_true, y_pred, "mcc", "y_pred")
    if t.ndim != 1:
        raise ValueError(f"mcc: expects (N,) labels, got shape {t.shape}")
    return float(skm.matthews_corrcoef(t, p))


def multitask_report(Y_true, Y_score, names: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per task: task, positives, prevalence, roc_auc, pr_auc.

    Parameters
    ----------
    Y_true : (N, T) binary labels; Y_score : (N, T) scores
    names : T task names (default "task0", "task1", ...)

    A task whose labels contain a single class gets NaN AUCs and one ``UserWarning`` names all such tasks.
    Used in: chapter 3 (DeepSEA/Basset-like multi-task models).
    """
    t, s = _pair(Y_true, Y_score, "multitask_report", "Y_score")
    if t.ndim == 1:
        t, s = t[:, None], s[:, None]
    if t.ndim != 2:
        raise ValueError(f"multitask_report: expects (N, T) arrays, got shape {t.shape}")
    n_tasks = t.shape[1]
    names = [f"task{i}" for i in range(n_tasks)] if names is None else list(names)
    if len(names) != n_tasks:
        raise ValueError(f"multitask_report: {len(names)} names for {n_tasks} tasks (Y_true shape {t.shape})")
    rows, degenerate = [], []
    for j, name in enumerate(names):
        col = t[:, j]
        ok = len(np.unique(col)) == 2
        if not ok:
            degenerate.append(name)
        rows.append({
            "task": name,
            "positives": int(np.sum(col == 1)),
            "prevalence": float(np.mean(col == 1)),
            "roc_auc": roc_auc(col, s[:, j]) if ok else np.nan,
            "pr_auc": pr_auc(col, s[:, j]) if ok else np.nan,
        })
    if degenerate:
        warnings.warn(f"multitask_report: tasks {degenerate} have a single class in Y_true; "
                      f"their AUCs are NaN", UserWarning, stacklevel=2)
    return pd.DataFrame(rows, columns=["task", "positives", "prevalence", "roc_auc", "pr_auc"])
