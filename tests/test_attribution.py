"""Tests for gdl_utils.interpret.ism (in-silico saturation mutagenesis)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdl_utils.dna.sequence import one_hot
from gdl_utils.interpret.ism import mutation_effects


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
    # effect of b at p = w[b, p] - w[ref base, p]
    expect = w - w[ref_base, np.arange(7)][None, :]
    np.testing.assert_allclose(eff, expect, atol=1e-9)


def test_mutation_effects_with_a_torch_model(device):
    torch.manual_seed(0)
    model = (
        torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 5, 1))
        .to(device)
        .eval()
    )

    def predict(x):
        with torch.no_grad():
            return model(torch.as_tensor(x, device=device)).cpu().numpy()  # (M, 1)

    eff = mutation_effects(predict, "GATTC")
    assert eff.shape == (4, 5) and np.isfinite(eff).all()
    # exactly the 5 reference entries vanish (generic weights)
    assert np.count_nonzero(np.abs(eff) < 1e-6) == 5


def test_mutation_effects_checks_predict_fn_output():
    with pytest.raises(ValueError, match="returned 1 values for 9 inputs"):
        mutation_effects(lambda x: np.zeros(1), "AC")


def test_mutation_effects_rejects_bad_sequences_and_outputs():
    with pytest.raises(ValueError, match=r"sequence: record 0 has 'N' at position 1"):
        mutation_effects(lambda x: np.zeros(len(x)), "ANG")
    with pytest.raises(ValueError, match=r"got shape \(9, 2\)"):
        mutation_effects(lambda x: np.zeros((len(x), 2)), "AC")
    with pytest.raises(ValueError, match="non-finite value at row 3"):
        mutation_effects(lambda x: np.where(np.arange(len(x)) == 3, np.nan, 0.0), "AC")
