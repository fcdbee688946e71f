"""The motif-grammar (syntax) task: two motifs whose arrangement is the label.

Every sequence carries one sampled instance of each of two JASPAR motifs, so their
presence says nothing; only the order and spacing of the two sites separate the
classes. Background, sampling and the ``sites`` table are those of
:mod:`gdl_utils.simulate` (see :mod:`gdl_utils.simulate.data`).
"""

from __future__ import annotations

import numpy as np

from .._util import check_fraction as _check_fraction
from .._util import check_int as _check_int
from ..motifs.jaspar import Motif
from .data import (
    SimulatedData,
    _check_fits,
    _place,
    _sequences,
    _strands,
)


def _gap_choices(smin: int, smax: int, room: int, rule: bool) -> np.ndarray:
    """Allowed gaps: in [smin, smax] if ``rule``, else outside it (up to ``room``)."""
    gaps = np.arange(room + 1)
    inside = (gaps >= smin) & (gaps <= smax)
    return gaps[inside if rule else ~inside]


def simulate_grammar(
    n: int,
    length: int,
    motif_a: Motif,
    motif_b: Motif,
    *,
    spacing=(0, 10),
    order: str = "a_before_b",
    frac_positive: float = 0.5,
    gc: float = 0.41,
    seed: int | None = None,
) -> SimulatedData:
    """Syntax task: each sequence holds one instance of each motif; only their
    arrangement differs.

    Positives follow the rule: the first motif (``a`` for ``order="a_before_b"``) lies
    upstream of the other on the forward strand with a gap (bases between the two
    sites) in ``[spacing[0], spacing[1]]``. Negatives break it, half by swapping the
    order (gap still in range) and half by a gap outside the range (when the sequence
    leaves room for one), so motif presence alone cannot separate the classes.
    ``seed=None`` draws fresh randomness.

    Returns :class:`SimulatedData` with labels (N,) int 0/1.

    Used in: chapter 7 (notebook 07a, order of two motifs).
    """
    n, length = _check_int(n, "n", 1), _check_int(length, "length", 1)
    frac_positive = _check_fraction(frac_positive, "frac_positive")
    if order not in ("a_before_b", "b_before_a"):
        raise ValueError(
            f"simulate_grammar: order must be 'a_before_b' or 'b_before_a', "
            f"got {order!r}"
        )
    smin, smax = (_check_int(s, "spacing", 0) for s in spacing)
    if smin > smax:
        raise ValueError(
            f"simulate_grammar: spacing must be (min, max) with min <= max, "
            f"got {spacing!r}"
        )
    if motif_a.counts.shape == motif_b.counts.shape and np.array_equal(
        motif_a.counts, motif_b.counts
    ):
        raise ValueError(
            "motif_a and motif_b are identical, so their order cannot be a rule"
        )
    wa, wb = motif_a.width, motif_b.width
    _check_fits(
        length,
        [wa, wb, smax],
        f"motifs of widths {wa} and {wb} with spacing up to {smax}",
    )
    rng = np.random.default_rng(seed)
    seqs = _sequences(n, length, gc, rng)
    labels = np.zeros(n, dtype=np.int64)
    labels[rng.choice(n, size=round(n * frac_positive), replace=False)] = 1
    inside = _gap_choices(smin, smax, length - wa - wb, True)
    outside = _gap_choices(smin, smax, length - wa - wb, False)
    first_is_a = np.where(labels == 1, order == "a_before_b", order != "a_before_b")
    gaps = rng.choice(inside, size=n)
    if outside.size:  # negatives: half swap the order, half keep it, gap out of range
        by_gap = (labels == 0) & (rng.random(n) < 0.5)
        first_is_a = np.where(by_gap, order == "a_before_b", first_is_a)
        gaps = np.where(by_gap, rng.choice(outside, size=n), gaps)
    w_first = np.where(first_is_a, wa, wb)
    span = w_first + gaps + np.where(first_is_a, wb, wa)
    first = (rng.random(n) * (length - span + 1)).astype(int)
    second = first + w_first + gaps
    strands = _strands(2 * n, rng)
    rows = []
    for i in range(n):
        a_start, b_start = (
            (first[i], second[i]) if first_is_a[i] else (second[i], first[i])
        )
        rows += [
            (i, 0, int(a_start), strands[2 * i]),
            (i, 1, int(b_start), strands[2 * i + 1]),
        ]
    seqs, sites = _place(seqs, rows, [motif_a, motif_b], rng)
    return SimulatedData(seqs, labels, sites, ["grammar"])
