"""Proteins as data: the amino-acid alphabet and checked encoding
(:mod:`.alphabet`), and padded variable-length batches with masks (:mod:`.batches`).

Layer: data. Import public names from here, e.g.
``from gdl_utils.proteins import encode_protein``.
"""

from .alphabet import (
    AMINO_ACIDS,
    PROTEIN_ALPHABET,
    RARE_RESIDUES,
    SS_STATES,
    encode_labels,
    encode_protein,
    one_hot_protein,
)
from .batches import (
    PAD,
    ProteinBatch,
    collate_proteins,
    protein_loader,
    termini,
    unpad,
)

__all__ = [
    "AMINO_ACIDS",
    "PAD",
    "PROTEIN_ALPHABET",
    "ProteinBatch",
    "RARE_RESIDUES",
    "SS_STATES",
    "collate_proteins",
    "encode_labels",
    "encode_protein",
    "one_hot_protein",
    "protein_loader",
    "termini",
    "unpad",
]
