"""Summary tables of a model's predictions: one row per task, or one regression summary.

:func:`multitask_report` tabulates the ranking metrics of
:mod:`gdl_utils.evaluate.classification`
(AUROC, AUPRC) for each output of a multi-task classifier; :func:`regression_report`
summarises predictions of a measured quantity (Pearson r, Spearman rho, R^2, RMSE).
Inputs may be numpy arrays, lists, pandas objects or torch tensors (any device).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._util import as_numpy
from .classification import _pair, pr_auc, roc_auc

__all__ = ["multitask_report", "regression_report"]


def multitask_report(
    Y_true, Y_score, names: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per task: task, positives, prevalence, roc_auc, pr_auc.

    Parameters
    ----------
    Y_true : (N, T) binary labels; Y_score : (N, T) scores
    names : T task names (default "task0", "task1", ...)

    A task whose labels contain a single class gets NaN AUCs, and one
    ``UserWarning`` names all such tasks.

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
            f"multitask_report: {len(names)} names for {n_tasks} tasks "
            f"(Y_true shape {t.shape})"
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


def _vector(a, name: str) -> np.ndarray:
    a = as_numpy(a, dtype=float)
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
    pandas.Series with ``n``, ``pearson``, ``spearman``, ``r2`` (1 - SSE/SST;
    negative when worse than predicting the mean) and ``rmse``.

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
