"""Reading a CTC basecaller's output: decoding and read identity.

- :func:`greedy_decode`: the best path (arg-max per step), repeats merged, blanks
  dropped -- written out, and equal to ``fast_ctc_decode.viterbi_search``;
- :func:`beam_decode`: prefix beam search over label sequences (Graves et al. 2006,
  section 3.2) through the ``fast_ctc_decode`` library (Oxford Nanopore's, as in
  Bonito);
- :func:`identity`: the field's accuracy of a read, ``matches / alignment columns``
  (matches + mismatches + insertions + deletions) of a global alignment by edit
  distance (``edlib``), as in Bonito and Wick et al. (2019);
- :func:`interval_identities`: identity of a long read, aligned once, restricted to
  reference intervals (the production basecaller's accuracy on the same chunks).

Class 0 of the network's output is the blank; classes 1..4 are A, C, G, T. The
decoders refuse scores with NaN (naming the row). Identities compare bases in either
case, as :func:`~gdl_utils.dna.one_hot` reads them: ``"acgt"`` is identical to
``"ACGT"``.

Used in: ch. 4 (CTC basecalling).
"""

from __future__ import annotations

import re

import edlib
import numpy as np
from fast_ctc_decode import beam_search

from .._util import ALPHABET, as_numpy, check_int
from ..dna.strands import reverse_complement

__all__ = [
    "LABELS",
    "greedy_decode",
    "beam_decode",
    "alignment_counts",
    "identity",
    "identities",
    "interval_identities",
    "basecall_identities",
]

LABELS = (
    "N" + ALPHABET
)  # blank (written N, as fast_ctc_decode and Bonito do), A, C, G, T


