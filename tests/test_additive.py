"""Tests for gdl_utils.models.additive: SequencePlusFeatures is DeepBind(x) +
Linear(features); its ISM equals that of its sequence part; it trains through fit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdl_utils.dna import one_hot
from gdl_utils.interpret import ism
from gdl_utils.models import SeqFeatureBatch, SequencePlusFeatures
from gdl_utils.runtime import seeded
from gdl_utils.training import fit, predict


def _data(n=32, length=30, seed=0):
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]
    x = torch.as_tensor(one_hot(seqs), dtype=torch.float32)
    f = torch.as_tensor(rng.normal(size=(n, 2)), dtype=torch.float32)
    y = (x[:, 0].sum(dim=1, keepdim=True) / length + f[:, :1]).float()  # A content
    return x, f, y


def test_forward_is_the_sum_of_the_parts():
    x, f, _ = _data()
    with seeded(0):
        m = SequencePlusFeatures(2, n_filters=4, kernel_size=5).eval()
    out = m(x, f)
    assert out.shape == (32, 1)
    torch.testing.assert_close(out, m.sequence(x) + m.linear(f))
    with pytest.raises(ValueError, match=r"features must be \(batch, n_inputs\)"):
        m(x, f[:, :1])
    with pytest.raises(ValueError, match="n_inputs must be >= 1"):
        SequencePlusFeatures(0)


def test_ism_of_the_model_equals_ism_of_its_sequence_part():
    x, f, _ = _data(n=4)
    with seeded(1):
        m = SequencePlusFeatures(2, n_filters=4, kernel_size=5).eval()

    def predict_fn(v):
        v = torch.as_tensor(v, dtype=torch.float32)
        return m(v, f[:1].expand(len(v), 2)).detach().numpy()

    full = ism(predict_fn, x[:1])
    part = ism(m.sequence, x[:1])
    np.testing.assert_allclose(full, part, atol=1e-5)


def test_trains_through_fit_with_named_batches():
    x, f, y = _data(n=64)
    batches = [
        SeqFeatureBatch(x[i : i + 16], f[i : i + 16], y[i : i + 16])
        for i in range(0, 64, 16)
    ]
    with seeded(0):
        m = SequencePlusFeatures(2, n_filters=4, kernel_size=5, dropout=0.0)
    before = predict(m, batches)
    h = fit(m, batches, batches, epochs=30, lr=1e-2, device="cpu", verbose=False)
    after = predict(m, batches)
    loss = lambda p: float(((p - y.numpy()) ** 2).mean())  # noqa: E731
    assert after.shape == (64, 1) and loss(after) < 0.5 * loss(before)
    assert h.to_frame()["val_loss"].iloc[-1] < h.to_frame()["val_loss"].iloc[0]
