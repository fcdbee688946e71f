"""Tests for gdl_utils.evaluate.calibration, training.focal and training.sampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gdl_utils.evaluate import (
    brier_score,
    expected_calibration_error,
    prior_correction,
    reliability_bins,
    roc_auc,
    threshold_for_precision,
)
from gdl_utils.training import FocalLoss, oversampling_loader, oversampling_weight


def _calibrated(seed, n=20_000, base=-3.0):
    """Labels drawn from their own probabilities: calibrated by construction."""
    rng = np.random.default_rng(seed)
    logit = base + rng.normal(0, 1.5, n)
    p = 1 / (1 + np.exp(-logit))
    return (rng.random(n) < p).astype(int), p, logit


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_ece_of_calibrated_simulation_is_near_zero(seed):
    y, p, _ = _calibrated(seed)
    assert expected_calibration_error(y, p) < 0.01
    # and a weighted model (odds x 20) is far off
    odds = 20 * p / (1 - p)
    assert expected_calibration_error(y, odds / (1 + odds)) > 0.1


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.01, 100.0))
def test_prior_correction_keeps_ranking_and_restores_calibration(seed, w):
    y, p, logit = _calibrated(seed, n=5_000)
    weighted = logit + np.log(w)  # what a model trained with pos_weight=w learns
    corrected = prior_correction(weighted, w)
    assert roc_auc(y, corrected) == roc_auc(y, weighted)
    np.testing.assert_allclose(corrected, logit, atol=1e-9)


def test_prior_correction_torch_and_errors():
    z = torch.tensor([0.0, 1.0])
    out = prior_correction(z, np.e)
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), [-1.0, 0.0], atol=1e-6)
    with pytest.raises(ValueError, match="weight must be > 0"):
        prior_correction(z, 0)


def test_brier_and_bins():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.0, 0.2, 0.8, 1.0])
    assert brier_score(y, p) == pytest.approx((0.04 + 0.04) / 4)
    bins = reliability_bins(y, p, n_bins=2, strategy="uniform")
    assert bins["count"].tolist() == [2, 2]
    assert bins["frac_pos"].tolist() == [0.0, 1.0]
    assert expected_calibration_error(y, p, 2, "uniform") == pytest.approx(0.1)
    with pytest.raises(ValueError, match="position 1 is 1.5"):
        brier_score(y, [0.1, 1.5, 0.2, 0.3])
    with pytest.raises(ValueError, match="unknown strategy"):
        reliability_bins(y, p, strategy="x")
    with pytest.raises(ValueError, match="not 0/1"):
        brier_score([1, 2, 1, 2], p)


def test_threshold_for_precision():
    y = np.array([1, 1, 0, 1, 0, 0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    assert threshold_for_precision(y, s, 1.0) == 0.8
    assert threshold_for_precision(y, s, 0.75) == 0.6
    with pytest.raises(ValueError, match="no threshold reaches"):
        threshold_for_precision([0, 1, 0], [0.9, 0.1, 0.5], 0.9)


def test_focal_loss():
    logits = torch.tensor([2.0, -1.0, 0.5])
    target = torch.tensor([1.0, 0.0, 0.0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    assert torch.allclose(FocalLoss(gamma=0)(logits, target), bce)
    # easy examples are down-weighted more than hard ones
    easy = FocalLoss(2)(torch.tensor([4.0]), torch.tensor([1.0]))
    hard = FocalLoss(2)(torch.tensor([-1.0]), torch.tensor([1.0]))
    assert easy / hard < 0.01
    with pytest.raises(ValueError, match="gamma must be >= 0"):
        FocalLoss(-1)
    with pytest.raises(ValueError, match="shape"):
        FocalLoss()(logits, target[:2])


def test_oversampling_loader_fraction_and_seed():
    y = np.r_[np.ones(20), np.zeros(980)]
    X = np.arange(1000, dtype=np.float32)[:, None]
    loader = oversampling_loader(X, y, positive_fraction=0.5, batch_size=100, seed=0)
    xs, ys = (torch.cat(t) for t in zip(*loader, strict=True))
    assert len(ys) == 1000 and 0.4 < ys.mean().item() < 0.6
    same = oversampling_loader(X, y, positive_fraction=0.5, batch_size=100, seed=0)
    assert torch.equal(xs, torch.cat([b[0] for b in same]))  # same seed, same draws
    assert not torch.equal(xs, torch.cat([b[0] for b in loader]))  # fresh each epoch
    assert oversampling_weight(y, 0.5) == pytest.approx(49.0)
    with pytest.raises(ValueError, match="with the label 2"):
        oversampling_loader(X, np.r_[y[:-1], 2])
    with pytest.raises(ValueError, match="single class"):
        oversampling_weight(np.zeros(5))
