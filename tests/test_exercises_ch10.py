"""The check of chapter 10's implement-it exercise (expected calibration error)."""

import numpy as np
import pytest

from gdl_utils.exercises import check_ece


def uniform_ece(y_true, y_prob, n_bins):
    which = np.minimum((y_prob * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in np.unique(which):
        inside = which == b
        gap = abs(y_true[inside].mean() - y_prob[inside].mean())
        total += inside.mean() * gap
    return total


def quantile_ece(y_true, y_prob, n_bins):
    edges = np.quantile(y_prob, np.linspace(0, 1, n_bins + 1))
    which = np.clip(np.searchsorted(edges, y_prob, side="right") - 1, 0, n_bins - 1)
    return sum(
        (which == b).mean() * abs(y_true[which == b].mean() - y_prob[which == b].mean())
        for b in np.unique(which)
    )


def unweighted(y_true, y_prob, n_bins):
    """Broken: averages the bins' gaps without weighting them by their size."""
    which = np.minimum((y_prob * n_bins).astype(int), n_bins - 1)
    gaps = [
        abs(y_true[which == b].mean() - y_prob[which == b].mean())
        for b in np.unique(which)
    ]
    return float(np.mean(gaps))


def drops_ones(y_true, y_prob, n_bins):
    """Broken: a probability of exactly 1 falls into a bin of its own."""
    which = (y_prob * n_bins).astype(int)
    return sum(
        (which == b).mean() * abs(y_true[which == b].mean() - y_prob[which == b].mean())
        for b in np.unique(which)
    )


def test_correct_eces_pass():
    assert "agree" in check_ece(uniform_ece)
    assert "quantile" in check_ece(quantile_ece, strategy="quantile")


def test_the_wrong_binning_fails():
    with pytest.raises(AssertionError, match="quantile bins"):
        check_ece(uniform_ece, strategy="quantile")


@pytest.mark.parametrize(
    "broken, case", [(unweighted, "examples at"), (drops_ones, "exactly 0 and 1")]
)
def test_a_broken_ece_fails_naming_the_case(broken, case):
    with pytest.raises(AssertionError, match=case):
        check_ece(broken)


def test_an_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="strategy"):
        check_ece(uniform_ece, strategy="equal")
