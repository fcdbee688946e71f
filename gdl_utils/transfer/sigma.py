"""The σ-factor subsets of the *E. coli* promoter benchmark, and leak-free splits.

- :func:`load_sigma_promoters`: the six σ files of ``ecoli_promoters`` (σ24, σ28, σ32,
  σ38, σ54, σ70; 2,860 promoters in all) and, optionally, the 2,860 non-promoters, as
  one ``DataFrame(id, seq, label, group)``.
- :func:`shares_kmer`: which sequences share a ``k``-mer (either strand) with a
  reference set. Many benchmark windows overlap (two promoters of one operon, 27 bp
  apart), so "no identical sequence" is not enough to keep a source and a target apart.
- :func:`assign_parts` and :func:`drop_crossing`: random parts (``source``,
  ``target_train``, ``target_test``, ...) per group, then every row of a later part that
  shares a ``k``-mer with an earlier part removed; :func:`check_no_leak` raises if any
  such pair is left.

Used in: chapter 9 (09a, 09b).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util import check_int, code_matrix
from ..datasets import dataset_path, read_promoter_file
from ..datasets.genomes import PROMOTER_FILES

__all__ = [
    "SIGMAS",
    "SIGMA_FILE",
    "assign_parts",
    "check_no_leak",
    "drop_crossing",
    "load_sigma_promoters",
    "shares_kmer",
]

SIGMAS = (24, 28, 32, 38, 54, 70)
SIGMA_FILE = "Dataset/Benchmark_dataset/sigma_subtypes/sigma{}promoter.txt"


def load_sigma_promoters(
    sigmas=SIGMAS, *, negatives: bool = True, paths: dict | None = None
) -> pd.DataFrame:
    """The σ-promoters (label 1, ``group`` "sigma24", ...) and the non-promoters
    (label 0, ``group`` "non").

    Parameters
    ----------
    sigmas : σ factors to read, a subset of ``SIGMAS``
    negatives : also read ``negative2860.txt``
    paths : optional ``{sigma: path}`` overriding the registered files (tests)

    Returns
    -------
    DataFrame with columns ``id``, ``seq`` (81 bp, upper case), ``label`` (0/1) and
    ``group``; index 0..N-1.

    Raises
    ------
    ValueError
        An unknown σ; a record that is not 81 bp of A, C, G, T, naming the file and
        its line (from :func:`gdl_utils.datasets.read_promoter_file`).

    Used in: chapter 9 (09a, 09b).
    """
    paths = dict(paths or {})
    parts = []
    for s in sigmas:
        if s not in SIGMAS:
            raise ValueError(f"load_sigma_promoters: unknown sigma {s!r}; use {SIGMAS}")
        path = paths.get(s) or dataset_path("ecoli_promoters", SIGMA_FILE.format(s))
        parts.append(read_promoter_file(path, 1).assign(group=f"sigma{s}"))
    if negatives:
        path = paths.get(0) or dataset_path("ecoli_promoters", PROMOTER_FILES[0])
        parts.append(read_promoter_file(path, 0).assign(group="non"))
    return pd.concat(parts, ignore_index=True)


def _kmer_hashes(seqs, k: int) -> np.ndarray:
    """(N, 2 * (L - k + 1)) uint64 codes of every k-mer of each sequence and of its
    reverse complement."""
    c = code_matrix(list(seqs), name="shares_kmer")  # (N, L)
    out = []
    for m in (c, 3 - c[:, ::-1]):
        n = m.shape[1] - k + 1
        h = np.zeros((len(m), n), dtype=np.uint64)
        for j in range(k):
            h = (h << np.uint64(2)) | m[:, j : j + n].astype(np.uint64)
        out.append(h)
    return np.concatenate(out, axis=1)


def shares_kmer(seqs, reference, *, k: int = 20) -> np.ndarray:
    """Which of ``seqs`` share at least one ``k``-mer, on either strand, with any
    sequence of ``reference``.

    Parameters
    ----------
    seqs, reference : equal-length strings of A, C, G, T (N and M of them)
    k : 1..32; 20 finds every pair of benchmark windows that overlap by 20 bp or more

    Returns
    -------
    (N,) bool

    Used in: chapter 9 (09a, 09b).
    """
    k = check_int(k, "shares_kmer: k", minimum=1)
    seqs, reference = list(seqs), list(reference)
    if k > 32:
        raise ValueError(f"shares_kmer: k must be <= 32, got {k}")
    if not seqs or not reference:
        return np.zeros(len(seqs), dtype=bool)
    ref = np.unique(_kmer_hashes(reference, k)[:, : len(reference[0]) - k + 1])
    h = _kmer_hashes(seqs, k)  # both strands of the query against one of the reference
    return np.isin(h, ref).any(axis=1)


def assign_parts(
    frame: pd.DataFrame, fractions: dict, *, by: str = "group", seed: int | None = None
) -> pd.Series:
    """A random part name per row, in the given fractions within each ``by`` group.

    Parameters
    ----------
    frame : DataFrame with a column ``by``
    fractions : ``{group: {part: fraction}}`` (fractions of one group sum to 1); a
        group not listed gets no part (``""``)
    seed : the permutation's seed

    Returns
    -------
    Series of part names (str), index of ``frame``.

    Used in: chapter 9 (09a, 09b).
    """
    rng = np.random.default_rng(seed)
    parts = pd.Series("", index=frame.index, dtype=object)
    for group, shares in fractions.items():
        total = sum(shares.values())
        if not np.isclose(total, 1.0) or min(shares.values()) < 0:
            raise ValueError(
                f"assign_parts: fractions of {group!r} must be >= 0 and sum to 1,"
                f" got {shares}"
            )
        rows = frame.index[frame[by] == group].to_numpy()
        rows = rows[rng.permutation(len(rows))]
        cuts = np.round(np.cumsum(list(shares.values())) * len(rows)).astype(int)
        for name, chunk in zip(shares, np.split(rows, cuts[:-1])):
            parts[chunk] = name
    return parts


def drop_crossing(
    frame: pd.DataFrame, parts: pd.Series, order, *, k: int = 20
) -> pd.DataFrame:
    """``frame`` with a ``part`` column, without the rows of a later part (in
    ``order``) that share a ``k``-mer with any row of an earlier part.

    ``order=("source", "target_train", "target_test")`` keeps the source whole, removes
    target rows that overlap the source, then test rows that overlap the target's
    training rows. Rows of parts not in ``order`` are dropped.

    Returns
    -------
    DataFrame (a subset of ``frame``'s rows, index kept) with column ``part``.

    Used in: chapter 9 (09a, 09b).
    """
    kept = []
    for name in order:
        rows = frame[parts == name]
        if kept:
            earlier = pd.concat(kept)["seq"]
            rows = rows[~shares_kmer(rows["seq"], earlier, k=k)]
        kept.append(rows.assign(part=name))
    return pd.concat(kept).sort_index()


def check_no_leak(frame: pd.DataFrame, order, *, k: int = 20) -> None:
    """Raise ``ValueError`` if a row of a later part shares a ``k``-mer (either
    strand) with a row of an earlier part, naming both parts and the first such row.

    Used in: chapter 9 (09a, 09b).
    """
    for i, late in enumerate(order[1:], 1):
        rows = frame[frame["part"] == late]
        earlier = frame[frame["part"].isin(order[:i])]["seq"]
        hit = shares_kmer(rows["seq"], earlier, k=k)
        if hit.any():
            first = rows.index[np.flatnonzero(hit)[0]]
            raise ValueError(
                f"check_no_leak: {int(hit.sum())} row(s) of {late!r} share a {k}-mer"
                f" with an earlier part of {list(order[:i])}; first: row {first}"
                f" ({frame.loc[first, 'id']!r})"
            )
