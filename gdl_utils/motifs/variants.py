"""ΔPWM: how much a single-nucleotide variant changes the best motif match nearby.

For a motif (log-odds matrix, :mod:`.pwm`) and a variant at position ``p``, the score
change is ``max over windows covering p (alt) - max over windows covering p (ref)``,
on both strands. Over a collection of motifs (JASPAR, :mod:`.jaspar`) the variant's
score is the change of largest magnitude: the classic motif-disruption baseline of
variant-effect prediction. Every substitution of a sequence is scored at once: a
window's score changes by ``lo[alt, j] - lo[ref, j]`` when the variant sits at its
column ``j``, so no variant sequence is ever built.

Used in: chapter 10 (10d: the motif baseline of variant effects).
"""

from __future__ import annotations

import numpy as np

from .._util import ALPHABET
from ..dna.sequence import one_hot

__all__ = ["delta_pwm", "score_variants"]


def _log_odds(motifs) -> list[np.ndarray]:
    out = []
    for i, m in enumerate(motifs):
        lo = np.asarray(m.log_odds() if hasattr(m, "log_odds") else m, dtype=float)
        if lo.ndim != 2 or lo.shape[0] != 4 or not np.isfinite(lo).all():
            raise ValueError(
                f"delta_pwm: motif {i} must be a finite (4, width) log-odds matrix "
                f"or a Motif, got shape {lo.shape}"
            )
        out.append(lo)
    if not out:
        raise ValueError("delta_pwm: no motifs given")
    return out


def _group_best(x: np.ndarray, ref: np.ndarray, lo: np.ndarray):
    """Best window score covering each position, (M, L) for the reference and
    (M, 4, L) for every substitution, for M motifs of one width (one strand).

    x : (4, L) one-hot; ref : (L,) reference codes; lo : (M, 4, w).
    """
    m, _, w = lo.shape
    length = x.shape[1]
    windows = np.lib.stride_tricks.sliding_window_view(x, w, axis=1)  # (4, P, w)
    score = np.einsum("cpw,mcw->mp", windows, lo)  # (M, P)
    n_win = score.shape[1]
    neg = np.full((m, length), -np.inf)
    best_ref = neg.copy()
    best_alt = np.full((m, 4, length), -np.inf)
    pos = np.arange(length)
    for j in range(w):  # the variant at column j of window s = p - j
        s = pos - j
        ok = (s >= 0) & (s < n_win)
        sc = neg.copy()
        sc[:, ok] = score[:, s[ok]]
        best_ref = np.maximum(best_ref, sc)
        change = lo[:, :, j][:, :, None] - lo[:, ref, j][:, None, :]  # (M, 4, L)
        best_alt = np.maximum(best_alt, sc[:, None, :] + change)
    return best_ref, best_alt


def delta_pwm(seq: str, motifs, *, return_motif: bool = False):
    """ΔPWM of every single-nucleotide substitution of ``seq`` over a motif set.

    Parameters
    ----------
    seq : str, A/C/G/T (an ``N`` position gets 0 for every substitution)
    motifs : list of :class:`~gdl_utils.motifs.Motif` (their ``log_odds()``) or of
        (4, w) log-odds matrices
    return_motif : also return which motif gave each value

    Returns
    -------
    delta : (4, L) float, ``[b, p]`` = the signed score change (alt - ref, log2 odds,
        best window covering ``p``, both strands) of the motif whose change has the
        largest magnitude; exactly 0 at the reference bases
    motif : (4, L) int index into ``motifs`` (only with ``return_motif``)

    ``np.abs(delta)`` is the max-abs-ΔPWM baseline. Motifs longer than ``seq`` are
    skipped.

    Used in: chapter 10 (10d).
    """
    x = one_hot(seq).astype(float)  # (4, L); raises naming a bad character
    ref = np.where(x.any(axis=0), x.argmax(axis=0), 0)
    los = _log_odds(motifs)
    length = len(seq)
    best = np.zeros((4, length))
    which = np.zeros((4, length), dtype=np.int64)
    widths = sorted({lo.shape[1] for lo in los if lo.shape[1] <= length})
    for w in widths:
        idx = [i for i, lo in enumerate(los) if lo.shape[1] == w]
        group = np.stack([los[i] for i in idx])
        plus = _group_best(x, ref, group)
        minus = _group_best(x, ref, group[:, ::-1, ::-1])  # reverse complements
        d = np.maximum(plus[1], minus[1]) - np.maximum(plus[0], minus[0])[:, None]
        d = np.where(np.isfinite(d), d, 0.0)  # (M, 4, L)
        k = np.abs(d).argmax(axis=0)  # (4, L)
        top = np.take_along_axis(d, k[None], axis=0)[0]
        better = np.abs(top) > np.abs(best)
        best = np.where(better, top, best)
        which = np.where(better, np.asarray(idx)[k], which)
    best[:, ~x.any(axis=0)] = 0.0
    best[ref, np.arange(length)] = 0.0
    return (best, which) if return_motif else best


def score_variants(seq: str, positions, refs, alts, motifs) -> np.ndarray:
    """Max absolute ΔPWM of listed variants of ``seq``, checking each ``Ref``.

    Parameters
    ----------
    seq : str, the reference sequence
    positions : (n,) int, 0-based positions in ``seq``
    refs, alts : (n,) single bases (A/C/G/T)
    motifs : as for :func:`delta_pwm`

    Returns
    -------
    (n,) float, the absolute ΔPWM of each variant.

    Raises
    ------
    ValueError naming the variant (index, position, Ref, Alt) whose position lies
    outside ``seq``, whose ``Ref`` disagrees with ``seq`` there, or whose bases are
    not single A/C/G/T letters.

    Used in: chapter 10 (10d).
    """
    pos = np.asarray(positions)
    refs, alts = list(refs), list(alts)
    if not (len(pos) == len(refs) == len(alts)):
        raise ValueError(
            f"score_variants: {len(pos)} positions, {len(refs)} refs, {len(alts)} alts"
        )
    for i, (p, r, a) in enumerate(zip(pos, refs, alts)):
        what = f"score_variants: variant {i} (position {p}, {r}>{a})"
        if not (0 <= p < len(seq)):
            raise ValueError(
                f"{what}: position outside the sequence (0..{len(seq) - 1})"
            )
        if r not in ALPHABET or a not in ALPHABET:
            raise ValueError(f"{what}: Ref and Alt must be single A/C/G/T bases")
        if seq[p].upper() != r:
            raise ValueError(
                f"{what}: Ref {r!r} disagrees with the sequence "
                f"({seq[p]!r} at position {p})"
            )
    table = np.abs(delta_pwm(seq, motifs))
    return table[[ALPHABET.index(a) for a in alts], pos]
