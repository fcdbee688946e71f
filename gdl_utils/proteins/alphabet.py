"""Proteins as data: the amino-acid alphabet, checked encoding and per-residue labels.

A protein chain is a string over the 20 standard amino acids (one-letter codes
``ACDEFGHIKLMNPQRSTVWY``) plus ``X`` (unknown residue): :data:`PROTEIN_ALPHABET`, 21
letters, encoded as integers 0..20 in that order. Everything else is refused with a
``ValueError`` that names the chain and the position (0-based): lower case (FASTA
files sometimes mark masked or low-confidence residues so), ``*`` (a stop codon left
by a translation), ``-`` / ``.`` (alignment gaps), and the rare letters ``U``
(selenocysteine), ``O`` (pyrrolysine), ``B``, ``Z``, ``J`` (ambiguity codes), unless
``rare="x"`` reads those five as ``X`` on purpose. An empty chain is an error too.

Per-residue labels (3-state secondary structure :data:`SS_STATES` ``"HEC"``: helix,
strand, coil) are a string of the chain's length; :func:`encode_labels` checks the
length and the letters and returns class indices 0..2.

Used in: chapter 11 (11a secondary structure, 11b localisation).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "AMINO_ACIDS",
    "PROTEIN_ALPHABET",
    "RARE_RESIDUES",
    "SS_STATES",
    "encode_labels",
    "encode_protein",
    "one_hot_protein",
]

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
"""The 20 standard amino acids, alphabetical by one-letter code."""
PROTEIN_ALPHABET = AMINO_ACIDS + "X"
"""The encoder's 21 letters: the 20 amino acids (codes 0..19) and ``X`` (code 20)."""
RARE_RESIDUES = "UOBZJ"
"""Letters refused by default, read as ``X`` with ``rare="x"``."""
SS_STATES = "HEC"
"""3-state secondary structure: helix, strand (extended), coil."""

_TABLE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(PROTEIN_ALPHABET):
    _TABLE[ord(_c)] = _i
_TABLE_RARE = _TABLE.copy()
for _c in RARE_RESIDUES:
    _TABLE_RARE[ord(_c)] = PROTEIN_ALPHABET.index("X")
_WHY = {"*": "a stop codon", "-": "an alignment gap", ".": "an alignment gap"}


def _explain(ch: str) -> str:
    if ch in RARE_RESIDUES:
        return "a rare residue (pass rare='x' to read it as X)"
    if ch.isalpha() and ch.islower():
        return "lower case (upper-case the chain if that is what you mean)"
    return _WHY.get(ch, "not an amino-acid letter")


def encode_protein(seq: str, name: str = "chain", *, rare: str = "error") -> np.ndarray:
    """A protein chain as integer codes 0..20 (the order of :data:`PROTEIN_ALPHABET`).

    Parameters
    ----------
    seq : str, one-letter codes, upper case
    name : the chain's name, used in error messages
    rare : "error" (default) refuses U, O, B, Z, J; "x" reads them as X

    Returns
    -------
    codes : (L,) int64

    Raises
    ------
    ValueError naming the chain, the letter and its 0-based position: an empty chain,
    lower case, ``*``, gaps, rare residues (unless ``rare="x"``), anything else.

    Used in: chapter 11 (11a, 11b; through the loaders).
    """
    if rare not in ("error", "x"):
        raise ValueError(f"rare must be 'error' or 'x', got {rare!r}")
    if not isinstance(seq, str):
        raise TypeError(f"{name}: expected a str, got {type(seq).__name__}")
    if not seq:
        raise ValueError(f"{name}: empty chain (no residues)")
    raw = np.frombuffer(seq.encode("utf-8"), dtype=np.uint8)
    if len(raw) != len(seq):  # non-ASCII
        pos = next(i for i, c in enumerate(seq) if ord(c) > 127)
        raise ValueError(f"{name}: letter {seq[pos]!r} at position {pos} is not ASCII")
    out = (_TABLE_RARE if rare == "x" else _TABLE)[raw]
    bad = np.flatnonzero(out < 0)
    if bad.size:
        pos = int(bad[0])
        raise ValueError(
            f"{name}: letter {seq[pos]!r} at position {pos} is {_explain(seq[pos])};"
            f" allowed: {PROTEIN_ALPHABET}"
        )
    return out


def one_hot_protein(codes) -> np.ndarray:
    """One-hot ``(21, L)`` float32 of codes from :func:`encode_protein` (a code of -1,
    padding, is an all-zero column).

    Parameters
    ----------
    codes : (L,) integers in -1..20

    Returns
    -------
    x : (21, L) float32, channels in the order of :data:`PROTEIN_ALPHABET`

    Used in: no notebook (the protein models one-hot encode inside; tests).
    """
    codes = np.asarray(codes)
    if codes.ndim != 1 or codes.size and (codes.min() < -1 or codes.max() > 20):
        raise ValueError("one_hot_protein: expected (L,) codes in -1..20")
    x = np.zeros((len(PROTEIN_ALPHABET), codes.size), dtype=np.float32)
    keep = codes >= 0
    x[codes[keep], np.flatnonzero(keep)] = 1.0
    return x


def encode_labels(labels: str, length: int, name: str = "chain") -> np.ndarray:
    """Per-residue 3-state labels ``"HEC"`` as class indices 0, 1, 2.

    Parameters
    ----------
    labels : str of H/E/C, one letter per residue
    length : the chain's length; the labels must have exactly this many letters
    name : the chain's name, used in error messages

    Returns
    -------
    y : (L,) int64 in 0..2

    Raises
    ------
    ValueError naming the chain: a label string of the wrong length, or a letter other
    than H/E/C (with its position).

    Used in: chapter 11 (11a; through the loader).
    """
    if len(labels) != length:
        raise ValueError(
            f"{name}: {len(labels)} labels for a chain of {length} residues"
        )
    table = {c: i for i, c in enumerate(SS_STATES)}
    try:
        return np.array([table[c] for c in labels], dtype=np.int64)
    except KeyError as err:
        pos = labels.index(err.args[0])
        raise ValueError(
            f"{name}: label {err.args[0]!r} at position {pos} is not one of {SS_STATES}"
        ) from None
