"""CTC batches, decoding and read identity (chapter 4.3)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from fast_ctc_decode import viterbi_search

from gdl_utils.basecalling import Chunks, CTCBatch, ctc, ctc_batches
from gdl_utils.runtime import to_device


def one_hot_path(path, eps=1e-4):
    """(steps, 5) log-probabilities that put almost all mass on ``path``."""
    probs = np.full((len(path), 5), eps, dtype=np.float32)
    probs[np.arange(len(path)), path] = 1 - 4 * eps
    return np.log(probs)


def test_greedy_collapses_repeats_then_drops_blanks():
    # A A blank A C C blank blank G T T -> A A C G T (the blank separates the two As)
    lp = one_hot_path([1, 1, 0, 1, 2, 2, 0, 0, 3, 4, 4])
    assert ctc.greedy_decode(lp) == "AACGT"
    assert ctc.greedy_decode(one_hot_path([0, 0, 0])) == ""


@pytest.mark.parametrize("seed", range(5))
def test_greedy_properties_on_random_scores(seed):
    rng = np.random.default_rng(seed)
    lp = rng.normal(size=(200, 5)).astype(np.float32)
    lp -= np.log(np.exp(lp).sum(1, keepdims=True))
    seq = ctc.greedy_decode(lp)
    path = lp.argmax(1)
    assert set(seq) <= set("ACGT")
    assert len(seq) <= (path != 0).sum()  # never longer than the non-blank steps
    assert seq == viterbi_search(np.exp(lp), ctc.LABELS)[0]  # the library agrees
    collapsed = [k for k, _ in itertools.groupby(path.tolist())]
    assert seq == "".join(ctc.LABELS[k] for k in collapsed if k)
    # stretching time (every step twice) changes no label sequence
    assert ctc.greedy_decode(np.repeat(lp, 2, axis=0)) == seq


def test_beam_search_recovers_the_label_that_the_best_path_misses():
    # two steps; each A with p 0.4 and blank with 0.6: best path = blank blank = "",
    # but P("A") = 0.4*0.6 + 0.6*0.4 + 0.4*0.4 = 0.64 > P("") = 0.36
    probs = np.array([[0.6, 0.4, 0, 0, 0]] * 2, dtype=np.float32) + 1e-6
    lp = np.log(probs / probs.sum(1, keepdims=True))
    assert ctc.greedy_decode(lp) == ""
    assert ctc.beam_decode(lp, beam_size=5, beam_cut_threshold=0.0) == "A"
    with pytest.raises(ValueError, match="log-probabilities"):
        ctc.beam_decode(np.zeros((3, 5)) + 5.0)
    with pytest.raises(ValueError, match=r"\(steps, 5\)"):
        ctc.greedy_decode(np.zeros((3, 4)))


def test_identity_matches_over_alignment_columns():
    assert ctc.identity("ACGTACGT", "ACGTACGT") == 1.0
    assert ctc.identity("ACGAACGT", "ACGTACGT") == 7 / 8  # one mismatch
    assert ctc.identity("ACGTACG", "ACGTACGT") == 7 / 8  # one deletion
    assert ctc.identity("ACGTTACGT", "ACGTACGT") == 8 / 9  # one insertion: 9 columns
    assert ctc.identity("", "ACGT") == 0.0
    with pytest.raises(ValueError, match="reference sequence is empty"):
        ctc.identity("A", "")
    np.testing.assert_allclose(
        ctc.identities(["ACGT", "AC"], ["ACGT", "ACGT"]), [1.0, 0.5]
    )
    with pytest.raises(ValueError, match="2 reads but 1 references"):
        ctc.identities(["A", "C"], ["A"])


def test_interval_identities_from_one_alignment():
    rng = np.random.default_rng(3)
    ref = "".join(rng.choice(list("ACGT"), 300))
    read = ref[50:120] + ref[120:200].replace("A", "C", 3) + ref[200:250]
    ids = ctc.interval_identities(read, ref, [(60, 110), (120, 200), (210, 240)])
    assert ids[0] == 1.0 and ids[2] == 1.0
    assert ids[1] == pytest.approx(1 - 3 / 80)  # three mismatches in 80 columns
    assert np.isnan(ctc.interval_identities(read, ref, [(0, 40)]))[0]


def test_alignment_counts_by_kind():
    assert ctc.alignment_counts("ACGTTACGT", "ACGTACGT") == {
        "match": 8, "mismatch": 0, "insertion": 1, "deletion": 0,
    }  # fmt: skip
    assert ctc.alignment_counts("ACGACGT", "ACGTACGT")["deletion"] == 1
    assert ctc.alignment_counts("", "ACG")["deletion"] == 3


def test_basecall_identities_on_both_strands():
    from types import SimpleNamespace

    from gdl_utils.basecalling.chunks import Chunks
    from gdl_utils.dna.strands import reverse_complement

    rng = np.random.default_rng(5)
    ref = "".join(rng.choice(list("ACGT"), 1000))
    called = ref[200:600]
    called = called[:100] + "T" * 10 + called[100:]  # 10 inserted bases at 300
    reads = [
        SimpleNamespace(read_id="p", guppy=called, strand="+", ref_start=200,
                        ref_end=600),
        SimpleNamespace(read_id="m", guppy=reverse_complement(called), strand="-",
                        ref_start=200, ref_end=600),
    ]  # fmt: skip
    lo, hi = np.array([220, 290, 220, 400]), np.array([280, 340, 280, 500])
    chunks = Chunks(np.zeros((4, 1), np.float32), ["A"] * 4, lo, hi,
                    np.array(list("++--")), np.array(list("ppmm")))  # fmt: skip
    ids = ctc.basecall_identities(reads, chunks, ref)
    np.testing.assert_allclose(ids[[0, 2, 3]], 1.0)
    assert ids[1] == pytest.approx(50 / 60, abs=0.02)  # 10 insertions in 60 columns
    with pytest.raises(ValueError, match="no read 'm'"):
        ctc.basecall_identities(reads[:1], chunks, ref)


def test_ctc_batches_round_trip_by_name():
    """Chunks -> CTCBatch (named fields, kept by to_device) -> the chunks' sequences."""
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), n)) for n in (5, 1, 12, 7, 9)]
    chunks = Chunks(
        rng.normal(size=(5, 40)).astype(np.float32),
        seqs,
        np.arange(5),
        np.arange(5) + 13,
        np.array(["+"] * 5),
        np.array(["r"] * 5),
    )
    batches = [to_device(b, "cpu") for b in ctc_batches(chunks, 2, seed=3)]
    assert [type(b) for b in batches] == [CTCBatch] * 3
    assert CTCBatch._fields == (
        "signal", "targets", "input_lengths", "target_lengths"
    )  # fmt: skip
    decoded, signal = [], []
    for b in batches:
        assert b.signal.shape == (len(b.targets), 1, 40)
        assert b.input_lengths.tolist() == [40] * len(b.targets)
        for row, n in zip(b.targets.tolist(), b.target_lengths.tolist()):
            assert all(k == 0 for k in row[n:])  # padding is the blank
            decoded.append("".join(ctc.LABELS[k] for k in row[:n]))
        signal.append(b.signal[:, 0])
    order = np.random.default_rng(3).permutation(5)
    assert decoded == [seqs[i] for i in order]
    assert np.array_equal(torch.cat(signal).numpy(), chunks.signal[order])


