"""Enrichment targets from selection counts: what a sequence-to-function model is
trained to predict.

A selection experiment (deep mutational scanning, an MPRA, the yeast ARS assay) counts
every variant
before (``library``) and after (``selected``) selection. The log2 ratio of the two
counts, corrected for
sequencing depth, is the variant's *enrichment*.

- :func:`log2_enrichment`: per-variant log2 enrichment with a pseudocount, optionally
depth-normalised.
- :func:`position_enrichment`: the additive (position x base) summary a sequence logo
shows: log2 ratio of
  each base's frequency after vs before selection at each position, pooled over all
  reads.

Scoring a regressor is :func:`gdl_utils.evaluate.regression_report`; in-silico
mutagenesis is
:func:`gdl_utils.interpret.mutation_effects`; distances to the wild type are
:func:`gdl_utils.dna.count_mutations`.

Used in: chapter 3 (notebook 03d, yeast ARS1 library).
"""

from __future__ import annotations

import numpy as np

from .._util import code_matrix

__all__ = ["log2_enrichment", "position_enrichment"]

_CHUNK = 65_536  # variants per block in position_enrichment


def _counts(values, name: str) -> np.ndarray:
    """1-D non-negative finite float array, or a ValueError naming ``name``."""
    a = np.asarray(values, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of counts, got shape {a.shape}")
    bad = ~np.isfinite(a) | (a < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"{name}: counts must be finite and >= 0, got {a[i]} at index {i}"
        )
    return a


def log2_enrichment(
    selected, library, *, pseudocount: float = 1.0, normalize: bool = True
) -> np.ndarray:
    """Per-variant log2 enrichment ``log2((selected + c) / (library + c))``.

    Parameters
    ----------
    selected, library : (N,) read counts after and before selection (>= 0)
    pseudocount : c > 0; keeps the ratio finite for variants missing from one pool and
        shrinks
        ratios of low counts towards 1
    normalize : subtract ``log2(sum(selected) / sum(library))`` so that 0 means "as
        enriched as the
        average read" whatever the two sequencing depths

    Returns
    -------
    (N,) float64.

    Used in: chapter 3 (notebook 03d).
    """
    s, lib = _counts(selected, "selected"), _counts(library, "library")
    if s.shape != lib.shape:
        raise ValueError(
            f"selected has {s.shape[0]} counts but library has {lib.shape[0]}"
        )
    if not (
        isinstance(pseudocount, (int, float, np.number)) and 0 < pseudocount < np.inf
    ):
        raise ValueError(
            "log2_enrichment: pseudocount must be a finite number > 0, got "
            f"{pseudocount!r}"
        )
    y = np.log2((s + pseudocount) / (lib + pseudocount))
    if normalize:
        if s.sum() == 0 or lib.sum() == 0:
            raise ValueError("normalize=True needs at least one read in each pool")
        y -= np.log2(s.sum() / lib.sum())
    return y


def position_enrichment(
    sequences, selected, library, *, pseudocount: float = 1.0
) -> np.ndarray:
    """Additive enrichment matrix: log2 (frequency after / before selection) of each
    base at each position.

    Every read counts: the base frequencies at position ``p`` are pooled over all
    variants weighted by
    their counts, so the matrix is estimated from millions of reads even when each
    variant has only a
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
    codes = code_matrix(sequences, "position_enrichment: sequences")
    s, lib = _counts(selected, "selected"), _counts(library, "library")
    if not (len(s) == len(lib) == len(codes)):
        raise ValueError(
            f"{len(codes)} sequences but {len(s)} selected and {len(lib)} library "
            f"counts"
        )
    cells = np.zeros((2, 4, codes.shape[1]))  # (pool, base, position) read counts
    for k, weights in enumerate((s, lib)):
        rows = np.flatnonzero(weights)  # variants with reads in this pool
        for start in range(0, len(rows), _CHUNK):  # chunks bound the memory used
            chunk = rows[start : start + _CHUNK]
            for base in range(4):
                cells[k, base] += weights[chunk] @ (codes[chunk] == base)
    if not (
        isinstance(pseudocount, (int, float, np.number)) and 0 <= pseudocount < np.inf
    ):
        raise ValueError(
            "position_enrichment: pseudocount must be a finite number >= 0, got "
            f"{pseudocount!r}"
        )
    cells += pseudocount
    freqs = cells / cells.sum(axis=1, keepdims=True)
    matrix = np.log2(freqs[0] / freqs[1])
    return matrix - matrix.mean(axis=0, keepdims=True)
