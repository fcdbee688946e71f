"""Motif-to-motif comparison: Tomtom p-values and a plain column-correlation score.

Two ways to compare position probability matrices (PPMs):

- :func:`tomtom`: the Tomtom test (Gupta et al. 2007) as ported by ``memelite``
  (Schreiber). Each query column is scored against every database column, and the
  p-value of an alignment accounts for its length and for how informative the query's
  columns are, so a short matrix that fits one part of a long query does not outrank the
  long query's own matrix. Use it to *name* a matrix (a learned filter).
- :func:`motif_similarity` / :func:`match_motifs`: the mean Pearson correlation of
  aligned columns, maximised over shifts and both strands. Quick and easy to read (1 =
  identical); it has no significance and favours short partial matches, so use it to
  compare two matrices you already chose, not to search a database.

Which planted motifs a network recovered, by exact ID and by TF family, is answered by
:mod:`gdl_utils.motifs.recovery` on top of :func:`tomtom`.

Used in: chapter 3 (notebooks 03a and 03b).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control

from .jaspar import Motif
from .pwm import _check_matrix

__all__ = [
    "motif_similarity",
    "match_motifs",
    "tomtom",
    "tomtom_table",
    "orient_like",
]


def _unit_columns(ppm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns centred and scaled to unit norm (w, 4), and a (w,) constant-column flag.

    A constant column is a uniform one (it has no direction to correlate with).
    """
    c = ppm.T - ppm.T.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(c, axis=1, keepdims=True)
    const = norm[:, 0] < 1e-12
    return np.where(const[:, None], 0.0, c / np.where(const[:, None], 1.0, norm)), const


def _similarities(query: np.ndarray, ppms: list[np.ndarray], min_overlap):
    """Best (scores, offsets, strands) of ``query`` (4, wq) against each PPM.

    Vectorised over the PPMs.
    """
    wq, m = query.shape[1], len(ppms)
    widths = np.array([p.shape[1] for p in ppms])
    wmax, wmin = int(widths.max()), np.minimum(widths, wq)
    if min_overlap is not None and (int(min_overlap) != min_overlap or min_overlap < 1):
        raise ValueError(f"min_overlap must be a positive integer, got {min_overlap!r}")
    need = np.minimum(
        np.maximum(4, wmin - 2) if min_overlap is None else int(min_overlap), wmin
    )
    qn, qconst = _unit_columns(query)
    valid = (
        np.arange(wmax)[None] < widths[:, None]
    )  # (m, wmax): real columns, not padding
    best, best_off = np.full(m, -np.inf), np.zeros(m, dtype=int)
    best_strand = np.ones(m, dtype=int)
    for strand in (1, -1):
        cols, const = np.zeros((m, wmax, 4)), np.zeros((m, wmax), dtype=bool)
        for k, p in enumerate(ppms):
            cols[k, : p.shape[1]], const[k, : p.shape[1]] = _unit_columns(
                p if strand == 1 else p[::-1, ::-1]
            )
        corr = np.einsum(
            "ic,mjc->mij", qn, cols
        )  # (m, wq, wmax) Pearson r of every column pair
        corr[qconst[None, :, None] & const[:, None, :]] = (
            1.0  # two uniform columns are identical
        )
        for o in sorted(
            range(-(wmax - 1), wq), key=abs
        ):  # column j of the other under column j + o
            i = np.arange(max(0, o), min(wq, wmax + o))
            ok = valid[:, i - o]
            overlap = ok.sum(axis=1)
            mean_r = (corr[:, i, i - o] * ok).sum(axis=1) / np.maximum(overlap, 1)
            score = np.where(overlap >= need, mean_r, -np.inf)
            better = (
                score > best + 1e-9
            )  # ties keep the + strand and the smallest shift
            best = np.where(better, score, best)
            best_off = np.where(better, o, best_off)
            best_strand = np.where(better, strand, best_strand)
    return best, best_off, best_strand


def _as_ppm(x, name: str) -> np.ndarray:
    return _check_matrix(x.ppm() if isinstance(x, Motif) else x, name, ppm=True)


def motif_similarity(a, b, *, min_overlap=None) -> tuple[float, int, int]:
    """Mean Pearson correlation of aligned PPM columns, best over shifts and strands.

    Both strands of ``b`` are tried.

    Parameters
    ----------
    a, b : (4, wa) and (4, wb) PPMs (or :class:`Motif`)
    min_overlap : fewest aligned columns (capped at the narrower width ``wmin``);
        default ``max(4, wmin - 2)`` so that short overlaps at the edges cannot win.

    Returns
    -------
    score : float, 1 for identical matrices
    offset : int; column ``j`` of ``b`` (reverse-complemented if ``strand`` is -1)
        aligns with column ``j + offset`` of ``a``
    strand : +1, or -1 when the reverse complement of ``b`` matches best

    Used in: chapters 3 (03a, 03b) and 4 (04b).
    """
    score, offset, strand = _similarities(
        _as_ppm(a, "a"), [_as_ppm(b, "b")], min_overlap
    )
    return float(score[0]), int(offset[0]), int(strand[0])


