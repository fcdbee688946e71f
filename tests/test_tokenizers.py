"""gdl_utils.lm.tokenizers: round trips (property tests), shared special tokens, k-mer
layouts, BPE trained by the Hugging Face library, and errors that name the position."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import peak_bytes, random_dna

from gdl_utils.lm.tokenizers import (
    MASK_ID,
    SPECIAL_TOKENS,
    KmerTokenizer,
    NucleotideTokenizer,
    train_bpe,
)
from gdl_utils.models import MaskedLM, TransformerConfig

DNA = st.text(alphabet="ACGTacgt", min_size=0, max_size=200)
BPE = train_bpe(
    "".join(np.random.default_rng(0).choice(list("AACGTT"), 20_000)), vocab_size=64
)
TOKENIZERS = [
    NucleotideTokenizer(),
    KmerTokenizer(1),
    KmerTokenizer(3),
    KmerTokenizer(6),
    BPE,
]


@pytest.mark.parametrize("tok", TOKENIZERS, ids=repr)
@settings(max_examples=60, deadline=None)
@given(seq=DNA)
def test_round_trip(tok, seq):
    ids = tok.encode(seq)
    assert ids.dtype == np.int64 and ids.ndim == 1
    assert tok.decode(ids) == seq.upper()
    assert "".join(tok.tokenize(seq)) == seq.upper()
    assert (ids >= len(SPECIAL_TOKENS)).all() and (ids < tok.vocab_size).all()


@pytest.mark.parametrize("k", [1, 2, 3, 6])
@settings(max_examples=40, deadline=None)
@given(seq=st.text(alphabet="ACGT", min_size=6, max_size=120))
def test_overlapping_round_trip_and_count(k, seq):
    tok = KmerTokenizer(k, overlapping=True)
    ids = tok.encode(seq)
    assert len(ids) == len(seq) - k + 1
    assert tok.decode(ids) == seq
    tokens = tok.tokenize(seq)
    assert all(a[1:] == b[:-1] for a, b in zip(tokens, tokens[1:]))


def test_special_tokens_shared_and_layouts():
    for tok in TOKENIZERS + [KmerTokenizer(4, overlapping=True)]:
        assert tuple(tok.vocab[:4]) == SPECIAL_TOKENS
        assert tok.token_to_id["[MASK]"] == MASK_ID
    assert NucleotideTokenizer().vocab_size == 8
    assert KmerTokenizer(3).vocab_size == 4 + 4 + 64
    assert KmerTokenizer(3).tokenize("ACGTA") == ["ACG", "T", "A"]  # tail = bases
    assert KmerTokenizer(3, overlapping=True).tokenize("ACGTA") == ["ACG", "CGT", "GTA"]
    assert BPE.vocab_size == 64 and BPE.vocab[4:8] == list("ACGT")
    assert max(len(t) for t in BPE.vocab[4:]) > 2  # merges were learned


def test_bpe_merges_frequent_pairs():
    bpe = train_bpe(["ACGT" * 500, "TTTT" * 300], vocab_size=16, chunk=50)
    assert len(bpe.encode("ACGT" * 10)) < 10  # a repeat becomes a few long tokens
    assert bpe.decode(bpe.encode("acgtacgtt")) == "ACGTACGTT"


@pytest.mark.parametrize("empty", [[], "", ["", ""], iter([])])
def test_train_bpe_without_bases_names_the_problem(empty):
    """Issue 24 §3: train_bpe([]) said nothing and returned a tokeniser without a
    merge."""
    with pytest.raises(ValueError, match=r"train_bpe: sequences hold no bases \(got"):
        train_bpe(empty)


@pytest.mark.parametrize("tok", TOKENIZERS, ids=repr)
@pytest.mark.parametrize(
    "bad,char,pos",
    [("ACNGT", "N", 2), ("ACGU", "U", 3), ("AC-G", "-", 2), ("ACR", "R", 2)],
)
def test_non_acgt_is_an_error_naming_the_position(tok, bad, char, pos):
    with pytest.raises(ValueError, match=rf"'{char}' at position {pos}"):
        tok.encode(bad)


def test_decode_errors():
    tok = KmerTokenizer(3)
    with pytest.raises(ValueError, match=r"id 1 \(\[MASK\]\) at position 2"):
        tok.decode([10, 11, MASK_ID])
    with pytest.raises(ValueError, match="id 99 .out of range. at position 0"):
        tok.decode([99])
    ov = KmerTokenizer(3, overlapping=True)
    ids = ov.encode("ACGTTT")
    with pytest.raises(ValueError, match="does not overlap"):
        ov.decode(ids[[0, 2]])
    with pytest.raises(ValueError, match="shorter than k = 3"):
        ov.encode("AC")
    with pytest.raises(ValueError, match="k must be <= 8"):
        KmerTokenizer(9)
    with pytest.raises(ValueError, match="integer ids"):
        tok.decode(np.array([1.5]))


def test_check_model_catches_a_mismatched_vocabulary():
    lm = MaskedLM(TransformerConfig(vocab_size=8, max_len=16))
    NucleotideTokenizer().check_model(lm)
    with pytest.raises(ValueError, match="72 tokens .* vocab_size=8"):
        KmerTokenizer(3).check_model(lm)


@pytest.mark.parametrize(
    "tok",
    [KmerTokenizer(6, overlapping=True), KmerTokenizer(6), NucleotideTokenizer()],
    ids=repr,
)
def test_encoding_a_long_sequence_allocates_little_beyond_its_ids(tok):
    """Issue 24 §4: the overlapping 6-mer tokenizer took 4.2x its output on 100 Mbp
    (3.2 GiB). Now: the ids, one code byte per base, and one block's temporaries
    (a few bytes per base of a block of 2**20)."""
    seq = random_dna(6_000_000, b"ACGTacgt", seed=7)
    ids, peak = peak_bytes(lambda: tok.encode(seq))
    assert peak <= ids.nbytes + len(seq) + 4 * 2**20, (
        f"peak {peak / 2**20:.0f} MiB for {ids.nbytes / 2**20:.0f} MiB of ids"
    )
    step = tok.k if getattr(tok, "overlapping", True) is False else 1  # bases/token
    for near in (0, 2**20 - 6, 2**21 - 6, 6_000_000 - 30):  # block borders
        start = near // step * step
        piece = tok.encode(seq[start : start + 30])
        np.testing.assert_array_equal(ids[start // step :][: len(piece)], piece)


def test_encoding_in_small_blocks_matches_one_block(monkeypatch):
    import gdl_utils.lm.tokenizers as tokenizers

    seq = "".join(np.random.default_rng(8).choice(list("ACGTacgt"), 101))
    toks = [NucleotideTokenizer(), KmerTokenizer(3), KmerTokenizer(4, overlapping=True)]
    want = [t.encode(seq) for t in toks]
    monkeypatch.setattr(tokenizers, "BLOCK", 7)
    for t, w in zip(toks, want):
        np.testing.assert_array_equal(t.encode(seq), w)
        with pytest.raises(ValueError, match=r"'N' at position 50 \(expected"):
            t.encode(seq[:50] + "N" + seq[51:])
