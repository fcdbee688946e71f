"""Tests for gdl_utils.motifs.match and motif_recovery.

Tomtom against JASPAR, the recovery table, and what a broken matcher does.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdl_utils.dna.sequence import one_hot
from gdl_utils.motifs.jaspar import load_jaspar_collection, load_jaspar_motif
from gdl_utils.motifs.match import (
    match_motifs,
    motif_similarity,
    orient_like,
    tomtom,
    tomtom_table,
)
from gdl_utils.motifs.pwm import counts_to_ppm, sample_motif
from gdl_utils.motifs.recovery import jaspar_families, recovery_table

PLANTED = [
    "MA0139.2",
    "MA0106.3",
    "MA0083.3",
    "MA0154.5",
    "MA0113.4",
    "MA0872.1",
]  # CTCF TP53 SRF EBF1 NR3C1 TFAP2A


@pytest.fixture(scope="module")
def vertebrates():
    return load_jaspar_collection("CORE", "vertebrates")


@pytest.fixture(scope="module")
def families(vertebrates):
    return jaspar_families(vertebrates)


def noisy_ppm(motif, n_sites, rng, width=None):
    """PPM of ``n_sites`` sampled instances of ``motif`` in uniform flanks.

    The instances are centred; the flanks pad the matrix to ``width`` columns.
    """
    ppm = counts_to_ppm(
        one_hot(sample_motif(motif.ppm(), n_sites, rng)).sum(axis=0), 0.5
    )
    width = width or motif.width
    left = (width - motif.width) // 2
    return np.concatenate(
        [np.full((4, left), 0.25), ppm, np.full((4, width - motif.width - left), 0.25)],
        axis=1,
    )


def test_tomtom_names_long_motifs_where_column_correlation_picks_short_partial_matches(
    vertebrates,
):
    """Noisy copies of long JASPAR matrices: Tomtom ranks the own entry first.

    The correlation score is often beaten by a short matrix that fits part of the
    query (issue 8, section 5).
    """
    rng = np.random.default_rng(0)
    long = [m for m in vertebrates if m.width >= 14][::7][:20]
    queries = [noisy_ppm(m, 40, rng) for m in long]
    p, strands = tomtom(queries, vertebrates)
    assert p.shape == strands.shape == (len(long), len(vertebrates))
    ids = np.array([m.matrix_id for m in vertebrates])
    tomtom_first = sum(ids[p[i].argmin()] == m.matrix_id for i, m in enumerate(long))
    corr_first = sum(
        match_motifs(q, vertebrates, top=1).matrix_id[0] == m.matrix_id
        for q, m in zip(queries, long)
    )
    assert tomtom_first >= 18, (
        f"Tomtom ranked the own matrix first for only {tomtom_first}/20"
    )
    assert corr_first < tomtom_first


def test_tomtom_strand_and_table(vertebrates):
    tp53 = load_jaspar_motif("MA0106.3")
    p, strands = tomtom(
        [tp53.reverse_complement().ppm()[:, ::1] * 1.0, tp53.ppm()], vertebrates
    )
    j = [m.matrix_id for m in vertebrates].index("MA0106.3")
    assert p[:, j].max() < 1e-10 and strands[1, j] == 1
    table = tomtom_table(tp53, vertebrates, top=3)
    assert list(table.columns) == ["matrix_id", "name", "p_value", "q_value", "strand"]
    assert table.matrix_id[0] == "MA0106.3" and (np.diff(table.p_value) >= 0).all()
    assert (table.q_value >= table.p_value).all() and table.q_value[0] < 1e-6


def test_tomtom_rejects_bad_matrices(vertebrates):
    with pytest.raises(ValueError, match="queries"):
        tomtom([np.ones((3, 5)) / 3], vertebrates)
    with pytest.raises(ValueError, match="empty"):
        tomtom([], vertebrates)


def test_jaspar_families_from_the_database(vertebrates, families):
    assert len(families) == len(vertebrates)
    assert (
        families["MA0139.2"] == families["MA0088.2"]
    )  # CTCF and ZNF143: both C2H2, > 3 adjacent ZFs
    assert not families["MA0106.3"] & families["MA0139.2"]
    assert families["MA0506.3"] == frozenset(
        {"NRF* (paralogs)"}
    )  # no TFClass family: its paralog label
    assert (
        families["MA2122.1"] & families["MA0154.5"]
    )  # Ebf4 ("EBF-related") and EBF1 via the paralog label
    assert (
        not families["MA0046.3"] & families["MA0114.5"]
    )  # HNF1A (homeodomain) and HNF4A (receptor)
    largest = max(
        sum(f in fam for fam in families.values())
        for f in set().union(*families.values())
    )
    assert (
        largest / len(families) < 0.2
    )  # why a random match rarely lands in the planted family


def filter_like_ppms(planted, rng):
    """Filter-like PPMs: six that found the planted motifs and four that found nothing.

    The six are built from 80 sampled sites each; all are at least 19 columns wide.
    """
    found = [noisy_ppm(m, 80, rng, width=max(19, m.width)) for m in planted]
    junk = [counts_to_ppm(rng.integers(0, 30, size=(4, 19)), 1.0) for _ in range(4)]
    width = max(p.shape[1] for p in found + junk)
    pad = lambda p: np.pad(p, ((0, 0), (0, width - p.shape[1])), constant_values=0.25)  # noqa: E731
    return np.stack([pad(p) for p in found + junk]), np.array(
        [80] * 6 + [50, 50, 50, 3]
    )


def test_recovery_table_exact_and_family(vertebrates, families):
    rng = np.random.default_rng(1)
    planted = [load_jaspar_motif(i) for i in PLANTED]
    ppms, n_sites = filter_like_ppms(planted, rng)
    table = recovery_table(ppms, n_sites, planted, vertebrates, families=families)
    assert list(table.matrix_id) == PLANTED
    assert table.exact.sum() >= 5 and table.family.sum() == 6
    assert (table.exact <= table.family).all()  # an exact match is in its own family
    assert set(table["filter"]) <= set(range(6)) and (table.sites == 80).all()
    assert (table.planted_q[table.exact] < 1e-3).all()


def test_a_random_matcher_fails_the_recovery_thresholds(vertebrates, families):
    """The notebook's check must fail for a matcher that returns random motifs."""
    rng = np.random.default_rng(1)
    planted = [load_jaspar_motif(i) for i in PLANTED]
    ppms, n_sites = filter_like_ppms(planted, rng)
    for seed in range(5):
        r = np.random.default_rng(seed)
        table = recovery_table(
            ppms,
            n_sites,
            planted,
            vertebrates,
            families=families,
            matcher=lambda q, c, r=r: r.random((len(q), len(c))),
        )
        assert table.exact.sum() <= 1 and table.family.sum() <= 2, table


