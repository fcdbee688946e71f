"""Loaders for the two UCI molecular-biology sets: splice junctions and E. coli
promoters.

Both files are comma-separated ``class, name, sequence`` lines (space- or tab-padded).
The loaders fetch the file through the registry (cache, ``GDL_DATA_MIRROR``, then UCI),
parse every line with errors that name the file and line, and check record count, class
counts and sequence length against the registry.

Used in: ch. 1 (splice junctions), ch. 2 (promoters, leave-one-out as in KBANN).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .fetching import fetch
from .integrity import check_content
from .registry import load_registry, register_format

__all__ = [
    "load_uci_splice",
    "load_uci_promoters",
    "parse_uci_splice",
    "parse_uci_promoters",
]

SPLICE_LABELS = ("EI", "IE", "N")
PROMOTER_LABELS = ("+", "-")
_IUPAC = set("ACGTNRYSWKMBDHV")


def _parse_records(path, labels, alphabet, what) -> pd.DataFrame:
    """Parse ``class,name,sequence`` lines; index = 1-based line number; upper case."""
    path = Path(path)
    rows, lines = [], []
    with open(path, encoding="ascii", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            fields = [f.strip() for f in line.split(",")]
            where = f"{path}, line {lineno}"
            if len(fields) != 3:
                raise ValueError(
                    f"{where}: expected 3 comma-separated fields "
                    f"(class, name, sequence) "
                    f"in the {what} file, got {len(fields)}: {line.strip()[:60]!r}"
                )
            label, name, seq = fields[0], fields[1], fields[2].upper()
            if label not in labels:
                raise ValueError(
                    f"{where}: class {label!r} is not one of {list(labels)}"
                )
            if not seq:
                raise ValueError(f"{where}: empty sequence for record {name!r}")
            bad = next((i for i, c in enumerate(seq) if c not in alphabet), None)
            if bad is not None:
                raise ValueError(
                    f"{where}: character {seq[bad]!r} at sequence position {bad} "
                    f"of record {name!r} is not one of {''.join(sorted(alphabet))}"
                )
            rows.append((label, name, seq))
            lines.append(lineno)
    if not rows:
        raise ValueError(f"{path}: no records found in the {what} file")
    return pd.DataFrame(
        rows, columns=["label", "name", "sequence"], index=pd.Index(lines, name="line")
    )


@register_format("uci_splice")
def parse_uci_splice(path: str | os.PathLike) -> pd.DataFrame:
    """Parse ``splice.data`` into (label, name, sequence); index = 1-based line number.

    IUPAC codes (N, D, R, S, ...) are kept as is. Raises ``ValueError`` naming file and
    line. Used in: ch. 1.
    """
    return _parse_records(path, SPLICE_LABELS, _IUPAC, "UCI splice-junction")


@register_format("uci_promoters")
def parse_uci_promoters(path: str | os.PathLike) -> pd.DataFrame:
    """Parse ``promoters.data`` into (label, name, sequence); index = 1-based line
    number.

    Sequences are upper-cased and must be ACGT. Raises ``ValueError`` naming file and
    line. Used in: ch. 2.
    """
    return _parse_records(path, PROMOTER_LABELS, set("ACGT"), "UCI promoter")


def _load(name, parser, path, cache_dir, mirror, offline) -> pd.DataFrame:
    if path is None:
        path = fetch(name, cache_dir=cache_dir, mirror=mirror, offline=offline)
    df = parser(
        path
    )  # a fetched file is verified already; a local one gets the content checks
    entry = load_registry()[name]
    check_content(df, entry["files"][entry["filename"]]["checks"], str(path))
    return df.reset_index(drop=True)


def load_uci_splice(
    path=None, *, cache_dir=None, mirror=None, offline=None
) -> pd.DataFrame:
    """UCI primate splice-junction sequences, all 3,190 records (duplicates kept).

    Parameters
    ----------
    path : path, optional
        A local ``splice.data``; default: fetched through the registry (see
        :func:`fetch`).
    cache_dir, mirror, offline
        Passed to :func:`gdl_utils.datasets.fetch`.

    Returns
    -------
    pandas.DataFrame
        3,190 rows, columns ``label`` (``"EI"`` donor 767, ``"IE"`` acceptor 768,
        ``"N"`` neither 1,655), ``name`` and ``sequence`` (60 nt, upper case; 15 records
        hold IUPAC codes such as N). Only 3,005 sequences are distinct and one has two
        labels: use :func:`gdl_utils.dna.deduplicate` before splitting.

    Used in: chapters 1 (01) and 2 (02b).
    """
    return _load("uci_splice", parse_uci_splice, path, cache_dir, mirror, offline)


def load_uci_promoters(
    path=None, *, cache_dir=None, mirror=None, offline=None
) -> pd.DataFrame:
    """UCI E. coli promoter sequences, 106 records.

    Parameters
    ----------
    path : path, optional
        A local ``promoters.data``; default: fetched through the registry.
    cache_dir, mirror, offline
        Passed to :func:`gdl_utils.datasets.fetch`.

    Returns
    -------
    pandas.DataFrame
        106 rows, columns ``label`` (``"+"`` promoter 53, ``"-"`` non-promoter 53),
        ``name`` and ``sequence`` (57 nt, upper case ACGT).

    Used in: ch. 2.
    """
    return _load("uci_promoters", parse_uci_promoters, path, cache_dir, mirror, offline)
