"""K-mers: tokens, spectra (counts) and base composition, the alignment-free features
of chapters 1-3.

Character policy (as :func:`gdl_utils.dna.one_hot`'s): A/C/G/T count in either
case; a window holding ``N`` or an IUPAC code is skipped; ``U`` counts as ``T``
only with ``rna=True`` (otherwise ``ValueError``); whitespace, ``-``, digits and
non-ASCII characters raise
``ValueError`` naming the character, its 0-based position and, in a batch, the record.
"""

from __future__ import annotations

import itertools

import numpy as np

from .._util import ALPHABET, check_int, where
from .sequence import IUPAC

MAX_DENSE_BYTES = 1 << 30
"""kmer_counts refuses to allocate a dense table larger than this (1 GiB); pass
``sparse=True``."""

BLOCK = 1 << 16
"""kmer_counts reads a record in blocks of this many windows, so that its temporaries
stay a few MiB whatever the record's length (a bacterial or human chromosome)."""


def _records(seqs) -> tuple[bool, list]:
    return (True, [seqs]) if isinstance(seqs, str) else (False, list(seqs))


# byte -> 0..3 (ACGT), 4 (N, IUPAC), 5 (U), 255 (invalid)
_KMER_LUT = np.full(256, 255, dtype=np.uint8)
for _sym, _code in [
    *zip(ALPHABET, range(4)),
    *((c, 4) for c in "N" + "".join(IUPAC)),
    ("U", 5),
]:
    _KMER_LUT[ord(_sym)] = _KMER_LUT[ord(_sym.lower())] = _code
del _sym, _code


def _kmer_codes(
    s, rna: bool, record: int | None, func: str, offset: int = 0
) -> np.ndarray:
    """(L,) uint8 codes of one record (or of its piece starting at ``offset``, which
    error positions count from): 0..3 for A/C/G/T (and U with ``rna``), 4 for N /
    IUPAC codes."""
    if not isinstance(s, str):
        raise TypeError(
            f"{func}: record {0 if record is None else record} is {type(s).__name__}, "
            f"expected str"
        )
    codes = _KMER_LUT[
        np.frombuffer(s.encode("ascii", errors="replace"), dtype=np.uint8)
    ]
    bad = (codes == 255) | ((codes == 5) & (not rna))
    if bad.any():
        pos = int(np.argmax(bad))
        hint = (
            " (pass rna=True for RNA)"
            if s[pos] in "Uu"
            else " (whitespace is not stripped: pass ''.join(seq.split()))"
            if s[pos].isspace()
            else ""
        )
        raise ValueError(
            f"{func}: invalid character {s[pos]!r} at {where(pos + offset, record)}"
            f"{hint}"
        )
    return np.where(codes == 5, 3, codes).astype(np.uint8) if rna else codes


def kmer_tokenize(seq: str, k: int, stride: int = 1, *, rna: bool = False) -> list[str]:
    """Split ``seq`` into upper-case k-mers starting every ``stride`` bases (character
    policy above).

    The tail that does not fill a k-mer is dropped, so a sequence shorter than ``k``
    gives ``[]``;
    with ``rna=True`` ``U`` becomes ``T``. Whitespace, line breaks and other symbols
    raise ``ValueError``.

    Returns
    -------
    list of ``(len(seq) - k) // stride + 1`` strings of length k.

    Used in: ch. 1 (k-mer tokens); ch. 7 (tokens for genomic language models).
    """
    k, stride = check_int(k, "k", 1), check_int(stride, "stride", 1)
    # validates; raises naming the character and position
    _kmer_codes(seq, rna, None, "kmer_tokenize")
    s = seq.upper().replace("U", "T") if rna else seq.upper()
    return [s[i : i + k] for i in range(0, len(s) - k + 1, stride)]


def all_kmers(k: int) -> list[str]:
    """All ``4**k`` k-mers over ACGT in lexicographic order (``AA..A`` first, ``TT..T``
    last); k <= 12.
    Used in: ch. 1, ch. 2 (column names of :func:`kmer_counts`), ch. 10 (10c)."""
    if check_int(k, "k", 1) > 12:
        raise ValueError(
            f"all_kmers: k={k} would list 4**{k} = {4**k:,} strings; k must be <= 12"
        )
    return ["".join(p) for p in itertools.product(ALPHABET, repeat=k)]


