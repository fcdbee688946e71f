"""Tests for gdl_utils.regression (enrichment targets, additive logo matrix, scoring, mutagenesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gdl_utils.regression import (count_mutations, log2_enrichment, mutation_effects, position_enrichment,
                                  regression_report)
from gdl_utils.sequence import one_hot


def test_log2_enrichment_values_and_depth_normalisation():
    sel, lib = np.array([0, 3, 7]), np.array([1, 3, 0])
    raw = log2_enrichment(sel, lib, normalize=False)
    np.testing.assert_allclose(raw, np.log2([1 / 2, 4 / 4, 8 / 1]))
    norm = log2_enrichment(sel, lib)
    np.testing.assert_allclose(norm, raw - np.log2(10 / 4))
    # doubling the depth of one pool changes nothing after normalisation (up to the pseudocount)
    sel, lib = np.array([5, 30, 700]), np.array([10, 30, 20])
    once = log2_enrichment(sel, lib, pseudocount=1e-9)
    np.testing.assert_allclose(once, log2_enrichment(2 * sel, lib, pseudocount=1e-9), atol=1e-6)


@pytest.mark.parametrize("sel, lib, msg", [
    ([1, -1], [1, 1], "selected: counts must be finite and >= 0, got -1.0 at index 1"),
    ([1, 2], [1], "selected has 2 counts but library has 1"),
    ([[1]], [1], "expected a 1-D array"),
    ([0, 0], [1, 1], "at least one read in each pool"),
])
def test_log2_enrichment_errors(sel, lib, msg):
    with pytest.raises(ValueError, match=msg.replace("(", r"\(")):
        log2_enrichment(sel, lib)


def test_log2_enrichment_rejects_bad_pseudocount():
    with pytest.raises(ValueError, match="pseudocount"):
        log2_enrichment([1], [1], pseudocount=0)


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=30))
@settings(max_examples=50, deadline=None)
def test_log2_enrichment_is_monotone_in_selected(pairs):
    sel, lib = np.array(pairs).T
    base = log2_enrichment(sel, lib, normalize=False)
    more = log2_enrichment(sel + 1, lib, normalize=False)
    assert np.all(more > base) and np.all(np.isfinite(base))


def test_position_enrichment_finds_the_selected_base():
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 6)) for _ in range(400)]
    lib = np.ones(len(seqs))
    sel = np.array([5.0 if s[2] == "G" else 1.0 for s in seqs])  # G at position 2 is selected for
    m = position_enrichment(seqs, sel, lib)
    assert m.shape == (4, 6)
    np.testing.assert_allclose(m.mean(axis=0), 0, atol=1e-12)
    assert np.argmax(m[:, 2]) == 2 and m[2, 2] > 1.0
    assert np.abs(np.delete(m, 2, axis=1)).max() < 0.3  # other positions carry no signal


def test_position_enrichment_matches_a_direct_count():
    seqs = ["ACGT", "AAGT", "TCGA"]
    sel, lib = np.array([2, 0, 1]), np.array([1, 1, 1])
    m = position_enrichment(seqs, sel, lib, pseudocount=1.0)
    x = one_hot(seqs)  # (3, 4, 4)
    s_cnt = np.einsum("n,nbl->bl", sel, x) + 1
    l_cnt = np.einsum("n,nbl->bl", lib, x) + 1
    expect = np.log2((s_cnt / s_cnt.sum(0)) / (l_cnt / l_cnt.sum(0)))
    np.testing.assert_allclose(m, expect - expect.mean(0))


def test_position_enrichment_errors():
    with pytest.raises(ValueError, match="record 1 has length 3, expected 4"):
        position_enrichment(["ACGT", "ACG"], [1, 1], [1, 1])
    with pytest.raises(ValueError, match="record 0 has 'N' at position 2"):
        position_enrichment(["ACNT"], [1], [1])
    with pytest.raises(ValueError, match="2 sequences but 1 selected"):
        position_enrichment(["ACGT", "ACGT"], [1], [1, 1])


def test_count_mutations():
    assert count_mutations(["ACGT", "acgA", "TTTT"], "ACGT").tolist() == [0, 1, 3]
    with pytest.raises(ValueError, match="length 3, reference 4"):
        count_mutations(["ACG"], "ACGT")


def test_regression_report_perfect_and_known_values():
    y = np.arange(10.0)
    rep = regression_report(y, 2 * y + 1)
    assert isinstance(rep, pd.Series)
    assert rep["pearson"] == pytest.approx(1.0) and rep["spearman"] == pytest.approx(1.0)
    assert rep["r2"] < 0  # correlated but far off: worse than predicting the mean
    exact = regression_report(y, y)
    assert exact["r2"] == pytest.approx(1.0) and exact["rmse"] == pytest.approx(0.0) and exact["n"] == 10
    anti = regression_report(y, -y[:, None])  # (N, 1) predictions are accepted
    assert anti["pearson"] == pytest.approx(-1.0)


def test_regression_report_accepts_tensors_and_rank_metric_ignores_monotone_maps(device):
    rng = np.random.default_rng(1)
    y = rng.normal(size=50)
    pred = torch.tensor(np.exp(y), device=device)
    rep = regression_report(y, pred)
    assert rep["spearman"] == pytest.approx(1.0)
    assert rep["pearson"] < 0.99


@pytest.mark.parametrize("t, p, msg", [
    ([1, 2, 3], [1, 2], "3 values but y_pred has 2"),
    ([1, 2], [1, 2], "at least 3"),
    ([1, 1, 1], [1, 2, 3], "y_true is constant"),
    ([1, 2, np.nan], [1, 2, 3], "finite"),
    (np.ones((3, 2)), np.ones((3, 2)), r"shape \(3, 2\)"),
])
def test_regression_report_errors(t, p, msg):
    with pytest.raises(ValueError, match=msg):
        regression_report(t, p)


def test_mutation_effects_of_an_additive_model():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(4, 7))  # prediction = sum of w[base, position]
    seq = "ACGTTGA"

    def predict(x):
        return np.einsum("nbl,bl->n", x, w)

    eff = mutation_effects(predict, seq)
    ref = one_hot(seq).astype(bool)
    assert eff.shape == (4, 7)
    np.testing.assert_allclose(eff[ref], 0.0, atol=1e-12)
    ref_base = np.argmax(one_hot(seq), axis=0)  # (7,) codes of the reference
    expect = w - w[ref_base, np.arange(7)][None, :]  # effect of b at p = w[b, p] - w[ref base, p]
    np.testing.assert_allclose(eff, expect, atol=1e-9)


def test_mutation_effects_with_a_torch_model(device):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 5, 1)).to(device).eval()

    def predict(x):
        with torch.no_grad():
            return model(torch.as_tensor(x, device=device)).cpu().numpy()  # (M, 1)

    eff = mutation_effects(predict, "GATTC")
    assert eff.shape == (4, 5) and np.isfinite(eff).all()
    assert np.count_nonzero(np.abs(eff) < 1e-6) == 5  # exactly the 5 reference entries vanish (generic weights)


def test_mutation_effects_checks_predict_fn_output():
    with pytest.raises(ValueError, match="returned 1 values for 9 inputs"):
        mutation_effects(lambda x: np.zeros(1), "AC")
