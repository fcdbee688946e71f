"""Transcription-factor motifs: the :class:`Motif` object and the JASPAR database.

A motif is a ``(4, w)`` count matrix with rows A, C, G, T; its probabilities,
log-odds, information content, sampling and scanning live in
:mod:`gdl_utils.motifs.pwm`.
Motif-to-motif similarity and ranking live in :mod:`gdl_utils.motifs.match` (which
imports this module, never the other way round).

JASPAR is read offline from the SQLite files bundled with ``pyjaspar``. The release is
pinned (:data:`JASPAR_RELEASE`) because matrices are revised between releases and a
base ID such as ``MA0139`` resolves to the newest version *in whichever release is
opened*; pinning keeps the course's numbers fixed.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._util import ALPHABET
from ..dna.strands import reverse_complement
from .pwm import _check_matrix, counts_to_ppm, ppm_to_log_odds

#: JASPAR release used throughout the course (pinned: see the module docstring).
JASPAR_RELEASE = "JASPAR2024"
# JASPAR matrix IDs: MA0139, MA0139.1, PB0001.1, ...
_MATRIX_ID = re.compile(r"[A-Z]{2}\d{4}(\.\d+)?")


@dataclass(frozen=True, eq=False)
class Motif:
    """A motif: a read-only ``(4, w)`` count matrix (rows A, C, G, T), JASPAR ID, name.

    Used in: chapter 8 (08c).
    """

    matrix_id: str
    name: str
    counts: np.ndarray

    def __post_init__(self):
        counts = _check_matrix(self.counts, f"Motif {self.matrix_id!r} counts").copy()
        counts.setflags(write=False)  # shared by the cache of load_jaspar_* functions
        object.__setattr__(self, "counts", counts)

    def __repr__(self) -> str:
        return f"Motif({self.matrix_id!r}, {self.name!r}, width={self.width})"

    @property
    def width(self) -> int:
        return self.counts.shape[1]

    @property
    def consensus(self) -> str:
        """Most frequent base of each column."""
        return "".join(ALPHABET[i] for i in self.counts.argmax(axis=0))

    def ppm(self, pseudocount: float = 0.5) -> np.ndarray:
        """(4, w) position probability matrix, see :func:`counts_to_ppm`."""
        return counts_to_ppm(self.counts, pseudocount)

    def log_odds(self, background=None, pseudocount: float = 0.5) -> np.ndarray:
        """(4, w) log2-odds matrix, see :func:`ppm_to_log_odds`."""
        return ppm_to_log_odds(self.ppm(pseudocount), background)

    def reverse_complement(self) -> "Motif":
        """The motif as read on the other strand (both axes flipped)."""
        return Motif(self.matrix_id, self.name, reverse_complement(self.counts))


@lru_cache(maxsize=None)
def _jaspar_db(release: str):
    from pyjaspar import (  # imported lazily: pulls in Biopython
        jaspar_releases,
        jaspardb,
    )

    if release not in jaspar_releases:
        raise ValueError(
            f"unknown JASPAR release {release!r}; pyjaspar has "
            f"{sorted(jaspar_releases)}"
        )
    return jaspardb(release=release)


def _to_motif(jm) -> Motif:
    return Motif(
        jm.matrix_id, jm.name, np.array([jm.counts[b] for b in ALPHABET], dtype=float)
    )


@lru_cache(maxsize=None)
def load_jaspar_motif(matrix_id: str, release: str = JASPAR_RELEASE) -> Motif:
    """One JASPAR matrix, read offline, by matrix ID or by TF name.

    Parameters
    ----------
    matrix_id : str
        A matrix ID such as ``"MA0139.1"`` (a base ID such as ``"MA0139"`` gives the
        newest version in ``release``) or a TF name such as ``"CTCF"``
        (case-insensitive). A name matching several matrices (CTCF: four in JASPAR2024,
        several species) raises ``ValueError`` listing their IDs.
    release : str
        The JASPAR release (default: the pinned :data:`JASPAR_RELEASE`).

    Returns
    -------
    Motif with (4, w) counts.
    Used in: chapters 1 (01), 2 (02a), 3 (03a), 4 (04a), 7 (07a, 07e) and 8 (08a, 08b,
    08c).
    """
    if not isinstance(matrix_id, str) or not matrix_id.strip():
        raise ValueError(
            "matrix_id must be a non-empty string such as 'MA0139.1' or 'CTCF', got "
            f"{matrix_id!r}"
        )
    key = matrix_id.strip()
    db = _jaspar_db(release)
    # pyjaspar warns, then returns None, for unknown IDs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if _MATRIX_ID.fullmatch(key):
            jm = db.fetch_motif_by_id(key)
            if jm is None:
                raise ValueError(
                    f"JASPAR matrix ID {key!r} not found in release {release}"
                )
            return _to_motif(jm)
        hits = db.fetch_motifs_by_name(key)
    if not hits:
        raise ValueError(
            f"{key!r} is neither a JASPAR matrix ID (like 'MA0139.1') nor a TF name "
            f"in {release}; "
            "search the names with load_jaspar_collection(...) or "
            "https://jaspar.elixir.no"
        )
    if len(hits) > 1:
        found = ", ".join(
            f"{jm.matrix_id} ({jm.name}, {jm.tax_group}, {jm.collection})"
            for jm in hits
        )
        raise ValueError(
            f"TF name {key!r} matches {len(hits)} matrices in {release}: {found}; "
            "pass one matrix ID instead"
        )
    return _to_motif(hits[0])


@lru_cache(maxsize=None)
def _collection(collection: str, tax_group, release: str, latest_only: bool) -> tuple:
    tax = None if tax_group is None else [tax_group]
    jms = _jaspar_db(release).fetch_motifs(
        collection=collection, tax_group=tax, all_versions=not latest_only
    )
    return tuple(_to_motif(jm) for jm in jms)


def load_jaspar_collection(
    collection: str = "CORE",
    tax_group: str | None = "vertebrates",
    release: str = JASPAR_RELEASE,
    latest_only: bool = True,
) -> list[Motif]:
    """All matrices of a JASPAR collection and taxonomic group, cached (~1 s at first).

    ``tax_group`` is e.g. "vertebrates", "insects", "plants" or None (all);
    ``latest_only`` keeps the newest version of each base ID. Returns a list of
    :class:`Motif` (879 for CORE vertebrates in JASPAR2024).
    Used in: chapters 3 (03a, 03b) and 8 (08b, 08c).
    Also chapter 10 (10d).
    """
    motifs = list(_collection(collection, tax_group, release, bool(latest_only)))
    if not motifs:
        raise ValueError(
            f"no JASPAR matrices for collection={collection!r}, "
            f"tax_group={tax_group!r} in {release}"
        )
    return motifs
