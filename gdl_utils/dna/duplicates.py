"""Exact duplicates in sequence tables: how many there are, and keeping one of each.

Real sequence sets repeat themselves: UCI splice.data holds 3,190 records but only
3,005 distinct sequences, and one sequence carries two labels. A random row split then
puts the same sequence in train and test and inflates the test score, so
:mod:`gdl_utils.dna.splits` splits over the distinct sequences that :func:`deduplicate`
keeps. Frames returned here keep the **index labels** of the frame passed in (never
reset).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["duplicate_summary", "deduplicate"]


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
