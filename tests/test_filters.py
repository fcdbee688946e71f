"""Tests for gdl_utils.interpret.filters (and first_layer): PWMs into convolutions, and
first-layer filters back to PPMs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import random_one_hot
from torch import nn

from gdl_utils.dna.sequence import one_hot
from gdl_utils.interpret.filters import (
    conv_from_pwm,
    conv_weight_to_pwm,
    filter_pwms,
    one_hot_weights,
)
from gdl_utils.interpret.first_layer import filter_activations
from gdl_utils.models.cnn import DeepBind, MultiTaskCNN
from gdl_utils.models.mlp import MLP
from gdl_utils.motifs.pwm import scan_pwm


def random_log_odds(rng, w) -> np.ndarray:
    ppm = rng.dirichlet(np.full(4, 0.5), size=w).T + 1e-3
    ppm /= ppm.sum(axis=0)
    return np.log2(ppm / 0.25)


# ---------------------------------------------------------------- conv_from_pwm


def test_conv_from_pwm_equals_scan_pwm(device, rng):
    lo = random_log_odds(rng, 11)
    x = random_one_hot(rng, 6, 50)
    conv = conv_from_pwm(lo, device=device)
    assert conv.weight.shape == (1, 4, 11) and conv.bias is None
    with torch.no_grad():
        out = conv(torch.from_numpy(x).to(device))[:, 0].cpu().numpy()
    np.testing.assert_allclose(
        out, scan_pwm(x, lo, both_strands=False), rtol=1e-5, atol=1e-4
    )


@settings(max_examples=20, deadline=None)
@given(w=st.integers(1, 12), extra=st.integers(0, 20), seed=st.integers(0, 10_000))
def test_conv_from_pwm_stack_equals_scan_for_each_filter(w, extra, seed):
    rng = np.random.default_rng(seed)
    los = np.stack([random_log_odds(rng, w) for _ in range(3)])
    x = random_one_hot(rng, 2, w + extra)
    with torch.no_grad():
        out = conv_from_pwm(los, bias=[1.0, 0.0, -2.0])(torch.from_numpy(x)).numpy()
    for i, b in enumerate([1.0, 0.0, -2.0]):
        np.testing.assert_allclose(
            out[:, i], scan_pwm(x, los[i], both_strands=False) + b, atol=1e-4
        )


def test_conv_from_pwm_errors():
    with pytest.raises(ValueError, match=r"\(4, w\) or \(n, 4, w\)"):
        conv_from_pwm(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="inf or NaN"):
        conv_from_pwm(np.full((4, 3), -np.inf))
    with pytest.raises(ValueError, match="bias has 2 values for 1 filters"):
        conv_from_pwm(np.zeros((4, 3)), bias=[0.0, 1.0])


# ---------------------------------------------------------------- conv_weight_to_pwm


def test_conv_weight_to_pwm_centres_columns_and_finds_first_layer():
    torch.manual_seed(0)
    model = MultiTaskCNN(
        2, conv_channels=(5, 4), kernel_sizes=(9, 3), pool_sizes=(2, 0)
    )
    w = conv_weight_to_pwm(model)
    assert w.shape == (5, 4, 9)
    np.testing.assert_allclose(w.sum(axis=1), 0.0, atol=1e-6)
    raw = model.first_layer.weight.detach().numpy()
    np.testing.assert_allclose(w, raw - raw.mean(axis=1, keepdims=True), atol=1e-6)
    with pytest.raises(ValueError, match="Conv1d"):
        conv_weight_to_pwm(nn.Linear(3, 2))


# ---------------------------------------------------------------- filter_pwms


def planted_data(rng, motif="TGACGTCA", n=300, length=60):
    """One-hot (N, 4, L) random sequences, half with ``motif`` planted once."""
    x = random_one_hot(rng, n, length)
    m = one_hot(motif)
    for i in range(0, n, 2):
        p = int(rng.integers(0, length - len(motif) + 1))
        x[i, :, p : p + len(motif)] = m
    return x


def test_filter_pwms_recovers_planted_motif_from_hand_set_filter(device, rng):
    motif = "TGACGTCA"
    x = planted_data(rng, motif)
    lo = np.where(
        one_hot(motif) > 0, 1.0, -1.0
    )  # +1 for the consensus base, -1 otherwise
    random_filter = rng.normal(size=(4, 8))
    conv = conv_from_pwm(np.stack([lo, random_filter]), device=device)
    ppms, n_sites = filter_pwms(conv, torch.from_numpy(x), threshold=0.9, batch_size=64)
    assert ppms.shape == (2, 4, 8) and n_sites.shape == (2,)
    np.testing.assert_allclose(ppms.sum(axis=1), 1.0)
    # only perfect matches reach 90% of the planted filter's maximum score 8: the PPM
    # is the motif
    np.testing.assert_allclose(ppms[0], one_hot(motif), atol=1e-12)
    assert (
        150 <= n_sites[0] <= 170
    )  # 150 planted + rare chance occurrences (2 strands not scanned)


def test_filter_pwms_lower_threshold_blurs_and_weighted_sharpens(rng):
    motif = "TGACGTCA"
    x = planted_data(rng, motif)
    conv = conv_from_pwm(np.where(one_hot(motif) > 0, 1.0, -1.0))
    strict, n_strict = filter_pwms(conv, x, threshold=0.9)
    loose, n_loose = filter_pwms(conv, x, threshold=0.5)
    weighted, _ = filter_pwms(conv, x, threshold=0.5, weighted=True)
    assert n_loose[0] > n_strict[0]
    cons = one_hot(motif).astype(bool)
    assert loose[0][cons].mean() < strict[0][cons].mean()
    assert loose[0][cons].mean() < weighted[0][cons].mean() < 1.0
    assert (loose[0].argmax(axis=0) == one_hot(motif).argmax(axis=0)).all()


def test_filter_pwms_uses_model_activations_and_restores_training_mode(rng):
    torch.manual_seed(0)
    model = DeepBind(n_filters=3, kernel_size=8).train()
    x = planted_data(rng)
    with torch.no_grad():
        model.conv.weight[0] = torch.from_numpy(
            np.where(one_hot("TGACGTCA") > 0, 1.0, -1.0)
        )
        model.conv.bias[0] = 0.0
    ppms, n_sites = filter_pwms(model, x, threshold=0.9)
    assert model.training
    np.testing.assert_allclose(ppms[0], one_hot("TGACGTCA"))
    maxima = filter_activations(model, x)
    assert maxima.shape == (len(x), 3)
    assert np.isclose(maxima[:, 0].max(), 8.0) and (maxima[::2, 0] == 8.0).all()


def test_filter_pwms_filter_without_sites_is_uniform_and_errors(rng):
    x = random_one_hot(rng, 20, 30)
    conv = conv_from_pwm(
        np.stack([np.full((4, 5), -1.0), np.eye(4)[:, [0, 1, 2, 3, 0]]])
    )
    ppms, n_sites = filter_pwms(conv, x)
    assert n_sites[0] == 0 and np.allclose(ppms[0], 0.25) and n_sites[1] > 0
    with pytest.raises(ValueError, match="threshold"):
        filter_pwms(conv, x, threshold=1.0)
    with pytest.raises(ValueError, match=r"\(N, 4, L\)"):
        filter_pwms(conv, x[0])
    padded = nn.Conv1d(4, 2, 5, padding=2)
    with pytest.raises(ValueError, match="no padding"):
        filter_pwms(padded, x)


# ------------------------------------------------- one_hot_weights (dense first layers)


def test_one_hot_weights_centres_columns_and_keeps_order():
    w = np.arange(24.0)  # (4 * 6,)
    m = one_hot_weights(w, 6)
    assert m.shape == (1, 4, 6)
    np.testing.assert_allclose(m.sum(axis=1), 0.0, atol=1e-12)
    # at each position the channels are A < C < G < T because feature index grows
    # channel-major
    assert (np.diff(m[0], axis=0) > 0).all()


def test_one_hot_weights_from_module_and_score_invariance(rng):
    model = MLP(4 * 5, hidden_sizes=(7,))
    m = one_hot_weights(model, 5)
    assert m.shape == (7, 4, 5)
    # centring changes every one-hot score by the same constant (it only moves the bias)
    w = model.net[0].weight.detach().numpy().reshape(7, 4, 5)
    x = random_one_hot(rng, 10, 5)
    diff = np.einsum("ucl,ncl->nu", w, x) - np.einsum("ucl,ncl->nu", m, x)
    np.testing.assert_allclose(diff, diff[:1].repeat(10, axis=0), atol=1e-5)


def test_one_hot_weights_and_conv_weights_are_centred_the_same_way():
    conv = nn.Conv1d(4, 3, 5)
    flat = conv.weight.detach().reshape(
        3, -1
    )  # channel-major, as a dense layer on x.flatten(1) sees it
    np.testing.assert_allclose(
        one_hot_weights(flat, 5), conv_weight_to_pwm(conv), atol=1e-6
    )


def test_one_hot_weights_errors():
    with pytest.raises(ValueError, match="length 4"):
        one_hot_weights(np.zeros((2, 20)), 4)
    with pytest.raises(ValueError, match="no nn.Linear"):
        one_hot_weights(nn.ReLU(), 4)
    with pytest.raises(ValueError, match="length"):
        one_hot_weights(np.zeros(8), 0)
