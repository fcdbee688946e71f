"""gdl_utils.transfer: leak-free source/target splits, trunk/head surgery, the masked
multi-head loss, gradient cosines and the learning-curve runner (chapter 9)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import MIRRORS, needs_mirror
from torch import nn

from gdl_utils.dna import reverse_complement
from gdl_utils.models import MultiTaskCNN
from gdl_utils.runtime import seeded
from gdl_utils.training import fit
from gdl_utils.transfer import (
    MaskedBatch,
    MaskedStep,
    assign_parts,
    check_no_leak,
    curve_summary,
    drop_crossing,
    gradient_cosine,
    head_layer,
    learning_curve,
    load_sigma_promoters,
    masked_bce,
    masked_loader,
    nested_sample,
    shares_kmer,
    task_gradients,
    trainable_names,
    transfer_model,
)

PARTS = ("source", "target_train", "target_test")


def random_seqs(rng, n, length=81):
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def overlapping_frame(seed, n=60):
    """Sequences in two groups, many of them shifted copies of one another."""
    rng = np.random.default_rng(seed)
    base = random_seqs(rng, n // 2, 120)
    seqs = []
    for i in range(n):
        s = base[i % len(base)]
        shift = int(rng.integers(0, 40))
        piece = s[shift : shift + 81]
        seqs.append(reverse_complement(piece) if rng.random() < 0.5 else piece)
    group = np.where(rng.random(n) < 0.5, "g1", "g2")
    return pd.DataFrame(
        {"id": [f"r{i}" for i in range(n)], "seq": seqs, "group": group}
    )


# --- overlap and leak-free splits ------------------------------------------------


def test_shares_kmer_finds_overlaps_on_either_strand():
    rng = np.random.default_rng(0)
    long = random_seqs(rng, 1, 150)[0]
    ref = [long[:81]]
    shifted, far = long[50:131], random_seqs(rng, 1)[0]
    got = shares_kmer([shifted, reverse_complement(shifted), far], ref, k=20)
    assert got.tolist() == [True, True, False]  # 31 bp overlap, its RC, unrelated
    assert shares_kmer([long[61:142]], ref, k=20)[0]  # a 20-bp overlap is one 20-mer
    assert not shares_kmer([long[62:143]], ref, k=20)[0]  # 19 bp is none


def test_shares_kmer_rejects_bad_k_and_letters():
    with pytest.raises(ValueError, match="k must be <= 32"):
        shares_kmer(["ACGT" * 10], ["ACGT" * 10], k=33)
    with pytest.raises(ValueError, match="'N'"):
        shares_kmer(["ACGN" * 10], ["ACGT" * 10], k=5)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(8, 24))
def test_no_leak_between_source_and_target(seed, k):
    """Property: after drop_crossing no target window shares a k-mer with the source,
    and no test window with the target's training windows."""
    frame = overlapping_frame(seed)
    fr = {
        g: {"source": 0.5, "target_train": 0.25, "target_test": 0.25}
        for g in ("g1", "g2")
    }
    split = drop_crossing(frame, assign_parts(frame, fr, seed=seed), PARTS, k=k)
    check_no_leak(split, PARTS, k=k)
    src = split.loc[split["part"] == "source", "seq"]
    for part in PARTS[1:]:
        assert not shares_kmer(split.loc[split["part"] == part, "seq"], src, k=k).any()
    assert (split["part"] == "source").sum() == (
        assign_parts(frame, fr, seed=seed) == "source"
    ).sum()  # the source is kept whole
    assert set(split.index) <= set(frame.index)


def test_check_no_leak_fails_on_a_leaky_split():
    frame = overlapping_frame(1)
    fr = {
        g: {"source": 0.5, "target_train": 0.25, "target_test": 0.25}
        for g in ("g1", "g2")
    }
    leaky = frame.assign(part=assign_parts(frame, fr, seed=1))
    with pytest.raises(ValueError, match="share a 20-mer"):
        check_no_leak(leaky, PARTS, k=20)


def test_assign_parts_fractions_and_errors():
    frame = pd.DataFrame({"seq": ["A"] * 100, "group": ["a"] * 60 + ["b"] * 40})
    parts = assign_parts(frame, {"a": {"x": 0.5, "y": 0.5}}, seed=0)
    assert (parts[:60] == "x").sum() == 30 and (parts[60:] == "").all()
    assert parts.equals(assign_parts(frame, {"a": {"x": 0.5, "y": 0.5}}, seed=0))
    with pytest.raises(ValueError, match="sum to 1"):
        assign_parts(frame, {"a": {"x": 0.5, "y": 0.4}}, seed=0)