def test_recovery_table_errors(vertebrates, families):
    planted = [load_jaspar_motif("MA0139.2")]
    ppms = np.full((2, 4, 19), 0.25)
    with pytest.raises(ValueError, match="n_sites"):
        recovery_table(ppms, [1], planted, vertebrates, families=families)
    with pytest.raises(ValueError, match="no filter has >= 10 sites"):
        recovery_table(ppms, [1, 2], planted, vertebrates, families=families)
    with pytest.raises(ValueError, match="not in the collection"):
        recovery_table(ppms, [20, 20], planted, vertebrates[:100], families=families)
    with pytest.raises(ValueError, match="matcher returned shape"):
        recovery_table(
            ppms,
            [20, 20],
            planted,
            vertebrates,
            families=families,
            matcher=lambda q, c: np.zeros((1, 3)),
        )


def test_orient_like_flips_a_filter_onto_its_match_strand():
    ctcf = load_jaspar_motif("MA0139.2")
    rc = ctcf.ppm()[::-1, ::-1]
    oriented, strand = orient_like(rc, ctcf)
    assert strand == -1 and np.allclose(oriented, ctcf.ppm())
    weights = np.log2(ctcf.ppm() / 0.25)  # a weight matrix (negative entries) works too
    same, strand = orient_like(weights, ctcf)
    assert strand == 1 and np.allclose(same, weights)
    assert motif_similarity(oriented, ctcf)[2] == 1
    with pytest.raises(ValueError, match=r"\(4, w\)"):
        orient_like(np.zeros((3, 5)), ctcf)
