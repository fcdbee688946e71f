"""DNA as data: one-hot encoding (:mod:`.sequence`), reverse complements
(:mod:`.strands`), k-mers and k-mer spectra (:mod:`.kmers`, :mod:`.spectrum`), FASTA
and BED files (:mod:`.seqio`, :mod:`.bed`), duplicates and leakage-aware splits
(:mod:`.duplicates`, :mod:`.splits`).

Layer: data. Import public names from here, e.g.
``from gdl_utils.dna import ...``; the API appendix lists them.
"""

from .bed import (
    BED_COLUMNS,
    read_bed,
)
from .duplicates import (
    contained_in,
    deduplicate,
    duplicate_summary,
)
from .kmers import (
    MAX_DENSE_BYTES,
    all_kmers,
    gc_content,
    kmer_counts,
    kmer_tokenize,
)
from .seqio import (
    NUCLEOTIDES,
    read_fasta,
    write_fasta,
)
from .sequence import (
    IUPAC,
    count_mutations,
    one_hot,
    one_hot_decode,
)
from .spectrum import (
    kmer_spectrum,
)
from .splits import (
    dedup_kfold,
    positions,
    train_val_test_split,
)
from .strands import (
    reverse_complement,
)

__all__ = [
    "BED_COLUMNS",
    "IUPAC",
    "MAX_DENSE_BYTES",
    "NUCLEOTIDES",
    "all_kmers",
    "count_mutations",
    "dedup_kfold",
    "contained_in",
    "deduplicate",
    "duplicate_summary",
    "gc_content",
    "kmer_counts",
    "kmer_spectrum",
    "kmer_tokenize",
    "one_hot",
    "one_hot_decode",
    "positions",
    "read_bed",
    "read_fasta",
    "reverse_complement",
    "train_val_test_split",
    "write_fasta",
]
