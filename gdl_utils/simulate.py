"""Seeded simulations of regulatory sequences with real JASPAR motifs and ground-truth sites.

Background bases are drawn i.i.d. with a chosen GC content; motif instances are sampled column by column
from a :class:`~gdl_utils.motifs.Motif`'s PPM and written at random positions on a random strand (the
reverse complement of the instance on ``'-'``). Every function takes ``seed`` (an int or a numpy
``Generator``) and returns the same data for the same seed. ``SimulatedData.sites`` is the ground truth:
one row per embedded instance with 0-based, end-exclusive forward-strand coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._util import check_fraction as _check_fraction
from ._util import check_int as _check_int
from .motifs import Motif, load_jaspar_motif
from .pwm import sample_motif
from .sequence import one_hot, reverse_complement

SITE_COLUMNS = ["seq_index", "motif", "start", "end", "strand", "matrix_id"]

PRESETS = {
    # 12 distinct vertebrate factors (JASPAR 2024 IDs) with the prevalence of each label: four rare tasks
    # (2-3 %), as in chromatin-profile data. Used by notebooks 03b and 03c.
    "twelve_tfs": {
        "MA0139.2": 0.03,
        "MA0138.3": 0.03,
        "MA0106.3": 0.02,
        "MA0083.3": 0.05,  # CTCF REST TP53 SRF
        "MA0088.2": 0.10,
        "MA0506.3": 0.15,
        "MA0527.2": 0.05,
        "MA0154.5": 0.10,  # ZNF143 NRF1 ZBTB33 EBF1
        "MA0105.4": 0.03,
        "MA0046.3": 0.05,
        "MA0113.4": 0.10,
        "MA0872.1": 0.20,  # NFKB1 HNF1A NR3C1 TFAP2A
    },
}
"""Named motif sets for :func:`preset_motifs`: ``{name: {matrix_id: label prevalence}}``."""


def preset_motifs(name: str = "twelve_tfs") -> tuple[list[Motif], list[float]]:
    """A named set of JASPAR motifs and the fraction of sequences that carry each (its label rate).

    Parameters
    ----------
    name : a key of :data:`PRESETS` (``"twelve_tfs"``: 12 distinct vertebrate factors, 2-20 % each)

    Returns
    -------
    motifs : list of :class:`~gdl_utils.motifs.Motif`; rates : list of float, one per motif
    (ready for :func:`simulate_multilabel`).

    Used in: chapter 3 (notebooks 03b and 03c).
    """
    if name not in PRESETS:
        raise ValueError(
            f"preset_motifs: unknown preset {name!r}; choose one of {sorted(PRESETS)}"
        )
    preset = PRESETS[name]
    return [load_jaspar_motif(mid) for mid in preset], list(preset.values())


@dataclass
class SimulatedData:
    """Simulated sequences with labels and ground-truth motif sites.

    Attributes
    ----------
    sequences : list of N strings of equal length L
    labels : (N,) 0/1 for presence and grammar tasks, (N, n_motifs) 0/1 for multi-label tasks
    sites : DataFrame, one row per instance: seq_index, motif (name), start, end (0-based, end-exclusive,
        forward strand), strand ('+' or '-'), matrix_id
    label_names : name of each label column

    Used in: chapter 1 (simulated data), chapter 3 (recovering motifs from CNN filters).
    """

    sequences: list[str]
    labels: np.ndarray
    sites: pd.DataFrame
    label_names: list[str] = field(default_factory=list)

    def one_hot(self, **kwargs):
        """(N, 4, L) one-hot encoding of ``sequences`` (keyword arguments go to ``sequence.one_hot``)."""
        return one_hot(self.sequences, **kwargs)

    def __len__(self) -> int:
        return len(self.sequences)


def _check_fits(length: int, widths, what: str) -> None:
    if length < sum(widths):
        raise ValueError(
            f"sequence length {length} is too short for {what} (needs {sum(widths)} bases)"
        )


def _sequences(n: int, length: int, gc: float, rng: np.random.Generator) -> list[str]:
    gc = _check_fraction(gc, "gc")
    probs = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    codes = rng.choice(4, size=(n, length), p=probs)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[codes]
    return [row.tobytes().decode("ascii") for row in letters]


def random_sequences(n: int, length: int, *, gc: float = 0.41, seed=None) -> list[str]:
    """``n`` i.i.d. background sequences of ``length`` bases with expected GC fraction ``gc``.

    The default 0.41 is the GC content of the human genome. Used in: chapter 1.
    """
    n, length = _check_int(n, "n", 0), _check_int(length, "length", 1)
    return _sequences(n, length, gc, np.random.default_rng(seed))


def _strands(k: int, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.random(k) < 0.5, "+", "-")


def _place(
    sequences: list[str], rows: list[tuple], motifs: list[Motif], rng
) -> tuple[list[str], pd.DataFrame]:
    """Write sampled instances; ``rows`` holds (seq_index, motif_index, start, strand)."""
    seqs = list(sequences)
    table = pd.DataFrame(rows, columns=["seq_index", "k", "start", "strand"])
    out = []
    for k, motif in enumerate(motifs):
        part = table[table["k"] == k]
        inst = sample_motif(motif.ppm(), len(part), rng)
        w = motif.width
        for (i, start, strand), s in zip(
            part[["seq_index", "start", "strand"]].itertuples(index=False), inst
        ):
            s = reverse_complement(s) if strand == "-" else s
            seqs[i] = seqs[i][:start] + s + seqs[i][start + w :]
        out.append(
            part.assign(
                motif=motif.name, end=part["start"] + w, matrix_id=motif.matrix_id
            )
        )
    sites = pd.concat(out) if out else pd.DataFrame(columns=SITE_COLUMNS)
    sites = sites.sort_values(["seq_index", "start"], kind="stable")[
        SITE_COLUMNS
    ].reset_index(drop=True)
    return seqs, sites.astype({"seq_index": int, "start": int, "end": int})


def embed_sites(
    sequences: list[str], motif: Motif, positions, strands, seed=None
) -> list[str]:
    """Write one sampled instance of ``motif`` into each sequence.

    Parameters
    ----------
    sequences : N strings
    motif : the motif whose PPM the instances are drawn from
    positions : N 0-based start positions (forward strand)
    strands : N of '+' / '-' (or +1 / -1); on '-' the reverse complement of the instance is written
    seed : int or numpy Generator

    Returns
    -------
    list of N new strings (the input is not modified).

    Used in: chapter 3 (03a: planting CTCF sites by hand).
    """
    positions, strands = list(positions), list(strands)
    if not len(sequences) == len(positions) == len(strands):
        raise ValueError(
            f"got {len(sequences)} sequences, {len(positions)} positions, {len(strands)} strands"
        )
    rows = []
    for i, (s, p, st) in enumerate(zip(sequences, positions, strands)):
        if st not in ("+", "-", 1, -1):
            raise ValueError(
                f"strand of sequence {i} must be '+', '-', 1 or -1, got {st!r}"
            )
        if int(p) != p or not 0 <= p <= len(s) - motif.width:
            raise ValueError(
                f"position {p!r} of sequence {i} (length {len(s)}) cannot hold motif "
                f"{motif.name} of width {motif.width}"
            )
        rows.append((i, 0, int(p), "+" if st in ("+", 1) else "-"))
    return _place(sequences, rows, [motif], np.random.default_rng(seed))[0]


def simulate_presence(
    n: int,
    length: int,
    motif: Motif,
    *,
    frac_positive: float = 0.5,
    gc: float = 0.41,
    seed=0,
) -> SimulatedData:
    """Binary task: positives (exactly ``round(n * frac_positive)``, at random indices) carry one instance.

    Returns :class:`SimulatedData` with labels (N,) int 0/1. Used in: chapter 1, chapter 3.
    """
    n, length = _check_int(n, "n", 1), _check_int(length, "length", 1)
    frac_positive = _check_fraction(frac_positive, "frac_positive")
    _check_fits(length, [motif.width], f"motif {motif.name} of width {motif.width}")
    rng = np.random.default_rng(seed)
    seqs = _sequences(n, length, gc, rng)
    labels = np.zeros(n, dtype=np.int64)
    pos = np.sort(rng.choice(n, size=round(n * frac_positive), replace=False))
    labels[pos] = 1
    starts = rng.integers(0, length - motif.width + 1, size=len(pos))
    rows = [
        (int(i), 0, int(s), st)
        for i, s, st in zip(pos, starts, _strands(len(pos), rng))
    ]
    seqs, sites = _place(seqs, rows, [motif], rng)
    return SimulatedData(seqs, labels, sites, [motif.name])


def _nonoverlapping(widths: np.ndarray, length: int, rng) -> np.ndarray:
    """Random non-overlapping starts (in random order) for sites of the given widths."""
    order = rng.permutation(len(widths))
    gaps = np.sort(rng.integers(0, length - widths.sum() + 1, size=len(widths)))
    starts = np.empty(len(widths), dtype=int)
    starts[order] = gaps + np.concatenate([[0], np.cumsum(widths[order])[:-1]])
    return starts


def simulate_multilabel(
    n: int, length: int, motifs: list[Motif], *, rates=0.1, gc: float = 0.41, seed=0
) -> SimulatedData:
    """Multi-label task: label ``j`` is 1 for exactly ``round(n * rates[j])`` random sequences.

    Labels are drawn independently per motif, so a sequence may carry several (non-overlapping)
    instances. Small rates (e.g. 0.02) give the class imbalance of real chromatin-profile tasks.

    Returns :class:`SimulatedData` with labels (N, n_motifs) int 0/1. Used in: chapter 3 (multi-task CNNs).
    """
    n, length = _check_int(n, "n", 1), _check_int(length, "length", 1)
    if not motifs:
        raise ValueError("motifs must be a non-empty list of Motif")
    rates = (
        np.broadcast_to(np.asarray(rates, dtype=float), (len(motifs),))
        if np.ndim(rates) == 0
        else np.asarray(rates, dtype=float)
    )
    if rates.shape != (len(motifs),):
        raise ValueError(
            f"rates: expected one rate per motif ({len(motifs)}), got {rates.shape[0]}"
        )
    for j, r in enumerate(rates):
        _check_fraction(r, f"rates[{j}] ({motifs[j].name})")
    widths = np.array([m.width for m in motifs])
    _check_fits(length, widths, f"all {len(motifs)} motifs side by side")
    rng = np.random.default_rng(seed)
    seqs = _sequences(n, length, gc, rng)
    labels = np.zeros((n, len(motifs)), dtype=np.int64)
    for j, r in enumerate(rates):
        labels[rng.choice(n, size=round(n * r), replace=False), j] = 1
    rows = []
    for i in np.flatnonzero(labels.any(axis=1)):
        present = np.flatnonzero(labels[i])
        starts = _nonoverlapping(widths[present], length, rng)
        rows += [
            (int(i), int(k), int(s), st)
            for k, s, st in zip(present, starts, _strands(len(present), rng))
        ]
    seqs, sites = _place(seqs, rows, list(motifs), rng)
    return SimulatedData(seqs, labels, sites, [m.name for m in motifs])


def _gap_choices(smin: int, smax: int, room: int, rule: bool) -> np.ndarray:
    """Allowed gaps: inside [smin, smax] if ``rule`` else outside it (up to ``room``)."""
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
    seed=0,
) -> SimulatedData:
    """Syntax task: every sequence holds one instance of each motif; only the arrangement differs.

    Positives follow the rule: the first motif (``a`` for ``order="a_before_b"``) lies upstream of the
    other on the forward strand with a gap (bases between the two sites) in ``[spacing[0], spacing[1]]``.
    Negatives break it, half by swapping the order (gap still in range) and half by a gap outside the
    range (when the sequence leaves room for one), so motif presence alone cannot separate the classes.

    Returns :class:`SimulatedData` with labels (N,) int 0/1. Used in: no notebook yet (planned: chapter 10, motif grammar).
    """
    n, length = _check_int(n, "n", 1), _check_int(length, "length", 1)
    frac_positive = _check_fraction(frac_positive, "frac_positive")
    if order not in ("a_before_b", "b_before_a"):
        raise ValueError(f"order must be 'a_before_b' or 'b_before_a', got {order!r}")
    smin, smax = (_check_int(s, "spacing", 0) for s in spacing)
    if smin > smax:
        raise ValueError(f"spacing must be (min, max) with min <= max, got {spacing!r}")
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
    if (
        outside.size
    ):  # negatives: half swap the order, half keep it with a gap out of range
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
