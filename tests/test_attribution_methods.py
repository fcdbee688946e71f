"""Tests for gdl_utils.interpret.methods and gdl_utils.interpret.scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from gdl_utils.dna.sequence import one_hot
from gdl_utils.interpret.ism import mutation_effects
from gdl_utils.interpret.methods import (
    attribute,
    check_attribution_input,
    dinucleotide_shuffle,
    ism,
)
from gdl_utils.interpret.scores import (
    position_importance,
    random_attribution,
    randomized_copy,
    rank_similarity,
    rc_agreement,
    score_positions,
    simplex_correction,
    site_mask,
)
from gdl_utils.models import DeepBind, MultiTaskCNN, RCAveraged


def _seqs(n, length, seed=0):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), size=length)) for _ in range(n)]


class _Small(nn.Module):
    """Conv -> ReLU -> flatten -> linear: modules only (DeepLIFT's rules apply)."""

    n_outputs = 2

    def __init__(self, length=12):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(4, 3, 5), nn.ReLU(), nn.Flatten(), nn.Linear(3 * (length - 4), 2)
        )

    def forward(self, x):
        return self.net(x)


def _model(device, seed=0):
    torch.manual_seed(seed)
    return _Small().to(device).eval()


def test_ism_equals_brute_force(device):
    model = _model(device)
    seqs = _seqs(5, 12)
    got = ism(model, one_hot(seqs), target=1, batch_size=50)

    def predict(x):
        with torch.no_grad():
            return model(torch.as_tensor(x, device=device))[:, 1].cpu().numpy()

    for i, s in enumerate(seqs):
        np.testing.assert_allclose(got[i], mutation_effects(predict, s), atol=1e-5)
    assert (got[one_hot(seqs).astype(bool)] == 0).all()


def test_integrated_gradients_completeness(device):
    model = _model(device)
    x = one_hot(_seqs(4, 12, seed=1))
    att = attribute(model, x, "integrated_gradients", target=0, ig_steps=256)
    with torch.no_grad():
        f_x = model(torch.as_tensor(x, device=device))[:, 0].cpu().numpy()
        base = torch.full((4, 4, 12), 0.25, device=device)
        f_0 = model(base)[:, 0].cpu().numpy()
    np.testing.assert_allclose(att.sum(axis=(1, 2)), f_x - f_0, atol=2e-3)


def test_deeplift_summation_and_deepliftshap_is_captum(device):
    from captum.attr import DeepLiftShap

    model = _model(device)
    x = one_hot(_seqs(3, 12, seed=2))
    ours = attribute(model, x[:1], "deepliftshap", n_references=4, seed=5)
    refs = torch.as_tensor(dinucleotide_shuffle(x[:1], 4, seed=5)[0], device=device)
    theirs = DeepLiftShap(model).attribute(
        torch.as_tensor(x[:1], device=device), baselines=refs, target=0
    )
    np.testing.assert_allclose(ours, theirs.detach().cpu().numpy(), atol=1e-5)
    # summation to delta against a single reference (exact for ReLU networks)
    dl = attribute(model, x, "deeplift", seed=3)
    ref = torch.as_tensor(dinucleotide_shuffle(x, 1, seed=3)[:, 0], device=device)
    with torch.no_grad():
        delta = model(torch.as_tensor(x, device=device)) - model(ref)
    np.testing.assert_allclose(dl.sum(axis=(1, 2)), delta[:, 0].cpu(), atol=1e-4)


def test_gradient_methods_agree_on_a_linear_model(device):
    torch.manual_seed(0)
    lin = nn.Sequential(nn.Flatten(), nn.Linear(4 * 6, 1)).to(device)
    x = one_hot(_seqs(3, 6))
    w = lin[1].weight.detach().cpu().numpy().reshape(4, 6)
    sal = attribute(lin, x, "saliency")
    np.testing.assert_allclose(sal, np.broadcast_to(w, sal.shape), atol=1e-6)
    np.testing.assert_allclose(attribute(lin, x, "grad_x_input"), x * w, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="ACGT", min_size=2, max_size=40), st.integers(0, 2**16))
def test_dinucleotide_shuffle_keeps_dinucleotide_counts(seq, seed):
    x = one_hot([seq])
    shuffled = dinucleotide_shuffle(x, 3, seed=seed)[0]
    assert shuffled.shape == (3, 4, len(seq))
    assert (shuffled.sum(axis=1) == 1).all()

    def counts(c):
        m = np.zeros((4, 4), dtype=int)
        np.add.at(m, (c[:-1], c[1:]), 1)
        return m

    ref = counts(x[0].argmax(axis=0))
    for s in shuffled:
        np.testing.assert_array_equal(counts(s.argmax(axis=0)), ref)


