"""PUM2 eCLIP binding sites (ENCODE, K562): 101-nt windows with a binary label.

The files (``pum2_eclip`` in the registry) are the train / valid / test split of Avsec
et al. (2018): comma-separated with a header; the columns the course uses are ``seq``
(101 nt, DNA letters) and ``binding_site`` (``TRUE``/``FALSE``, about 20 % positive).

Used in: ch. 4 (DanQ on real data), ch. 8 (explaining a model of PUM2 binding).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .fetching import dataset_path

__all__ = ["PUM2_SPLITS", "PUM2_LENGTH", "load_pum2", "parse_pum2"]

PUM2_SPLITS = {"train": 17_713, "valid": 4_881, "test": 7_475}
PUM2_LENGTH = 101
_COLUMNS = ("seq", "binding_site")
_TRUTH = {"TRUE": 1, "FALSE": 0, "True": 1, "False": 0}


def parse_pum2(path, *, expected_rows: int | None = None) -> pd.DataFrame:
    """Read one PUM2 split file into ``DataFrame(seq: str, label: int 0/1, ...)``.

    Parameters
    ----------
    path : path-like
        A ``PUM2_{train,valid,test}.csv`` file.
    expected_rows : int, optional
        Number of records the registry promises; a different count is an error.

    Returns
    -------
    pandas.DataFrame
        One row per window: ``seq`` (upper-case, length 101, ``ACGTN``),
        ``label`` (int, 1 = eCLIP peak) and the file's other columns. ``N`` (unknown
        base) is kept: a few test windows are all ``N`` in the source file.

    Raises
    ------
    ValueError
        A missing column, a label that is not TRUE/FALSE, a sequence of the wrong
        length or with letters outside ACGTN, or the wrong number of rows -- naming the
        file and the CSV line (header = line 1).

    Used in: chapter 4 (notebook 04b, through :func:`load_pum2`).
    """
    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in _COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"{path.name}: missing column(s) {missing}; found {list(df.columns)}"
        )
    bad = ~df["binding_site"].isin(list(_TRUTH))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{path.name}, line {i + 2}: binding_site is "
            f"{df['binding_site'].iloc[i]!r}, expected TRUE or FALSE"
        )
    seq = df["seq"].str.upper()
    wrong_length = seq.str.len() != PUM2_LENGTH
    if wrong_length.any():
        i = int(np.flatnonzero(wrong_length)[0])
        raise ValueError(
            f"{path.name}, line {i + 2}: sequence has {len(seq.iloc[i])} nt, "
            f"expected {PUM2_LENGTH}"
        )
    not_acgt = seq.str.contains("[^ACGTN]", regex=True)
    if not_acgt.any():
        i = int(np.flatnonzero(not_acgt)[0])
        raise ValueError(
            f"{path.name}, line {i + 2}: sequence has letters outside ACGTN: "
            f"{seq.iloc[i]!r}"
        )
    if expected_rows is not None and len(df) != expected_rows:
        raise ValueError(
            f"{path.name}: {len(df):,} records, expected {expected_rows:,}"
        )
    out = df.drop(columns=["binding_site"]).assign(
        seq=seq, label=df["binding_site"].map(_TRUTH).astype(int)
    )
    return out


def load_pum2(split: str = "train") -> pd.DataFrame:
    """One split of the PUM2 eCLIP set, from the registered file (cache,
    ``GDL_DATA_MIRROR``, then the pinned GitHub commit).

    Parameters
    ----------
    split : {"train", "valid", "test"}

    Returns
    -------
    pandas.DataFrame
        See :func:`parse_pum2`; 17,713 / 4,881 / 7,475 rows.

    Used in: chapters 4 (04b) and 8 (08c).
    Also chapters 9 (09b, 09c) and 10 (10b).
    """
    if split not in PUM2_SPLITS:
        raise ValueError(f"split must be one of {list(PUM2_SPLITS)}, got {split!r}")
    path = dataset_path("pum2_eclip", f"PUM2_{split}.csv")
    return parse_pum2(path, expected_rows=PUM2_SPLITS[split])
