"""Raw nanopore signal -> labelled chunks for CTC, and a split by genome region.

A basecaller reads a fixed-length window ("chunk") of the normalised current and emits
the bases whose signal starts inside it. With a resquiggled read
(:class:`gdl_utils.datasets.nanopore.NanoporeRead`) every chunk has an exact label and
an exact reference interval, which is what a leakage-free split needs: all reads come
from one 48.5-kb genome, so a split by read would test on sequence seen in training.

- :func:`normalise_signal`: median / MAD scaling of one read;
- :func:`cut_chunks` (one read) and :func:`chunk_reads` (many) -> :class:`Chunks`;
- :func:`region_split`: train / validation / test by reference position, both strands;
- :func:`assert_no_leakage`: no test chunk's sequence occurs in a training chunk.

Batches for the CTC loss are in :mod:`.batches` (:func:`ctc_batches`).

Used in: ch. 4 (CTC basecalling).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .._util import check_int, codes
from ..dna.strands import reverse_complement

__all__ = [
    "MAD_TO_SD",
    "Chunks",
    "normalise_signal",
    "cut_chunks",
    "chunk_reads",
    "region_split",
    "assert_no_leakage",
]

MAD_TO_SD = 1.4826  # MAD * 1.4826 estimates the standard deviation of a normal


def normalise_signal(signal) -> np.ndarray:
    """``(signal - median) / (1.4826 * MAD)`` as float32: robust to spikes and stalls.

    Parameters
    ----------
    signal : (n_samples,) raw current (ADC units or pA: the result is the same)

    Used in: ch. 4 (CTC basecalling).
    """
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1 or len(x) < 2:
        raise ValueError(f"normalise_signal: expected a 1-d signal, got {x.shape}")
    median = np.median(x)
    mad = np.median(np.abs(x - median))
    if mad == 0:
        raise ValueError("normalise_signal: the signal is constant (MAD = 0)")
    return ((x - median) / (MAD_TO_SD * mad)).astype(np.float32)


@dataclass(frozen=True)
class Chunks:
    """N labelled signal chunks (arrays aligned on the first axis).

    Attributes
    ----------
    signal : (N, chunk_len) float32 normalised current
    sequences : list of N str, the bases whose signal starts in the chunk (read order)
    ref_lo, ref_hi : (N,) int64, the reference interval ``[ref_lo, ref_hi)`` covered
    strand : (N,) str "+" / "-"
    read_id : (N,) str

    Used in: ch. 4 (CTC basecalling).
    """

    signal: np.ndarray
    sequences: list
    ref_lo: np.ndarray
    ref_hi: np.ndarray
    strand: np.ndarray
    read_id: np.ndarray

    def __len__(self) -> int:
        return len(self.sequences)

    def ctc_steps(self) -> np.ndarray:
        """(N,) int64 fewest output steps a CTC alignment of each label needs: one per
        base and one more between two equal neighbours (a blank must separate them).

        A network that emits fewer steps per chunk cannot be trained on it:
        ``chunks.subset(chunks.ctc_steps() <= steps)`` keeps the chunks that fit.

        Used in: chapter 4 (04c).
        """
        out = np.zeros(len(self), dtype=np.int64)
        for i, seq in enumerate(self.sequences):
            x = codes(seq)
            out[i] = len(x) + int((x[1:] == x[:-1]).sum())
        return out

    def subset(self, mask) -> Chunks:
        """The chunks where ``mask`` ((N,) bool, or integer positions) is true.

        Used in: ch. 4 (CTC basecalling).
        """
        idx = np.arange(len(self))[np.asarray(mask)]
        return Chunks(
            *[
                [v[i] for i in idx] if isinstance(v, list) else v[idx]
                for v in (getattr(self, f.name) for f in fields(self))
            ]
        )

    @staticmethod
    def concat(parts) -> Chunks:
        """One :class:`Chunks` of several, in order.

        Used in: ch. 4 (CTC basecalling).
        """
        parts = list(parts)
        if not parts:
            raise ValueError("Chunks.concat: no chunks to concatenate")
        out = []
        for f in fields(Chunks):
            values = [getattr(p, f.name) for p in parts]
            out.append(
                sum(values, []) if f.name == "sequences" else np.concatenate(values)
            )
        return Chunks(*out)


def cut_chunks(read, chunk_len: int = 1000) -> Chunks:
    """Non-overlapping chunks of one resquiggled read, each with its reference label.

    The read's signal is normalised as a whole (:func:`normalise_signal`); chunks tile
    the resquiggled part from its first base on (the remainder is dropped); a chunk's
    label is every base whose signal starts inside it.

    Parameters
    ----------
    read : NanoporeRead (``signal``, ``starts``, ``lengths``, ``bases``, ...)
    chunk_len : samples per chunk (4 kHz: 1,000 samples = 0.25 s, about 100 bases)

    Returns
    -------
    Chunks with signal (n_chunks, chunk_len)

    Raises
    ------
    ValueError
        A read whose resquiggled signal is shorter than one chunk, or with bases outside
        ACGT, naming the file and read.

    Used in: ch. 4 (CTC basecalling).
    """
    chunk_len = check_int(chunk_len, "chunk_len", minimum=1)
    where = f"{read.file} (read {read.read_id})"
    codes(read.bases, strict=True, name=f"{where}: bases")
    first, last = int(read.starts[0]), int(read.starts[-1] + read.lengths[-1])
    n = (last - first) // chunk_len
    if n == 0:
        raise ValueError(
            f"{where}: the resquiggled signal has {last - first} samples, shorter"
            f" than one chunk of {chunk_len}"
        )
    signal = normalise_signal(read.signal)
    lo = first + chunk_len * np.arange(n)
    cut = np.searchsorted(read.starts, np.r_[lo, lo[-1] + chunk_len])
    pos = read.ref_positions()
    seqs = [read.bases[a:b] for a, b in zip(cut[:-1], cut[1:])]
    ends = np.maximum(cut[1:] - 1, cut[:-1])  # an empty chunk gets an empty interval
    a, b = pos[np.minimum(cut[:-1], len(pos) - 1)], pos[np.minimum(ends, len(pos) - 1)]
    empty = cut[1:] == cut[:-1]
    ref_lo = np.where(empty, a, np.minimum(a, b))
    ref_hi = np.where(empty, a, np.maximum(a, b) + 1)
    return Chunks(
        np.stack([signal[s : s + chunk_len] for s in lo]),
        seqs, ref_lo, ref_hi, np.full(n, read.strand), np.full(n, read.read_id),
    )  # fmt: skip


def chunk_reads(
    reads, chunk_len: int = 1000, *, min_bases: int = 20
) -> tuple[Chunks, list[str]]:
    """:func:`cut_chunks` of every read; reads shorter than one chunk are skipped, and
    so are chunks with fewer than ``min_bases`` bases (the strand stalled in the pore;
    a chunk of a few bases could also occur anywhere in the genome by chance).

    Returns
    -------
    (Chunks of all reads, list of the skipped read ids)

    Used in: ch. 4 (CTC basecalling).
    """
    parts, skipped = [], []
    for read in reads:
        first, last = read.starts[0], read.starts[-1] + read.lengths[-1]
        if last - first < chunk_len:
            skipped.append(read.read_id)
            continue
        part = cut_chunks(read, chunk_len)
        parts.append(part.subset([len(seq) >= min_bases for seq in part.sequences]))
    return Chunks.concat(parts), skipped


def region_split(
    chunks: Chunks,
    *,
    test_start: int = 38_800,
    train_end: int = 38_780,
    val: tuple[int, int] = (34_000, 36_000),
    gap: int = 20,
) -> tuple[Chunks, Chunks, Chunks]:
    """Split by genome region, both strands together: (train, validation, test).

    test: chunks entirely at or after ``test_start``; validation: chunks entirely
    inside ``val``; train: chunks entirely before ``train_end`` and at least ``gap``
    bases away from the validation region. Chunks that straddle a border are dropped.

    Used in: ch. 4 (CTC basecalling).
    """
    if not (val[0] < val[1] <= train_end <= test_start):
        raise ValueError(
            f"region_split: need val[0] < val[1] <= train_end <= test_start, got"
            f" val={val}, train_end={train_end}, test_start={test_start}"
        )
    lo, hi = chunks.ref_lo, chunks.ref_hi
    keep = hi > lo  # chunks with at least one base
    test = keep & (lo >= test_start)
    in_val = keep & (lo >= val[0]) & (hi <= val[1])
    away = (hi <= val[0] - gap) | (lo >= val[1] + gap)
    train = keep & (hi <= train_end) & away
    return chunks.subset(train), chunks.subset(in_val), chunks.subset(test)


def assert_no_leakage(train: Chunks, test: Chunks) -> int:
    """Check that no test chunk's sequence (or its reverse complement) occurs in any
    training chunk, and that no reference intervals overlap; return the number of test
    chunks checked. ``AssertionError`` names the first leaking chunk.

    Used in: ch. 4 (CTC basecalling).
    """
    overlap = (test.ref_lo[:, None] < train.ref_hi[None]) & (
        train.ref_lo[None] < test.ref_hi[:, None]
    )
    if overlap.any():
        i, j = np.argwhere(overlap)[0]
        raise AssertionError(
            f"test chunk {i} ({test.ref_lo[i]}-{test.ref_hi[i]}) overlaps training"
            f" chunk {j} ({train.ref_lo[j]}-{train.ref_hi[j]}) on the reference"
        )
    corpus = "|".join(train.sequences)
    for i, seq in enumerate(test.sequences):
        if seq and (seq in corpus or reverse_complement(seq) in corpus):
            raise AssertionError(
                f"test chunk {i} (read {test.read_id[i]}, reference"
                f" {test.ref_lo[i]}-{test.ref_hi[i]}) occurs in the training chunks"
            )
    return len(test)