def _window_index(c: np.ndarray, k: int) -> np.ndarray:
    """Column index (:func:`all_kmers` order) of every window of codes ``c`` holding
    only A/C/G/T."""
    n_win = max(len(c) - k + 1, 0)
    bad = np.concatenate([[0], np.cumsum(c == 4)])
    idx = np.zeros(n_win, dtype=np.int64)
    for j in range(
        k
    ):  # k vectorised passes: idx = 4 * idx + code (4 & 3 == 0 for masked windows)
        idx = (idx << 2) | (c[j : j + n_win] & 3)
    return idx[(bad[k:] - bad[:-k]) == 0]


def _record_indices(s, k: int, rna: bool, record: int | None):
    """The :func:`_window_index` of one record, block by block of :data:`BLOCK`
    windows (blocks overlap by ``k - 1`` bases; every character is checked)."""
    if not isinstance(s, str) or len(s) < k:  # no window: check the characters only
        _kmer_codes(s, rna, record, "kmer_counts")
        return
    for a in range(0, len(s) - k + 1, BLOCK):
        piece = s[a : a + BLOCK + k - 1]
        yield _window_index(_kmer_codes(piece, rna, record, "kmer_counts", a), k)


def _merge(parts) -> tuple[np.ndarray, np.ndarray]:
    """One (sorted distinct indices, counts) pair from several."""
    if len(parts) == 1:
        return parts[0]
    u, inv = np.unique(np.concatenate([u for u, _ in parts]), return_inverse=True)
    counts = np.zeros(len(u), dtype=np.int64)
    np.add.at(counts, inv.ravel(), np.concatenate([c for _, c in parts]))
    return u, counts


def _sparse_row(blocks) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct k-mer indices of one record and their counts; blocks are merged
    once they hold more entries than the merged part (or a block), so memory stays a
    small multiple of the row and time ``O(L log L)``."""
    merged, pending, size = (np.zeros(0, np.int64), np.zeros(0, np.int64)), [], 0
    for ix in blocks:
        pending.append(np.unique(ix, return_counts=True))
        size += len(pending[-1][0])
        if size > max(len(merged[0]), BLOCK):
            merged, pending, size = _merge([merged, *pending]), [], 0
    return _merge([merged, *pending])


def _chunks(lengths: list[int]):
    """Consecutive ``(start, stop)`` ranges of records holding about :data:`BLOCK`
    * 16 characters each (at least one record), bounding the batch's temporaries."""
    start, total = 0, 0
    for i, n in enumerate(lengths):
        total += n + 1
        if total > BLOCK * 16:
            yield start, i + 1
            start, total = i + 1, 0
    if start < len(lengths):
        yield start, len(lengths)


def _count_batch(records, k, rna, first, out, single) -> None:
    """Add the k-mer counts of short records to ``out`` (their rows), all at once.

    The records are joined with ``N`` (so no window spans two of them), every window's
    index is computed in ``k`` vectorised passes over the whole batch (as in
    :func:`_window_index`), and one ``bincount`` over ``row * 4**k + index`` fills
    the table: no Python loop over records. A bad character is reported as the
    per-record path reports it (character, position, record).
    """
    joined = "N".join(records)
    codes = _KMER_LUT[
        np.frombuffer(joined.encode("ascii", errors="replace"), dtype=np.uint8)
    ]
    bad = (codes == 255) | ((codes == 5) & (not rna))
    starts = np.cumsum([0] + [len(s) + 1 for s in records[:-1]])
    if bad.any():
        i = int(np.searchsorted(starts, int(np.argmax(bad)), side="right")) - 1
        rec = None if single else first + i
        _kmer_codes(records[i], rna, rec, "kmer_counts")  # raises
    codes = np.where(codes == 5, 3, codes).astype(np.uint8) if rna else codes
    if len(codes) < k:
        return
    idx = _window_index(codes, k)  # clean windows only, in order
    nb = np.concatenate([[0], np.cumsum(codes == 4)])
    clean = (nb[k:] - nb[:-k]) == 0
    rec = np.repeat(np.arange(len(records)), [len(s) + 1 for s in records])
    row = rec[: len(clean)][clean]
    out += np.bincount(row * 4**k + idx, minlength=len(records) * 4**k).reshape(
        out.shape
    )


