"""Chapter 8's key checks fail for the broken variant each one is meant to catch.

Each notebook asserts its claims; these tests run the same checks, small and fast, on
the broken variant that must make them fail (and on a working one that must pass):

- 8.1 (08a): an untrained network fails the precondition "the model has come most of
  the way from chance to the true-matrix ceiling"; integrated gradients whose baseline
  is not the stated one (0.25 everywhere) fail the completeness check.
- 8.2 (08b): the recovery rule rejects unrelated (random) patterns, which the
  family-only rule accepted for CTCF; a random matcher recovers nothing.
- 8.3 (08c): the circular-shift control of the MPRA agreement keeps the
  autocorrelation of effect maps, which position shuffles destroy (unrelated smooth
  maps pass a shuffle test, not a shift test); a random matcher does not rank the PUM2
  element first.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import IntegratedGradients
from shared_data import random_one_hot

from gdl_utils.evaluate import roc_auc
from gdl_utils.interpret import attribute, map_agreement, pattern_recovery
from gdl_utils.models import MultiTaskCNN
from gdl_utils.motifs import (
    Motif,
    best_match,
    jaspar_families,
    load_jaspar_collection,
    load_jaspar_motif,
    tomtom,
)
from gdl_utils.runtime import set_seed
from gdl_utils.simulate import simulate_multilabel
from gdl_utils.training import predict

PLANTED_08 = ["MA0139.2", "MA0506.3", "MA0046.3", "MA0872.1"]  # CTCF NRF1 HNF1A TFAP2A


def _cnn(n_outputs: int, seed: int = 0) -> MultiTaskCNN:
    set_seed(seed)
    model = MultiTaskCNN(
        n_outputs,
        conv_channels=(32, 32),
        kernel_sizes=(15, 5),
        pool_sizes=(4, 0),
        hidden=32,
        dropout=0.1,
    )
    return model.eval()


# --- 8.1 -------------------------------------------------------------------------


def _closed(auroc_model: float, auroc_ceiling: float) -> float:
    """08a's precondition: share of the way from chance (0.5) to the ceiling."""
    return (auroc_model - 0.5) / (auroc_ceiling - 0.5)


def test_08a_precondition_fails_for_an_untrained_model():
    motif = load_jaspar_motif("MA0139.2")
    data = simulate_multilabel(600, 100, [motif], rates=0.5, gc=0.41, seed=0)
    x, y = data.one_hot(), data.labels[:, 0]
    ceiling = roc_auc(y, best_match(x, motif.log_odds(background=0.41))[0])
    untrained = roc_auc(y, predict(_cnn(1), x)[:, 0])
    assert ceiling > 0.95
    assert abs(_closed(untrained, ceiling)) < 0.2  # far below the bound of 0.4
    assert _closed(ceiling, ceiling) == pytest.approx(1.0)  # the ideal model passes


def _completeness_gap(model, x, target: int, attributions) -> float:
    """08a's check: |sum of IG - (f(x) - f(0.25 everywhere))| / mean |f(x) - f(b)|."""
    delta = (
        predict(model, x)[:, target] - predict(model, np.full_like(x, 0.25))[:, target]
    )
    return float(
        np.abs(attributions.sum(axis=(1, 2)) - delta).max() / np.abs(delta).mean()
    )


def test_08a_completeness_check_fails_when_the_ig_baseline_changes(monkeypatch):
    model = _cnn(2, seed=3)
    x = random_one_hot(np.random.default_rng(0), 4, 100)
    for target in (0, 1):
        ig = attribute(model, x, "integrated_gradients", target=target, ig_steps=256)
        assert _completeness_gap(model, x, target, ig) < 0.02

    original = IntegratedGradients.attribute

    def zero_baseline(self, inputs, baselines=None, **kwargs):  # the mutation
        return original(self, inputs, baselines=torch.zeros_like(inputs), **kwargs)

    monkeypatch.setattr(IntegratedGradients, "attribute", zero_baseline)
    gaps = [
        _completeness_gap(
            model,
            x,
            t,
            attribute(model, x, "integrated_gradients", target=t, ig_steps=256),
        )
        for t in (0, 1)
    ]
    assert max(gaps) > 0.02


# --- 8.2 -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jaspar():
    collection = load_jaspar_collection("CORE", "vertebrates")
    return collection, jaspar_families(collection)


def _random_patterns(rng, n: int) -> list[np.ndarray]:
    return [
        rng.dirichlet(np.full(4, 0.5), size=int(rng.integers(10, 21))).T
        for _ in range(n)
    ]


