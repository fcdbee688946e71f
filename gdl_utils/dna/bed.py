"""Reading BED interval files, with errors that name the file and the line.

BED intervals are 0-based and half-open (``start`` counted from 0, ``end`` excluded).
Line numbers in error messages are 1-based (as in an editor). Files ending in ``.gz``
are read gzip-compressed, line endings and UTF-8 are handled as in
:mod:`gdl_utils.dna.seqio` (whose line reader this module shares).
"""

from __future__ import annotations

import os

import pandas as pd

from .seqio import _lines, _text

#: Column names of the BED specification, in order.
BED_COLUMNS = [
    "chrom",
    "start",
    "end",
    "name",
    "score",
    "strand",
    "thickStart",
    "thickEnd",
    "itemRgb",
    "blockCount",
    "blockSizes",
    "blockStarts",
]


def _bed_fields(path) -> tuple[list[list[str]], list[int]]:
    """Data lines split into fields, and their 1-based line numbers (no headers)."""
    rows, linenos = [], []
    for lineno, raw in _lines(path):
        line = _text(raw, path, lineno)
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 3:
            raise ValueError(
                f"{path}, line {lineno}: BED needs at least 3 columns (chrom, "
                f"start, end), found {len(fields)}: {line!r}"
            )
        if rows and len(fields) != len(rows[0]):
            raise ValueError(
                f"{path}, line {lineno}: {len(fields)} columns, but line "
                f"{linenos[0]} has {len(rows[0])}"
            )
        rows.append(fields)
        linenos.append(lineno)
    return rows, linenos


def _bed_integer(
    frame: pd.DataFrame, column: str, path, linenos: list[int]
) -> pd.Series:
    # digits only: no sign, no '1e3'
    bad = ~frame[column].str.fullmatch(r"[0-9]+").to_numpy(dtype=bool)
    if bad.any():
        i = int(bad.argmax())
        raise ValueError(
            f"{path}, line {linenos[i]}: {column} must be a non-negative integer, "
            f"got {frame[column].iloc[i]!r}"
        )
    # >= 10**18: beyond int64
    big = (frame[column].str.lstrip("0").str.len() > 18).to_numpy(dtype=bool)
    if big.any():
        i = int(big.argmax())
        raise ValueError(
            f"{path}, line {linenos[i]}: {column} {frame[column].iloc[i]} is too "
            "large (coordinates must be < 10**18)"
        )
    return frame[column].astype("int64")


def read_bed(path: str | os.PathLike) -> pd.DataFrame:
    """Read a BED file (tab- or whitespace-separated, 0-based half-open intervals).

    ``#``, ``track`` and ``browser`` lines and blank lines are skipped. Columns are
    named after the BED specification (``chrom, start, end, name, score, strand,
    thickStart, ...``) as far as the file has them; ``score`` becomes numeric when
    every value is a number.

    Returns
    -------
    pandas.DataFrame with one row per interval (``start``, ``end`` int64); an empty
    frame with columns ``chrom, start, end`` for a file without intervals

    Raises
    ------
    ValueError
        Naming file and line for fewer than 3 columns, a column count different from
        the first line, a start or end that is not a non-negative integer (or is
        >= 10**18), start > end, a strand other than + - ., bytes that are not UTF-8,
        or a truncated ``.gz``.

    Used in: no notebook yet (intervals arrive with the data of later chapters).
    """
    rows, linenos = _bed_fields(path)
    if not rows:
        return pd.DataFrame(
            {
                "chrom": pd.Series(dtype=object),
                "start": pd.Series(dtype="int64"),
                "end": pd.Series(dtype="int64"),
            }
        )
    n_col = len(rows[0])
    names = BED_COLUMNS[:n_col] + [f"extra{i}" for i in range(n_col - len(BED_COLUMNS))]
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    frame["start"] = _bed_integer(frame, "start", path, linenos)
    frame["end"] = _bed_integer(frame, "end", path, linenos)
    reversed_ = (frame["start"] > frame["end"]).to_numpy()
    if reversed_.any():
        i = int(reversed_.argmax())
        raise ValueError(
            f"{path}, line {linenos[i]}: start {frame['start'].iloc[i]} > end "
            f"{frame['end'].iloc[i]}"
        )
    if "strand" in frame:
        bad = (~frame["strand"].isin(["+", "-", "."])).to_numpy()
        if bad.any():
            i = int(bad.argmax())
            raise ValueError(
                f"{path}, line {linenos[i]}: strand must be '+', '-' or '.', "
                f"got {frame['strand'].iloc[i]!r}"
            )
    if "score" in frame:
        score = pd.to_numeric(frame["score"], errors="coerce")
        frame["score"] = score if score.notna().all() else frame["score"]
    return frame