def kmer_counts(
    seqs, k: int, *, normalize: bool = False, rna: bool = False, sparse: bool = False
):
    """Overlapping k-mer counts (case-insensitive; windows with N or an IUPAC code are
    skipped).

    Parameters
    ----------
    seqs : str or sequence of str (character policy above)
    k : int, 1 <= k <= 31
    normalize : bool, frequencies summing to 1 per record (all zero if a record has no
        k-mer)
    rna : bool, count ``U`` as ``T`` (otherwise ``U`` is an error, as in
        :func:`one_hot`)
    sparse : bool, return a ``scipy.sparse.csr_array``; needed when the dense ``(N,
        4**k)`` table would exceed :data:`MAX_DENSE_BYTES` (1 GiB), e.g. k = 14
        (4**14 columns: 2 GiB per record)

    Returns
    -------
    (4**k,) for a str, (N, 4**k) for a batch; columns in :func:`all_kmers` order. int64
    counts or float64 frequencies.

    A record is read in blocks of :data:`BLOCK` windows: besides the table, a genome
    of any length needs a few MiB.

    Used in: chapters 1 (01), 2 (02a, 02b), 3 (03a), 4 (04b), 7 (07d), 9 (09a, 09c) and
    10 (10b; 10c through :func:`~gdl_utils.dna.kmer_spectrum`).
    """
    k = check_int(k, "k", 1)
    if k > 31:
        raise ValueError(
            f"kmer_counts: k must be <= 31 (k-mer index in 64 bits), got {k}"
        )
    single, records = _records(seqs)
    blocks = (  # one generator per record: blocks are read when counted
        _record_indices(s, k, rna, None if single else i) for i, s in enumerate(records)
    )
    if sparse:
        from scipy import sparse as sp

        rows = [_sparse_row(b) for b in blocks]
        ptr = np.concatenate(
            [[0], np.cumsum([len(u) for u, _ in rows], dtype=np.int64)]
        ).astype(np.int64)
        cols = np.concatenate([u for u, _ in rows] + [np.zeros(0, np.int64)])
        data = np.concatenate([c for _, c in rows] + [np.zeros(0, np.int64)])
        if normalize:
            totals = np.repeat(
                np.array([c.sum() for _, c in rows], dtype=np.int64), np.diff(ptr)
            )
            data = data / np.maximum(totals, 1)
        return sp.csr_array((data, cols, ptr), shape=(len(records), 4**k))
    need = len(records) * 4**k * 8
    if need > MAX_DENSE_BYTES:
        raise ValueError(
            f"kmer_counts: a dense ({len(records)}, 4**{k}) table needs "
            f"{need / 2**30:.1f} GiB "
            f"(limit {MAX_DENSE_BYTES / 2**30:.0f} GiB); pass sparse=True or use a "
            f"smaller k"
        )
    counts = np.zeros((len(records), 4**k), dtype=np.int64)
    if all(isinstance(s, str) and len(s) <= BLOCK for s in records):
        blocks = ()  # short records: counted together, a few passes over the batch
        for a, b in _chunks([len(s) for s in records]):
            _count_batch(records[a:b], k, rna, a, counts[a:b], single)
    for row, record_blocks in zip(counts, blocks):
        for ix in record_blocks:
            if len(ix) >= 4**k:
                row += np.bincount(ix, minlength=4**k)
            else:  # a wide table: no (4**k,) temporary per block
                np.add.at(row, ix, 1)
    if normalize:
        total = counts.sum(axis=1, keepdims=True)
        counts = np.divide(counts, total, out=np.zeros(counts.shape), where=total > 0)
    return counts[0] if single else counts


def gc_content(seqs, *, rna: bool = False):
    """Fraction of G + C among the A/C/G/T bases (case-insensitive; N and IUPAC codes
    are ignored,
    other characters raise as in :func:`kmer_counts`).

    Returns
    -------
    float for a str, (N,) float64 array for a batch; NaN where a record has no A/C/G/T.

    Used in: ch. 1 (simulation checks, GC-matched negatives).
    """
    single, records = _records(seqs)
    acgt = np.zeros((len(records), 5), dtype=np.int64)
    for i, s in enumerate(records):
        acgt[i] = np.bincount(
            _kmer_codes(s, rna, None if single else i, "gc_content"), minlength=5
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        gc = (acgt[:, 1] + acgt[:, 2]) / acgt[:, :4].sum(axis=1)
    return float(gc[0]) if single else gc
