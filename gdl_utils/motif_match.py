"""Motif-to-motif similarity: compare PPMs over all offsets and both strands.

Used to name what a CNN filter learned by ranking a JASPAR collection against it (chapter 3). Also
available as ``gdl_utils.motifs.motif_similarity`` / ``gdl_utils.motifs.match_motifs``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _unit_columns(ppm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns centred and scaled to unit norm (w, 4), and a flag for constant (uniform) columns (w,)."""
    c = ppm.T - ppm.T.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(c, axis=1, keepdims=True)
    const = norm[:, 0] < 1e-12
    return np.where(const[:, None], 0.0, c / np.where(const[:, None], 1.0, norm)), const


def _similarities(query: np.ndarray, ppms: list[np.ndarray], min_overlap):
    """Best (scores, offsets, strands) of ``query`` (4, wq) against each PPM, vectorised over the PPMs."""
    wq, m = query.shape[1], len(ppms)
    widths = np.array([p.shape[1] for p in ppms])
    wmax, wmin = int(widths.max()), np.minimum(widths, wq)
    if min_overlap is not None and (int(min_overlap) != min_overlap or min_overlap < 1):
        raise ValueError(f"min_overlap must be a positive integer, got {min_overlap!r}")
    need = np.minimum(np.maximum(4, wmin - 2) if min_overlap is None else int(min_overlap), wmin)
    qn, qconst = _unit_columns(query)
    valid = np.arange(wmax)[None] < widths[:, None]  # (m, wmax): real columns, not padding
    best, best_off, best_strand = np.full(m, -np.inf), np.zeros(m, dtype=int), np.ones(m, dtype=int)
    for strand in (1, -1):
        cols, const = np.zeros((m, wmax, 4)), np.zeros((m, wmax), dtype=bool)
        for k, p in enumerate(ppms):
            cols[k, : p.shape[1]], const[k, : p.shape[1]] = _unit_columns(p if strand == 1 else p[::-1, ::-1])
        corr = np.einsum("ic,mjc->mij", qn, cols)  # (m, wq, wmax) Pearson r of every column pair
        corr[qconst[None, :, None] & const[:, None, :]] = 1.0  # two uniform columns are identical
        for o in sorted(range(-(wmax - 1), wq), key=abs):  # column j of the other sits under column j + o
            i = np.arange(max(0, o), min(wq, wmax + o))
            ok = valid[:, i - o]
            overlap = ok.sum(axis=1)
            score = np.where(overlap >= need, (corr[:, i, i - o] * ok).sum(axis=1) / np.maximum(overlap, 1),
                             -np.inf)
            better = score > best + 1e-9  # ties keep the + strand and the smallest shift
            best = np.where(better, score, best)
            best_off, best_strand = np.where(better, o, best_off), np.where(better, strand, best_strand)
    return best, best_off, best_strand


def _as_ppm(x, name: str) -> np.ndarray:
    from .motifs import Motif, _check_matrix  # imported here: gdl_utils.motifs re-exports this module

    return _check_matrix(x.ppm() if isinstance(x, Motif) else x, name, ppm=True)


def motif_similarity(a, b, *, min_overlap=None) -> tuple[float, int, int]:
    """Mean Pearson correlation of aligned PPM columns, maximised over shifts and both strands of ``b``.

    Parameters
    ----------
    a, b : (4, wa) and (4, wb) PPMs (or :class:`Motif`)
    min_overlap : fewest aligned columns (capped at the narrower width ``wmin``); default
        ``max(4, wmin - 2)`` so that short overlaps at the edges cannot win.

    Returns
    -------
    score : float, 1 for identical matrices
    offset : int; column ``j`` of ``b`` (reverse-complemented if ``strand`` is -1) aligns with column
        ``j + offset`` of ``a``
    strand : +1, or -1 when the reverse complement of ``b`` matches best

    Used in: chapter 3 (matching learned filters to JASPAR).
    """
    score, offset, strand = _similarities(_as_ppm(a, "a"), [_as_ppm(b, "b")], min_overlap)
    return float(score[0]), int(offset[0]), int(strand[0])


def match_motifs(query_ppm, motifs: list[Motif], top: int | None = 5, *, min_overlap=None) -> pd.DataFrame:
    """Rank ``motifs`` (e.g. ``load_jaspar_collection()``) by :func:`motif_similarity` to a query.

    Parameters
    ----------
    query_ppm : (4, w) PPM (e.g. built from a CNN filter's top windows) or a :class:`Motif`
    top : number of rows to return (None: all)

    Returns
    -------
    DataFrame with columns matrix_id, name, score, offset, strand, best first. Used in: chapter 3.
    """
    query = _as_ppm(query_ppm, "query_ppm")
    if len(motifs) == 0:
        raise ValueError("match_motifs: the list of motifs is empty")
    scores, offsets, strands = _similarities(query, [m.ppm() for m in motifs], min_overlap)
    table = pd.DataFrame({"matrix_id": [m.matrix_id for m in motifs], "name": [m.name for m in motifs],
                          "score": scores, "offset": offsets, "strand": strands})
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return table if top is None else table.head(top)
