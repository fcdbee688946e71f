"""Tests for gdl_utils.models.cnn: DeepBind, MultiTaskCNN and the
reverse-complement-averaging wrapper."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import random_one_hot
from torch import nn

from gdl_utils.dna.sequence import one_hot
from gdl_utils.dna.strands import reverse_complement
from gdl_utils.models.cnn import DeepBind, MultiTaskCNN
from gdl_utils.models.wrappers import RCAveraged, reverse_complement_onehot

# ---------------------------------------------------------------- shapes and errors


@pytest.mark.parametrize("length", [24, 57, 200])
def test_deepbind_shapes_any_length(device, rng, length):
    model = DeepBind(n_filters=8, kernel_size=24, hidden=16, n_outputs=3).to(device)
    out = model(random_one_hot(rng, 5, length, tensor=True).to(device))
    assert out.shape == (5, 3) and out.device.type == device.type
    acts = model.first_layer_activations(
        random_one_hot(rng, 2, length, tensor=True).to(device)
    )
    assert acts.shape == (2, 8, length - 24 + 1) and (acts >= 0).all()
    assert model.first_layer is model.conv and model.first_layer.weight.shape == (
        8,
        4,
        24,
    )


@pytest.mark.parametrize("global_pool", ["max", "avg", "maxavg"])
def test_deepbind_pooling_options(global_pool, rng):
    model = DeepBind(n_filters=4, kernel_size=5, global_pool=global_pool, hidden=0)
    assert model(random_one_hot(rng, 3, 30, tensor=True)).shape == (3, 1)
    assert model.head[-1].in_features == (8 if global_pool == "maxavg" else 4)


def test_deepbind_rejects_short_or_misshaped_input(rng):
    model = DeepBind(kernel_size=24)
    with pytest.raises(ValueError, match="length 23 is shorter"):
        model(random_one_hot(rng, 2, 23, tensor=True))
    with pytest.raises(
        ValueError, match=r"DeepBind: input: expected one-hot shape \(N, 4, L\)"
    ):
        model(torch.zeros(2, 5, 40))
    with pytest.raises(ValueError, match="dropout"):
        DeepBind(dropout=1.5)
    with pytest.raises(ValueError, match="global_pool"):
        DeepBind(global_pool="sum")


@pytest.mark.parametrize("length", [100, 200, 333])
def test_multitask_shapes_and_length_independence(device, rng, length):
    model = MultiTaskCNN(n_outputs=7).to(device).eval()
    assert model.n_outputs == 7
    out = model(random_one_hot(rng, 4, length, tensor=True).to(device))
    assert out.shape == (4, 7) and torch.isfinite(out).all()
    assert isinstance(
        model.first_layer, nn.Conv1d
    ) and model.first_layer.weight.shape == (64, 4, 15)
    assert model.first_layer_activations(
        random_one_hot(rng, 2, length, tensor=True).to(device)
    ).shape == (2, 64, length - 14)


def test_multitask_depth_and_min_length(rng):
    model = MultiTaskCNN(
        2,
        conv_channels=(16, 16, 16, 16),
        kernel_sizes=5,
        pool_sizes=(2, 2, 2, 0),
        batch_norm=False,
    )
    assert len(model.blocks) == 4
    assert not any(isinstance(m, nn.BatchNorm1d) for m in model.modules())
    assert model.min_length == 2 * 2 * 2 + 5 - 1
    assert model(random_one_hot(rng, 2, model.min_length, tensor=True)).shape == (2, 2)
    with pytest.raises(ValueError, match="shorter than the minimum 12"):
        model(random_one_hot(rng, 2, model.min_length - 1, tensor=True))
    shallow = MultiTaskCNN(
        1, conv_channels=(8,), kernel_sizes=(19,), pool_sizes=(0,), hidden=0
    )
    assert shallow.min_length == 19 and shallow(
        random_one_hot(rng, 3, 19, tensor=True)
    ).shape == (
        3,
        1,
    )


def test_multitask_rejects_mismatched_layer_lists():
    with pytest.raises(
        ValueError, match="kernel_sizes has 2 entries but conv_channels has 3"
    ):
        MultiTaskCNN(3, conv_channels=(8, 8, 8), kernel_sizes=(5, 5))
    with pytest.raises(ValueError, match="pool sizes"):
        MultiTaskCNN(3, conv_channels=(8,), kernel_sizes=5, pool_sizes=-1)


def test_batch_norm_changes_first_layer_activations_only_by_affine_map(rng):
    model = MultiTaskCNN(
        2, conv_channels=(6, 6), kernel_sizes=(5, 3), pool_sizes=(2, 0)
    ).eval()
    x = random_one_hot(rng, 3, 40, tensor=True)
    bn = model.blocks[0][1]
    expect = torch.relu(
        (model.first_layer(x) - bn.running_mean[:, None])
        / torch.sqrt(bn.running_var[:, None] + bn.eps)
        * bn.weight[:, None]
        + bn.bias[:, None]
    )
    torch.testing.assert_close(model.first_layer_activations(x), expect)


# ---------------------------------------------------------------- reverse complement


def test_reverse_complement_onehot_matches_string_version():
    seqs = ["ACGTTGCAAN", "GGGATCCCTA"]
    x = torch.from_numpy(one_hot(seqs))
    assert np.array_equal(
        reverse_complement_onehot(x).numpy(), one_hot(reverse_complement(seqs))
    )


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.text(alphabet="ACGT", min_size=30, max_size=30), min_size=1, max_size=6)
)
def test_rc_averaged_is_strand_invariant_for_random_sequences(seqs):
    torch.manual_seed(0)
    model = RCAveraged(
        MultiTaskCNN(3, conv_channels=(8, 8), kernel_sizes=(7, 3), pool_sizes=(2, 0))
    ).eval()
    x = torch.from_numpy(one_hot(seqs))
    x_rc = torch.from_numpy(one_hot(reverse_complement(seqs)))
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(x_rc), rtol=1e-6, atol=1e-6)
        plain = model.model(x)
        # the wrapped model alone is not strand-symmetric (else the test proves nothing)
        assert not torch.allclose(plain, model.model(x_rc), atol=1e-4)


def test_rc_averaged_on_device(device, rng):
    torch.manual_seed(1)
    model = RCAveraged(DeepBind(n_filters=4, kernel_size=9)).to(device).eval()
    x = random_one_hot(rng, 8, 50, tensor=True).to(device)
    with torch.no_grad():
        out, out_rc = model(x), model(reverse_complement_onehot(x))
        expect = (model.model(x) + model.model(reverse_complement_onehot(x))) / 2
    torch.testing.assert_close(out, out_rc, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out, expect)
    assert model.first_layer is model.model.conv


# ---------------------------------------------------------------- learning


def test_deepbind_overfits_a_planted_kmer(device, rng):
    torch.manual_seed(0)
    n, length = 64, 40
    x = random_one_hot(rng, n, length, tensor=True)
    y = torch.zeros(n, 1)
    motif = torch.from_numpy(one_hot("GATTACA"))
    for i in range(
        0, n, 2
    ):  # every other sequence carries GATTACA at a random position
        p = int(rng.integers(0, length - 7))
        x[i, :, p : p + 7] = motif
        y[i] = 1.0
    model = DeepBind(n_filters=8, kernel_size=9, hidden=16, dropout=0.0).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = x.to(device), y.to(device)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(80):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert ((model(x) > 0).float() == y).all()


def test_multitask_cnn_fits_two_tasks_and_autocast(device, rng):
    torch.manual_seed(0)
    x = random_one_hot(rng, 64, 60, tensor=True)
    y = torch.zeros(64, 2)
    for i in range(64):
        for t, kmer in enumerate(["CACGTG", "TGACTCA"]):
            if (i >> t) & 1:
                p = int(rng.integers(0, 60 - len(kmer)))
                x[i, :, p : p + len(kmer)] = torch.from_numpy(one_hot(kmer))
                y[i, t] = 1.0
    model = MultiTaskCNN(
        2, conv_channels=(16, 16), kernel_sizes=(9, 3), pool_sizes=(2, 0), dropout=0.0
    )
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = x.to(device), y.to(device)
    for _ in range(80):
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        opt.step()
    model.eval()
    assert ((model(x) > 0).float() == y).float().mean() > 0.97
    if (
        device.type == "cuda"
    ):  # mixed precision forward pass gives finite outputs of the same shape
        with torch.autocast("cuda", dtype=torch.float16):
            assert torch.isfinite(model(x).float()).all()
