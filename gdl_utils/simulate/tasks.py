"""Seeded simulations of regulatory sequences with real JASPAR motifs and true sites.

Background bases are drawn i.i.d. with a chosen GC content; motif instances are
sampled column by column from a :class:`~gdl_utils.motifs.Motif`'s PPM and written at
random positions on a random strand (the reverse complement of the instance on
``'-'``). Every function takes ``seed: int | None = None``: the same int gives the
same data, ``None`` fresh randomness (a numpy ``Generator`` is accepted too, to share
one stream). ``SimulatedData.sites`` is the ground truth: one row per embedded
instance with 0-based, end-exclusive forward-strand coordinates.

The motif-grammar (syntax) task lives in :mod:`gdl_utils.simulate.grammar`.
"""

from __future__ import annotations

import numpy as np

from .._util import check_fraction as _check_fraction
from .._util import check_int as _check_int
from ..motifs.jaspar import Motif, load_jaspar_motif
from .data import (
    SimulatedData,
    _check_fits,
    _place,
    _sequences,
    _strands,
)

PRESETS = {
    # 12 distinct vertebrate factors (JASPAR 2024 IDs) with the prevalence of each
    # label: four rare tasks (2-3 %), as in chromatin-profile data. Used by notebooks
    # 03b and 03c.
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
"""Named motif sets for :func:`preset_motifs`: ``{name: {matrix_id: prevalence}}``."""


def preset_motifs(name: str = "twelve_tfs") -> tuple[list[Motif], list[float]]:
    """A named set of JASPAR motifs and the fraction of sequences that carry each.

    The fraction is the motif's label rate.

    Parameters
    ----------
    name : a key of :data:`PRESETS` (``"twelve_tfs"``: 12 distinct vertebrate
        factors, 2-20 % each)

    Returns
    -------
    motifs : list of :class:`~gdl_utils.motifs.Motif`
    rates : list of float, one per motif (ready for :func:`simulate_multilabel`)

    Used in: chapter 3 (notebooks 03b and 03c).
    """
    if name not in PRESETS:
        raise ValueError(
            f"preset_motifs: unknown preset {name!r}; choose one of {sorted(PRESETS)}"
        )
    preset = PRESETS[name]
    return [load_jaspar_motif(mid) for mid in preset], list(preset.values())


def random_sequences(
    n: int, length: int, *, gc: float = 0.41, seed: int | None = None
) -> list[str]:
    """``n`` i.i.d. background sequences of ``length`` bases with GC fraction ``gc``.

    ``gc`` is the expected fraction; the default 0.41 is the GC content of the human
    genome. ``seed=None`` draws fresh randomness.

    Used in: chapters 1 (01), 2 (02a), 3 (03a), 4 (04a) and 7 (07e).
    """
    n, length = _check_int(n, "n", 0), _check_int(length, "length", 1)
    return _sequences(n, length, gc, np.random.default_rng(seed))


def embed_sites(
    sequences: list[str],
    motif: Motif,
    positions,
    strands,
    seed: int | None = None,
) -> list[str]:
    """Write one sampled instance of ``motif`` into each sequence.

    Parameters
    ----------
    sequences : N strings
    motif : the motif whose PPM the instances are drawn from
    positions : N 0-based start positions (forward strand)
    strands : N of '+' / '-' (or +1 / -1); on '-' the reverse complement of the
        instance is written
    seed : int, or None for fresh randomness

    Returns
    -------
    list of N new strings (the input is not modified).

    Used in: chapters 3 (03a) and 7 (07e).
    """
    positions, strands = list(positions), list(strands)
    if not len(sequences) == len(positions) == len(strands):
        raise ValueError(
            f"embed_sites: got {len(sequences)} sequences, {len(positions)} "
            f"positions and {len(strands)} strands (one of each per sequence)"
        )
    rows = []
    for i, (s, p, st) in enumerate(zip(sequences, positions, strands)):
        if st not in ("+", "-", 1, -1):
            raise ValueError(
                f"strand of sequence {i} must be '+', '-', 1 or -1, got {st!r}"
            )
        if int(p) != p or not 0 <= p <= len(s) - motif.width:
            raise ValueError(
                f"position {p!r} of sequence {i} (length {len(s)}) cannot hold "
                "motif "
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
    seed: int | None = None,
) -> SimulatedData:
    """Binary task: positives carry one instance of ``motif``, negatives none.

    Exactly ``round(n * frac_positive)`` sequences, at random indices, are positive.

    Returns :class:`SimulatedData` with labels (N,) int 0/1.

    Used in: chapter 1, chapter 3.
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
    n: int,
    length: int,
    motifs: list[Motif],
    *,
    rates=0.1,
    gc: float = 0.41,
    seed: int | None = None,
) -> SimulatedData:
    """Multi-label task: label ``j`` is 1 for exactly ``round(n * rates[j])`` sequences.

    The sequences are chosen at random and independently per motif, so a sequence may
    carry several (non-overlapping) instances. Small rates (e.g. 0.02) give the class
    imbalance of real chromatin-profile tasks.

    Returns :class:`SimulatedData` with labels (N, n_motifs) int 0/1.

    Used in: chapters 2 (02a), 3 (03b, 03c) and 8 (08a, 08b).
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
