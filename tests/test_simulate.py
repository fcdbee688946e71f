"""Tests for gdl_utils.simulate, simulated_data and grammar.

Determinism, background composition, ground-truth sites and labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdl_utils.dna.kmers import gc_content
from gdl_utils.dna.sequence import one_hot
from gdl_utils.dna.strands import reverse_complement
from gdl_utils.motifs.jaspar import Motif, load_jaspar_motif
from gdl_utils.motifs.pwm import best_match, counts_to_ppm
from gdl_utils.simulate.data import SimulatedData
from gdl_utils.simulate.grammar import simulate_grammar
from gdl_utils.simulate.tasks import (
    PRESETS,
    embed_sites,
    preset_motifs,
    random_sequences,
    simulate_multilabel,
    simulate_presence,
)


@pytest.fixture(scope="module")
def ctcf():
    return load_jaspar_motif("MA0139.1")


@pytest.fixture(scope="module")
def motifs():
    return [
        load_jaspar_motif(i) for i in ("MA0139.1", "MA0079.5", "MA0035.4")
    ]  # CTCF, SP1, GATA1


def oriented_sites(data: SimulatedData) -> list[str]:
    """The instance at each site as sampled (reverse-complemented on '-')."""
    out = []
    for row in data.sites.itertuples():
        s = data.sequences[row.seq_index][row.start : row.end]
        out.append(reverse_complement(s) if row.strand == "-" else s)
    return out


def assert_same(a: SimulatedData, b: SimulatedData):
    assert a.sequences == b.sequences
    np.testing.assert_array_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(a.sites, b.sites)


# ---------------------------------------------------------------- background
@pytest.mark.parametrize("gc", [0.2, 0.41, 0.7])
def test_random_sequences_gc(gc):
    seqs = random_sequences(200, 500, gc=gc, seed=1)
    assert (
        len(seqs) == 200
        and {len(s) for s in seqs} == {500}
        and set("".join(seqs)) <= set("ACGT")
    )
    assert abs(np.mean(gc_content(seqs)) - gc) < 0.01
    counts = one_hot(seqs).sum(axis=(0, 2))
    assert abs(counts[0] - counts[3]) / counts.sum() < 0.01  # A and T equally frequent


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 50))
def test_random_sequences_deterministic(seed, n, length):
    a = random_sequences(n, length, seed=seed)
    assert a == random_sequences(n, length, seed=seed)
    assert a == random_sequences(n, length, seed=np.random.default_rng(seed))


def test_seed_none_draws_fresh_randomness(ctcf):
    """The default ``seed=None`` is not a fixed seed: two calls differ."""
    assert random_sequences(3, 50) != random_sequences(3, 50)
    a, b = simulate_presence(20, 60, ctcf), simulate_presence(20, 60, ctcf)
    assert a.sequences != b.sequences


def test_random_sequences_errors():
    with pytest.raises(ValueError, match="gc"):
        random_sequences(3, 10, gc=1.2)
    with pytest.raises(ValueError, match="length"):
        random_sequences(3, 0)


# ---------------------------------------------------------------- embed_sites
@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.lists(
        st.tuples(st.integers(0, 40), st.sampled_from("+-")), min_size=1, max_size=5
    ),
)
def test_embed_sites_changes_only_the_window(seed, placements):
    one = Motif(
        "toy", "toy", np.eye(4)[:, [0, 0, 1, 2, 3]] * 1e12
    )  # AACGT (pseudocount negligible)
    seqs = random_sequences(len(placements), 45, seed=seed)
    pos, strands = zip(*placements)
    out = embed_sites(seqs, one, pos, strands, seed=seed)
    for s, o, p, strand in zip(seqs, out, pos, strands):
        assert o[:p] == s[:p] and o[p + 5 :] == s[p + 5 :]
        assert o[p : p + 5] == ("AACGT" if strand == "+" else "ACGTT")
    assert out == embed_sites(seqs, one, pos, strands, seed=seed)


def test_embed_sites_errors(ctcf):
    with pytest.raises(
        ValueError, match=r"position 90 of sequence 0 \(length 100\).*width 19"
    ):
        embed_sites(["A" * 100], ctcf, [90], ["+"])
    with pytest.raises(ValueError, match="strand"):
        embed_sites(["A" * 100], ctcf, [0], ["x"])


# ---------------------------------------------------------------- presence
def test_presence(ctcf):
    data = simulate_presence(1000, 120, ctcf, frac_positive=0.3, seed=5)
    assert_same(data, simulate_presence(1000, 120, ctcf, frac_positive=0.3, seed=5))
    assert (
        data.sequences
        != simulate_presence(1000, 120, ctcf, frac_positive=0.3, seed=6).sequences
    )
    assert data.labels.shape == (1000,) and data.labels.sum() == 300
    assert list(data.sites.columns[:5]) == [
        "seq_index",
        "motif",
        "start",
        "end",
        "strand",
    ]
    assert sorted(data.sites["seq_index"]) == list(np.flatnonzero(data.labels))
    assert (data.sites["end"] - data.sites["start"] == 19).all() and set(
        data.sites["strand"]
    ) == {"+", "-"}
    assert data.one_hot().shape == (1000, 4, 120)
    # the sites are instances of the motif: their composition re-estimates its PPM ...
    instances = oriented_sites(data)
    estimated = counts_to_ppm(one_hot(instances).sum(axis=0), 0)
    assert np.abs(estimated - counts_to_ppm(ctcf.counts, 0)).max() < 0.1
    # ... and scanning the positives finds them at the recorded position and strand
    pos = data.labels == 1
    scores, starts, strands = best_match(data.one_hot()[pos], ctcf.log_odds())
    sites = data.sites.set_index("seq_index").loc[np.flatnonzero(pos)]
    hit = (starts == sites["start"].to_numpy()) & (
        strands == np.where(sites["strand"] == "+", 1, -1)
    )
    assert hit.mean() > 0.95
    neg_scores = best_match(data.one_hot()[~pos], ctcf.log_odds())[0]
    assert np.median(scores) > np.quantile(neg_scores, 0.99)


def test_presence_errors(ctcf):
    with pytest.raises(ValueError, match="length 10 is too short.*width 19"):
        simulate_presence(10, 10, ctcf)
    with pytest.raises(ValueError, match="frac_positive"):
        simulate_presence(10, 50, ctcf, frac_positive=1.5)


def test_presence_gc(ctcf):
    data = simulate_presence(300, 400, ctcf, frac_positive=0.0, gc=0.6, seed=1)
    assert (
        len(data.sites) == 0 and abs(np.mean(gc_content(data.sequences)) - 0.6) < 0.01
    )


# ---------------------------------------------------------------- multi-label
def test_multilabel(motifs):
    rates = [0.02, 0.1, 0.3]
    data = simulate_multilabel(2000, 150, motifs, rates=rates, seed=3)
    assert_same(data, simulate_multilabel(2000, 150, motifs, rates=rates, seed=3))
    assert data.labels.shape == (2000, 3) and data.label_names == [
        "CTCF",
        "SP1",
        "GATA1",
    ]
    np.testing.assert_array_equal(data.labels.sum(axis=0), [40, 200, 600])
    # sites agree with labels, one per present motif, and never overlap
    ids = {m.matrix_id: j for j, m in enumerate(motifs)}
    from_sites = np.zeros_like(data.labels)
    from_sites[data.sites["seq_index"], data.sites["matrix_id"].map(ids)] += 1
    np.testing.assert_array_equal(from_sites, data.labels)
    for _, group in data.sites.groupby("seq_index"):
        assert (group["start"].to_numpy()[1:] >= group["end"].to_numpy()[:-1]).all()
    for m in motifs:
        part = data.sites["matrix_id"] == m.matrix_id
        inst = [s for s, keep in zip(oriented_sites(data), part) if keep]
        scores = one_hot(inst) * m.log_odds()[None]
        assert scores.sum(axis=(1, 2)).mean() > 0.6 * m.log_odds().max(axis=0).sum()


def test_multilabel_scalar_rate_and_errors(motifs):
    data = simulate_multilabel(500, 100, motifs[:2], rates=0.1, seed=0)
    np.testing.assert_array_equal(data.labels.sum(axis=0), [50, 50])
    with pytest.raises(ValueError, match=r"rates\[1\]"):
        simulate_multilabel(10, 100, motifs[:2], rates=[0.1, -0.2])
    with pytest.raises(ValueError, match="one rate per motif"):
        simulate_multilabel(10, 100, motifs, rates=[0.1, 0.2])
    with pytest.raises(ValueError, match="length 30 is too short"):
        simulate_multilabel(10, 30, motifs)


# ---------------------------------------------------------------- grammar
def arrangement(data: SimulatedData, a: Motif):
    """Per sequence: is motif a upstream, and the gap between the two sites."""
    sites = data.sites.sort_values(["seq_index", "start"])
    first, second = sites.groupby("seq_index").nth(0), sites.groupby("seq_index").nth(1)
    assert len(first) == len(second) == len(data)
    a_first = first["matrix_id"].to_numpy() == a.matrix_id
    assert (second["matrix_id"].to_numpy() != first["matrix_id"].to_numpy()).all()
    return a_first, second["start"].to_numpy() - first["end"].to_numpy()


@pytest.mark.parametrize("order", ["a_before_b", "b_before_a"])
def test_grammar(motifs, order):
    a, b = motifs[1], motifs[2]
    data = simulate_grammar(1000, 120, a, b, spacing=(3, 8), order=order, seed=2)
    assert_same(
        data, simulate_grammar(1000, 120, a, b, spacing=(3, 8), order=order, seed=2)
    )
    assert data.labels.sum() == 500
    a_first, gap = arrangement(data, a)
    rule = (a_first == (order == "a_before_b")) & (gap >= 3) & (gap <= 8)
    np.testing.assert_array_equal(
        rule, data.labels == 1
    )  # positives obey, every negative breaks it
    neg = data.labels == 0
    wrong_order = neg & (a_first != (order == "a_before_b"))
    assert 0.3 < wrong_order.sum() / neg.sum() < 0.7  # both kinds of violation occur
    assert ((gap[wrong_order] >= 3) & (gap[wrong_order] <= 8)).all()


def test_grammar_errors(motifs):
    a, b = motifs[1], motifs[2]
    with pytest.raises(ValueError, match="too short"):
        simulate_grammar(10, 25, a, b, spacing=(0, 10))
    with pytest.raises(ValueError, match="spacing"):
        simulate_grammar(10, 100, a, b, spacing=(8, 3))
    with pytest.raises(ValueError, match="order"):
        simulate_grammar(10, 100, a, b, order="sideways")
    with pytest.raises(ValueError, match="identical"):
        simulate_grammar(10, 100, a, a)


# ---------------------------------------------------------- presets and argument checks
def test_preset_motifs_twelve_tfs():
    motifs, rates = preset_motifs("twelve_tfs")
    assert [m.matrix_id for m in motifs] == list(PRESETS["twelve_tfs"]) and len(
        motifs
    ) == 12
    assert rates == list(PRESETS["twelve_tfs"].values())
    assert (
        sum(r <= 0.03 for r in rates) == 4 and max(rates) == 0.2
    )  # four rare tasks (2-3 %)
    assert [m.name.upper() for m in motifs][:3] == ["CTCF", "REST", "TP53"]
    assert len({m.matrix_id for m in motifs}) == 12
    data = simulate_multilabel(500, 200, motifs, rates=rates, seed=0)
    assert data.labels.shape == (500, 12)
    with pytest.raises(ValueError, match="unknown preset 'ten'.*twelve_tfs"):
        preset_motifs("ten")


def test_argument_checks_name_the_argument(ctcf):
    with pytest.raises(TypeError, match="n must be an integer"):
        simulate_presence("10", 50, ctcf)
    with pytest.raises(ValueError, match="length must be an integer"):
        simulate_presence(10, 50.5, ctcf)
    with pytest.raises(TypeError, match="frac_positive"):
        simulate_presence(10, 50, ctcf, frac_positive=True)