def match_motifs(
    query_ppm, motifs: list[Motif], top: int | None = 5, *, min_overlap=None
) -> pd.DataFrame:
    """Rank ``motifs`` by :func:`motif_similarity` to a query.

    There is no length correction and no p-value.

    Parameters
    ----------
    query_ppm : (4, w) PPM or a :class:`Motif`
    motifs : list of :class:`Motif`
    top : number of rows to return (None: all)

    Returns
    -------
    DataFrame with columns matrix_id, name, score, offset, strand, best first.

    Used in: chapter 3 (03b exercise: why a correlation score is not enough to search
    JASPAR).
    """
    query = _as_ppm(query_ppm, "query_ppm")
    if len(motifs) == 0:
        raise ValueError("match_motifs: the list of motifs is empty")
    scores, offsets, strands = _similarities(
        query, [m.ppm() for m in motifs], min_overlap
    )
    table = pd.DataFrame(
        {
            "matrix_id": [m.matrix_id for m in motifs],
            "name": [m.name for m in motifs],
            "score": scores,
            "offset": offsets,
            "strand": strands,
        }
    )
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(
        drop=True
    )
    return table if top is None else table.head(top)


def orient_like(query, motif) -> tuple[np.ndarray, int]:
    """``query`` on the strand on which it matches ``motif``.

    The query is reverse-complemented if that strand is -1.

    Parameters
    ----------
    query : (4, w) PPM or weight matrix (e.g. a filter)
    motif : (4, wm) PPM or :class:`Motif`

    Returns
    -------
    oriented : (4, w) float array (a copy)
    strand : +1 or -1 (from :func:`motif_similarity`)

    Used in: chapters 3 (03a, 03b), 4 (04b) and 8 (08b, 08c).
    """
    q = np.asarray(query, dtype=np.float64)
    if q.ndim != 2 or q.shape[0] != 4:
        raise ValueError(f"orient_like: query must have shape (4, w), got {q.shape}")
    shift = (
        q.min() if q.min() < 0 else 0.0
    )  # weight matrices: compare their shape as a PPM
    probs = (q - shift) / np.maximum((q - shift).sum(axis=0, keepdims=True), 1e-12)
    probs[:, (q - shift).sum(axis=0) <= 1e-12] = 0.25
    _, _, strand = motif_similarity(probs, motif)
    return (q.copy() if strand == 1 else q[::-1, ::-1].copy()), strand


def _ppm_list(ppms, name: str) -> list[np.ndarray]:
    if isinstance(ppms, np.ndarray) and ppms.ndim == 3:
        ppms = list(ppms)
    out = [
        np.ascontiguousarray(_as_ppm(p, f"{name}[{i}]"), dtype=np.float64)  # one numba
        for i, p in enumerate(ppms)  # specialisation (compile_tomtom warms float64)
    ]
    if not out:
        raise ValueError(f"tomtom: {name} is empty")
    return out


def tomtom(
    queries, motifs: Sequence[Motif], *, n_jobs: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Tomtom p-values of every query against every database motif, both strands.

    Parameters
    ----------
    queries : (n, 4, w) array, or a list of (4, w_i) PPMs / :class:`Motif`
    motifs : the database, e.g. ``load_jaspar_collection()`` (at least ~50 matrices:
        Tomtom's null distribution is built from the database's columns)
    n_jobs : numba threads (1 keeps to the course's one-thread policy)

    Returns
    -------
    p_values : (n, n_motifs) float array, p-value of the best alignment of each pair
    strands : (n, n_motifs) int array, +1 or -1 (the motif's reverse complement matched)

    The first call in a fresh environment compiles memelite's numba code (about a
    minute, cached on disk).

    Used in: chapters 3 (03a) and 8 (08b, 08c).
    """
    import numba
    from memelite import (
        tomtom as _memelite_tomtom,
    )  # numba import takes ~1 s: only when needed

    q = _ppm_list(queries, "queries")
    t = [np.ascontiguousarray(m.ppm()) if isinstance(m, Motif) else m for m in motifs]
    t = _ppm_list(t, "motifs")
    before = numba.get_num_threads()  # numba ignores OMP_NUM_THREADS: cap it here, or
    numba.set_num_threads(max(1, min(n_jobs, before)))  # its threads oversubscribe
    try:
        p, _, _, _, strands = _memelite_tomtom(q, t, n_jobs=n_jobs)
    finally:
        numba.set_num_threads(before)
    return np.clip(p, 0.0, 1.0), np.where(strands == 0, 1, -1).astype(int)


def compile_tomtom() -> None:
    """Compile memelite's numba code once, so that the first real Tomtom call is fast.

    numba caches the machine code on disk, next to memelite; ``make install`` calls
    this (about a minute), so the notebooks' time budgets do not include compilation.
    On Colab the first :func:`tomtom` call pays it instead. Random PPMs stand in for
    motifs.

    Used in: no notebook directly (the Makefile's install step).
    """
    rng = np.random.default_rng(0)
    fake = [rng.dirichlet(np.ones(4), size=w).T for w in rng.integers(6, 20, size=60)]
    tomtom(fake[:2], fake)


def tomtom_table(query, motifs: Sequence[Motif], top: int | None = 5) -> pd.DataFrame:
    """Rank ``motifs`` by Tomtom p-value against one query.

    q-values are Benjamini-Hochberg over the motifs.

    Returns a DataFrame with columns matrix_id, name, p_value, q_value, strand, best
    first.

    Used in: chapter 3 (03b).
    """
    p, strands = tomtom([query], motifs)
    table = pd.DataFrame(
        {
            "matrix_id": [m.matrix_id for m in motifs],
            "name": [m.name for m in motifs],
            "p_value": p[0],
            "q_value": false_discovery_control(p, axis=-1)[0],
            "strand": strands[0],
        }
    )
    table = table.sort_values("p_value", kind="stable").reset_index(drop=True)
    return table if top is None else table.head(top)
