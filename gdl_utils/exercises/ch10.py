"""Chapter 10 (confounding, imbalance, expression and variant effects): checks of the
implement-it exercises.

Used in: chapter 10 (10b).
"""

from __future__ import annotations

import numpy as np

from ..evaluate.calibration import expected_calibration_error

__all__ = ["check_ece"]


def _cases():
    """(name, y_true, y_prob, n_bins) for the check, seeded."""
    rng = np.random.default_rng(0)
    out = []
    for n, rate, n_bins in ((50, 0.5, 10), (2_000, 0.02, 10), (500, 0.2, 7)):
        p = rng.beta(1, 1 / rate - 1, n)  # mean = rate
        y = (rng.random(n) < np.clip(1.5 * p, 0, 1)).astype(int)  # miscalibrated
        out.append(
            (f"{n} examples at {rate:.0%} positives, {n_bins} bins", y, p, n_bins)
        )
    p = rng.random(300)
    y = (rng.random(300) < p).astype(int)
    out.append(("a calibrated model, one bin", y, p, 1))
    p = np.concatenate([[0.0, 1.0], rng.random(98)])
    y = (rng.random(100) < 1.3 * p).astype(int)  # under-confident ...
    y[:2] = [1, 0]  # ... but wrong at exactly 0 and 1
    out.append(("probabilities exactly 0 and 1", y, p, 10))
    p = 0.05 + 0.02 * rng.random(200)  # every probability in one bin
    y = (rng.random(200) < 0.3).astype(int)
    out.append(("every probability in one bin (empty bins)", y, p, 10))
    return out


def check_ece(fn, strategy: str = "uniform", atol: float = 1e-9) -> str:
    """Check a student's expected calibration error against the package's.

    Parameters
    ----------
    fn : ``fn(y_true, y_prob, n_bins) -> float`` with ``y_true`` ``(N,)`` 0/1 ints
        and ``y_prob`` ``(N,)`` probabilities:
        ``sum_b (n_b / N) |frac_pos_b - mean_prob_b|`` over the non-empty bins.
        With ``strategy="uniform"`` the bins are
        ``[b / n_bins, (b + 1) / n_bins)``, a probability of exactly 1 in the last;
        with ``"quantile"`` the edges are ``np.quantile(y_prob, linspace(0, 1,
        n_bins + 1))``, a bin again closed on the left (the notebook's default).
    strategy : which binning ``fn`` implements (as in
        :func:`gdl_utils.evaluate.expected_calibration_error`)
    atol : absolute tolerance

    Returns
    -------
    A one-line summary when every case agrees; raises ``AssertionError`` naming the
    first case that differs (the case, expected, got).

    Used in: chapter 10 (10b).
    """
    if strategy not in ("uniform", "quantile"):
        raise ValueError(
            f"check_ece: strategy must be 'uniform' or 'quantile', got {strategy!r}"
        )
    cases = _cases()
    for name, y, p, n_bins in cases:
        expected = expected_calibration_error(y, p, n_bins, strategy)
        got = float(fn(y.copy(), p.copy(), n_bins))
        assert abs(got - expected) <= atol, (
            f"check_ece ({strategy} bins): case {name!r} (y_true, y_prob of shape "
            f"{y.shape}, n_bins={n_bins}): expected {expected:.6f}, got {got:.6f}"
        )
    return f"check_ece: all {len(cases)} cases agree ({strategy} bins)"