def _scores(x, name: str) -> np.ndarray:
    x = as_numpy(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != len(LABELS):
        raise ValueError(
            f"{name}: expected (steps, {len(LABELS)}) scores over blank + ACGT, got"
            f" shape {x.shape}"
        )
    nan = np.flatnonzero(np.isnan(x).any(1))
    if nan.size:
        i = int(nan[0])
        raise ValueError(
            f"{name}: log_probs row {i} (output step {i}) has NaN scores"
            f" ({nan.size} of {len(x)} rows); expected numbers (a network that"
            " diverged, or a chunk with NaN samples?)"
        )
    return x


def _bases(seq, name: str) -> str:
    """``seq`` in upper case: bases compare in either case."""
    if not isinstance(seq, str):
        raise TypeError(f"{name} must be a str of bases, got {type(seq).__name__}")
    return seq.upper()


def greedy_decode(log_probs) -> str:
    """Best-path decoding of one chunk: arg-max per step, merge repeats, drop blanks.

    Parameters
    ----------
    log_probs : (steps, 5) scores (log-probabilities, probabilities or logits: the
        arg-max is the same), class 0 = blank

    Returns
    -------
    str over ACGT

    Used in: ch. 4 (CTC basecalling).
    """
    path = _scores(log_probs, "greedy_decode").argmax(1)
    keep = np.r_[True, path[1:] != path[:-1]] & (path != 0)
    return "".join(LABELS[i] for i in path[keep])


def beam_decode(log_probs, beam_size: int = 5, beam_cut_threshold: float = 1e-3) -> str:
    """Prefix beam search of one chunk (``fast_ctc_decode.beam_search``).

    The search keeps the ``beam_size`` most probable label prefixes, summing the
    probability of every path that collapses to the same prefix, which the best path
    ignores.

    Parameters
    ----------
    log_probs : (steps, 5) log-probabilities (natural log), class 0 = blank
    beam_size : prefixes kept per step (1 is close to greedy)
    beam_cut_threshold : probabilities below it are skipped (< 1/5)

    Used in: ch. 4 (CTC basecalling).
    """
    beam_size = check_int(beam_size, "beam_size", minimum=1)
    probs = np.exp(_scores(log_probs, "beam_decode")).astype(np.float32)
    if not np.allclose(probs.sum(1), 1, atol=1e-3):
        raise ValueError(
            "beam_decode: rows do not sum to 1 after exp(); pass log-probabilities"
            " (log_softmax), not logits"
        )
    seq, _ = beam_search(
        np.ascontiguousarray(probs), LABELS, beam_size, beam_cut_threshold
    )
    return seq


_CIGAR = re.compile(r"(\d+)([=XID])")


def alignment_counts(read: str, reference: str) -> dict[str, int]:
    """Columns of the global edit-distance alignment (``edlib``, NW) by kind.

    Returns ``{"match": ..., "mismatch": ..., "insertion": ..., "deletion": ...}``;
    an insertion is a read base absent from the reference, a deletion a reference base
    missing from the read. Bases compare in either case (``"a"`` matches ``"A"``).

    Used in: ch. 4 (CTC basecalling: which errors a basecaller makes).
    """
    read = _bases(read, "alignment_counts: read")
    reference = _bases(reference, "alignment_counts: reference")
    names = {"=": "match", "X": "mismatch", "I": "insertion", "D": "deletion"}
    counts = dict.fromkeys(names.values(), 0)
    if not read or not reference:
        counts["deletion" if reference else "insertion"] = len(reference or read)
        return counts
    cigar = edlib.align(read, reference, mode="NW", task="path")["cigar"]
    for n, op in _CIGAR.findall(cigar):
        counts[names[op]] += int(n)
    return counts


def identity(read: str, reference: str) -> float:
    """Identity of a decoded read to its reference: matches / alignment columns.

    Global alignment of minimal edit distance (``edlib``, NW mode); columns are
    matches, mismatches, insertions and deletions, so an empty read scores 0 and an
    exact match 1. Bases compare in either case: ``identity("acgt", "ACGT")`` is 1.

    Used in: ch. 4 (CTC basecalling).
    """
    if not reference:
        raise ValueError("identity: the reference sequence is empty")
    counts = alignment_counts(read, reference)
    return counts["match"] / sum(counts.values())


def identities(reads, references) -> np.ndarray:
    """(N,) :func:`identity` of each read to its reference (two equal-length lists).

    Used in: ch. 4 (CTC basecalling).
    """
    reads, references = list(reads), list(references)
    if len(reads) != len(references):
        raise ValueError(
            f"identities: {len(reads)} reads but {len(references)} references"
        )
    return np.array([identity(r, t) for r, t in zip(reads, references)])


def interval_identities(read: str, reference: str, intervals) -> np.ndarray:
    """Identity of ``read`` on each interval of ``reference``, from one alignment.

    ``read`` is aligned to ``reference`` (its ends may hang over: edlib ``HW`` mode,
    free gaps in the reference at both ends); for an interval ``[lo, hi)`` of
    reference positions the identity counts the alignment columns whose reference
    position lies in it, and the read bases inserted after one of its positions.

    Parameters
    ----------
    read : str, a whole read in the reference's orientation
    reference : str, the reference region the read maps to
    intervals : (K, 2) int positions in ``reference``

    Returns
    -------
    (K,) float identities (NaN for an interval the alignment does not cover); bases
    compare in either case

    Used in: ch. 4 (the production basecaller's identity on held-out chunks).
    """
    read = _bases(read, "interval_identities: read")
    reference = _bases(reference, "interval_identities: reference")
    intervals = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    result = edlib.align(read, reference, mode="HW", task="path")
    start = result["locations"][0][0]
    ref_pos = np.empty(0, dtype=np.int64)  # reference position of each column
    match = np.empty(0, dtype=bool)
    pos, cols, hits = start, [], []
    for n, op in _CIGAR.findall(result["cigar"]):
        n = int(n)
        if op == "I":  # a read base between reference positions pos - 1 and pos
            cols.append(np.full(n, pos - 1 if pos > start else pos))
        else:
            cols.append(np.arange(pos, pos + n))
            pos += n
        hits.append(np.full(n, op == "="))
    if cols:
        ref_pos, match = np.concatenate(cols), np.concatenate(hits)
    out = np.full(len(intervals), np.nan)
    for k, (lo, hi) in enumerate(intervals):
        a, b = np.searchsorted(ref_pos, [lo, hi])
        if lo >= start and hi <= pos and b > a:
            out[k] = match[a:b].mean()
    return out


def basecall_identities(reads, chunks, reference: str, pad: int = 100) -> np.ndarray:
    """Identity of each read's stored basecall (``read.guppy``) on every chunk's
    reference interval: the production basecaller's accuracy on the same chunks.

    Each read's basecall is put in the reference's orientation (reverse complement on
    the "-" strand) and aligned once to its mapped region (``pad`` bases either side)
    with :func:`interval_identities`.

    Parameters
    ----------
    reads : NanoporeRead list (``read_id``, ``guppy``, ``strand``, ``ref_start``,
        ``ref_end``)
    chunks : gdl_utils.basecalling.Chunks (``read_id``, ``ref_lo``, ``ref_hi``)
    reference : str, the genome

    Returns
    -------
    (N,) float, one identity per chunk (NaN where the alignment does not cover it)

    Used in: ch. 4 (Guppy's identity beside the course model's).
    """
    by_id = {r.read_id: r for r in reads}
    out = np.full(len(chunks), np.nan)
    for read_id in np.unique(chunks.read_id):
        if read_id not in by_id:
            raise ValueError(f"basecall_identities: no read {str(read_id)!r} in reads")
        read = by_id[read_id]
        seq = read.guppy if read.strand == "+" else reverse_complement(read.guppy)
        lo, hi = max(0, read.ref_start - pad), min(len(reference), read.ref_end + pad)
        rows = np.flatnonzero(chunks.read_id == read_id)
        spans = np.c_[chunks.ref_lo[rows], chunks.ref_hi[rows]] - lo
        out[rows] = interval_identities(seq, reference[lo:hi], spans)
    return out