def toy_chunks(seqs, n_samples):
    """Chunks of ``n_samples`` zeros with the given labels, reads r0, r1, ..."""
    n = len(seqs)
    return Chunks(
        np.zeros((n, n_samples), np.float32),
        list(seqs),
        np.arange(n) * 100,
        np.arange(n) * 100 + np.array([len(s) for s in seqs]),
        np.array(["+"] * n),
        np.array([f"r{i}" for i in range(n)]),
    )


def test_ctc_batches_refuse_labels_no_alignment_can_fit():
    """CTC needs one step per base and one more per repeated neighbour."""
    chunks = toy_chunks(["ACG", "ACGT" * 10, "AC"], 10)  # 40 bases in 10 samples
    with pytest.raises(
        ValueError,
        match=r"ctc_batches: batch 0, row 1 \(chunk 1, read r1, reference 100-140\)"
        r" has 40 bases and 0 repeats, .*at least 40 output steps .*, but only 10 ",
    ):
        ctc_batches(chunks, 2)
    with pytest.raises(ValueError, match=r"batch 1, row 0 \(chunk 1, read r1"):
        ctc_batches(chunks, 1, seed=None)
    # repeats: "AAC" needs A blank A C = 4 steps
    ok = toy_chunks(["AAC", "ACG"], 10)
    assert len(ctc_batches(ok, 2, output_steps=4)) == 1
    with pytest.raises(ValueError, match=r"row 0 \(chunk 0.*3 bases and 1 repeat"):
        ctc_batches(ok, 2, output_steps=3)
    assert ok.ctc_steps().tolist() == [4, 3]
    with pytest.raises(ValueError, match="output_steps must be an integer >= 1"):
        ctc_batches(ok, 2, output_steps=0)


def test_decoders_refuse_nan_rows_naming_the_row():
    lp = one_hot_path([1, 1, 0, 2, 3, 4])
    lp[3, 2] = np.nan
    for decode in (ctc.greedy_decode, ctc.beam_decode):
        with pytest.raises(ValueError, match=r"row 3 \(output step 3\).*NaN"):
            decode(lp)
    with pytest.raises(ValueError, match=r"greedy_decode: .*row 0"):
        ctc.greedy_decode(torch.full((2, 5), float("nan")))


def test_identity_compares_bases_in_either_case():
    """Bases are bases: 'acgt' is the same read as 'ACGT' (as in one_hot)."""
    assert ctc.identity("acgt", "ACGT") == 1.0
    assert ctc.identity("ACGT", "acgt") == 1.0
    assert ctc.alignment_counts("acga", "ACGT")["mismatch"] == 1
    assert ctc.identities(["acGT"], ["ACgt"]).tolist() == [1.0]
    ref = "ACGTTGCAAC" * 10
    assert ctc.interval_identities(ref[10:60].lower(), ref, [(20, 40)])[0] == 1.0
