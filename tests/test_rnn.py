"""Tests for chapter 4's recurrent models (gdl_utils.models.rnn), the order task
(gdl_utils.simulate.order) and the PUM2 loader's errors (gdl_utils.datasets.rbp)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from shared_data import random_one_hot
from torch import nn

from gdl_utils.datasets.rbp import parse_pum2
from gdl_utils.dna.strands import reverse_complement
from gdl_utils.interpret.filters import filter_pwms
from gdl_utils.models.rnn import DanQ, ElmanRNN, GRUFromScratch, RecurrentClassifier
from gdl_utils.motifs.jaspar import Motif
from gdl_utils.simulate.order import pair_gaps, simulate_order
from gdl_utils.training.checkpoint import load_model, save_checkpoint

# ------------------------------------------------- hand-written cells against torch


def _copy_from(mine: nn.Module, ref: nn.Module) -> None:
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(mine, name).copy_(getattr(ref, f"{name}_l0"))


@pytest.mark.parametrize(
    ("mine_cls", "ref_cls"), [(ElmanRNN, nn.RNN), (GRUFromScratch, nn.GRU)]
)
def test_scratch_cells_equal_torch(device, mine_cls, ref_cls):
    torch.manual_seed(0)
    ref = ref_cls(5, 7, batch_first=True).to(device)
    mine = mine_cls(5, 7).to(device)
    _copy_from(mine, ref)
    x = torch.randn(3, 11, 5, device=device, requires_grad=True)
    h0 = torch.randn(3, 7, device=device)
    out_ref, h_ref = ref(x, h0[None])
    out, h = mine(x, h0)
    assert out.shape == (3, 11, 7) and h.shape == (3, 7)
    # cuDNN may use TF32 inside its recurrent kernels: a looser tolerance off the CPU
    tol = (
        dict(atol=1e-5, rtol=1e-4)
        if device.type == "cpu"
        else dict(atol=3e-3, rtol=3e-3)
    )
    torch.testing.assert_close(out, out_ref, **tol)
    torch.testing.assert_close(h, h_ref[0], **tol)
    # gradients too (backpropagation through time is autograd through the loop)
    g = torch.autograd.grad(out.sum(), x)[0]
    g_ref = torch.autograd.grad(ref(x, h0[None])[0].sum(), x)[0]
    torch.testing.assert_close(g, g_ref, **tol)


def test_scratch_cell_zero_initial_state_and_bad_sizes():
    torch.manual_seed(1)
    ref, mine = nn.GRU(4, 3, batch_first=True), GRUFromScratch(4, 3)
    _copy_from(mine, ref)
    x = torch.randn(2, 6, 4)
    torch.testing.assert_close(mine(x)[0], ref(x)[0], atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="hidden_size must be an int >= 1"):
        ElmanRNN(4, 0)


# ------------------------------------------------------------------ classifiers


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("global_pool", ["max", "avg", "last"])
def test_recurrent_classifier_shapes(device, rng, cell, global_pool):
    model = RecurrentClassifier(8, cell, global_pool=global_pool, n_outputs=3)
    out = model.to(device)(random_one_hot(rng, 5, 17, tensor=True).to(device))
    assert out.shape == (5, 3) and out.device.type == device.type


def test_last_state_reads_whole_sequence_both_ways(rng):
    """With global_pool="last" the output depends on the first and the last base."""
    torch.manual_seed(0)
    model = RecurrentClassifier(8, "gru", global_pool="last").eval()
    x = random_one_hot(rng, 1, 30, tensor=True)
    for pos in (0, 29):
        y = x.clone()
        y[0, :, pos] = torch.roll(y[0, :, pos], 1)  # another base at pos
        assert not torch.allclose(model(x), model(y))
    unidirectional = RecurrentClassifier(8, "gru", bidirectional=False).eval()
    assert unidirectional(x).shape == (1, 1)


def test_danq_shapes_filters_and_checkpoint(device, rng, tmp_path):
    model = DanQ(n_filters=6, kernel_size=5, pool_size=3, hidden=4, dense=8)
    x = random_one_hot(rng, 4, 40, tensor=True)
    assert model.to(device)(x.to(device)).shape == (4, 1)
    acts = model.first_layer_activations(x.to(device))
    assert acts.shape == (4, 6, 36) and (acts >= 0).all()
    ppms, n_sites = filter_pwms(model, x, threshold=0.5)
    assert ppms.shape == (6, 4, 5) and n_sites.shape == (6,)
    save_checkpoint(model.cpu(), tmp_path / "danq.pt")
    again = load_model(tmp_path / "danq.pt").eval()
    torch.testing.assert_close(again(x), model.eval()(x))
    assert DanQ(dense=0, hidden=4)(random_one_hot(rng, 2, 20, tensor=True)).shape == (
        2,
        1,
    )


def test_models_reject_bad_input_and_options(rng):
    with pytest.raises(ValueError, match=r"RecurrentClassifier: input: expected"):
        RecurrentClassifier()(torch.zeros(2, 5, 10))
    with pytest.raises(ValueError, match="DanQ: input length 6 is shorter"):
        DanQ(kernel_size=5, pool_size=3)(random_one_hot(rng, 2, 6, tensor=True))
    with pytest.raises(ValueError, match="cell must be one of"):
        RecurrentClassifier(cell="rnn")
    with pytest.raises(ValueError, match="global_pool must be one of"):
        DanQ(global_pool="flatten")
    with pytest.raises(ValueError, match="DanQ: pool_size must be an int >= 1"):
        DanQ(pool_size=0)


# ------------------------------------------------------------------- order task


def _motif(consensus: str, name: str) -> Motif:
    counts = np.full((4, len(consensus)), 1.0)
    for j, b in enumerate(consensus):
        counts[("ACGT").index(b), j] = 97.0
    return Motif(name, name, counts)


A, B = _motif("GGGGCGGGG", "A"), _motif("ACCGGAAGT", "B")


def test_order_task_labels_follow_the_order_on_the_motifs_strand():
    data = simulate_order(400, 60, A, B, gap=(2, 20), seed=3)
    assert data.labels.mean() == 0.5 and len(data.sites) == 800
    sites = data.sites
    a = sites[sites.motif == "A"].set_index("seq_index")
    b = sites[sites.motif == "B"].set_index("seq_index")
    assert (a.strand == b.strand).all()  # the same strand in every sequence
    a_first_fwd = a.start < b.start
    along_strand = np.where(a.strand == "+", a_first_fwd, ~a_first_fwd)
    assert np.array_equal(along_strand.astype(int), data.labels)
    gaps = pair_gaps(data)
    assert gaps.min() >= 2 and gaps.max() <= 20
    # both classes have the same gap distribution and strand mix (order is the label)
    assert abs(gaps[data.labels == 1].mean() - gaps[data.labels == 0].mean()) < 2.5
    assert 0.35 < (a.strand == "+").mean() < 0.65


def test_order_task_sequences_hold_the_sites_and_rc_keeps_the_label():
    data = simulate_order(50, 40, A, B, gap=(0, 5), seed=0)
    for row in data.sites.itertuples():
        site = data.sequences[row.seq_index][row.start : row.end]
        site = reverse_complement(site) if row.strand == "-" else site
        # sampled from a near-consensus matrix: mostly the consensus
        ref = "GGGGCGGGG" if row.motif == "A" else "ACCGGAAGT"
        assert sum(p == q for p, q in zip(site, ref)) >= len(ref) - 3
    again = simulate_order(50, 40, A, B, gap=(0, 5), seed=0)
    assert again.sequences == data.sequences  # the same seed, the same data


def test_order_task_flank_keeps_sites_off_the_ends():
    data = simulate_order(300, 50, A, B, gap=(0, 10), flank=7, seed=2)
    assert data.sites.start.min() >= 7 and data.sites.end.max() <= 50 - 7
    with pytest.raises(ValueError, match="flanks of 20"):
        simulate_order(10, 50, A, B, gap=(0, 10), flank=20)


def test_order_task_errors():
    with pytest.raises(ValueError, match="too short"):
        simulate_order(10, 20, A, B, gap=(0, 5))
    with pytest.raises(ValueError, match="min <= max"):
        simulate_order(10, 60, A, B, gap=(5, 2))
    with pytest.raises(ValueError, match="same matrix"):
        simulate_order(10, 60, A, A)
    with pytest.raises(ValueError, match=r"gap must be \(min, max\)"):
        simulate_order(10, 60, A, B, gap=5)
    data = simulate_order(10, 60, A, B, seed=1)
    data.sites = data.sites.iloc[1:]
    with pytest.raises(ValueError, match="two sites per sequence; sequence 0"):
        pair_gaps(data)


# ------------------------------------------------------------- PUM2 file errors

HEADER = "seqnames,seq,binding_site\n"
GOOD = "chr1," + "ACGT" * 25 + "A,TRUE\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "seqnames,seq\nchr1,ACGT\n",
            r"bad\.csv: missing column\(s\) \['binding_site'\]",
        ),
        (
            HEADER + GOOD + "chr1," + "A" * 101 + ",maybe\n",
            r"bad\.csv, line 3: .*'maybe'",
        ),
        (
            HEADER + GOOD + "chr1," + "A" * 100 + ",TRUE\n",
            r"bad\.csv, line 3: .*100 nt",
        ),
        (HEADER + "chr1," + "A" * 100 + "X,FALSE\n", r"bad\.csv, line 2: .*ACGTN"),
    ],
)
def test_parse_pum2_errors_name_file_and_line(tmp_path, body, message):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    with pytest.raises(ValueError, match=message):
        parse_pum2(path)


def test_parse_pum2_reads_labels_and_row_count(tmp_path):
    path = tmp_path / "ok.csv"
    lower = "chr1," + ("ACGT" * 25 + "A").lower() + ",FALSE\n"
    path.write_text(HEADER + GOOD + lower)
    df = parse_pum2(path, expected_rows=2)
    assert df["label"].tolist() == [1, 0] and df["seq"].str.len().tolist() == [101] * 2
    assert set(df["seq"].iloc[1]) <= set("ACGT")
    with pytest.raises(ValueError, match=r"ok\.csv: 2 records, expected 3"):
        parse_pum2(path, expected_rows=3)