def test_08b_rule_rejects_unrelated_patterns_the_family_alone_accepts(jaspar):
    collection, families = jaspar
    planted = [load_jaspar_motif(m) for m in PLANTED_08]
    rng = np.random.default_rng(0)
    patterns = _random_patterns(rng, 150)
    p, _ = tomtom(patterns, collection)
    family_only, rule = [], []
    for s in range(30):  # 30 sets of 5 unrelated patterns
        block = slice(5 * s, 5 * s + 5)
        t = pattern_recovery(
            patterns[block], planted, collection, families=families, p_values=p[block]
        )
        family_only.append(families[t.top_id[0]] & families[t.matrix_id[0]])  # CTCF
        rule.extend(t.family)
    assert np.mean([bool(f) for f in family_only]) > 0.05  # the old rule's weakness
    assert not any(rule)


def test_08b_rule_recovers_noisy_planted_patterns_and_a_random_matcher_does_not(jaspar):
    collection, families = jaspar
    planted = [load_jaspar_motif(m) for m in PLANTED_08]
    rng = np.random.default_rng(1)
    seqlets = [
        rng.multinomial(100, m.ppm().T / m.ppm().sum(0)[:, None]).T for m in planted
    ]
    patterns = [c / 100 for c in seqlets] + _random_patterns(rng, 2)
    table = pattern_recovery(patterns, planted, collection, families=families)
    assert table.family.all() and table.exact.sum() >= 2
    assert table.pattern.nunique() == len(planted)
    random_p = rng.uniform(size=(len(patterns), len(collection)))
    broken = pattern_recovery(
        patterns, planted, collection, families=families, p_values=random_p
    )
    assert not broken.family.any()


# --- 8.3 -------------------------------------------------------------------------


def _smooth(rng, length: int, phi: float = 0.9) -> np.ndarray:
    """An autocorrelated per-position series (AR(1)), like effects along an element."""
    out = np.zeros(length)
    for i in range(1, length):
        out[i] = phi * out[i - 1] + rng.normal()
    return out


def test_08c_shift_control_keeps_autocorrelation_a_shuffle_destroys():
    rng = np.random.default_rng(0)
    length, pass_shuffle, pass_shift = 120, 0, 0
    n_pairs = 20
    seq = "".join(rng.choice(list("ACGT"), size=length))
    ref = np.array(["ACGT".index(b) for b in seq])
    for _ in range(n_pairs):  # unrelated maps, each smooth along the sequence
        measured = _smooth(rng, length)[None, :] + 0.3 * rng.normal(size=(4, length))
        predicted = _smooth(rng, length)[None, :] + 0.3 * rng.normal(size=(4, length))
        measured[ref, np.arange(length)] = 0.0
        rho, null = map_agreement(predicted, measured, seq, n_shuffles=100, seed=0)
        pass_shuffle += (1 + (null >= rho).sum()) / (1 + len(null)) < 0.05
        rho, null = map_agreement(predicted, measured, seq, null="circular")
        assert null.shape == (length - 1,)
        pass_shift += (1 + (null >= rho).sum()) / (1 + len(null)) < 0.05
    assert pass_shuffle >= 5  # far above the nominal 1 in 20
    assert pass_shift <= 3
    same, null = map_agreement(measured, measured, seq, null="circular")
    assert same > null.max()  # a true prediction beats every shift


def test_08c_map_agreement_refuses_an_unknown_null():
    seq = "ACGT" * 5
    maps = np.random.default_rng(0).normal(size=(4, 20))
    with pytest.raises(ValueError, match="null"):
        map_agreement(maps, maps, seq, null="permutation")


def test_08c_pum2_element_ranks_first_and_a_random_matcher_does_not(jaspar):
    collection, _ = jaspar
    consensus = np.full((4, 8), 1.0)
    for j, base in enumerate("TGTA.ATA"):
        if base != ".":
            consensus[:, j] = 0.01
            consensus["ACGT".index(base), j] = 0.97
    database = collection + [Motif("PUM2_consensus", "PUM2", consensus * 100)]
    rng = np.random.default_rng(0)
    pattern = rng.multinomial(60, consensus.T / consensus.sum(0)[:, None]).T / 60.0
    p, strands = tomtom([pattern], database)
    assert p[0, -1] <= p[0].min() and strands[0, -1] == 1
    random_p = rng.uniform(size=p.shape)
    assert random_p[0, -1] > random_p[0].min()
