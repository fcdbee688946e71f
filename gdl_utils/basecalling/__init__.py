"""Nanopore basecalling data and decoding: raw signal to CTC chunks and the
genome-region split (:mod:`.chunks`), CTC batches (:mod:`.batches`); greedy and beam
decoding and read identity (:mod:`.ctc`).

Layer: data. Import public names from here, e.g.
``from gdl_utils.basecalling import ...``; the API appendix lists them.
"""

from .batches import CTCBatch, ctc_batches
from .chunks import (
    MAD_TO_SD,
    Chunks,
    assert_no_leakage,
    chunk_reads,
    cut_chunks,
    normalise_signal,
    region_split,
)
from .ctc import (
    LABELS,
    alignment_counts,
    basecall_identities,
    beam_decode,
    greedy_decode,
    identities,
    identity,
    interval_identities,
)

__all__ = [
    "CTCBatch",
    "Chunks",
    "LABELS",
    "MAD_TO_SD",
    "alignment_counts",
    "assert_no_leakage",
    "basecall_identities",
    "beam_decode",
    "chunk_reads",
    "ctc_batches",
    "cut_chunks",
    "greedy_decode",
    "identities",
    "identity",
    "interval_identities",
    "normalise_signal",
    "region_split",
]
