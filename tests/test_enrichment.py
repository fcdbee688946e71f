"""Tests for gdl_utils.datasets.enrichment (enrichment targets from counts, additive
logo matrix)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdl_utils.datasets.enrichment import log2_enrichment, position_enrichment
from gdl_utils.dna.sequence import one_hot


def test_log2_enrichment_values_and_depth_normalisation():
    sel, lib = np.array([0, 3, 7]), np.array([1, 3, 0])
    raw = log2_enrichment(sel, lib, normalize=False)
    np.testing.assert_allclose(raw, np.log2([1 / 2, 4 / 4, 8 / 1]))
    norm = log2_enrichment(sel, lib)
    np.testing.assert_allclose(norm, raw - np.log2(10 / 4))
    # doubling the depth of one pool changes nothing after normalisation (up to the
    # pseudocount)
    sel, lib = np.array([5, 30, 700]), np.array([10, 30, 20])
    once = log2_enrichment(sel, lib, pseudocount=1e-9)
    np.testing.assert_allclose(
        once, log2_enrichment(2 * sel, lib, pseudocount=1e-9), atol=1e-6
    )


@pytest.mark.parametrize(
    "sel, lib, msg",
    [
        (
            [1, -1],
            [1, 1],
            "selected: counts must be finite and >= 0, got -1.0 at index 1",
        ),
        ([1, 2], [1], "selected has 2 counts but library has 1"),
        ([[1]], [1], "expected a 1-D array"),
        ([0, 0], [1, 1], "at least one read in each pool"),
    ],
)
def test_log2_enrichment_errors(sel, lib, msg):
    with pytest.raises(ValueError, match=msg.replace("(", r"\(")):
        log2_enrichment(sel, lib)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1"])
def test_log2_enrichment_rejects_bad_pseudocount(bad):
    with pytest.raises(ValueError, match="pseudocount must be a finite number > 0"):
        log2_enrichment([1], [1], pseudocount=bad)


@pytest.mark.parametrize("bad", [-1.0, float("nan")])
def test_position_enrichment_rejects_bad_pseudocount(bad):
    """A NaN pseudocount used to give an all-NaN matrix."""
    with pytest.raises(ValueError, match="pseudocount must be a finite number >= 0"):
        position_enrichment(["ACGT"], [1], [1], pseudocount=bad)


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=30)
)
@settings(max_examples=50, deadline=None)
def test_log2_enrichment_is_monotone_in_selected(pairs):
    sel, lib = np.array(pairs).T
    base = log2_enrichment(sel, lib, normalize=False)
    more = log2_enrichment(sel + 1, lib, normalize=False)
    assert np.all(more > base) and np.all(np.isfinite(base))


def test_position_enrichment_finds_the_selected_base():
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 6)) for _ in range(400)]
    lib = np.ones(len(seqs))
    # G at position 2 is selected for
    sel = np.array([5.0 if s[2] == "G" else 1.0 for s in seqs])
    m = position_enrichment(seqs, sel, lib)
    assert m.shape == (4, 6)
    np.testing.assert_allclose(m.mean(axis=0), 0, atol=1e-12)
    assert np.argmax(m[:, 2]) == 2 and m[2, 2] > 1.0
    # other positions carry no signal
    assert np.abs(np.delete(m, 2, axis=1)).max() < 0.3


def test_position_enrichment_matches_a_direct_count():
    seqs = ["ACGT", "AAGT", "TCGA"]
    sel, lib = np.array([2, 0, 1]), np.array([1, 1, 1])
    m = position_enrichment(seqs, sel, lib, pseudocount=1.0)
    x = one_hot(seqs)  # (3, 4, 4)
    s_cnt = np.einsum("n,nbl->bl", sel, x) + 1
    l_cnt = np.einsum("n,nbl->bl", lib, x) + 1
    expect = np.log2((s_cnt / s_cnt.sum(0)) / (l_cnt / l_cnt.sum(0)))
    np.testing.assert_allclose(m, expect - expect.mean(0))


def test_position_enrichment_errors():
    with pytest.raises(ValueError, match="record 1 has length 3, expected 4"):
        position_enrichment(["ACGT", "ACG"], [1, 1], [1, 1])
    with pytest.raises(ValueError, match="record 0 has 'N' at position 2"):
        position_enrichment(["ACNT"], [1], [1])
    with pytest.raises(ValueError, match="2 sequences but 1 selected"):
        position_enrichment(["ACGT", "ACGT"], [1], [1, 1])
