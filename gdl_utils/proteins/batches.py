"""Variable-length protein chains -> padded batches with masks.

Chains differ in length, so a batch pads them to its longest chain with the code
:data:`PAD` (-1; a model turns it into an all-zero input column) and carries a boolean
``mask`` of the residues that count: for per-residue labels the *scored* residues
(resolved in the crystal structure and not padding), for one label per chain the
residues that exist. A loss or a metric reads only ``mask`` positions, so padding can
never change it (``tests/test_proteins.py`` checks this).

- :class:`ProteinBatch`: ``tokens`` (B, L), ``labels`` (B, L) or (B,), ``mask``
  (B, L);
- :func:`collate_proteins`: a list of ``(codes, labels[, mask])`` -> one batch, the
  ``collate_fn`` of a ``DataLoader``; :func:`protein_loader` builds that loader;
- :func:`termini`: the first and last residues of a chain as one fixed-length row;
- :func:`unpad`: per-chain arrays back from a padded (B, L, ...) output.

Used in: chapter 11 (11a secondary structure, 11b localisation).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from .._util import check_int

__all__ = [
    "PAD",
    "ProteinBatch",
    "collate_proteins",
    "protein_loader",
    "termini",
    "unpad",
]

PAD = -1
"""The padding code of ``tokens``; ``labels`` are padded with -100 (ignored by
``cross_entropy``)."""


class ProteinBatch(NamedTuple):
    """One batch of protein chains, read by name (``batch.tokens``).

    Attributes
    ----------
    tokens : (B, L) int64 codes 0..20, :data:`PAD` after each chain's end
    labels : (B, L) int64 per-residue classes (-100 where not scored) or (B,) one
        class per chain
    mask : (B, L) bool, True where a residue counts (scored / exists)
    features : (B, F) float32 per-chain features (composition, ...) or None

    Used in: chapter 11 (11a, 11b; through ``collate_proteins``).
    """

    tokens: torch.Tensor
    labels: torch.Tensor
    mask: torch.Tensor
    features: torch.Tensor | None = None


def collate_proteins(items, max_len: int | None = None) -> ProteinBatch:
    """Pad a list of chains into one :class:`ProteinBatch`.

    Parameters
    ----------
    items : list of ``(codes, labels)``, ``(codes, labels, mask)`` or ``(codes, labels,
        mask, features)``: codes (L,) ints 0..20; labels (L,) ints (per residue) or one
        int (per chain); mask (L,) bools or None (every residue counts); features (F,)
        floats per chain
    max_len : crop each chain to its first ``max_len`` residues (None: no crop)

    Returns
    -------
    ProteinBatch, padded to the longest (cropped) chain

    Raises
    ------
    ValueError naming the item: per-residue labels or a mask whose length differs from
    the chain's, an empty chain.

    Used in: chapter 11 (11a, 11b; the collate_fn of ``protein_loader``).
    """
    if max_len is not None:
        max_len = check_int(max_len, "max_len", 1)
    rows, feats = [], []
    for i, item in enumerate(items):
        codes, labels = np.asarray(item[0]), np.asarray(item[1])
        mask = item[2] if len(item) > 2 else None
        mask = np.ones(len(codes), bool) if mask is None else np.asarray(mask)
        if codes.ndim != 1 or len(codes) == 0:
            raise ValueError(f"item {i}: expected a non-empty (L,) chain of codes")
        for what, arr in (("labels", labels), ("mask", mask)):
            if arr.ndim == 1 and len(arr) != len(codes):
                raise ValueError(
                    f"item {i}: {len(arr)} {what} for a chain of {len(codes)} residues"
                )
        stop = len(codes) if max_len is None else min(max_len, len(codes))
        rows.append((codes[:stop], labels[:stop] if labels.ndim else labels, mask))
        feats.append(None if len(item) < 4 else np.asarray(item[3], np.float32))
    width = max(len(r[0]) for r in rows)
    tokens = np.full((len(rows), width), PAD, dtype=np.int64)
    keep = np.zeros((len(rows), width), dtype=bool)
    per_residue = rows[0][1].ndim == 1
    y = np.full((len(rows), width) if per_residue else len(rows), -100, np.int64)
    for i, (codes, labels, mask) in enumerate(rows):
        n = len(codes)
        tokens[i, :n] = codes
        keep[i, :n] = mask[:n].astype(bool)
        if per_residue:
            y[i, :n] = np.where(keep[i, :n], labels, -100)
        else:
            y[i] = labels
    features = None
    if feats[0] is not None:
        features = torch.from_numpy(np.stack(feats))
    return ProteinBatch(
        torch.from_numpy(tokens), torch.from_numpy(y), torch.from_numpy(keep), features
    )


def protein_loader(
    items,
    batch_size: int = 32,
    *,
    shuffle: bool = False,
    max_len: int | None = None,
    seed: int | None = None,
) -> torch.utils.data.DataLoader:
    """A ``DataLoader`` of :class:`ProteinBatch` over ``items`` (see
    :func:`collate_proteins`); ``shuffle`` reshuffles every epoch, ``seed`` fixes the
    order (``None``: the global torch generator, which ``fit(seed=...)`` seeds).

    Used in: chapter 11 (11a, 11b).
    """
    gen = None if seed is None else torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(
        list(items),
        batch_size=check_int(batch_size, "batch_size", 1),
        shuffle=shuffle,
        generator=gen,
        collate_fn=lambda b: collate_proteins(b, max_len),
    )


def termini(codes, n_term: int = 50, c_term: int = 50) -> np.ndarray:
    """The N-terminal ``n_term`` and C-terminal ``c_term`` residues as one row.

    Signal and transit peptides sit at the N-terminus, retention and targeting
    signals (KDEL, SKL, ...) at the C-terminus. A chain shorter than a terminus is
    left-aligned in the N part and right-aligned in the C part, padded with
    :data:`PAD`.

    Parameters
    ----------
    codes : (L,) int codes
    n_term, c_term : residues kept from each end

    Returns
    -------
    row : (n_term + c_term,) int64

    Used in: chapter 11 (11b).
    """
    codes = np.asarray(codes, dtype=np.int64)
    row = np.full(n_term + c_term, PAD, dtype=np.int64)
    head = codes[:n_term]
    row[: len(head)] = head
    if c_term:
        tail = codes[-c_term:]
        row[n_term + c_term - len(tail) :] = tail
    return row


def unpad(values, mask) -> list[np.ndarray]:
    """Per-chain arrays from a padded output: ``values[i][mask[i]]`` for each chain.

    Parameters
    ----------
    values : (B, L, ...) array or tensor (e.g. per-residue logits, channels last)
    mask : (B, L) bool

    Returns
    -------
    list of B arrays, the i-th of shape (mask[i].sum(), ...)

    Used in: chapter 11 (11a).
    """
    values = values.detach().cpu().numpy() if torch.is_tensor(values) else values
    mask = mask.detach().cpu().numpy() if torch.is_tensor(mask) else np.asarray(mask)
    return [np.asarray(v)[m.astype(bool)] for v, m in zip(values, mask, strict=True)]
