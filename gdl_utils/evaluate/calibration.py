"""Calibration: do predicted probabilities mean what they say?

A classifier is calibrated when, of the examples given probability ``p``, a fraction
``p`` are positive (Guo et al. 2017). Ranking metrics (ROC-AUC, PR-AUC) cannot see
calibration; these can:

- :func:`brier_score`: the mean squared error of the probabilities;
- :func:`reliability_bins`: observed frequency against mean probability, per bin
  (the reliability diagram);
- :func:`expected_calibration_error` (ECE): the bins' gaps, weighted by their size;
- :func:`prior_correction`: undo a class weight ``w`` (``pos_weight``, oversampling
  by ``w``) on the logit, ``logit - log w``, which leaves the ranking unchanged;
- :func:`threshold_for_precision`: the lowest score threshold that reaches a target
  precision (chosen on validation data, used on test data).

Used in: chapter 10 (notebook 10b).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util import as_numpy
from .classification import _binary, _pair

__all__ = [
    "brier_score",
    "expected_calibration_error",
    "prior_correction",
    "reliability_bins",
    "threshold_for_precision",
]


def _probabilities(y_true, y_prob, func: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _pair(y_true, y_prob, func, "y_prob")
    t = _binary(t, func)
    p = p.astype(float)
    bad = ~((p >= 0) & (p <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{func}: y_prob must be probabilities in [0, 1]; position {i} is {p[i]}"
            " (pass sigmoid(logit), not the logit)"
        )
    return t, p


def brier_score(y_true, y_prob) -> float:
    """Mean of ``(y_prob - y_true)**2`` over ``(N,)`` 0/1 labels and probabilities.

    Used in: chapter 10 (10b).
    """
    t, p = _probabilities(y_true, y_prob, "brier_score")
    return float(np.mean((p - t) ** 2))


def reliability_bins(
    y_true, y_prob, n_bins: int = 10, strategy: str = "quantile"
) -> pd.DataFrame:
    """The reliability table: one row per non-empty bin of predicted probability.

    Parameters
    ----------
    y_true : (N,) 0/1 labels
    y_prob : (N,) probabilities
    n_bins : number of bins
    strategy : ``"quantile"`` (equal counts: every bin holds data, which matters at
        2 % positives) or ``"uniform"`` (equal widths on [0, 1])

    Returns
    -------
    DataFrame with columns ``mean_prob``, ``frac_pos``, ``count``

    Used in: chapter 10 (10b).
    """
    t, p = _probabilities(y_true, y_prob, "reliability_bins")
    if not (isinstance(n_bins, int) and n_bins >= 1):
        raise ValueError(f"reliability_bins: n_bins must be an int >= 1, got {n_bins}")
    if strategy == "quantile":
        edges = np.quantile(p, np.linspace(0, 1, n_bins + 1))
    elif strategy == "uniform":
        edges = np.linspace(0, 1, n_bins + 1)
    else:
        raise ValueError(f"reliability_bins: unknown strategy {strategy!r}")
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, n_bins - 1)
    df = pd.DataFrame({"bin": which, "p": p, "t": t})
    out = df.groupby("bin").agg(
        mean_prob=("p", "mean"), frac_pos=("t", "mean"), count=("t", "size")
    )
    return out.reset_index(drop=True)


def expected_calibration_error(
    y_true, y_prob, n_bins: int = 10, strategy: str = "quantile"
) -> float:
    """ECE: ``sum_b (n_b / N) |frac_pos_b - mean_prob_b|`` over the bins of
    :func:`reliability_bins`; 0 for a perfectly calibrated model (up to sampling
    noise).

    Used in: chapter 10 (10b).
    """
    bins = reliability_bins(y_true, y_prob, n_bins, strategy)
    w = bins["count"] / bins["count"].sum()
    return float((w * (bins["frac_pos"] - bins["mean_prob"]).abs()).sum())


def prior_correction(logits, weight: float):
    """Undo a positive-class weight on the logit: ``logits - log(weight)``.

    Training with ``pos_weight = w`` (or showing each positive ``w`` times) makes the
    model estimate the odds of a world in which positives are ``w`` times more
    common; subtracting ``log w`` from the logit returns to the real odds. A shift of
    every logit by one constant keeps the order, so ROC-AUC and PR-AUC do not change.

    Parameters
    ----------
    logits : (N,) or (N, 1) logits (numpy array or torch tensor; the same type
        comes back)
    weight : the factor, > 0

    Used in: chapter 10 (10b).
    """
    weight = float(weight)
    if not (np.isfinite(weight) and weight > 0):
        raise ValueError(f"prior_correction: weight must be > 0, got {weight}")
    return logits - np.log(weight)


def threshold_for_precision(y_true, y_score, target: float) -> float:
    """The lowest threshold ``s`` at which ``score >= s`` has precision >= ``target``.

    Choose it on validation data and apply it, unchanged, to test data.

    Parameters
    ----------
    y_true : (N,) 0/1 labels;  y_score : (N,) scores;  target : precision in (0, 1]

    Raises ``ValueError`` when no threshold reaches ``target``.

    Used in: chapter 10 (10b).
    """
    t, s = _pair(y_true, y_score, "threshold_for_precision", "y_score")
    t = _binary(t, "threshold_for_precision")
    if not 0 < target <= 1:
        raise ValueError(f"threshold_for_precision: target must be in (0, 1], {target}")
    s = as_numpy(s).astype(float)
    order = np.argsort(-s, kind="stable")
    s_sorted, hits = s[order], np.cumsum(t[order])
    precision = hits / np.arange(1, len(s) + 1)
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]  # end of a run of ties
    ok = np.flatnonzero(last & (precision >= target))
    if len(ok) == 0:
        raise ValueError(
            f"threshold_for_precision: no threshold reaches precision {target}"
            f" (the best is {precision[last].max():.3f})"
        )
    return float(s_sorted[ok[-1]])
