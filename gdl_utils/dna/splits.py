"""Leakage-aware splitting of sequence tables: train/validation/test and k-fold.

Everything here splits over *distinct sequences* (see :mod:`gdl_utils.dna.duplicates`):
the same sequence never lands in two parts.

Index convention (CONTRIBUTING.md, "Vocabulary"): a frame returned here keeps the
**index labels** of the frame passed in (never reset); an integer array returned here
holds **positions** (``.iloc`` / numpy indexing). To index an array built row by row
from ``df``, use :func:`positions` (``X[positions(df, part)]``); ``X[part.index]`` is
right only when ``df`` has the default ``RangeIndex``.

Used in: ch. 1 (splice junctions), ch. 2 (promoters, leave-one-out).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

from .._util import check_int
from .duplicates import _require, deduplicate

__all__ = [
    "train_val_test_split",
    "dedup_kfold",
    "positions",
]


def _unique_index(df: pd.DataFrame, func: str) -> None:
    if not df.index.is_unique:
        dup = df.index[df.index.duplicated()][0]
        dup = dup.item() if isinstance(dup, np.generic) else dup
        raise ValueError(
            f"{func}: the frame's index has duplicate labels (e.g. {dup!r}), so its "
            f"parts would be "
            "ambiguous; call df.reset_index(drop=True) first"
        )


def positions(df: pd.DataFrame, part) -> np.ndarray:
    """(n,) int64 positions in ``df`` of the rows of ``part`` (a frame returned by a
    split, or index labels).

    Use it to index arrays built row by row from ``df``: ``X[positions(df, train)]``.
    ``ValueError`` if
    ``df``'s index is not unique or a label of ``part`` is not in ``df``.

    Used in: ch. 1, 2, 3 (features and labels of each part of a split).
    """
    _unique_index(df, "positions")
    labels = (
        part.index if isinstance(part, (pd.DataFrame, pd.Series)) else pd.Index(part)
    )
    pos = df.index.get_indexer(labels)
    if (pos < 0).any():
        bad = labels[int(np.argmax(pos < 0))]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise ValueError(f"positions: label {bad!r} of the part is not in the frame")
    return pos.astype(np.int64)


def _allocate(n: int, fractions: np.ndarray) -> np.ndarray:
    """Split ``n`` items into parts by largest remainder; returns counts
    (len(fractions),)."""
    raw = fractions * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def _group_strata(df, codes, stratify) -> np.ndarray:
    """Stratum of each sequence group (first row's value), (n_groups,)."""
    if stratify is None:
        return np.zeros(codes.max() + 1, dtype=int)
    first = pd.Series(df[stratify].to_numpy()).groupby(codes, sort=True).first()
    return pd.factorize(first.to_numpy(), sort=True)[0]


def train_val_test_split(
    df: pd.DataFrame,
    fractions=(0.7, 0.15, 0.15),
    *,
    stratify: str | None = None,
    seed: int | None = None,
    dedupe: bool = True,
    seq_col: str = "sequence",
    label_col: str | None = "label",
):
    """Split into train / validation / test so that no sequence appears in two parts.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per record, with a sequence column.
    fractions : (3,) floats
        Train, validation and test fractions (>= 0, summing to 1); per stratum, counts
        are rounded by
        largest remainder.
    stratify : str, optional
        Column whose class proportions every part keeps (e.g. ``"label"``).
    seed : int or None
        Seed of the shuffle; the same seed gives the same split (None: a fresh random
        split).
    dedupe : bool
        Run :func:`deduplicate` (conflicts dropped) first. With ``False`` duplicates are
        kept, but all
        copies of a sequence land in the same part.
    seq_col, label_col : str
        Sequence column; label column used for conflicts when present in ``df``.

    Returns
    -------
    (train, val, test) : tuple of pandas.DataFrame
        Rows of ``df`` in each part, under their original index labels and in their
        original order; index
        arrays built from ``df`` with :func:`positions`.

    Used in: chapters 1 (01), 2 (02a) and 3 (03a, 03b, 03c, 03d).
    """
    fractions = np.asarray(fractions, dtype=float)
    if (
        fractions.shape != (3,)
        or (fractions < 0).any()
        or not np.isclose(fractions.sum(), 1.0)
    ):
        raise ValueError(
            "fractions must be 3 non-negative numbers summing to 1, got "
            f"{tuple(fractions)}"
        )
    _require(df, seq_col, stratify)
    _unique_index(df, "train_val_test_split")
    if dedupe:
        df = deduplicate(
            df, seq_col, label_col if label_col in df.columns else None, "drop"
        )
    if len(df) == 0:
        raise ValueError("nothing to split: the frame is empty")
    codes = pd.factorize(df[seq_col])[0]
    strata = _group_strata(df, codes, stratify)
    rng = np.random.default_rng(seed)
    part_of_group = np.empty(len(strata), dtype=int)
    for s in np.unique(strata):
        groups = rng.permutation(np.flatnonzero(strata == s))
        counts = _allocate(len(groups), fractions)
        part_of_group[groups] = np.repeat(np.arange(3), counts)
    part = part_of_group[codes]
    return tuple(df.iloc[np.flatnonzero(part == k)] for k in range(3))


def dedup_kfold(
    df: pd.DataFrame,
    n_splits: int | str = 10,
    *,
    stratify: str | None = None,
    seed: int | None = None,
    seq_col: str = "sequence",
    label_col: str | None = "label",
    conflicts: str = "drop",
):
    """K-fold cross-validation over distinct sequences (leave-one-out with
    ``n_splits="loo"``).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per record.
    n_splits : int or "loo"
        Number of folds, 2 <= n_splits <= number of distinct sequences; ``"loo"`` or
        exactly the number
        of distinct sequences gives leave-one-out (folds in row order).
    stratify : str, optional
        Column whose proportions each fold keeps (``StratifiedKFold``); ignored for
        leave-one-out.
    seed : int or None
        Seed of the fold shuffle (None: fresh random folds).
    seq_col, label_col, conflicts
        Passed to :func:`deduplicate` (``label_col`` only when present in ``df``).

    Returns
    -------
    dedup_df : pandas.DataFrame
        The de-duplicated frame (original index labels, original order).
    folds : list of (train_idx, test_idx)
        int64 arrays of *positions* in ``dedup_df`` (``dedup_df.iloc[idx]``, or
        ``X[idx]`` for an array
        built row by row from ``dedup_df``).

    Used in: chapters 2 (02b) and 7 (07d).
    """
    _require(df, seq_col, stratify)
    _unique_index(df, "dedup_kfold")
    dedup = deduplicate(
        df, seq_col, label_col if label_col in df.columns else None, conflicts
    )
    n = len(dedup)
    if n_splits == "loo" or n_splits == n:
        every = np.arange(n)
        return dedup, [(np.delete(every, i), every[i : i + 1]) for i in range(n)]
    if (
        isinstance(n_splits, str)
        or isinstance(n_splits, bool)
        or not isinstance(n_splits, (int, np.integer))
        or not 2 <= n_splits <= n
    ):
        raise ValueError(
            f"n_splits must be 'loo' or an integer in [2, {n}] ({n} distinct "
            f"sequences), "
            f"got {n_splits!r}"
        )
    n_splits = check_int(n_splits, "n_splits", 2)
    dummy = np.zeros(n)
    if stratify is None:
        splitter = KFold(int(n_splits), shuffle=True, random_state=seed).split(dummy)
    else:
        y = dedup[stratify].to_numpy()
        if pd.Series(y).value_counts().max() < int(n_splits):
            raise ValueError(
                f"stratify={stratify!r}: no class has n_splits={n_splits} distinct "
                f"sequences"
            )
        splitter = StratifiedKFold(
            int(n_splits), shuffle=True, random_state=seed
        ).split(dummy, y)
    return dedup, [
        (train.astype(np.int64), test.astype(np.int64)) for train, test in splitter
    ]
