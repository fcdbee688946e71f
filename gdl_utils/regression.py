"""Sequence-to-function regression: enrichment targets from selection counts, and how to score a regressor.

A selection experiment (deep mutational scanning, an MPRA, the yeast ARS assay) counts every variant
before (``library``) and after (``selected``) selection. The log2 ratio of the two counts, corrected for
sequencing depth, is the variant's *enrichment*: the quantity a sequence-to-function model predicts.

- :func:`log2_enrichment`: per-variant log2 enrichment with a pseudocount, optionally depth-normalised.
- :func:`position_enrichment`: the additive (position x base) summary a sequence logo shows: log2 ratio of
  each base's frequency after vs before selection at each position, pooled over all reads.
- :func:`count_mutations`: Hamming distance of each variant to the wild type.
- :func:`regression_report`: Pearson, Spearman, R^2 and RMSE of predictions in one table row.
- :func:`mutation_effects`: in-silico saturation mutagenesis of one sequence with any predictor.

Used in: chapter 3 (notebook 03d, yeast ARS1 library).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["log2_enrichment", "position_enrichment", "count_mutations", "regression_report",
           "mutation_effects"]

_CHUNK = 65_536  # variants per block in position_enrichment
_LUT = np.full(256, 4, dtype=np.uint8)  # byte -> 0..3 for A, C, G, T (either case), 4 otherwise
for _i, _b in enumerate(b"ACGT"):
    _LUT[_b] = _LUT[_b + 32] = _i


def _counts(values, name: str) -> np.ndarray:
    """1-D non-negative finite float array, or a ValueError naming ``name``."""
    a = np.asarray(values, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of counts, got shape {a.shape}")
    bad = ~np.isfinite(a) | (a < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name}: counts must be finite and >= 0, got {a[i]} at index {i}")
    return a


def log2_enrichment(selected, library, *, pseudocount: float = 1.0, normalize: bool = True) -> np.ndarray:
    """Per-variant log2 enrichment ``log2((selected + c) / (library + c))``.

    Parameters
    ----------
    selected, library : (N,) read counts after and before selection (>= 0)
    pseudocount : c > 0; keeps the ratio finite for variants missing from one pool and shrinks
        ratios of low counts towards 1
    normalize : subtract ``log2(sum(selected) / sum(library))`` so that 0 means "as enriched as the
        average read" whatever the two sequencing depths

    Returns
    -------
    (N,) float64.

    Used in: chapter 3 (notebook 03d).
    """
    s, lib = _counts(selected, "selected"), _counts(library, "library")
    if s.shape != lib.shape:
        raise ValueError(f"selected has {s.shape[0]} counts but library has {lib.shape[0]}")
    if not pseudocount > 0:
        raise ValueError(f"pseudocount must be > 0, got {pseudocount}")
    y = np.log2((s + pseudocount) / (lib + pseudocount))
    if normalize:
        if s.sum() == 0 or lib.sum() == 0:
            raise ValueError("normalize=True needs at least one read in each pool")
        y -= np.log2(s.sum() / lib.sum())
    return y


def _codes(sequences, where: str) -> np.ndarray:
    """(N, L) uint8 codes 0..3 of N equal-length ACGT strings; ValueError naming record and position."""
    seqs = [sequences] if isinstance(sequences, str) else list(sequences)
    if not seqs:
        raise ValueError(f"{where}: no sequences")
    length = len(seqs[0])
    for i, s in enumerate(seqs):
        if len(s) != length:
            raise ValueError(f"{where}: record {i} has length {len(s)}, expected {length} (record 0)")
    codes = _LUT[np.frombuffer("".join(seqs).encode("ascii", "replace"), dtype=np.uint8)]
    codes = codes.reshape(len(seqs), length)
    if (codes == 4).any():
        i, j = map(int, np.argwhere(codes == 4)[0])
        raise ValueError(f"{where}: record {i} has {seqs[i][j]!r} at position {j} (only A, C, G, T allowed)")
    return codes


def position_enrichment(sequences, selected, library, *, pseudocount: float = 1.0) -> np.ndarray:
    """Additive enrichment matrix: log2 (frequency after / before selection) of each base at each position.

    Every read counts: the base frequencies at position ``p`` are pooled over all variants weighted by
    their counts, so the matrix is estimated from millions of reads even when each variant has only a
    few. Each column is centred (mean 0 over the four bases), as for an enrichment logo.

    Parameters
    ----------
    sequences : N strings of equal length L (A, C, G, T)
    selected, library : (N,) read counts
    pseudocount : added to every (base, position) count

    Returns
    -------
    (4, L) float64, rows A, C, G, T.

    Used in: chapter 3 (notebook 03d; the ARS1 logo of Tareen & Kinney 2020, Fig. 1E).
    """
    codes = _codes(sequences, "position_enrichment")
    s, lib = _counts(selected, "selected"), _counts(library, "library")
    if not (len(s) == len(lib) == len(codes)):
        raise ValueError(f"{len(codes)} sequences but {len(s)} selected and {len(lib)} library counts")
    cells = np.zeros((2, 4, codes.shape[1]))                            # (pool, base, position) read counts
    for k, weights in enumerate((s, lib)):
        rows = np.flatnonzero(weights)                                  # variants with reads in this pool
        for start in range(0, len(rows), _CHUNK):                       # chunks bound the memory used
            chunk = rows[start:start + _CHUNK]
            for base in range(4):
                cells[k, base] += weights[chunk] @ (codes[chunk] == base)
    cells += pseudocount
    freqs = cells / cells.sum(axis=1, keepdims=True)
    matrix = np.log2(freqs[0] / freqs[1])
    return matrix - matrix.mean(axis=0, keepdims=True)


def count_mutations(sequences, reference: str) -> np.ndarray:
    """Number of positions at which each sequence differs from ``reference`` (Hamming distance).

    sequences : N strings of the reference's length; returns (N,) int64. Used in: chapter 3.
    """
    codes = _codes(sequences, "count_mutations")
    ref = _codes(reference, "count_mutations (reference)")[0]
    if codes.shape[1] != ref.shape[0]:
        raise ValueError(f"count_mutations: sequences have length {codes.shape[1]}, reference {ref.shape[0]}")
    return (codes != ref).sum(axis=1).astype(np.int64)


def _vector(a, name: str) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    a = np.asarray(a, dtype=float)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"regression_report: {name} must be (N,) or (N, 1), got shape {a.shape}")
    return a


def regression_report(y_true, y_pred) -> pd.Series:
    """Pearson r, Spearman rho, R^2 and RMSE of predictions against measurements.

    Parameters
    ----------
    y_true, y_pred : (N,) or (N, 1) arrays (numpy, pandas or torch), N >= 3, both non-constant

    Returns
    -------
    pandas.Series with ``n``, ``pearson``, ``spearman``, ``r2`` (1 - SSE/SST; negative when worse than
    predicting the mean) and ``rmse``.

    Used in: chapter 3 (notebook 03d).
    """
    t, p = _vector(y_true, "y_true"), _vector(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"regression_report: y_true has {t.shape[0]} values but y_pred has {p.shape[0]}")
    if len(t) < 3:
        raise ValueError(f"regression_report: need at least 3 values, got {len(t)}")
    if not (np.isfinite(t).all() and np.isfinite(p).all()):
        raise ValueError("regression_report: y_true and y_pred must be finite")
    for a, name in ((t, "y_true"), (p, "y_pred")):
        if np.ptp(a) == 0:
            raise ValueError(f"regression_report: {name} is constant, correlations are undefined")
    sse, sst = np.sum((t - p) ** 2), np.sum((t - t.mean()) ** 2)
    return pd.Series({"n": float(len(t)), "pearson": float(stats.pearsonr(t, p)[0]),
                      "spearman": float(stats.spearmanr(t, p)[0]), "r2": float(1 - sse / sst),
                      "rmse": float(np.sqrt(sse / len(t)))})


def mutation_effects(predict_fn: Callable[[np.ndarray], np.ndarray], sequence: str) -> np.ndarray:
    """In-silico saturation mutagenesis: predicted change for every single-base substitution.

    Parameters
    ----------
    predict_fn : maps one-hot DNA (M, 4, L) float32 to predictions (M,) or (M, 1)
    sequence : the reference, L bases of A, C, G, T

    Returns
    -------
    (4, L) float64: entry ``[b, p]`` is ``prediction(sequence with base b at p) - prediction(sequence)``;
    0 at the reference base. One call of ``predict_fn`` on 4L + 1 sequences (the reference, then every
    base at every position; rows carrying the reference base reproduce the reference).

    Used in: chapter 3 (notebook 03d, mutation-effect map of ARS1).
    """
    ref = _codes(sequence, "mutation_effects")[0]
    length = len(ref)
    x = np.zeros((4 * length + 1, 4, length), dtype=np.float32)  # row 0: reference; 1 + 4p + b: p -> b
    x[:, ref, np.arange(length)] = 1.0
    rows = 1 + 4 * np.arange(length)[:, None] + np.arange(4)[None, :]  # (L, 4)
    pos = np.repeat(np.arange(length), 4)
    x[rows.ravel(), :, pos] = 0.0
    x[rows.ravel(), np.tile(np.arange(4), length), pos] = 1.0
    pred = _vector(predict_fn(x), "predict_fn output")
    if pred.shape[0] != len(x):
        raise ValueError(f"mutation_effects: predict_fn returned {pred.shape[0]} values for {len(x)} inputs")
    return (pred[1:].reshape(length, 4) - pred[0]).T
