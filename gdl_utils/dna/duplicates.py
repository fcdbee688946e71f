"""Exact duplicates in sequence tables: how many there are, and keeping one of each.

Real sequence sets repeat themselves: UCI splice.data holds 3,190 records but only
3,005 distinct sequences, and one sequence carries two labels. A random row split then
puts the same sequence in train and test and inflates the test score, so
:mod:`gdl_utils.dna.splits` splits over the distinct sequences that :func:`deduplicate`
keeps. Frames returned here keep the **index labels** of the frame passed in (never
reset).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .strands import reverse_complement

__all__ = ["duplicate_summary", "deduplicate", "contained_in"]


def _require(df: pd.DataFrame, *cols) -> None:
    for col in cols:
        if col is not None and col not in df.columns:
            raise ValueError(
                f"column {col!r} not in the frame (columns: {list(df.columns)})"
            )


def _conflicting(df: pd.DataFrame, seq_col: str, label_col: str | None) -> pd.Series:
    """Boolean per row: the row's sequence occurs with more than one distinct label."""
    if label_col is None:
        return pd.Series(False, index=df.index)
    n_labels = df.groupby(seq_col, sort=False)[label_col].transform("nunique")
    return n_labels > 1


def duplicate_summary(
    df: pd.DataFrame, seq_col: str = "sequence", label_col: str | None = "label"
) -> dict:
    """Counts describing duplication in ``df``.

    Returns
    -------
    dict
        ``records``, ``distinct`` (distinct sequences), ``repeated`` (sequences seen
        more than once), ``extra_copies`` (records beyond the first copy),
        ``conflicting`` (sequences with >1 label) and ``conflicting_records``.

    Used in: ch. 1.
    """
    _require(df, seq_col, label_col)
    counts = df[seq_col].value_counts()
    conflict = _conflicting(df, seq_col, label_col)
    return {
        "records": len(df),
        "distinct": int(len(counts)),
        "repeated": int((counts > 1).sum()),
        "extra_copies": int((counts - 1).sum()),
        "conflicting": int(df.loc[conflict, seq_col].nunique()),
        "conflicting_records": int(conflict.sum()),
    }


def deduplicate(
    df: pd.DataFrame,
    seq_col: str = "sequence",
    label_col: str | None = "label",
    conflicts: str = "drop",
) -> pd.DataFrame:
    """Keep the first copy of each exact sequence; handle sequences with several labels.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per record.
    seq_col, label_col : str
        Sequence and label columns; ``label_col=None`` skips the conflict check.
    conflicts : {"drop", "error"}
        ``"drop"``: remove every copy of a sequence seen with more than one label;
        ``"error"``: raise ``ValueError`` naming the sequence and its labels.

    Returns
    -------
    pandas.DataFrame
        The distinct, consistently labelled rows in their original order, with
        their original index.

    Used in: ch. 1, 2.
    """
    if conflicts not in ("drop", "error"):
        raise ValueError(f"conflicts must be 'drop' or 'error', got {conflicts!r}")
    _require(df, seq_col, label_col)
    conflict = _conflicting(df, seq_col, label_col)
    if conflict.any() and conflicts == "error":
        seq = df.loc[conflict, seq_col].iloc[0]
        labels = sorted(map(str, df.loc[df[seq_col] == seq, label_col].unique()))
        raise ValueError(
            f"{int(df.loc[conflict, seq_col].nunique())} sequence(s) carry several "
            f"labels, e.g. {seq!r} with labels {labels} "
            f"(rows {list(df.index[df[seq_col] == seq])})"
        )
    kept = df.loc[~conflict]
    return kept.loc[~kept[seq_col].duplicated(keep="first")]


def contained_in(seqs, windows) -> np.ndarray:
    """Which sequences occur, on either strand, inside any of the windows.

    The check that a held-out set was really held out of pretraining: pass the
    held-out sequences and the windows the model read (e.g.
    :meth:`gdl_utils.lm.GenomeWindows.sequences`). Every window contributes each of
    its substrings of each query length, so the cost is linear in the total window
    length per distinct query length.

    Parameters
    ----------
    seqs : N DNA strings (the held-out sequences; case is ignored)
    windows : M DNA strings

    Returns
    -------
    (N,) bool: True where ``seqs[i]`` or its reverse complement is a substring of a
    window

    Used in: chapter 7 (07d).
    """
    seqs = [str(s).upper() for s in seqs]
    windows = [str(w).upper() for w in windows]
    found = np.zeros(len(seqs), bool)
    for n in sorted({len(s) for s in seqs}):
        if n == 0:
            raise ValueError("contained_in: an empty sequence is in every window")
        pieces = {w[i : i + n] for w in windows for i in range(len(w) - n + 1)}
        for i, s in enumerate(seqs):
            if len(s) == n:
                found[i] = s in pieces or reverse_complement(s) in pieces
    return found
