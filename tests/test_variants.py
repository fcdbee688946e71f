"""Tests for gdl_utils.motifs.variants: ΔPWM of every substitution equals rescoring
each variant sequence; Ref checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdl_utils.dna import one_hot
from gdl_utils.motifs import scan_pwm
from gdl_utils.motifs.variants import delta_pwm, score_variants


def _brute(seq, los):
    """Rescore every variant sequence: best window covering p, both strands."""
    length = len(seq)
    out = np.zeros((4, length))
    for p in range(length):
        for b, base in enumerate("ACGT"):
            if base == seq[p]:
                continue
            alt = seq[:p] + base + seq[p + 1 :]
            best = 0.0
            for lo in los:
                w = lo.shape[1]
                if w > length:
                    continue
                cover = slice(max(0, p - w + 1), min(p, length - w) + 1)
                r = scan_pwm(one_hot(seq).astype(float), lo)[cover].max()
                a = scan_pwm(one_hot(alt).astype(float), lo)[cover].max()
                if abs(a - r) > abs(best):
                    best = a - r
            out[b, p] = best
    return out


@settings(deadline=None, max_examples=25)
@given(
    st.text(alphabet="ACGT", min_size=1, max_size=14),
    st.integers(0, 2**31 - 1),
)
def test_delta_pwm_equals_rescoring_every_variant(seq, seed):
    rng = np.random.default_rng(seed)
    los = [rng.normal(size=(4, w)) for w in (3, 5, 5, 8)]
    np.testing.assert_allclose(delta_pwm(seq, los), _brute(seq, los), atol=1e-9)


def test_return_motif_and_reference_zero():
    rng = np.random.default_rng(0)
    los = [rng.normal(size=(4, 4)), rng.normal(size=(4, 6))]
    seq = "ACGTTGCAAGGT"
    d, which = delta_pwm(seq, los, return_motif=True)
    assert d.shape == which.shape == (4, len(seq))
    assert (d[one_hot(seq).astype(bool)] == 0).all()
    assert set(np.unique(which)) <= {0, 1}


def test_score_variants_checks_ref():
    los = [np.eye(4)[:, [0, 1, 2]] * 2.0]  # likes ACG
    assert score_variants("TTACGTT", [3], ["C"], ["T"], los)[0] > 0
    with pytest.raises(ValueError, match=r"variant 1 \(position 2, C>T\).*'A' at "):
        score_variants("TTACGTT", [3, 2], ["C", "C"], ["T", "T"], los)
    with pytest.raises(ValueError, match="outside the sequence"):
        score_variants("TTACGTT", [9], ["C"], ["T"], los)
    with pytest.raises(ValueError, match="single A/C/G/T"):
        score_variants("TTACGTT", [3], ["C"], ["-"], los)
    with pytest.raises(ValueError, match="log-odds"):
        delta_pwm("ACGT", [np.zeros((3, 2))])
    with pytest.raises(ValueError, match="no motifs"):
        delta_pwm("ACGT", [])
