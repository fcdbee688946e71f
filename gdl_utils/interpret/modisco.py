"""TF-MoDISco (Shrikumar et al. 2018) through modisco-lite: from attributions to motifs.

TF-MoDISco cuts *seqlets* (short windows of high total attribution) out of many
attribution maps, clusters them by the similarity of their hypothetical contributions
and aggregates each cluster into a pattern. :func:`run_modisco` calls
``modiscolite.tfmodisco.TFMoDISco`` and returns every pattern as a
:class:`~gdl_utils.motifs.Motif` (base counts of its seqlets, trimmed to the columns
that carry contribution), ready for :func:`gdl_utils.motifs.tomtom`;
:func:`pattern_recovery` names them against a motif collection and says which planted
motifs came back.

modisco-lite compiles its numba kernels on first use in every process (it caches them
on disk only when it may fork compiler processes, which one numba thread does not
allow); :func:`enable_disk_cache` turns numba's disk cache on for them, so that
:func:`compile_modisco` (run once at install) spares every later process that cost.

Used in: chapter 8 (notebook 08b; 08c for PUM2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control

from .._util import as_numpy, check_int
from ..motifs import jaspar_families, tomtom
from ..motifs.jaspar import Motif

__all__ = ["compile_modisco", "enable_disk_cache", "pattern_recovery", "run_modisco"]


def enable_disk_cache() -> int:
    """Turn numba's on-disk cache on for every kernel of modisco-lite.

    Returns the number of kernels whose cache is enabled (0 when the install directory
    is not writable: the kernels are then compiled in each process).

    Used in: chapter 8 (called by :func:`run_modisco`).
    """
    import importlib

    from numba.core.dispatcher import Dispatcher

    n = 0
    for name in ("affinitymat", "aggregator", "gapped_kmer", "util", "core"):
        module = importlib.import_module(f"modiscolite.{name}")
        for obj in vars(module).values():
            if isinstance(obj, Dispatcher):
                try:
                    obj.enable_caching()
                    n += 1
                except Exception:  # read-only install: compile in process
                    pass
    return n


def _trim(pattern, threshold: float) -> slice:
    """Columns from the first to the last whose |contribution| >= threshold x max."""
    score = np.abs(np.asarray(pattern.contrib_scores)).sum(axis=1)
    keep = np.flatnonzero(score >= threshold * score.max())
    return slice(int(keep[0]), int(keep[-1]) + 1)


def run_modisco(
    x,
    hypothetical,
    *,
    window: int = 15,
    flank: int = 5,
    max_seqlets: int = 2000,
    n_leiden_runs: int = 2,
    target_seqlet_fdr: float = 0.2,
    trim_threshold: float = 0.3,
    min_metacluster_size: int = 100,
    trim_to_window_size: int = 30,
    initial_flank_to_add: int = 10,
    name: str = "pattern",
) -> list[Motif]:
    """Motifs found by TF-MoDISco in a set of attribution maps.

    Parameters
    ----------
    x : (N, 4, L) one-hot DNA
    hypothetical : (N, 4, L) hypothetical contributions: what each base would
        contribute at each position (e.g. a per-position centred ISM map or corrected
        gradient, :func:`gdl_utils.interpret.simplex_correction`); the
        contribution of the sequence is ``x * hypothetical``
    window, flank : seqlet core width and flank (modisco-lite's
        ``sliding_window_size``, ``flank_size``)
    max_seqlets, n_leiden_runs, target_seqlet_fdr, min_metacluster_size : passed on
        (modisco-lite's ``max_seqlets_per_metacluster`` and others)
    trim_to_window_size, initial_flank_to_add : passed on (modisco-lite's defaults).
        While clustering, each pattern is trimmed to the ``trim_to_window_size``
        columns of highest information and widened by ``initial_flank_to_add`` on
        both sides; a seqlet whose widened window runs past an end of its sequence
        is dropped from the pattern. The defaults (50-bp patterns) suit long
        sequences; on sequences of ~100 bp they drop many seqlets, so use patterns
        well under half the sequence length (e.g. 20 and 5)
    trim_threshold : keep the columns between the first and last whose summed
        absolute contribution reaches this fraction of the pattern's largest
    name : prefix of the motif names (``pattern_0``, ... for positive patterns,
        ``neg_pattern_0``, ... for negative ones)

    Returns
    -------
    list of :class:`Motif`: counts (4, w) = the PPM of the pattern's seqlets times their
    number; ``matrix_id`` is the name. Positive patterns first, largest first.

    Used in: chapter 8 (08b: motifs of the simulated data; 08c: PUM2).
    """
    import modiscolite

    xn = as_numpy(x, np.float32)
    hyp = as_numpy(hypothetical, np.float32)
    if xn.ndim != 3 or xn.shape[1] != 4 or hyp.shape != xn.shape:
        raise ValueError(
            "run_modisco: x and hypothetical must both be (N, 4, L), got "
            f"{xn.shape} and {hyp.shape}"
        )
    if not np.isfinite(hyp).all():
        raise ValueError("run_modisco: hypothetical contributions contain NaN or inf")
    window, flank = check_int(window, "window", 3), check_int(flank, "flank", 0)
    if xn.shape[2] < window + 2 * flank:
        raise ValueError(
            f"run_modisco: sequences of length {xn.shape[2]} are shorter than a seqlet "
            f"({window} + 2 x {flank} flank)"
        )
    enable_disk_cache()
    pos, neg = modiscolite.tfmodisco.TFMoDISco(
        one_hot=np.ascontiguousarray(xn.transpose(0, 2, 1)),
        hypothetical_contribs=np.ascontiguousarray(hyp.transpose(0, 2, 1)),
        sliding_window_size=window,
        flank_size=flank,
        max_seqlets_per_metacluster=max_seqlets,
        n_leiden_runs=n_leiden_runs,
        target_seqlet_fdr=target_seqlet_fdr,
        min_metacluster_size=min_metacluster_size,
        trim_to_window_size=check_int(trim_to_window_size, "trim_to_window_size", 1),
        initial_flank_to_add=check_int(initial_flank_to_add, "initial_flank_to_add", 0),
    )
    motifs = []
    for prefix, patterns in ((name, pos), (f"neg_{name}", neg)):
        for k, p in enumerate(patterns or []):
            cols = _trim(p, trim_threshold)
            counts = np.asarray(p.sequence)[cols].T * len(p.seqlets)  # (4, w)
            motifs.append(Motif(f"{prefix}_{k}", f"{prefix}_{k}", counts))
    return motifs


def pattern_recovery(
    patterns,
    planted,
    collection,
    *,
    families: dict | None = None,
    max_q: float = 0.01,
    max_rank: int = 10,
    p_values=None,
) -> pd.DataFrame:
    """Which planted motifs came back as patterns, by exact matrix ID and by family?

    Every pattern is compared with the whole ``collection`` by Tomtom. For each planted
    matrix, its pattern is the one on which the planted matrix has the smallest
    p-value. The planted matrix must be a *strong* match of that pattern: Benjamini-
    Hochberg q (over the collection) below ``max_q`` **and** among the pattern's
    ``max_rank`` best matches of the whole collection (10 of JASPAR's ~900 leave
    room for the near-identical paralogs of large families such as FOX). Given that,
    the motif is recovered **exactly** if the pattern's best match is the planted ID
    (ties count) and at **family** level if that best match shares a JASPAR family label
    (:func:`gdl_utils.motifs.jaspar_families`) with it. Without the strength condition
    a family rule accepts unrelated patterns: a random matrix's best match is often one
    of the many C2H2 zinc fingers, CTCF's family.

    Parameters
    ----------
    patterns : list of (4, w_i) PPMs or :class:`Motif` (e.g. from :func:`run_modisco`)
    planted, collection : lists of :class:`Motif`; the planted ones must be in it
    families : ``jaspar_families(collection)`` (computed when None)
    max_q, max_rank : the strength condition above
    p_values : (n_patterns, n_collection) Tomtom p-values, if already computed

    Returns
    -------
    DataFrame, one row per planted motif: planted, matrix_id, pattern (index into
    ``patterns``), top_match, top_id, planted_q, planted_rank, strong, exact, family.

    Used in: chapter 8 (08b: recovery of the planted motifs, and its false-acceptance
    rate on unrelated patterns).
    """
    ids = [m.matrix_id for m in collection]
    missing = [m.matrix_id for m in planted if m.matrix_id not in ids]
    if missing:
        raise ValueError(f"pattern_recovery: planted {missing} not in the collection")
    if len(patterns) == 0:
        raise ValueError("pattern_recovery: no patterns")
    if p_values is None:
        ppms = [m.ppm() if isinstance(m, Motif) else m for m in patterns]
        p_values = tomtom(ppms, collection)[0]
    p = np.asarray(p_values, dtype=np.float64)
    if p.shape != (len(patterns), len(ids)):
        raise ValueError(
            f"pattern_recovery: p_values have shape {p.shape}, expected "
            f"{(len(patterns), len(ids))}"
        )
    families = jaspar_families(collection) if families is None else families
    q = false_discovery_control(p, axis=-1)
    rows = []
    for m in planted:
        j = ids.index(m.matrix_id)
        k = int(np.argmin(p[:, j]))
        top = int(np.argmin(p[k]))
        top = j if p[k, j] <= p[k, top] else top  # a tie with the planted is a match
        rank = int((p[k] < p[k, j]).sum()) + 1
        strong = bool(q[k, j] < max_q and rank <= max_rank)
        rows.append(
            {
                "planted": m.name.upper(),
                "matrix_id": m.matrix_id,
                "pattern": k,
                "top_match": collection[top].name,
                "top_id": ids[top],
                "planted_q": float(q[k, j]),
                "planted_rank": rank,
                "strong": strong,
                "exact": strong and top == j,
                "family": strong and bool(families[ids[top]] & families[m.matrix_id]),
            }
        )
    return pd.DataFrame(rows)


def compile_modisco() -> None:
    """Run TF-MoDISco once on random data so that its numba kernels are on disk.

    For the install step (like :func:`gdl_utils.motifs.compile_tomtom`); a later
    process then loads the compiled kernels instead of spending ~15 s compiling them.

    Used in: no notebook directly (install step).
    """
    rng = np.random.default_rng(0)
    n, length = 300, 60
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(n, length))]
    x = x.transpose(0, 2, 1)
    hyp = rng.normal(scale=0.05, size=x.shape).astype(np.float32)
    motif = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 3, 2, 1, 0]].T  # ACGTTGCA
    for i in range(n):  # a planted pattern with strong contributions
        s = int(rng.integers(0, length - 8))
        x[i, :, s : s + 8], hyp[i, :, s : s + 8] = motif, motif * 2.0
    run_modisco(x, hyp, min_metacluster_size=20)
