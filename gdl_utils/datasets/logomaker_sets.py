"""Real sequence sets shipped inside the ``logomaker`` package (no download needed).

- ``ss_sequences.txt``: the 10,227 distinct human 5' splice sites (9-mers,
  ``NNNGYNNNN``) in hg38/GENCODE
  with how often each occurs;
- ``crp_sites.fa``: 358 E. coli CRP binding sites (26 nt) from RegulonDB;
- ``ars_sequences.txt.gz``: 603,569 mutagenised yeast ARS1 sequences (150 nt) with
  library and selected
  read counts (Liachko et al. 2013-style assay, unpublished data set of J. B. Kinney);
- ``ars_wt_sequence.txt``: the 150-nt wild-type ARS1 region.

Each loader checks the record count, the lengths and the alphabet, and raises
``ValueError`` naming the file when the installed ``logomaker`` ships something else.

Used in: ch. 1 (sequence logos), ch. 3 (enrichment and motif discovery).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "load_human_5ss",
    "load_crp_sites",
    "load_ars1_library",
    "load_ars1_wildtype",
]

N_5SS, N_CRP, N_ARS = 10_227, 358, 603_569
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


def _example_path(name: str) -> Path:
    """Path of a logomaker example file (``logomaker.open_example_datafile``)."""
    import logomaker

    with logomaker.open_example_datafile(name, print_description=False) as fh:
        return Path(fh.name)


def _check(
    path: Path, seqs: pd.Series, n: int | None, length: int, alphabet: bytes
) -> None:
    """Check count, lengths and alphabet of ``seqs``; ValueError naming the file."""
    if n is not None and len(seqs) != n:
        raise ValueError(f"{path}: {len(seqs)} records, expected {n}")
    lengths = seqs.str.len().to_numpy()
    if (lengths != length).any():
        i = int(np.argmax(lengths != length))
        raise ValueError(
            f"{path}: record {i} has length {lengths[i]}, expected {length}"
        )
    extra = "".join(seqs.tolist()).encode("ascii", "replace").translate(None, alphabet)
    if extra:
        raise ValueError(
            f"{path}: characters {sorted(set(extra.decode()))} "
            f"outside {alphabet.decode()}"
        )


def _check_counts(path: Path, df: pd.DataFrame, columns, minimum: int) -> None:
    for col in columns:
        values = df[col].to_numpy()
        if values.dtype.kind not in "iu" or (values < minimum).any():
            raise ValueError(f"{path}: column {col!r} must hold integers >= {minimum}")


def load_human_5ss(*, rna: bool = False) -> pd.DataFrame:
    """Human 5' splice sites with their genomic occurrence counts.

    Parameters
    ----------
    rna : bool
        Keep the file's RNA alphabet (U); default converts U to T so the 9-mers one-hot
        encode as DNA.

    Returns
    -------
    pandas.DataFrame
        10,227 rows, columns ``sequence`` (9-mers, upper case, exon positions 1-3, then
        ``GT``/``GC`` at positions 4-5) and ``count`` (int >= 1, times the site occurs
        in hg38), sorted by count.

    Used in: chapters 1 (01) and 2 (02a).
    """
    path = _example_path("ss_sequences.txt")
    df = pd.read_csv(
        path, sep="\t", comment="#", dtype={"sequence": str, "count": np.int64}
    )
    df["sequence"] = df["sequence"].str.upper()
    _check(path, df["sequence"], N_5SS, 9, b"ACGU")
    _check_counts(path, df, ["count"], 1)
    if not rna:
        df["sequence"] = df["sequence"].str.replace("U", "T", regex=False)
    return df[["sequence", "count"]]


def load_crp_sites() -> pd.DataFrame:
    """E. coli CRP binding sites from RegulonDB (FASTA with tab-separated headers).

    Returns
    -------
    pandas.DataFrame
        358 rows, columns ``sequence`` (26 nt, upper case ACGT), ``site_id`` (int),
        ``promoter`` (str) and ``position`` (float, site centre relative to the
        transcription start).

    Used in: ch. 1 (logos).
    """
    path = _example_path("crp_sites.fa")
    rows, header = [], None
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith(">"):
                header = line[1:].split("\t")
                if len(header) != 3:
                    raise ValueError(
                        f"{path}, line {lineno}: header needs id, promoter, position"
                    )
                continue
            if header is None:
                raise ValueError(
                    f"{path}, line {lineno}: sequence before the first '>' header"
                )
            rows.append((line.upper(), int(header[0]), header[1], float(header[2])))
            header = None
    df = pd.DataFrame(rows, columns=["sequence", "site_id", "promoter", "position"])
    _check(path, df["sequence"], N_CRP, 26, b"ACGT")
    return df


def load_ars1_library() -> pd.DataFrame:
    """Mutagenised yeast ARS1 library with read counts before and after selection.

    Returns
    -------
    pandas.DataFrame
        603,569 rows, columns ``sequence`` (150 nt, ACGT, same orientation as
        :func:`load_ars1_wildtype`), ``library_count`` and ``selected_count`` (int64 >=
        0). Reading takes about 1 s (gzip decompression dominates).

    Used in: ch. 3.
    """
    path = _example_path("ars_sequences.txt.gz")
    df = pd.read_csv(
        path,
        sep="\t",
        comment="#",
        engine="c",
        compression="gzip",
        dtype={"library_ct": np.int64, "selected_ct": np.int64, "sequence": str},
    )
    df = df.rename(
        columns={"library_ct": "library_count", "selected_ct": "selected_count"}
    )
    _check(path, df["sequence"], N_ARS, 150, b"ACGT")
    _check_counts(path, df, ["library_count", "selected_count"], 0)
    return df[["sequence", "library_count", "selected_count"]]


def load_ars1_wildtype(*, orientation: str = "library") -> str:
    """Wild-type ARS1 (ARS416) region, 150 nt.

    Parameters
    ----------
    orientation : {"library", "file"}
        ``"library"`` (default) gives the strand of the library sequences in
        :func:`load_ars1_library` (the reverse complement of the file); ``"file"`` the
        minus-strand sequence as written in the file.

    Used in: ch. 3.
    """
    if orientation not in ("library", "file"):
        raise ValueError(
            f"orientation must be 'library' or 'file', got {orientation!r}"
        )
    path = _example_path("ars_wt_sequence.txt")
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    seqs = pd.Series([ln.upper() for ln in lines if ln and not ln.startswith("#")])
    _check(path, seqs, 1, 150, b"ACGT")
    seq = seqs.iloc[0]
    return seq[::-1].translate(_COMPLEMENT) if orientation == "library" else seq
