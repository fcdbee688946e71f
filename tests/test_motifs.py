"""Tests for gdl_utils.motifs: matrix arithmetic, JASPAR loading, scanning; similarity
(motif_match)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gdl_utils.dna.sequence import one_hot
from gdl_utils.dna.strands import reverse_complement
from gdl_utils.motifs import jaspar as motifs
from gdl_utils.motifs.jaspar import (
    JASPAR_RELEASE,
    Motif,
    load_jaspar_collection,
    load_jaspar_motif,
)
from gdl_utils.motifs.match import match_motifs, motif_similarity
from gdl_utils.motifs.pwm import (
    best_match,
    counts_to_ppm,
    information_content,
    ppm_to_log_odds,
    sample_motif,
    scan_pwm,
)

counts_arrays = st.integers(1, 25).flatmap(
    lambda w: arrays(np.float64, (4, w), elements=st.floats(0, 1000, allow_nan=False))
)


def random_ppm(rng, w):
    return rng.dirichlet(np.full(4, 0.5), size=w).T  # (4, w), fairly peaked columns


@pytest.fixture(scope="module")
def ctcf():
    return load_jaspar_motif("MA0139.1")


@pytest.fixture(scope="module")
def vertebrates():
    return load_jaspar_collection("CORE", "vertebrates")


# ---------------------------------------------------------------- matrix arithmetic
@settings(max_examples=50, deadline=None)
@given(counts_arrays, st.floats(0.01, 5))
def test_ppm_columns_sum_to_one(counts, pseudocount):
    ppm = counts_to_ppm(counts, pseudocount)
    assert ppm.shape == counts.shape
    np.testing.assert_allclose(ppm.sum(axis=0), 1.0)
    assert np.all(ppm > 0)


def test_ppm_values():
    counts = np.array([[3.0], [1.0], [0.0], [0.0]])
    np.testing.assert_allclose(counts_to_ppm(counts, 0)[:, 0], [0.75, 0.25, 0, 0])
    np.testing.assert_allclose(
        counts_to_ppm(counts, 1)[:, 0], [4 / 8, 2 / 8, 1 / 8, 1 / 8]
    )


def test_log_odds_of_uniform_is_zero_and_background():
    uniform = np.full((4, 6), 0.25)
    np.testing.assert_allclose(ppm_to_log_odds(uniform), 0.0)
    gc = ppm_to_log_odds(uniform, background=0.6)  # A, T at 0.2; C, G at 0.3
    np.testing.assert_allclose(
        gc[:, 0], np.log2([0.25 / 0.2, 0.25 / 0.3, 0.25 / 0.3, 0.25 / 0.2])
    )
    np.testing.assert_allclose(
        ppm_to_log_odds(uniform, background=[0.1, 0.4, 0.4, 0.1])[0], np.log2(2.5)
    )


def test_information_content():
    ppm = np.array([[1.0, 0.25, 0.5], [0, 0.25, 0.5], [0, 0.25, 0], [0, 0.25, 0]])
    np.testing.assert_allclose(information_content(ppm), [2.0, 0.0, 1.0])
    # against a 60% GC background a pure A column carries log2(1 / 0.2) bits
    assert information_content(ppm[:, :1], background=0.6)[0] == pytest.approx(
        np.log2(5)
    )


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.ones((3, 5)) / 3, r"shape \(4, width\)"),
        (np.full((4, 2), 0.3), "column 0 sums to 1.2"),
        (np.array([[1.0], [0], [0], [0]]), "pseudocount"),
    ],
)
def test_log_odds_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        ppm_to_log_odds(bad)


def test_bad_background():
    with pytest.raises(ValueError, match="background"):
        ppm_to_log_odds(np.full((4, 2), 0.25), background=1.5)


# ---------------------------------------------------------------- Motif and JASPAR
def test_load_ctcf(ctcf):
    assert JASPAR_RELEASE == "JASPAR2024"
    assert (
        isinstance(ctcf, Motif) and ctcf.name == "CTCF" and ctcf.matrix_id == "MA0139.1"
    )
    assert ctcf.width == 19 and ctcf.counts.shape == (4, 19)
    assert ctcf.consensus == "TGGCCACCAGGGGGCGCTA"
    with pytest.raises(ValueError):  # cached object: read-only
        ctcf.counts[0, 0] = 1


def test_base_id_resolves_to_newest_version_in_release():
    assert load_jaspar_motif("MA0139").matrix_id == "MA0139.2"
    assert load_jaspar_motif("MA0139.1", release="JASPAR2020").width == 19


@pytest.mark.parametrize("bad", ["MA9999.1", "MA0139.9"])
def test_unknown_id(bad):
    with pytest.raises(ValueError, match=rf"{bad}.*JASPAR2024"):
        load_jaspar_motif(bad)


def test_load_by_tf_name():
    """Issue 7 §5: load_jaspar_motif("CTCF") used to say only "not found"."""
    esr1 = load_jaspar_motif("ESR1")
    # newest version
    assert (
        esr1.name == "ESR1" and esr1.matrix_id == load_jaspar_motif("MA0112").matrix_id
    )
    # names are case-insensitive
    assert load_jaspar_motif("esr1").matrix_id == esr1.matrix_id
    with pytest.raises(
        ValueError,
        match=r"'CTCF' matches 4 matrices in JASPAR2024: .*MA0139\.2 \(CTCF, "
        r"vertebrates, CORE\).*pass one matrix ID",
    ):
        load_jaspar_motif("CTCF")
    with pytest.raises(ValueError, match="neither a JASPAR matrix ID .* nor a TF name"):
        load_jaspar_motif("NOT_A_TF_XYZ")


def test_the_motifs_module_no_longer_reexports_motif_match():
    assert not hasattr(motifs, "match_motifs") and not hasattr(
        motifs, "motif_similarity"
    )


@pytest.mark.parametrize("bad", [float("nan"), -0.5, float("inf"), "1"])
def test_bad_pseudocount_raises_instead_of_a_nan_ppm(bad):
    """Issue 7 §5: a NaN pseudocount used to return an all-NaN PPM."""
    with pytest.raises(ValueError, match="pseudocount must be a finite number >= 0"):
        counts_to_ppm(np.ones((4, 3)), bad)
    with pytest.raises(ValueError, match="pseudocount"):
        Motif("x", "x", np.ones((4, 3))).log_odds(pseudocount=bad)


def test_unknown_release():
    with pytest.raises(ValueError, match="JASPAR1999"):
        load_jaspar_motif("MA0139.1", release="JASPAR1999")


def test_collection(vertebrates):
    assert 800 <= len(vertebrates) <= 1000
    ids = [m.matrix_id for m in vertebrates]
    assert len(set(ids)) == len(ids) and "MA0139.2" in ids and "MA0139.1" not in ids
    start = time.perf_counter()
    again = load_jaspar_collection()
    assert time.perf_counter() - start < 0.05, "second load must come from the cache"
    assert again[0] is vertebrates[0] and again is not vertebrates


def test_motif_reverse_complement(ctcf):
    rc = ctcf.reverse_complement()
    assert rc.consensus == reverse_complement(ctcf.consensus)
    np.testing.assert_array_equal(rc.reverse_complement().counts, ctcf.counts)
    np.testing.assert_allclose(rc.log_odds(), ctcf.log_odds()[::-1, ::-1])


# ---------------------------------------------------------------- sampling
def test_sample_motif(ctcf):
    ppm = ctcf.ppm()
    a, b = sample_motif(ppm, 4000, np.random.default_rng(7)), sample_motif(ppm, 4000, 7)
    assert a == b and len(a) == 4000 and all(len(s) == 19 for s in a)
    freq = one_hot(a).mean(axis=0)
    assert np.abs(freq - ppm).max() < 0.04
    one = np.eye(4)[:, [0, 1, 2, 3, 3]]  # a deterministic PPM
    assert sample_motif(one, 3, 0) == ["ACGTT"] * 3
    assert sample_motif(ppm, 0, 0) == []


# ---------------------------------------------------------------- scanning
@pytest.mark.parametrize("strand", ["+", "-"])
def test_best_match_finds_embedded_consensus(ctcf, strand, rng):
    site = ctcf.consensus if strand == "+" else reverse_complement(ctcf.consensus)
    background = "".join(rng.choice(list("ACGT"), size=100))
    seqs = [background[:37] + site + background[37 + 19 :], background]
    lo = ctcf.log_odds()
    scores, pos, strands = best_match(one_hot(seqs), lo)
    assert pos[0] == 37 and strands[0] == (1 if strand == "+" else -1)
    assert scores[0] == pytest.approx(lo.max(axis=0).sum())
    assert scores[1] < scores[0] - 10
    single = best_match(one_hot(seqs[0]), lo)
    assert single[1] == 37 and scan_pwm(one_hot(seqs[0]), lo).shape == (100 - 19 + 1,)


def test_scan_equals_conv1d(ctcf, device, rng):
    lo = ctcf.log_odds()
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (8, 60))].transpose(0, 2, 1)
    conv = torch.nn.Conv1d(4, 1, lo.shape[1], bias=False).to(device)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(lo[None], dtype=torch.float32))
        expected = conv(torch.tensor(x, device=device))[:, 0]
    got = scan_pwm(torch.tensor(x, device=device), lo, both_strands=False)
    assert got.device.type == device.type and got.shape == (8, 60 - 19 + 1)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        scan_pwm(x, lo, both_strands=False), expected.cpu().numpy(), atol=1e-4
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(0, 30))
def test_scan_is_strand_symmetric(seed, w, extra):
    """Both-strand scores of the reverse complement are the scores of the sequence,
    reversed."""
    rng = np.random.default_rng(seed)
    lo = ppm_to_log_odds(random_ppm(rng, w) * 0.96 + 0.01)
    x = np.eye(4, dtype=np.float64)[rng.integers(0, 4, (3, w + extra))].transpose(
        0, 2, 1
    )
    np.testing.assert_allclose(
        scan_pwm(reverse_complement(x), lo), scan_pwm(x, lo)[:, ::-1], atol=1e-9
    )
    plus = scan_pwm(x, lo, both_strands=False)
    minus = scan_pwm(x, lo[::-1, ::-1], both_strands=False)
    np.testing.assert_allclose(scan_pwm(x, lo), np.maximum(plus, minus))


def test_scan_errors(ctcf):
    with pytest.raises(
        ValueError, match="length 10 is shorter than the motif width 19"
    ):
        scan_pwm(one_hot("ACGTACGTAC"), ctcf.log_odds())
    with pytest.raises(ValueError, match=r"\(N, 4, L\)"):
        scan_pwm(np.zeros((2, 5, 30)), ctcf.log_odds())


# ---------------------------------------------------------------- similarity and
# matching
def test_similarity_to_itself_and_reverse_complement(ctcf):
    ppm = ctcf.ppm()
    assert motif_similarity(ppm, ppm) == pytest.approx((1.0, 0, 1))
    score, offset, strand = motif_similarity(ppm, ctcf.reverse_complement().ppm())
    assert (score, offset, strand) == pytest.approx((1.0, 0, -1))
    assert motif_similarity(ctcf, ppm[:, 3:15]) == pytest.approx((1.0, 3, 1))
    # reverse complement of columns 3..14 is columns 4..15 of the reverse-complemented
    # motif
    assert motif_similarity(ppm, ppm[::-1, ::-1][:, 4:16]) == pytest.approx(
        (1.0, 3, -1)
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(8, 20), st.data())
def test_similarity_finds_shift(seed, w, data):
    rng = np.random.default_rng(seed)
    a = random_ppm(rng, w)
    start = data.draw(st.integers(0, w - 6))
    stop = data.draw(st.integers(start + 6, w))
    score, offset, strand = motif_similarity(
        a, a[:, start:stop], min_overlap=stop - start
    )
    assert score == pytest.approx(1.0) and (offset, strand) == (start, 1)
    other = random_ppm(rng, w)
    assert motif_similarity(a, other)[0] < 1.0 - 1e-6


def test_similarity_of_uniform_columns():
    a = np.full((4, 5), 0.25)
    assert motif_similarity(a, a) == pytest.approx((1.0, 0, 1))


def test_match_motifs_ranks_own_entry_first(vertebrates):
    for matrix_id in ["MA0139.2", "MA0079.5", "MA0106.3"]:
        query = next(m for m in vertebrates if m.matrix_id == matrix_id)
        start = time.perf_counter()
        table = match_motifs(query.ppm(), vertebrates)
        elapsed = time.perf_counter() - start
        assert list(table.columns) == ["matrix_id", "name", "score", "offset", "strand"]
        assert len(table) == 5 and table["matrix_id"].iloc[0] == matrix_id
        assert (
            table["score"].iloc[0] == pytest.approx(1.0)
            and table["offset"].iloc[0] == 0
        )
        assert table["score"].is_monotonic_decreasing
        assert elapsed < 1.5, (
            f"matching against {len(vertebrates)} motifs took {elapsed:.2f} s"
        )
    full = match_motifs(vertebrates[0], vertebrates, top=None)
    assert len(full) == len(vertebrates)


def test_match_motifs_sampled_ctcf(ctcf, vertebrates):
    """A PPM re-estimated from 300 sampled sites is still recognised as CTCF."""
    sites = sample_motif(ctcf.ppm(), 300, 3)
    estimated = counts_to_ppm(one_hot(reverse_complement(sites)).sum(axis=0))
    top = match_motifs(estimated, vertebrates, top=3)
    assert top["name"].iloc[0] == "CTCF" and top["strand"].iloc[0] == -1
