"""Tests for gdl_utils.dna.sequence: every character policy, every bad-input rule, and
property tests."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from shared_data import peak_bytes, random_dna

from gdl_utils._util import ALPHABET
from gdl_utils.dna.sequence import (
    IUPAC,
    count_mutations,
    one_hot,
    one_hot_decode,
)
from gdl_utils.dna.strands import reverse_complement

EYE = np.eye(4, dtype=np.float32)
dna = st.text(alphabet="ACGT", max_size=60)
dna_mixed = st.text(alphabet="ACGTacgt", max_size=60)
iupac_text = st.text(alphabet="ACGTNRYSWKMBDHVacgtnryswkmbdhv", max_size=60)


def col(x: np.ndarray, j: int) -> list[float]:
    return [float(v) for v in x[:, j]]


# ------------------------------------------------------------------------------ one_hot
def test_one_hot_basic_shape_order_and_dtype():
    x = one_hot("ACGT")
    assert x.shape == (4, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(x, EYE)
    assert one_hot("GATTACA").argmax(axis=0).tolist() == [2, 0, 3, 3, 0, 1, 0]


def test_one_hot_batch_shape():
    x = one_hot(["ACGT", "TTTT", "GGCC"])
    assert x.shape == (3, 4, 4)
    np.testing.assert_array_equal(x[1], np.repeat(EYE[:, [3]], 4, axis=1))


def test_one_hot_accepts_tuple_and_generator_of_records():
    assert one_hot(("AC", "GT")).shape == (2, 4, 2)
    assert one_hot(s for s in ["AC", "GT"]).shape == (2, 4, 2)


def test_lower_case_equals_upper_case():
    np.testing.assert_array_equal(one_hot("acgtnACGTN"), one_hot("ACGTNACGTN"))


@pytest.mark.parametrize(
    "dtype", [np.int8, np.uint8, np.bool_, np.float16, np.float32, np.float64, np.int64]
)
def test_dtypes(dtype):
    x = one_hot(["ACGTN", "acgtn"], dtype=dtype)
    assert x.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(x[:, :, :4].astype(np.float32), np.stack([EYE, EYE]))
    assert not x[:, :, 4].any()


def test_n_policies():
    assert col(one_hot("ANA"), 1) == [0, 0, 0, 0]
    assert col(one_hot("ANA", n="uniform"), 1) == [0.25] * 4
    assert col(one_hot("AnA", n="uniform"), 1) == [0.25] * 4
    with pytest.raises(ValueError, match=r"'N' at position 1\b.*n='error'"):
        one_hot("ANA", n="error")
    with pytest.raises(ValueError, match=r"'n' at position 2 of record 1"):
        one_hot(["AAA", "AAn"], n="error")


def test_iupac_error_by_default_with_hint():
    for code in IUPAC:
        with pytest.raises(
            ValueError, match=rf"'{code}' at position 2 .*iupac='fractional'"
        ):
            one_hot("AC" + code + "T")


@pytest.mark.parametrize("code", sorted(IUPAC))
def test_iupac_fractional_columns(code):
    x = one_hot("A" + code + code.lower(), iupac="fractional")
    expected = [1.0 / len(IUPAC[code]) if b in IUPAC[code] else 0.0 for b in ALPHABET]
    np.testing.assert_allclose(x[:, 1], expected, rtol=1e-6)
    np.testing.assert_allclose(x[:, 2], expected, rtol=1e-6)
    np.testing.assert_allclose(x.sum(axis=0), 1.0, rtol=1e-6)


def test_iupac_fractional_examples_from_docs():
    x = one_hot("RB", iupac="fractional", dtype=np.float64)
    assert col(x, 0) == [0.5, 0, 0.5, 0]
    np.testing.assert_allclose(col(x, 1), [0, 1 / 3, 1 / 3, 1 / 3])


def test_fractional_needs_float_dtype():
    with pytest.raises(ValueError, match="float dtype"):
        one_hot("ACGT", n="uniform", dtype=np.int8)
    with pytest.raises(ValueError, match="float dtype"):
        one_hot("ACGT", iupac="fractional", dtype=np.int8)


def test_rna_only_with_flag():
    with pytest.raises(ValueError, match=r"'U' at position 3 .*rna=True"):
        one_hot("ACGU")
    with pytest.raises(ValueError, match=r"'u' at position 0"):
        one_hot("uACG", dtype=np.int8)
    np.testing.assert_array_equal(one_hot("ACGU", rna=True), EYE)
    np.testing.assert_array_equal(
        one_hot("acgu", rna=True, dtype=np.int8), EYE.astype(np.int8)
    )
    np.testing.assert_array_equal(one_hot("ACGT", rna=True), EYE)


@pytest.mark.parametrize(
    "char", list("XEZ-.*?1 \t\n>") + ["é", "\x00", "\u00c5", "\U0001f600"]
)
def test_other_characters_rejected_with_char_and_position(char):
    with pytest.raises(ValueError, match=r"at position 5\b") as err:
        one_hot("ACGTA" + char + "CX")
    assert repr(char) in str(err.value)


def test_first_invalid_character_is_reported():
    with pytest.raises(ValueError, match=r"'X' at position 2 of record 1$"):
        one_hot(["ACGT", "AAXé", "ZZZZ"])
    with pytest.raises(ValueError, match=r"'é' at position 1 of record 0"):
        one_hot(["AéXA", "AAAA"])


def test_single_string_errors_have_no_record_index():
    with pytest.raises(ValueError) as err:
        one_hot("AAAAQ")
    assert "record" not in str(err.value) and "position 4" in str(err.value)


def test_unequal_lengths_rejected():
    with pytest.raises(
        ValueError, match=r"unequal lengths.*record 0: 3, record 2: 2.*length="
    ):
        one_hot(["AAA", "CCC", "GG"])


@pytest.mark.parametrize(
    "align,expected",
    [
        ("left", "AC.."),
        ("center", ".AC."),
        ("right", "..AC"),
    ],
)
def test_padding_alignment(align, expected):
    x = one_hot(["AC", "ACGT"], length=4, align=align)
    assert one_hot_decode(x[0], n_char=".") == expected
    assert one_hot_decode(x[1]) == "ACGT"


def test_center_padding_puts_extra_column_on_the_right():
    assert one_hot_decode(one_hot("A", length=4), n_char=".") == ".A.."


@pytest.mark.parametrize(
    "align,expected", [("left", "ACG"), ("center", "CGT"), ("right", "GTA")]
)
def test_trimming_alignment(align, expected):
    assert one_hot_decode(one_hot(["ACGTA"], length=3, align=align))[0] == expected


def test_single_string_with_length_and_zero_padding_columns():
    x = one_hot("ACG", length=6, align="left", n="uniform")
    assert x.shape == (4, 6)
    assert not x[:, 3:].any()  # padding stays all-zero even with n="uniform"


def test_padding_error_positions_refer_to_original_string():
    with pytest.raises(ValueError, match=r"'X' at position 1 of record 1"):
        one_hot(["AAAA", "AX"], length=6, align="right")
    with pytest.raises(ValueError, match=r"'X' at position 4 of record 0"):
        one_hot(["AAAAXAAA", "AC"], length=4, align="center")


def test_trimmed_characters_are_not_checked():
    x = one_hot(["XXACGTXX"], length=4, align="center")
    assert one_hot_decode(x) == ["ACGT"]


@pytest.mark.parametrize("bad", [-1, 2.5, "x"])
def test_bad_length(bad):
    with pytest.raises(ValueError):
        one_hot(["A", "AC"], length=bad)


@pytest.mark.parametrize("kw", [{"n": "skip"}, {"iupac": "yes"}, {"align": "middle"}])
def test_bad_options(kw):
    with pytest.raises(ValueError, match="is not one of"):
        one_hot("ACGT", **kw)


def test_non_string_record_is_type_error():
    with pytest.raises(TypeError, match="record 1 is int"):
        one_hot(["ACGT", 5])


def test_empty_inputs():
    assert one_hot("").shape == (4, 0)
    assert one_hot([]).shape == (0, 4, 0)
    assert one_hot([], length=7).shape == (0, 4, 7)
    assert one_hot(["", ""]).shape == (2, 4, 0)


def test_many_ns_and_mixed_codes_in_a_batch():
    seqs = ["NNNNACGT", "ACGTRYNN", "nnnnnnnn"]
    x = one_hot(seqs, n="uniform", iupac="fractional", dtype=np.float64)
    np.testing.assert_allclose(x.sum(axis=1), 1.0)
    assert one_hot_decode(x) == ["NNNNACGT", "ACGTNNNN", "NNNNNNNN"]


def test_large_input_is_vectorised_and_correct():
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 4, 200_000)
    seq = np.frombuffer(b"ACGT", np.uint8)[idx].tobytes().decode()
    x = one_hot(seq, dtype=np.int8)
    np.testing.assert_array_equal(x.argmax(axis=0), idx)
    assert x.sum() == len(seq)


def test_inputs_larger_than_one_block():
    """one_hot works in blocks of 2**20 bytes: check N and errors far beyond the first
    block."""
    rng = np.random.default_rng(1)
    idx = rng.integers(0, 4, 2_500_000)
    seq = np.frombuffer(b"ACGT", np.uint8)[idx].tobytes().decode()
    seq = seq[:1_500_000] + "n" + seq[1_500_001:]
    x = one_hot(seq, dtype=np.int8)
    assert (
        x.shape == (4, 2_500_000) and not x[:, 1_500_000].any() and x.sum() == 2_499_999
    )
    with pytest.raises(ValueError, match=r"'X' at position 2400000$"):
        one_hot(seq[:2_400_000] + "X" + seq[2_400_001:])
    # 25,000 rows: several row blocks
    batch = [seq[i : i + 100] for i in range(0, 2_500_000, 100)]
    with pytest.raises(ValueError, match=r"'n' at position 0 of record 15000"):
        one_hot(batch, n="error")
    np.testing.assert_array_equal(
        one_hot(batch, dtype=np.int8).transpose(1, 0, 2).reshape(4, -1), x
    )


@pytest.mark.parametrize(
    "shape,chunk", [((1, 10), 3), ((5, 7), 8), ((6, 4), 5), ((3, 0), 4), ((0, 5), 2)]
)
def test_block_helper_matches_direct_comparison(shape, chunk):
    from gdl_utils.dna.sequence import _hot

    mat = np.random.default_rng(2).choice(
        np.frombuffer(b"ACGTacgtNX", np.uint8), size=shape
    )
    hot, hits = _hot(mat, chunk=chunk)
    direct = (mat | 0x20)[:, None, :] == np.frombuffer(b"acgt", np.uint8)[:, None]
    np.testing.assert_array_equal(hot, direct)
    assert hits == direct.sum()


def test_as_tensor_on_device(device):
    x = one_hot(["ACGT", "TTNA"], as_tensor=True, device=device)
    assert isinstance(x, torch.Tensor) and x.device.type == device.type
    assert x.dtype == torch.float32 and x.shape == (2, 4, 4)
    np.testing.assert_array_equal(x.cpu().numpy(), one_hot(["ACGT", "TTNA"]))


def test_as_tensor_with_torch_dtype(device):
    x = one_hot("ACGN", as_tensor=True, device=device, dtype=torch.float16, n="uniform")
    assert x.dtype == torch.float16 and x.device.type == device.type
    assert x[:, 3].tolist() == [0.25] * 4
    assert one_hot("ACGT", as_tensor=True, dtype=torch.int64).dtype == torch.int64


# ----------------------------------------------------------------------- one_hot_decode
def test_decode_numpy_and_torch(device):
    assert one_hot_decode(one_hot("ACGTN")) == "ACGTN"
    assert one_hot_decode(one_hot(["ACG", "TTA"], as_tensor=True, device=device)) == [
        "ACG",
        "TTA",
    ]


def test_decode_soft_columns_and_ties():
    x = np.array(
        [
            [0.7, 0.5, 0.0, 0.25],
            [0.1, 0.5, 0.0, 0.25],
            [0.1, 0.0, 0.0, 0.25],
            [0.1, 0.0, 0.0, 0.25],
        ]
    )
    assert one_hot_decode(x) == "ANNN"
    assert one_hot_decode(x, n_char="-") == "A---"


def test_decode_bad_input():
    with pytest.raises(ValueError, match=r"\(5, 3\)"):
        one_hot_decode(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="shape"):
        one_hot_decode(np.zeros(4))
    with pytest.raises(ValueError, match="n_char"):
        one_hot_decode(np.zeros((4, 2)), n_char="NN")


@settings(deadline=None)
@given(dna_mixed)
def test_encode_decode_round_trip(seq):
    assert one_hot_decode(one_hot(seq, dtype=np.int8)) == seq.upper()


@settings(deadline=None)
@given(st.lists(st.text(alphabet="ACGTN", min_size=5, max_size=5), max_size=8))
def test_encode_decode_round_trip_batch(seqs):
    assert one_hot_decode(one_hot(seqs, n="uniform")) == seqs


# ------------------------------------------------------------------------------------
# reverse_complement
def test_rc_strings_and_iupac_case():
    assert reverse_complement("AACGTT") == "AACGTT"
    assert reverse_complement("GATTACA") == "TGTAATC"
    assert reverse_complement("acgtN") == "Nacgt"
    assert reverse_complement("RYKMBVDHSWN") == "NWSDHBVKMRY"
    assert reverse_complement("rYk") == "mRy"
    assert reverse_complement("") == ""


def test_rc_list_and_tuple():
    assert reverse_complement(["AAC", "GT"]) == ["GTT", "AC"]
    assert reverse_complement(("AAC",)) == ("GTT",)


@pytest.mark.parametrize(
    "bad,char,pos", [("ACGX", "X", 3), ("AUG", "U", 1), ("Aé", "é", 1), ("A-C", "-", 1)]
)
def test_rc_rejects_unknown_characters(bad, char, pos):
    with pytest.raises(ValueError, match=re.escape(f"{char!r} at position {pos}")):
        reverse_complement(bad)
    with pytest.raises(ValueError, match=rf"at position {pos} of record 1"):
        reverse_complement(["AC", bad])


def test_rc_arrays_flip_channels_and_length_including_l_equal_4():
    x = one_hot("AACG")  # (4, 4): a square array must still be read as (4, L)
    np.testing.assert_array_equal(reverse_complement(x), one_hot("CGTT"))
    batch = one_hot(["AACG", "TTTA", "GGGC", "ACGT"])  # (4, 4, 4): read as (N, 4, L)
    np.testing.assert_array_equal(
        reverse_complement(batch), one_hot(["CGTT", "TAAA", "GCCC", "ACGT"])
    )


def test_rc_array_is_a_copy():
    x = one_hot("ACGT")
    y = reverse_complement(x)
    y[:] = 0
    assert x.sum() == 4


def test_rc_tensor(device):
    x = one_hot(["AACG", "TTTA"], as_tensor=True, device=device)
    y = reverse_complement(x)
    assert isinstance(y, torch.Tensor) and y.device.type == device.type
    assert one_hot_decode(y) == ["CGTT", "TAAA"]


@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 5, 7), (1, 1, 4, 4)])
def test_rc_bad_shapes(shape):
    with pytest.raises(ValueError, match="shape"):
        reverse_complement(np.zeros(shape))
    with pytest.raises(ValueError, match="shape"):
        reverse_complement(torch.zeros(shape))


def test_rc_bad_type():
    with pytest.raises(TypeError):
        reverse_complement(42)


@settings(deadline=None)
@given(iupac_text)
def test_rc_involution_on_strings(seq):
    assert reverse_complement(reverse_complement(seq)) == seq
    assert len(reverse_complement(seq)) == len(seq)


@settings(deadline=None)
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(0, 5), st.just(4), st.integers(0, 9)),
        elements=st.floats(-2, 2, width=32),
    )
)
def test_rc_involution_on_numpy_batches(x):
    np.testing.assert_array_equal(reverse_complement(reverse_complement(x)), x)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.text(alphabet="ACGT", min_size=4, max_size=4), min_size=1, max_size=6)
)
def test_rc_involution_on_tensors_l4(device, seqs):
    # (N, 4, 4) and each (4, 4) record: L == 4
    x = one_hot(seqs, as_tensor=True, device=device)
    assert torch.equal(reverse_complement(reverse_complement(x)), x)
    assert torch.equal(reverse_complement(reverse_complement(x[0])), x[0])
    rc_text = one_hot(reverse_complement(seqs), as_tensor=True, device=device)
    assert torch.equal(reverse_complement(x), rc_text)
    assert torch.equal(
        reverse_complement(x[0]),
        one_hot(reverse_complement(seqs[0]), as_tensor=True, device=device),
    )


@settings(deadline=None)
@given(st.text(alphabet="ACGTNacgtn", max_size=40))
def test_one_hot_commutes_with_rc(seq):
    np.testing.assert_array_equal(
        one_hot(reverse_complement(seq)), reverse_complement(one_hot(seq))
    )


@settings(deadline=None)
@given(
    st.lists(st.text(alphabet="ACGTRYSWKMBDHVN", min_size=7, max_size=7), max_size=5)
)
def test_one_hot_commutes_with_rc_fractional_batch(seqs):
    kw = {"n": "uniform", "iupac": "fractional"}
    np.testing.assert_array_equal(
        one_hot(reverse_complement(seqs), **kw), reverse_complement(one_hot(seqs, **kw))
    )


# -----------------------------------------------------------------------------------
# count_mutations
def test_count_mutations():
    np.testing.assert_array_equal(
        count_mutations(["ACGT", "acga", "TTTT"], "ACGT"), [0, 1, 3]
    )
    assert count_mutations("ACGA", "ACGT").tolist() == [1]
    with pytest.raises(ValueError, match="record 1 has length 3, expected 4"):
        count_mutations(["ACGT", "ACG"], "ACGT")
    with pytest.raises(ValueError, match="sequences have length 4, reference 3"):
        count_mutations(["ACGT"], "ACG")
    with pytest.raises(ValueError, match=r"reference: record 0 has 'N' at position 2"):
        count_mutations(["ACGT"], "ACNT")
    with pytest.raises(ValueError, match="no sequences"):
        count_mutations([], "ACGT")


@settings(deadline=None)
@given(
    st.lists(st.text(alphabet="ACGT", min_size=6, max_size=6), min_size=1, max_size=5),
    st.text(alphabet="ACGT", min_size=6, max_size=6),
)
def test_count_mutations_is_a_metric(seqs, ref):
    d = count_mutations(seqs, ref)
    assert ((d >= 0) & (d <= 6)).all() and d.tolist() == count_mutations(
        seqs, ref
    ).tolist()
    assert count_mutations(ref, ref).tolist() == [0]
    assert [int(count_mutations(ref, s)[0]) for s in seqs] == d.tolist()  # symmetric
    np.testing.assert_array_equal(
        count_mutations(reverse_complement(seqs), reverse_complement(ref)), d
    )


@pytest.mark.parametrize("kw", [{"dtype": np.int8}, {"n": "uniform"}])
def test_one_hot_of_long_n_runs_allocates_little_beyond_its_output(kw):
    """Issue 24 §4: one_hot of 100 Mbp of N allocated 3.4x its output (5.0 GiB), the
    index arrays of every N column at once; they are now made block by block."""
    mixed = random_dna(1_000_000, b"ACGTacgtNn", seed=5)
    seq = "N" * 3_000_000 + mixed + "n" * 2_000_000
    x, peak = peak_bytes(lambda: one_hot(seq, **kw))
    assert x.shape == (4, 6_000_000)
    assert peak <= 1.5 * x.nbytes, (
        f"peak {peak / 2**20:.0f} MiB for an output of {x.nbytes / 2**20:.0f} MiB"
    )
    np.testing.assert_array_equal(x[:, 3_000_000:4_000_000], one_hot(mixed, **kw))
    n_column = x[:, [0, 2_999_999, 4_000_000, 5_999_999]]
    np.testing.assert_array_equal(n_column, 0.25 if "n" in kw else 0)


@pytest.mark.parametrize("chunk", [1, 3, 7, 64])
def test_n_and_iupac_columns_give_the_same_result_in_any_block_size(monkeypatch, chunk):
    """The block-wise classification of non-ACGT columns matches one block."""
    import gdl_utils.dna.sequence as sequence

    rng = np.random.default_rng(chunk)
    recs = ["".join(rng.choice(list("ACGTNRYnryacgt"), 40)) for _ in range(5)]
    kw = {"n": "uniform", "iupac": "fractional", "length": 50}
    want = one_hot(recs, **kw)
    fill_other = sequence._fill_other
    monkeypatch.setattr(
        sequence, "_fill_other", lambda *a, **k: fill_other(*a, **k, chunk=chunk)
    )
    np.testing.assert_array_equal(one_hot(recs, **kw), want)
    recs[3] = recs[3][:17] + "X" + recs[3][18:]
    with pytest.raises(ValueError, match=r"'X' at position 17 of record 3$"):
        one_hot(recs, **kw)
