"""Saturation-mutagenesis MPRA of 20 regulatory elements (Kircher et al. 2019).

Every possible single-nucleotide variant (and some deletions) of 20 disease-linked
promoters and enhancers was measured by a massively parallel reporter assay; the file
``kircher_mpra/elements.tsv.gz`` has one row per variant and element/condition, for
both genome releases, with the columns ``Chrom Pos Ref Alt Barcodes DNA RNA
Coefficient pValue Element Release``. ``Coefficient`` is the variant's log2 effect on
expression. Because every position has rows, each element's reference sequence can be
rebuilt from ``Ref``: the data are a *measured* in-silico-mutagenesis map.
``promoters.tsv`` and ``enhancers.tsv`` list the element names of each kind.

Used in: chapter 8 (notebook 08c, a measured ISM map) and chapter 10 (10d, variant
effects).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._util import ALPHABET
from .fetching import dataset_path

__all__ = ["MPRA_COLUMNS", "element_effects", "load_kircher_mpra", "parse_kircher_mpra"]

MPRA_COLUMNS = (
    "Chrom",
    "Pos",
    "Ref",
    "Alt",
    "Barcodes",
    "DNA",
    "RNA",
    "Coefficient",
    "pValue",
    "Element",
    "Release",
)
_RELEASES = ("GRCh37", "GRCh38")


def _names(path) -> list[str]:
    lines = Path(path).read_text().split("\n")
    return [s.strip() for s in lines if s.strip()]


def parse_kircher_mpra(path, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """Read ``elements.tsv.gz`` into a DataFrame, checking every row.

    Parameters
    ----------
    path : path-like, the tab-separated (gzip) file
    kinds : optional ``{element: "promoter" | "enhancer"}`` added as column ``kind``

    Returns
    -------
    DataFrame with the file's columns (``Pos`` int, ``Coefficient``/``pValue`` float);
    rows without a position (``NA``: the file's reference-barcode rows) are dropped.

    Raises
    ------
    ValueError naming the file and line (header = line 1): a missing column, a position
    that is not an integer, a Ref/Alt outside ACGT (``-`` is a deletion), a non-numeric
    coefficient, or an unknown release.

    Used in: chapters 8 (08c) and 10 (10d).
    """
    path = Path(path)
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = [c for c in MPRA_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {missing}")
    df = df[df["Pos"] != "NA"].copy()
    line = df.index.to_numpy() + 2

    def fail(mask, what):
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            raise ValueError(f"{path.name}, line {line[i]}: {what(df.iloc[i])}")

    fail(~df["Pos"].str.fullmatch(r"\d+"), lambda r: f"Pos is {r.Pos!r}")
    fail(~df["Ref"].str.fullmatch("[ACGT]+"), lambda r: f"Ref is {r.Ref!r}")
    fail(~df["Alt"].str.fullmatch("[ACGT]+|-"), lambda r: f"Alt is {r.Alt!r}")
    fail(~df["Release"].isin(_RELEASES), lambda r: f"Release is {r.Release!r}")
    coef = pd.to_numeric(df["Coefficient"], errors="coerce")
    fail(coef.isna().to_numpy(), lambda r: f"Coefficient is {r.Coefficient!r}")
    out = df.assign(
        Pos=df["Pos"].astype(int),
        Coefficient=coef,
        pValue=pd.to_numeric(df["pValue"], errors="coerce"),
    ).reset_index(drop=True)
    if kinds is not None:
        out["kind"] = out["Element"].map(kinds).fillna("unknown")
    return out


def load_kircher_mpra(release: str = "GRCh38") -> pd.DataFrame:
    """The Kircher et al. (2019) MPRA rows of one genome release, with ``kind``.

    Parameters
    ----------
    release : "GRCh38" or "GRCh37"

    Returns
    -------
    DataFrame, see :func:`parse_kircher_mpra`.

    Used in: chapters 8 (08c) and 10 (10d).
    """
    if release not in _RELEASES:
        raise ValueError(f"release must be one of {_RELEASES}, got {release!r}")
    kinds = {
        e: "promoter" for e in _names(dataset_path("kircher_mpra", "promoters.tsv"))
    }
    kinds |= {
        e: "enhancer" for e in _names(dataset_path("kircher_mpra", "enhancers.tsv"))
    }
    df = parse_kircher_mpra(dataset_path("kircher_mpra", "elements.tsv.gz"), kinds)
    return df[df["Release"] == release].reset_index(drop=True)


def element_effects(df: pd.DataFrame, element: str) -> tuple[str, np.ndarray, int]:
    """The measured single-base effect map of one element.

    Parameters
    ----------
    df : rows of one release (:func:`load_kircher_mpra`)
    element : a value of the ``Element`` column

    Returns
    -------
    sequence : the reference sequence, one base per position from the first to the last
        measured position (``N`` where no row gives the base)
    effects : (4, L) float: the ``Coefficient`` of each substitution, 0 at the
        reference base, NaN where a substitution was not measured
    start : genomic position of ``sequence[0]`` (1-based, as in the file)

    Used in: chapters 8 (08c) and 10 (10d).
    """
    rows = df[(df["Element"] == element) & (df["Ref"].str.len() == 1)]
    if rows.empty:
        raise ValueError(f"element_effects: no rows for element {element!r}")
    if rows["Release"].nunique() != 1:
        raise ValueError("element_effects: rows of both releases; select one first")
    start = int(rows["Pos"].min())
    length = int(rows["Pos"].max()) - start + 1
    seq = np.array(["N"] * length)
    seq[rows["Pos"].to_numpy() - start] = rows["Ref"].to_numpy()
    effects = np.full((4, length), np.nan)
    snv = rows[rows["Alt"].isin(list(ALPHABET))]
    base = snv["Alt"].map(ALPHABET.index).to_numpy()
    effects[base, snv["Pos"].to_numpy() - start] = snv["Coefficient"].to_numpy()
    known = seq != "N"
    ref = np.array([ALPHABET.index(b) for b in seq[known]])
    effects[ref, np.flatnonzero(known)] = 0.0
    return "".join(seq), effects, start