def test_dinucleotide_shuffle_is_seeded_and_shuffles():
    x = one_hot(_seqs(2, 200))
    a, b = dinucleotide_shuffle(x, 2, seed=1), dinucleotide_shuffle(x, 2, seed=1)
    np.testing.assert_array_equal(a, b)
    assert (a[:, 0] != x).any()


def test_simplex_correction_sums_to_zero():
    g = np.random.default_rng(0).normal(size=(3, 4, 7))
    c = simplex_correction(g)
    np.testing.assert_allclose(c.sum(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(c - g, np.broadcast_to(c - g, g.shape))
    assert np.allclose((c - g)[:, 0], (c - g)[:, 3])  # same shift for each channel


def test_scores_of_perfect_and_random_attributions():
    truth = np.zeros((50, 40), dtype=bool)
    truth[:, 10:18] = True
    perfect = score_positions(truth.astype(float), truth)
    assert np.allclose(perfect.auroc, 1.0) and np.allclose(perfect.auprc, 1.0)
    rand = np.abs(random_attribution((50, 4, 40), seed=0)).sum(axis=1)
    scores = score_positions(rand, truth)
    assert abs(scores.auroc.mean() - 0.5) < 0.06
    assert abs(scores.auprc.mean() - 0.2) < 0.08
    inverted = score_positions(-truth.astype(float), truth)
    assert np.allclose(inverted.auroc, 0.0)


def test_site_mask_and_position_importance():
    sites = pd.DataFrame(
        {"seq_index": [0, 1], "motif": ["a", "b"], "start": [2, 0], "end": [5, 3]}
    )
    m = site_mask(sites, 2, 6)
    assert m.sum() == 6 and m[0, 2:5].all()
    assert site_mask(sites, 2, 6, motif="b").sum() == 3
    with pytest.raises(ValueError, match="outside 2 sequences of length 4"):
        site_mask(sites, 2, 4)
    x = one_hot(["ACGTAC"])
    attr = np.arange(24, dtype=float).reshape(1, 4, 6) - 12
    np.testing.assert_allclose(position_importance(attr, x)[0], [12, 5, 2, 9, 8, 1])


def test_randomisation_and_rank_similarity(device):
    model = _model(device)
    clone = randomized_copy(model, seed=7)
    assert not torch.equal(clone.net[0].weight, model.net[0].weight)
    a = np.random.default_rng(0).normal(size=(3, 30))
    np.testing.assert_allclose(rank_similarity(a, 2 * a + 1), 1.0)
    np.testing.assert_allclose(rank_similarity(a, -a), -1.0)


def test_rc_agreement_of_an_rc_averaged_model(device):
    torch.manual_seed(0)
    model = RCAveraged(DeepBind(n_filters=4, kernel_size=5, hidden=0, dropout=0.0))
    model = model.to(device).eval()
    x = one_hot(_seqs(4, 20))
    xr = x[:, ::-1, ::-1].copy()
    for method in ("saliency", "grad_x_input", "integrated_gradients"):
        agree = rc_agreement(attribute(model, x, method), attribute(model, xr, method))
        np.testing.assert_allclose(agree, 1.0, atol=1e-4)
    plain = DeepBind(n_filters=4, kernel_size=5, hidden=0, dropout=0.0).to(device)
    agree = rc_agreement(
        attribute(plain, x, "saliency"), attribute(plain, xr, "saliency")
    )
    assert agree.mean() < 0.9


def test_clear_errors(device):
    model = _model(device)
    x = one_hot(_seqs(2, 12))
    with pytest.raises(ValueError, match=r"expected one-hot shape \(N, 4, L\)"):
        attribute(model, x[0], "saliency")
    bad = x.copy()
    bad[1, :, 3] = 0.25
    with pytest.raises(ValueError, match="sequence 1, position 3 has channel values"):
        attribute(model, bad, "saliency")
    with pytest.raises(ValueError, match="target 2 is out of range for a model with 2"):
        ism(model, x, target=2)
    with pytest.raises(ValueError, match="unknown method 'shap'"):
        attribute(model, x, "shap")
    wrong = MultiTaskCNN(3, conv_channels=(4,), kernel_sizes=(5,), pool_sizes=(0,))
    wrong.n_outputs = 5  # declares 5, returns 3
    with pytest.raises(
        ValueError, match=r"output has shape \(2, 3\), expected \(2, 5\)"
    ):
        check_attribution_input(wrong.to(device), x)
    flat = nn.Sequential(nn.Flatten(0), nn.Linear(2 * 48, 1)).to(device)
    with pytest.raises(ValueError, match="output has shape"):
        attribute(flat, x, "saliency")
    with pytest.raises(ValueError, match="exactly one base per column"):
        dinucleotide_shuffle(bad)
