"""The order task: two motifs in every sequence, and only their order is the label.

Every sequence carries one sampled instance of motif ``A`` and one of motif ``B``, both
on the same (random) strand. Positives read ``A ... B`` along that strand, negatives
``B ... A``; the gap between the two sites is drawn uniformly from the same range in
both classes. Which motifs a sequence contains, how many and on which strand therefore
say nothing about the label: a model that only detects motifs anywhere (global max
pooling) sits at chance (given a ``flank``, see :func:`simulate_order`), and a model
must compare the *positions* of two sites to solve it. Because the label is defined
along the motifs' own strand, the reverse complement of a sequence has the same label.

Background, sampling from the JASPAR matrices and the ``sites`` table are those of
:mod:`gdl_utils.simulate` (see :mod:`gdl_utils.simulate.data`).

Used in: chapter 4 (notebook 04a, why recurrence: order and distance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util import check_fraction as _check_fraction
from .._util import check_int as _check_int
from ..motifs.jaspar import Motif
from .data import SimulatedData, _check_fits, _place, _sequences, _strands

__all__ = ["simulate_order", "pair_gaps", "swap_order"]


def simulate_order(
    n: int,
    length: int,
    motif_a: Motif,
    motif_b: Motif,
    *,
    gap=(0, 40),
    flank: int = 0,
    frac_positive: float = 0.5,
    gc: float = 0.41,
    seed: int | None = None,
) -> SimulatedData:
    """Order task: label 1 if ``motif_a`` lies upstream of ``motif_b`` on their strand.

    Parameters
    ----------
    n, length : number of sequences and bases per sequence
    motif_a, motif_b : two different motifs (e.g. from
        :func:`gdl_utils.motifs.load_jaspar_motif`)
    gap : (min, max) bases between the end of the first site and the start of the
        second, inclusive; drawn uniformly, the same way for both classes
    flank : fewest background bases between a site and either end of the sequence.
        With 0 a site can touch an end, where a filter that needs a few bases beside
        the motif misses it; the first site touches the 5' end more often than the
        second, so this edge effect leaks the order to a position-blind model. A flank
        as wide as the model's filters removes it.
    frac_positive : fraction of sequences with label 1 (exactly ``round(n * frac)``)
    gc : GC content of the background
    seed : int, or None for fresh randomness

    Returns
    -------
    :class:`~gdl_utils.simulate.SimulatedData` with labels (N,) int 0/1 and two
    ``sites`` rows per sequence (forward-strand coordinates; both rows share a strand).

    Used in: chapter 4 (notebook 04a).
    """
    n, length = _check_int(n, "n", 1), _check_int(length, "length", 1)
    frac_positive = _check_fraction(frac_positive, "frac_positive")
    if not (isinstance(gap, (tuple, list)) and len(gap) == 2):
        raise ValueError(f"simulate_order: gap must be (min, max), got {gap!r}")
    gmin, gmax = (_check_int(g, "gap", 0) for g in gap)
    if gmin > gmax:
        raise ValueError(
            f"simulate_order: gap must be (min, max) with min <= max, got {gap!r}"
        )
    if motif_a.counts.shape == motif_b.counts.shape and np.array_equal(
        motif_a.counts, motif_b.counts
    ):
        raise ValueError("simulate_order: motif_a and motif_b are the same matrix")
    wa, wb = motif_a.width, motif_b.width
    flank = _check_int(flank, "flank", 0)
    _check_fits(
        length,
        [wa, wb, gmax, 2 * flank],
        f"motifs of widths {wa}, {wb}, gap {gmax} and flanks of {flank}",
    )
    rng = np.random.default_rng(seed)
    seqs = _sequences(n, length, gc, rng)
    labels = np.zeros(n, dtype=np.int64)
    labels[rng.choice(n, size=round(n * frac_positive), replace=False)] = 1
    strands = _strands(n, rng)
    gaps = rng.integers(gmin, gmax + 1, size=n)
    # "first" = first along the strand: A for positives, B for negatives
    first_is_a = labels == 1
    w_first = np.where(first_is_a, wa, wb)
    w_second = np.where(first_is_a, wb, wa)
    span = w_first + gaps + w_second
    room = length - span - 2 * flank + 1
    offset = flank + (rng.random(n) * room).astype(int)  # from the strand's 5' end
    rows = []
    for i in range(n):
        # along the strand: first site at offset, second after the gap
        first, second = offset[i], offset[i] + w_first[i] + gaps[i]
        if strands[i] == "-":  # reading the - strand = reading forward from the end
            first = length - first - w_first[i]
            second = length - second - w_second[i]
        a_start, b_start = (first, second) if first_is_a[i] else (second, first)
        rows += [(i, 0, int(a_start), strands[i]), (i, 1, int(b_start), strands[i])]
    seqs, sites = _place(seqs, rows, [motif_a, motif_b], rng)
    return SimulatedData(seqs, labels, sites, ["a_before_b"])


def pair_gaps(data: SimulatedData) -> np.ndarray:
    """Bases between the two sites of every sequence of an order-task data set.

    Parameters
    ----------
    data : the output of :func:`simulate_order` (two ``sites`` rows per sequence)

    Returns
    -------
    (N,) int array: start of the downstream site minus end of the upstream one.

    Used in: chapter 4 (notebook 04a: accuracy against the distance of the motifs).
    """
    sites = data.sites
    counts = np.bincount(sites["seq_index"], minlength=len(data))
    if len(counts) != len(data) or (counts != 2).any():
        bad = int(np.flatnonzero(counts != 2)[0]) if len(counts) == len(data) else -1
        raise ValueError(
            f"pair_gaps: expected two sites per sequence; sequence {bad} has "
            f"{counts[bad] if bad >= 0 else 'an index out of range'}"
        )
    table = sites.sort_values(["seq_index", "start"], kind="stable")
    start = table["start"].to_numpy().reshape(-1, 2)
    end = table["end"].to_numpy().reshape(-1, 2)
    return (start[:, 1] - end[:, 0]).astype(int)


def swap_order(data: SimulatedData) -> SimulatedData:
    """The same sequences with the two sites of every pair exchanged: the label flips.

    Along the forward strand, the span ``first site | gap | second site`` of every
    sequence becomes ``second site | gap | first site``: the sampled instances move
    unchanged (strand included), the gap bases and the flanks stay as they are, and
    the span keeps its place. Only the order of the two sites changes, so the label
    of every sequence flips; a model that decides by order must flip its call, and a
    model that ignores order (or learned nothing) cannot.

    Parameters
    ----------
    data : the output of :func:`simulate_order` (two ``sites`` rows per sequence)

    Returns
    -------
    :class:`~gdl_utils.simulate.SimulatedData` with ``1 - labels`` and updated
    ``sites``; ``pair_gaps`` of it equals that of ``data``.

    Used in: chapter 4 (notebook 04a: does the model's call follow the order?).
    """
    pair_gaps(data)  # checks two sites per sequence
    labels = np.asarray(data.labels)
    if labels.ndim != 1 or not np.isin(labels, (0, 1)).all():
        raise ValueError("swap_order: expected (N,) 0/1 labels of the order task")
    table = data.sites.sort_values(["seq_index", "start"], kind="stable")
    firsts = table.iloc[::2].to_dict("records")
    seconds = table.iloc[1::2].to_dict("records")
    seqs, rows = list(data.sequences), []
    for i, (s1, s2) in enumerate(zip(firsts, seconds)):
        seq = seqs[i]
        site1 = seq[s1["start"] : s1["end"]]
        gap = seq[s1["end"] : s2["start"]]
        site2 = seq[s2["start"] : s2["end"]]
        seqs[i] = seq[: s1["start"]] + site2 + gap + site1 + seq[s2["end"] :]
        end2 = s1["start"] + len(site2)  # the second site now comes first
        start1 = end2 + len(gap)
        rows.append({**s2, "start": s1["start"], "end": end2})
        rows.append({**s1, "start": start1, "end": start1 + len(site1)})
    sites = pd.DataFrame(rows, columns=data.sites.columns).astype(
        {"seq_index": int, "start": int, "end": int}
    )
    return SimulatedData(seqs, 1 - labels, sites, list(data.label_names))
