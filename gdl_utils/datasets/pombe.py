"""*S. pombe* mRNA half-lives and 3'UTR sequences (Eser et al. 2016).

``pombe_halflife/pombe_half-life_UTR3.csv`` (from the ``concise`` package) has one row
per gene: the 3'UTR sequence ``seq`` (DNA letters, 5'->3' on the mRNA), the chromosome
``chr`` (chr1-chr3), ``hlt`` (half-life) and ``synth`` (synthesis rate), both on the
log10 scale the file distributes, and ``UTR3_length`` / ``UTR5_length`` as
``log10(length + 1)``. :func:`load_pombe_halflife` reads it into tidy columns and
checks every row.

Used in: chapter 10 (10c: how much of mRNA stability is in the 3'UTR).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .fetching import dataset_path

__all__ = ["POMBE_COLUMNS", "check_pombe_halflife", "load_pombe_halflife"]

POMBE_COLUMNS = (
    "ID",
    "chr",
    "strand",
    "seq",
    "hlt",
    "synth",
    "UTR3_length",
    "UTR5_length",
)
_CHROMS = ("chr1", "chr2", "chr3")


def check_pombe_halflife(df: pd.DataFrame, source: str = "table") -> pd.DataFrame:
    """Check the raw table and return tidy columns, one row per gene.

    Parameters
    ----------
    df : the file's columns (at least :data:`POMBE_COLUMNS`), one row per gene
    source : a name for error messages (the file name)

    Returns
    -------
    DataFrame with ``id``, ``chrom``, ``strand``, ``utr3`` (upper-case ACGT),
    ``utr3_len``, ``utr5_len`` (bases, int), ``log_halflife``, ``log_synthesis``
    (float, the file's log10 values); the index is ``df``'s.

    Raises
    ------
    ValueError naming the source, the line (header = line 1), the gene and the value:
    a missing column, a 3'UTR with a character other than A/C/G/T (and its position),
    an empty 3'UTR, a half-life or synthesis rate that is NaN or infinite (the file
    stores log10 values, so a half-life <= 0 arrives as NaN or -inf), a chromosome
    outside chr1-chr3, or a ``UTR3_length`` that disagrees with the sequence.

    Used in: chapter 10 (10c, through :func:`load_pombe_halflife`).
    """
    missing = [c for c in POMBE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}")
    line = np.arange(len(df)) + 2

    def fail(mask, what):
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            r = df.iloc[i]
            raise ValueError(f"{source}, line {line[i]} (gene {r['ID']}): {what(r)}")

    seq = df["seq"].astype(str).str.upper()
    fail(seq.str.len() == 0, lambda r: "empty 3'UTR sequence")
    bad = seq.str.contains("[^ACGT]", regex=True)

    def bad_char(r):
        s = str(r["seq"]).upper()
        pos = next(i for i, c in enumerate(s) if c not in "ACGT")
        return f"3'UTR has {s[pos]!r} at position {pos} (only A, C, G, T allowed)"

    fail(bad, bad_char)
    for col, what in (("hlt", "half-life"), ("synth", "synthesis rate")):
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        fail(
            ~np.isfinite(v),
            lambda r, c=col, w=what: (
                f"{w} {c}={r[c]} is not a finite log10 value (must be > 0)"
            ),
        )
    fail(
        ~df["chr"].isin(_CHROMS), lambda r: f"chromosome {r['chr']!r} not in {_CHROMS}"
    )
    n = seq.str.len().to_numpy()
    fail(
        np.abs(10 ** df["UTR3_length"].to_numpy(dtype=float) - 1 - n) > 0.5,
        lambda r: f"UTR3_length {r['UTR3_length']} != log10({len(r['seq'])} + 1)",
    )
    return pd.DataFrame(
        {
            "id": df["ID"].astype(str),
            "chrom": df["chr"].astype(str),
            "strand": df["strand"].astype(str),
            "utr3": seq,
            "utr3_len": n.astype(int),
            "utr5_len": np.rint(
                10 ** df["UTR5_length"].to_numpy(dtype=float) - 1
            ).astype(int),
            "log_halflife": df["hlt"].astype(float),
            "log_synthesis": df["synth"].astype(float),
        },
        index=df.index,
    )


def load_pombe_halflife(path=None) -> pd.DataFrame:
    """The 3,713 *S. pombe* genes of Eser et al. (2016), checked.

    Parameters
    ----------
    path : optional path of ``pombe_half-life_UTR3.csv``; default the registry's file
        (``dataset_path("pombe_halflife", ...)``)

    Returns
    -------
    DataFrame, see :func:`check_pombe_halflife` (3,713 rows: chr1 1,692, chr2 1,361,
    chr3 660).

    Used in: chapter 10 (10c).
    """
    path = Path(path or dataset_path("pombe_halflife", "pombe_half-life_UTR3.csv"))
    return check_pombe_halflife(pd.read_csv(path), path.name)
