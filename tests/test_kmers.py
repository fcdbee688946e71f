"""Tests for gdl_utils.dna.kmers: tokens, counts (dense, sparse), character policy,
memory bound, GC."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import peak_bytes, random_dna

from gdl_utils._util import ALPHABET
from gdl_utils.dna import kmers
from gdl_utils.dna.kmers import all_kmers, gc_content, kmer_counts, kmer_tokenize
from gdl_utils.dna.sequence import one_hot


def test_all_kmers_order():
    assert all_kmers(1) == list("ACGT")
    km = all_kmers(3)
    assert (
        len(km) == 64
        and km[:3] == ["AAA", "AAC", "AAG"]
        and km[-1] == "TTT"
        and km == sorted(km)
    )
    with pytest.raises(ValueError):
        all_kmers(0)


def test_kmer_counts_and_skipping():
    c = kmer_counts("ACGTNacg", 2)
    names = all_kmers(2)
    assert {names[i]: int(v) for i, v in enumerate(c) if v} == {
        "AC": 2,
        "CG": 2,
        "GT": 1,
    }
    assert c.shape == (16,) and c.dtype == np.int64
    assert kmer_counts("A", 3).sum() == 0 and kmer_counts("", 1).sum() == 0


def test_kmer_counts_batch_and_normalize():
    c = kmer_counts(["AAAA", "ACNN", "NNNN"], 1, normalize=True)
    assert c.shape == (3, 4)
    np.testing.assert_allclose(c[0], [1, 0, 0, 0])
    np.testing.assert_allclose(c[1], [0.5, 0.5, 0, 0])
    np.testing.assert_allclose(c[2], [0, 0, 0, 0])
    assert kmer_counts([], 2).shape == (0, 16)
    with pytest.raises(ValueError):
        kmer_counts("ACGT", 0)


@settings(deadline=None)
@given(st.text(alphabet="ACGTN", max_size=50), st.integers(1, 4))
def test_kmer_counts_match_naive_count(seq, k):
    names = all_kmers(k)
    naive = {km: 0 for km in names}
    for km in kmer_tokenize(seq, k):
        if "N" not in km:
            naive[km] += 1
    assert kmer_counts(seq, k).tolist() == [naive[km] for km in names]


def test_gc_content():
    assert gc_content("GGCC") == 1.0
    assert gc_content("ATgc") == 0.5
    assert gc_content("GCNNNNAT") == 0.5  # N ignored
    assert np.isnan(gc_content("NNN")) and np.isnan(gc_content(""))
    g = gc_content(["GGGA", "ATAT"])
    assert isinstance(g, np.ndarray) and g.tolist() == [0.75, 0.0]
    assert gc_content([]).shape == (0,)


def test_all_kmers_and_counts_agree_on_every_3mer():
    for km in ("".join(p) for p in itertools.product(ALPHABET, repeat=3)):
        assert kmer_counts(km, 3)[all_kmers(3).index(km)] == 1


# ------------------------------------------------------------------------------- issue
# 7 §5 probes
def test_kmer_counts_k14_on_a_short_string_does_not_allocate_gigabytes():
    """Issue 7 §5: k = 14 on a 20-nt string used to allocate a 2 GiB dense row."""
    with pytest.raises(
        ValueError, match=r"dense \(1, 4\*\*14\) table needs 2.0 GiB .*sparse=True"
    ):
        kmer_counts("ACGT" * 5, 14)
    m = kmer_counts(["ACGT" * 5, "A" * 20], 14, sparse=True)
    assert m.shape == (2, 4**14) and m.sum(axis=1).tolist() == [7, 7]
    assert m[1, 0] == 7  # AAAAAAAAAAAAAA is column 0
    assert (
        m[0, all_kmers(7).index("ACGTACG") * 4**7 + all_kmers(7).index("TACGTAC")] == 2
    )


def test_memory_limit_is_checked_before_allocating(monkeypatch):
    monkeypatch.setattr(kmers, "MAX_DENSE_BYTES", 1000)
    kmer_counts(["ACGT"] * 7, 2)  # 7 * 16 * 8 = 896 bytes: fine
    with pytest.raises(ValueError, match=r"\(8, 4\*\*2\)"):
        kmer_counts(["ACGT"] * 8, 2)


def test_kmer_counts_u_follows_the_one_hot_rna_policy():
    """Issue 7 §5: k-mers containing U used to be dropped silently."""
    with pytest.raises(ValueError, match=r"'U' at position 3 .*rna=True"):
        kmer_counts("ACGU", 2)
    with pytest.raises(ValueError, match=r"'u' at position 1 of record 1"):
        kmer_counts(["ACGT", "Au"], 1)
    np.testing.assert_array_equal(
        kmer_counts("ACGU", 2, rna=True), kmer_counts("ACGT", 2)
    )
    assert gc_content("GCAU", rna=True) == 0.5
    with pytest.raises(ValueError, match="rna=True"):
        gc_content("GCAU")


@pytest.mark.parametrize(
    "bad,char,pos",
    [("AC GT", " ", 2), ("ACGT\n", "\n", 4), ("AC-T", "-", 2), ("ACé", "é", 2)],
)
def test_kmer_counts_and_gc_reject_other_characters(bad, char, pos):
    for func in (lambda s: kmer_counts(s, 2), gc_content):
        with pytest.raises(ValueError, match=re.escape(f"{char!r} at position {pos}")):
            func(bad)


def test_iupac_windows_are_skipped_not_counted():
    c = kmer_counts("ACRGT", 2)
    assert {all_kmers(2)[i]: int(v) for i, v in enumerate(c) if v} == {"AC": 1, "GT": 1}


def test_kmer_counts_bad_arguments():
    with pytest.raises(TypeError, match="record 1 is int"):
        kmer_counts(["ACGT", 5], 2)
    with pytest.raises(ValueError, match="k must be <= 31"):
        kmer_counts("ACGT", 32, sparse=True)
    with pytest.raises(TypeError, match="k must be an integer"):
        kmer_counts("ACGT", "2")
    with pytest.raises(ValueError, match="k must be an integer, got 2.5"):
        kmer_counts("ACGT", 2.5)


def test_all_kmers_is_bounded():
    with pytest.raises(ValueError, match="k must be <= 12"):
        all_kmers(13)


# -----------------------------------------------------------------------------------
# property tests
@settings(deadline=None)
@given(
    st.lists(st.text(alphabet="ACGTNacgtn", max_size=40), max_size=6), st.integers(1, 5)
)
def test_kmer_counts_sum_to_the_number_of_clean_windows(seqs, k):
    counts = kmer_counts(seqs, k)
    clean = [
        sum("N" not in s.upper()[i : i + k] for i in range(len(s) - k + 1))
        for s in seqs
    ]
    assert counts.shape == (len(seqs), 4**k) and counts.sum(axis=1).tolist() == clean
    np.testing.assert_array_equal(kmer_counts(seqs, k, sparse=True).toarray(), counts)
    freqs = kmer_counts(seqs, k, normalize=True)
    np.testing.assert_allclose(freqs.sum(axis=1), [1.0 if c else 0.0 for c in clean])
    np.testing.assert_allclose(
        kmer_counts(seqs, k, normalize=True, sparse=True).toarray(), freqs
    )


@settings(deadline=None)
@given(st.text(alphabet="ACGT", max_size=40), st.integers(1, 4))
def test_kmer_counts_of_the_reverse_complement_are_permuted(seq, k):
    from gdl_utils.dna.strands import reverse_complement

    names = all_kmers(k)
    rc_col = [names.index(reverse_complement(km)) for km in names]
    np.testing.assert_array_equal(
        kmer_counts(reverse_complement(seq), k), kmer_counts(seq, k)[rc_col]
    )


# -------------------------------------------------------------------------------------
# kmer_tokenize
def test_kmer_tokenize():
    assert kmer_tokenize("acgtac", 3) == ["ACG", "CGT", "GTA", "TAC"]
    assert kmer_tokenize("ACGTAC", 3, stride=3) == ["ACG", "TAC"]
    assert kmer_tokenize("ACGTA", 2, stride=2) == ["AC", "GT"]
    assert kmer_tokenize("AC", 3) == []
    # N and IUPAC codes are kept as tokens
    assert kmer_tokenize("ACNRT", 2) == [
        "AC",
        "CN",
        "NR",
        "RT",
    ]
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        kmer_tokenize("ACGT", 0)
    with pytest.raises(ValueError, match="stride must be an integer >= 1, got 0"):
        kmer_tokenize("ACGT", 2, stride=0)
    with pytest.raises(TypeError, match="k must be an integer"):
        kmer_tokenize("ACGT", "3")


@pytest.mark.parametrize(
    "seq,char,pos",
    [
        ("ACGT\r\nACGT", "\r", 4),
        ("ACG TAC", " ", 3),
        ("AC\tG", "\t", 2),
        ("ACG\U0001f600T", "\U0001f600", 3),
        ("AC-GT", "-", 2),
        ("ACG1", "1", 3),
    ],
)
def test_kmer_tokenize_rejects_whitespace_symbols_and_emoji(seq, char, pos):
    """Issue 7 §5: these used to become tokens such as 'T\r\n' or 'G T'."""
    with pytest.raises(
        ValueError, match=re.escape(f"invalid character {char!r} at position {pos}")
    ):
        kmer_tokenize(seq, 3)


def test_kmer_tokenize_u_follows_the_one_hot_rna_policy():
    with pytest.raises(ValueError, match="'U' at position 2 .*rna=True"):
        kmer_tokenize("ACUG", 2)
    with pytest.raises(ValueError, match="rna=True"):
        one_hot("ACUG")
    assert kmer_tokenize("acug", 2, rna=True) == ["AC", "CT", "TG"]


@settings(deadline=None)
@given(
    st.text(alphabet="ACGTNacgtn", max_size=40), st.integers(1, 6), st.integers(1, 4)
)
def test_kmer_tokenize_properties(seq, k, stride):
    tokens = kmer_tokenize(seq, k, stride)
    assert len(tokens) == (max(len(seq) - k, -1) // stride + 1 if len(seq) >= k else 0)
    assert all(len(t) == k for t in tokens)
    assert [
        seq.upper()[i : i + k] for i in range(0, len(seq) - k + 1, stride)
    ] == tokens
    if stride == 1 and tokens:
        # overlapping tokens rebuild it
        assert tokens[0] + "".join(t[-1] for t in tokens[1:]) == seq.upper()


def test_kmer_counts_of_a_long_record_allocate_a_few_mib():
    """Issue 24 §4: kmer_counts(k=6) of 100 Mbp allocated 2.4 GiB (25 bytes per base)
    for a 32 kB table; a record is now read in blocks of kmers.BLOCK windows."""
    seq = random_dna(6_000_000, b"ACGTacgtACGTN", seed=6)
    counts, peak = peak_bytes(lambda: kmer_counts(seq, 6))
    assert peak <= 8 * 2**20, f"peak {peak / 2**20:.0f} MiB for 6 Mbp"
    n_clean = sum(
        kmer_counts(seq[i : i + 1_000_005], 6).sum()
        for i in range(0, 6_000_000, 1_000_000)
    )
    assert counts.sum() == n_clean  # every window once, none lost at block borders
    sparse, peak = peak_bytes(lambda: kmer_counts(seq, 6, sparse=True))
    assert peak <= 8 * 2**20 and (sparse.toarray()[0] == counts).all()


@pytest.mark.parametrize("block", [1, 2, 5])
def test_kmer_counts_in_small_blocks_match_one_block(monkeypatch, block):
    rng = np.random.default_rng(block)
    recs = ["".join(rng.choice(list("ACGTacgtNR"), n)) for n in (0, 3, 17, 60)]
    recs += ["ACGU" * 9]
    want = {
        k: (kmer_counts(recs, k, rna=True), kmer_counts(recs, k, rna=True, sparse=True))
        for k in (1, 2, 3, 5)
    }
    monkeypatch.setattr(kmers, "BLOCK", block)
    for k, (dense, sparse) in want.items():
        np.testing.assert_array_equal(kmer_counts(recs, k, rna=True), dense)
        got = kmer_counts(recs, k, rna=True, sparse=True)
        assert (got != sparse).nnz == 0
    with pytest.raises(ValueError, match=r"'-' at position 40 of record 1"):
        kmer_counts(["ACGT", "A" * 40 + "-"], 4)


# -------------------------------------------------------------------------------------
# batch counting (issue 22): the vectorised path equals the per-record loop
def _loop_counts(seqs, k):
    """The per-record reference: every window of every record, one at a time."""
    names = {km: i for i, km in enumerate(all_kmers(k))}
    out = np.zeros((len(seqs), 4**k), dtype=np.int64)
    for r, s in enumerate(seqs):
        s = s.upper()
        for i in range(len(s) - k + 1):
            if s[i : i + k] in names:
                out[r, names[s[i : i + k]]] += 1
    return out


@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.text(alphabet="ACGTNacgtR", max_size=60), max_size=12),
    st.integers(1, 5),
)
def test_batch_counts_equal_the_loop(seqs, k):
    np.testing.assert_array_equal(kmer_counts(seqs, k), _loop_counts(seqs, k))


def test_batch_counts_on_random_sequences_across_chunks(monkeypatch):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), rng.integers(0, 250))) for _ in range(400)]
    monkeypatch.setattr(kmers, "BLOCK", 256)  # many chunks of records
    for k in (1, 3, 5):
        np.testing.assert_array_equal(kmer_counts(seqs, k), _loop_counts(seqs, k))


def test_batch_path_reports_the_record_and_position():
    with pytest.raises(ValueError, match=r"'X' at position 2 of record 2"):
        kmer_counts(["ACGT", "ACGT", "ACXG"], 2)
    with pytest.raises(ValueError, match=r"'X' at position 1$"):
        kmer_counts("AX", 2)


def test_kmer_spectrum():
    from gdl_utils.dna import kmer_spectrum

    x, names = kmer_spectrum(["ACGT", "AAAA"], ks=(1, 2))
    assert (
        x.shape == (2, 20) and len(names) == 20 and names[:5] == list("ACGT") + ["AA"]
    )
    np.testing.assert_allclose(x[:, :4].sum(axis=1), 1.0)
    np.testing.assert_allclose(x[1, :4], [1, 0, 0, 0])
    c, _ = kmer_spectrum(["ACGT"], ks=(2,), normalize=False)
    assert c.sum() == 3
    with pytest.raises(TypeError, match="not one str"):
        kmer_spectrum("ACGT")
    with pytest.raises(ValueError, match="ks must be"):
        kmer_spectrum(["ACGT"], ks=())
