"""The chapter 7 exercise check: a correct k-mer tokeniser passes, broken ones fail."""

from __future__ import annotations

import itertools

import pytest

from gdl_utils.exercises import check_kmer_tokeniser


def kmer_ids(seq, k, overlapping):
    """A correct tokeniser written from the vocabulary's layout."""
    seq = seq.upper()
    if set(seq) - set("ACGT"):
        raise ValueError(f"not DNA: {seq!r}")
    singles = ["A", "C", "G", "T"] if k > 1 else []
    kmers = ["".join(p) for p in itertools.product("ACGT", repeat=k)]
    vocab = {
        t: i
        for i, t in enumerate(["[PAD]", "[MASK]", "[CLS]", "[UNK]"] + singles + kmers)
    }
    if overlapping:
        if len(seq) < k:
            raise ValueError("shorter than k")
        return [vocab[seq[i : i + k]] for i in range(len(seq) - k + 1)]
    n_full = len(seq) // k * k
    return [vocab[seq[i : i + k]] for i in range(0, n_full, k)] + [
        vocab[b] for b in seq[n_full:]
    ]


def test_correct_tokeniser_passes():
    summary = check_kmer_tokeniser(kmer_ids)
    assert summary.startswith("check_kmer_tokeniser: all") and "\n" not in summary
    assert check_kmer_tokeniser(kmer_ids, seed=3)


def test_tail_dropped_fails():
    def no_tail(seq, k, overlapping):
        ids = kmer_ids(seq, k, overlapping)
        return ids if overlapping else ids[: len(seq) // k]

    with pytest.raises(AssertionError, match=r"seq='ACGTACG', k=3"):
        check_kmer_tokeniser(no_tail)


def test_forgotten_single_bases_fails():
    def off_by_four(seq, k, overlapping):  # k-mer ids without the four single bases
        return [i - 4 if i >= 8 and k > 1 else i for i in kmer_ids(seq, k, overlapping)]

    with pytest.raises(AssertionError, match="expected"):
        check_kmer_tokeniser(off_by_four)


def test_accepting_n_fails():
    def lenient(seq, k, overlapping):
        return kmer_ids(seq.replace("N", "A").replace("n", "a"), k, overlapping)

    with pytest.raises(AssertionError, match="expected ValueError"):
        check_kmer_tokeniser(lenient)