# --- data --------------------------------------------------------------------------


def test_sigma_file_with_non_acgt_names_file_and_line(tmp_path):
    good = "c" * 40 + "A" + "g" * 40
    bad = "c" * 40 + "N" + "g" * 40
    path = tmp_path / "sigma54promoter.txt"
    path.write_text(f">p1\n{good}\n>p2\n{bad[:57]}\n{bad[57:]}\n")
    with pytest.raises(ValueError, match=r"sigma54promoter\.txt, line 3.*'N'"):
        load_sigma_promoters((54,), negatives=False, paths={54: path})
    with pytest.raises(ValueError, match="unknown sigma"):
        load_sigma_promoters((99,), negatives=False)


@needs_mirror
def test_sigma_files_add_up_to_the_benchmark(monkeypatch):
    monkeypatch.setenv("GDL_OFFLINE", "1")
    monkeypatch.setenv("GDL_DATA_MIRROR", ":".join(MIRRORS))
    data = load_sigma_promoters()
    counts = data["group"].value_counts()
    assert counts["sigma70"] == 1694 and counts["sigma54"] == 94
    assert (data["label"] == 1).sum() == 2860 and (data["label"] == 0).sum() == 2860


# --- surgery -----------------------------------------------------------------------


def small_model():
    return MultiTaskCNN(
        1, (8, 8), (5, 3), (2, 0), hidden=0, dropout=0.0, batch_norm=False
    )


def trained_source():
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (64, 30))].transpose(0, 2, 1)
    y = rng.integers(0, 2, 64).astype(np.float32)
    with seeded(0):
        model = small_model()
    fit(model, (x, y), loss_fn=nn.BCEWithLogitsLoss(), epochs=2, seed=0, verbose=False)
    return model, x, y


def test_head_layer_is_the_last_linear():
    model = small_model()
    assert head_layer(model) is model.head[1]
    with pytest.raises(ValueError, match="no nn.Linear"):
        head_layer(nn.Conv1d(4, 2, 3))


@pytest.mark.parametrize("how", ["zero_shot", "keep_head", "fresh_head", "probe"])
def test_surgery_keeps_resets_and_freezes_the_right_params(how):
    source, x, y = trained_source()
    before = {n: p.detach().clone() for n, p in source.named_parameters()}
    model = transfer_model(source, how, seed=3)
    head = {"head.1.weight", "head.1.bias"}
    for name, p in model.named_parameters():
        same = torch.equal(p, before[name])
        if name in head and how in ("fresh_head", "probe"):
            assert not same, f"{how} re-initialises the head"
        else:
            assert same, f"{how} keeps {name}"
    expected = sorted(head) if how == "probe" else sorted(before)
    assert sorted(trainable_names(model)) == expected
    # training moves exactly the trainable parameters; the source is untouched
    start = {n: p.detach().clone() for n, p in model.named_parameters()}
    fit(model, (x, y), loss_fn=nn.BCEWithLogitsLoss(), epochs=2, seed=0, verbose=False)
    for name, p in model.named_parameters():
        assert torch.equal(p, start[name]) == (name not in expected), name
    for name, p in source.named_parameters():
        assert torch.equal(p, before[name])


def test_fresh_head_is_named_by_its_seed():
    source, _, _ = trained_source()
    a = transfer_model(source, "fresh_head", seed=1)
    b = transfer_model(source, "fresh_head", seed=1)
    c = transfer_model(source, "fresh_head", seed=2)
    assert torch.equal(head_layer(a).weight, head_layer(b).weight)
    assert not torch.equal(head_layer(a).weight, head_layer(c).weight)
    with pytest.raises(ValueError, match="how must be one of"):
        transfer_model(source, "freeze_all")


