"""Tests for gdl_utils.interpret.map_agreement (chapter 8.4, MPRA maps)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from gdl_utils.dna.sequence import one_hot
from gdl_utils.interpret.scores import map_agreement


def _maps(length=60, seed=0):
    rng = np.random.default_rng(seed)
    seq = "".join(rng.choice(list("ACGT"), size=length))
    x = one_hot(seq)
    measured = np.where(x == 1, 0.0, rng.normal(size=(4, length)))
    measured[:, 10:14] *= 20  # a few positions dominate, as in an MPRA
    return seq, x, measured


def test_identical_maps_agree_and_shuffles_do_not():
    seq, x, measured = _maps()
    rho, null = map_agreement(measured, measured, seq, n_shuffles=300, seed=0)
    assert rho == pytest.approx(1.0)
    assert null.shape == (300,) and abs(null.mean()) < 0.05 and null.max() < 0.5


def test_matches_scipy_over_measured_substitutions_only():
    seq, x, measured = _maps(seed=1)
    predicted = measured + np.random.default_rng(2).normal(size=measured.shape)
    predicted[x == 1] = 99.0  # reference entries must be ignored
    measured[2, 5] = np.nan if x[2, 5] == 0 else measured[2, 5]
    measured[:, 7] = np.where(x[:, 7] == 1, 0.0, np.nan)  # one unmeasured position
    rho, _ = map_agreement(predicted, measured, seq, n_shuffles=5, seed=0)
    keep = (x == 0) & np.isfinite(measured)
    assert rho == pytest.approx(spearmanr(predicted[keep], measured[keep])[0])
    assert map_agreement(predicted, measured, seq, n_shuffles=5, seed=3)[1] == (
        pytest.approx(map_agreement(predicted, measured, seq, n_shuffles=5, seed=3)[1])
    )


def test_n_positions_are_left_out():
    seq, x, measured = _maps(seed=4)
    seq_n = seq[:20] + "N" + seq[21:]
    predicted = measured.copy()
    predicted[:, 20] = 50.0  # garbage at the N position: must not count
    measured[:, 20] = np.nan
    rho, _ = map_agreement(predicted, measured, seq_n, n_shuffles=2, seed=0)
    assert rho == pytest.approx(1.0)


def test_clear_errors():
    seq, x, measured = _maps()
    with pytest.raises(ValueError, match=r"predicted has shape \(4, 59\)"):
        map_agreement(measured[:, 1:], measured, seq)
    bad = measured.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="predicted contains NaN"):
        map_agreement(bad, measured, seq)
    with pytest.raises(ValueError, match="constant"):
        map_agreement(np.zeros_like(measured), measured, seq)
    with pytest.raises(ValueError, match="only 0 measured"):
        map_agreement(measured, np.full_like(measured, np.nan), seq)
    with pytest.raises(ValueError, match="map_agreement: sequence"):
        map_agreement(measured, measured, seq[:-1] + "X")
