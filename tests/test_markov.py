"""gdl_utils.lm.markov: bits per base of k-th order Markov models."""

from __future__ import annotations

import numpy as np
import pytest

from gdl_utils.lm.markov import MarkovModel, _as_codes, markov_bits_per_base


def test_uniform_sequence_costs_two_bits(rng):
    seq = rng.integers(0, 4, 200_000)
    assert MarkovModel(0).fit(seq).bits_per_base(seq) == pytest.approx(2.0, abs=1e-3)
    bits = markov_bits_per_base(seq[:100_000], seq[100_000:], orders=range(4))
    assert all(b == pytest.approx(2.0, abs=0.01) for b in bits.values())
    assert bits[3] > bits[0]  # more parameters, nothing to learn: overfitting costs


def test_skewed_composition_matches_entropy(rng):
    p = np.array([0.5, 0.25, 0.125, 0.125])
    seq = rng.choice(4, size=100_000, p=p)
    entropy = float(-(p * np.log2(p)).sum())  # 1.75 bits
    assert MarkovModel(0).fit(seq).bits_per_base(seq) == pytest.approx(
        entropy, abs=0.01
    )


def test_periodic_sequence_is_predicted_by_a_high_enough_order():
    seq = "ACGGTCA" * 2000  # period 7; "A" is followed by C or by A (in "CAA")
    low, high = MarkovModel(0).fit(seq), MarkovModel(2).fit(seq)
    assert low.bits_per_base(seq) > 1.8
    assert high.bits_per_base(seq) < 0.01  # two bases fix the phase
    assert high.bits_per_base("ACGGTCAACGG") < 0.01  # a held-out copy


def test_contexts_do_not_span_pieces():
    model = MarkovModel(1, alpha=1e-9).fit(["AAAA", "CCCC"])
    assert model.counts[0, 1] == 0 and model.counts[0, 0] == 3  # no A->C across pieces
    probs = 2.0**model.log2_probs
    np.testing.assert_allclose(probs.sum(1), 1.0)


def test_same_positions_for_all_orders(rng):
    seq = rng.integers(0, 4, 500)
    m = MarkovModel(2).fit(seq)
    assert len(m.log2_prob(seq)) == 498 and len(m.log2_prob(seq, start=8)) == 492


def test_errors():
    with pytest.raises(ValueError, match="'N' at position 2"):
        MarkovModel(1).fit("ACNT")
    with pytest.raises(ValueError, match="code 4 at position 1"):
        _as_codes(np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="call fit"):
        MarkovModel(1).bits_per_base("ACGT")
    with pytest.raises(ValueError, match="order must be <= 12"):
        MarkovModel(13)
    with pytest.raises(ValueError, match="start=1 is below the order 3"):
        MarkovModel(3).fit("ACGTACGT").log2_prob("ACGTAC", start=1)
    with pytest.raises(ValueError, match="alpha"):
        MarkovModel(1, alpha=0)


def test_predicted_distribution_matches_log2_prob(rng):
    seq = rng.integers(0, 4, 2000)
    m = MarkovModel(3).fit(seq)
    dist = m.predict_log2(seq, start=5)
    assert dist.shape == (1995, 4)
    np.testing.assert_allclose((2.0**dist).sum(1), 1.0)
    np.testing.assert_array_equal(dist[np.arange(1995), seq[5:]], m.log2_prob(seq, 5))


def _order2_chain(n, seed=0):
    """A random order-2 Markov chain over ACGT (peaked transition rows)."""
    rng = np.random.default_rng(seed)
    table = rng.dirichlet(np.full(4, 0.3), size=16)
    out = list(rng.integers(0, 4, 2))
    for _ in range(n - 2):
        out.append(rng.choice(4, p=table[out[-2] * 4 + out[-1]]))
    return "".join("ACGT"[i] for i in out)


def test_backoff_is_a_distribution_and_fair_at_high_orders():
    seq = _order2_chain(30_000)
    train, test = seq[:25_000], seq[25_000:]
    m = MarkovModel(10, smoothing="backoff").fit(train)
    logp = m.predict_log2(test)
    np.testing.assert_allclose((2.0**logp).sum(1), 1.0, rtol=1e-9)
    add = markov_bits_per_base(train, test, [2, 10], start=10)
    back = markov_bits_per_base(train, test, [2, 10], start=10, smoothing="backoff")
    # add-one spreads order 10 over a million contexts; back-off stays near order 2
    assert add[10] > add[2] + 0.3
    assert back[10] < back[2] + 0.05
    assert back[2] == pytest.approx(
        MarkovModel(2, smoothing="backoff").fit(train).bits_per_base(test, 10)
    )
    # order 0 is the add-alpha base composition either way
    assert MarkovModel(0, smoothing="backoff").fit(train).bits_per_base(test) == (
        pytest.approx(MarkovModel(0).fit(train).bits_per_base(test))
    )


def test_positions_select_the_scored_bases():
    seq = _order2_chain(5_000, seed=1)
    keep = np.zeros(5_000 - 2000 - 3, bool)
    keep[::2] = True
    full = MarkovModel(3).fit(seq[:2000]).log2_prob(seq[2000:], 3)
    got = markov_bits_per_base(seq[:2000], seq[2000:], [3], positions=keep)
    assert got[3] == pytest.approx(float(-full[keep].mean()))
    with pytest.raises(ValueError, match="positions has shape"):
        markov_bits_per_base(seq[:2000], seq[2000:], [3], positions=keep[:-1])
    with pytest.raises(ValueError, match="smoothing must be 'add' or 'backoff'"):
        MarkovModel(3, smoothing="kn")
    with pytest.raises(ValueError, match="beta must be > 0"):
        MarkovModel(3, smoothing="backoff", beta=0)