# --- masked loss and gradient cosine ------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_masked_loss_ignores_masked_entries(seed):
    """Property: changing labels or logits where the mask is 0 changes nothing."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(8, 4, generator=g)
    y = (torch.rand(8, 4, generator=g) > 0.5).float()
    mask = (torch.rand(8, 4, generator=g) > 0.4).float()
    mask[0, 0] = 1.0
    loss = masked_bce(logits, y, mask)
    noise = torch.randn(8, 4, generator=g) * 10
    off = mask == 0
    changed = masked_bce(
        torch.where(off, noise, logits), torch.where(off, 7.0, y), mask
    )
    assert torch.allclose(loss, changed)
    full = nn.functional.binary_cross_entropy_with_logits(
        logits[mask.bool()], y[mask.bool()]
    )
    assert torch.allclose(loss, full)


def test_masked_loss_task_weights_and_errors():
    logits = torch.zeros(2, 2)
    y = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    mask = torch.ones(2, 2)
    assert torch.allclose(
        masked_bce(logits, y, mask, [1.0, 0.0]), torch.log(torch.tensor(2.0))
    )
    with pytest.raises(ValueError, match="one shape"):
        masked_bce(logits, y[:, :1], mask)
    with pytest.raises(ValueError, match="task_weights"):
        masked_bce(logits, y, mask, [1.0, -1.0])


def test_masked_step_trains_through_fit_and_a_masked_head_gets_no_gradient():
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (32, 30))].transpose(0, 2, 1)
    y = rng.integers(0, 2, (32, 3)).astype(np.float32)
    mask = np.ones((32, 3), np.float32)
    mask[:, 2] = 0  # task 2 never observed
    with seeded(0):
        model = MultiTaskCNN(
            3, (8,), (5,), (0,), hidden=0, dropout=0.0, batch_norm=False
        )
    w2 = model.head[1].weight[2].detach().clone()
    loader = masked_loader(x, y, mask, batch_size=8, seed=0)
    batch = next(iter(loader))
    assert isinstance(batch, MaskedBatch) and batch.x.shape == (8, 4, 30)
    hist = fit(model, loader, step=MaskedStep(), epochs=2, seed=0, verbose=False)
    assert hist is not None
    assert torch.equal(model.head[1].weight[2], w2)  # AdamW without decay: untouched


def test_gradient_cosine_matches_by_hand():
    torch.manual_seed(0)
    model = MultiTaskCNN(2, (4,), (3,), (0,), hidden=0, dropout=0.0, batch_norm=False)
    x = torch.eye(4)[torch.randint(0, 4, (6, 12))].permute(0, 2, 1)
    y = torch.randint(0, 2, (6, 2)).float()
    mask = torch.ones(6, 2)
    batch = MaskedBatch(x, y, mask)
    trunk = list(model.blocks.parameters())
    cos = gradient_cosine(model, batch, trunk)
    assert cos.shape == (2, 2) and torch.allclose(torch.diag(cos), torch.ones(2))
    grads = []
    for t in range(2):
        model.zero_grad()
        out = model(x)
        nn.functional.binary_cross_entropy_with_logits(out[:, t], y[:, t]).backward()
        grads.append(torch.cat([p.grad.reshape(-1) for p in trunk]))
    want = torch.nn.functional.cosine_similarity(grads[0], grads[1], dim=0)
    assert torch.allclose(cos[0, 1], want, atol=1e-5)
    mask[:, 1] = 0
    g = task_gradients(model, MaskedBatch(x, y, mask), trunk)
    assert torch.count_nonzero(g[1]) == 0


# --- learning curves -----------------------------------------------------------------


def test_nested_sample_is_nested_and_balanced():
    frame = pd.DataFrame({"seq": list("x" * 50), "label": [0] * 30 + [1] * 20})
    small, big = (nested_sample(frame, n, seed=4) for n in (5, 15))
    assert set(small.index) <= set(big.index)
    assert small["label"].value_counts().tolist() == [5, 5]
    with pytest.raises(ValueError, match="group 1 has 20 rows"):
        nested_sample(frame, 25, seed=0)


def test_learning_curve_is_tidy_and_summarised():
    def score(method, n, seed):
        return {"a": n + seed, "b": -n} if method == "m" else n

    df = learning_curve(score, method=["m", "z"], n=[1, 2], seed=[0, 1])
    assert len(df) == 2 * 2 * 2 + 2 * 2 * 1
    assert list(df.columns) == ["method", "n", "seed", "metric", "value"]
    summary = curve_summary(df, ["method", "n", "metric"])
    row = summary[
        (summary["method"] == "m") & (summary["n"] == 2) & (summary["metric"] == "a")
    ]
    assert row["mean"].item() == 2.5 and row["runs"].item() == 2
    with pytest.raises(ValueError, match="at least one axis"):
        learning_curve(score)
