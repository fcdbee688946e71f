"""The *E. coli* K-12 MG1655 genome and the σ-promoter benchmark drawn from it.

- :func:`load_ecoli_genome`: the 4,639,675-bp chromosome (``ecoli_genome``, NC_000913.2,
  Blattner et al. 1997) as one upper-case string.
- :func:`load_ecoli_promoters`: the iPromoter-2L benchmark (``ecoli_promoters``, Liu et
  al. 2018, from RegulonDB): 2,860 σ-promoters and 2,860 non-promoters, 81 bp each.
- :func:`locate_in_genome`: where each sequence occurs in the genome, on either strand
  (every benchmark sequence does: the leak of chapter 7.4).

Used in: chapter 7.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from .._util import check_int, codes
from ..dna.seqio import read_fasta
from ..dna.strands import reverse_complement
from .fetching import dataset_path

__all__ = [
    "ECOLI_LENGTH",
    "PROMOTER_FILES",
    "PROMOTER_LENGTH",
    "load_ecoli_genome",
    "load_ecoli_promoters",
    "read_promoter_file",
    "locate_in_genome",
    "repeated_elsewhere",
]

ECOLI_LENGTH = 4_639_675
PROMOTER_LENGTH = 81
_BENCH = "Dataset/Benchmark_dataset/promoter_and_non-promoter/"
PROMOTER_FILES = {1: _BENCH + "positive2860.txt", 0: _BENCH + "negative2860.txt"}
_N_PER_CLASS = 2_860


@functools.lru_cache(maxsize=1)
def load_ecoli_genome() -> str:
    """The MG1655 chromosome as one upper-case string of A, C, G, T.

    Raises ``ValueError`` naming the file for a record count, length or letter (with its
    position) other than expected.

    Used in: chapter 7.
    """
    path = dataset_path("ecoli_genome", "MG1655-K12.fasta")
    records = read_fasta(path)
    if len(records) != 1:
        raise ValueError(f"{path.name}: expected 1 record, found {len(records)}")
    name, seq = records[0]
    if len(seq) != ECOLI_LENGTH:
        raise ValueError(
            f"{path.name}: record {name!r} has {len(seq):,} bp, expected"
            f" {ECOLI_LENGTH:,}"
        )
    codes(seq, strict=True, name=f"{path.name}: record {name!r}")
    return seq.upper()


def _header_lines(path) -> list[int]:
    """1-based line numbers of the ``>`` lines of a FASTA file (for error messages)."""
    with open(path, "rb") as handle:
        return [i for i, line in enumerate(handle, 1) if line.startswith(b">")]


def read_promoter_file(path, label: int, *, expected: int | None = None):
    """One benchmark file -> ``DataFrame(id, seq, label)`` (upper case, 81 bp).

    The positive file marks the transcription start site by an upper-case letter in a
    lower-case sequence; the case is dropped here. ``ValueError`` names the file and
    the line of a record that is not 81 bp of A, C, G, T, and a wrong record count.

    Used in: chapter 7.
    """
    records = read_fasta(path, allow_duplicates=True)
    for r, (rid, seq) in enumerate(records):
        problem = None
        if len(seq) != PROMOTER_LENGTH:
            problem = f"has {len(seq)} bp, expected {PROMOTER_LENGTH}"
        else:
            bad = np.flatnonzero(codes(seq) == 4)
            if bad.size:
                problem = f"has {seq[bad[0]]!r} at position {bad[0]} (expected ACGT)"
        if problem:
            line = _header_lines(path)[r]
            raise ValueError(f"{path}, line {line}: record {r} ({rid!r}) {problem}")
    if expected is not None and len(records) != expected:
        raise ValueError(f"{path}: {len(records)} records, expected {expected}")
    return pd.DataFrame(
        {
            "id": [rid for rid, _ in records],
            "seq": [seq.upper() for _, seq in records],
            "label": np.full(len(records), label, dtype=np.int64),
        }
    )


def load_ecoli_promoters() -> pd.DataFrame:
    """The 5,720 benchmark sequences: ``DataFrame(id, seq, label)``, the 2,860
    σ-promoters (label 1) first, then the 2,860 non-promoters (label 0).

    Used in: chapter 7.
    """
    parts = [
        read_promoter_file(
            dataset_path("ecoli_promoters", f), label, expected=_N_PER_CLASS
        )
        for label, f in PROMOTER_FILES.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _hash(c: np.ndarray, k: int) -> np.ndarray:
    """(L - k + 1,) uint64 2-bit code of every k-mer (k <= 32) of codes ``c``."""
    n = len(c) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = (h << np.uint64(2)) | c[j : j + n].astype(np.uint64)
    return h


def locate_in_genome(seqs, genome: str, *, seed_len: int = 32) -> pd.DataFrame:
    """Every exact occurrence of each sequence in ``genome``, on either strand.

    Candidates come from a 2-bit index of the genome's ``seed_len``-mers (the
    sequences' first ``seed_len`` bases), each checked in full.

    Parameters
    ----------
    seqs : N DNA strings (A, C, G, T), each at least ``seed_len`` long
    genome : the genome, A, C, G, T

    Returns
    -------
    DataFrame with one row per sequence: ``start`` (0-based, forward-strand coordinate
    of the first occurrence's leftmost base; -1 if absent), ``strand`` ("+", "-" or
    ""), ``n_hits`` (number of occurrences over both strands) and ``starts`` (a tuple
    of the forward-strand starts of every occurrence, sorted; what a held-out mask
    must cover).

    Used in: chapter 7.
    """
    seqs = list(seqs)
    g = codes(genome, strict=True, name="locate_in_genome: genome")
    rc = reverse_complement(genome)
    starts, strands, hits, every = [], [], [], []
    index = {}
    for strand, text, c in (("+", genome, g), ("-", rc, 3 - g[::-1])):
        h = _hash(c, seed_len)
        order = np.argsort(h, kind="stable")
        index[strand] = (text, h[order], order)
    for r, s in enumerate(seqs):
        q = codes(s, strict=True, name=f"locate_in_genome: sequence {r}")
        if len(q) < seed_len:
            raise ValueError(
                f"locate_in_genome: sequence {r} has {len(q)} bp < seed_len={seed_len}"
            )
        key, found = _hash(q[:seed_len], seed_len)[0], []
        for strand, (text, sorted_h, order) in index.items():
            lo = np.searchsorted(sorted_h, key, side="left")
            hi = np.searchsorted(sorted_h, key, side="right")
            for pos in order[lo:hi]:
                pos = int(pos)
                if text[pos : pos + len(s)] == s.upper():
                    fwd = pos if strand == "+" else len(genome) - pos - len(s)
                    found.append((fwd, strand))
        found.sort()
        starts.append(found[0][0] if found else -1)
        strands.append(found[0][1] if found else "")
        hits.append(len(found))
        every.append(tuple(f[0] for f in found))
    return pd.DataFrame(
        {"start": starts, "strand": strands, "n_hits": hits, "starts": every}
    )


def repeated_elsewhere(genome: str, start: int, end: int, *, k: int = 32) -> np.ndarray:
    """Which bases of ``genome[start:end]`` lie in a ``k``-mer that also occurs, on
    either strand, outside that region.

    A held-out region is only held out where its sequence is not repeated in the
    training part: a model (or a high-order Markov model) that has read the other
    copy can recall it. Scoring the bases where this is False measures prediction, not
    recall.

    Parameters
    ----------
    genome : the genome, A, C, G, T
    start, end : the region, 0-based, end exclusive
    k : k-mer length, 1..32

    Returns
    -------
    (end - start,) bool

    Used in: chapter 7 (07c).
    """
    k = check_int(k, "repeated_elsewhere: k", minimum=1)
    if k > 32 or not 0 <= start < end <= len(genome) or end - start < k:
        raise ValueError(
            f"repeated_elsewhere: need 1 <= k <= 32 and 0 <= start < end <="
            f" {len(genome)} with end - start >= k; got k={k}, start={start}, end={end}"
        )
    g = codes(genome, strict=True, name="repeated_elsewhere: genome")
    inside = _hash(g[start:end], k)  # (end - start - k + 1,)
    wanted = np.unique(inside)  # small: look the genome's k-mers up in the region's
    seen = []
    for part in (g[:start], g[end:]):
        for c in (part, 3 - part[::-1]):
            if len(c) >= k:
                h = _hash(c, k)
                at = np.minimum(np.searchsorted(wanted, h), len(wanted) - 1)
                seen.append(h[wanted[at] == h])
    hit = np.isin(inside, np.concatenate(seen)) if seen else np.zeros(len(inside), bool)
    covered = np.convolve(hit.astype(np.int64), np.ones(k, np.int64))  # (end - start,)
    return covered > 0
