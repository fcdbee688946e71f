"""Private helpers shared by the package: array conversion, shape and argument checks,
the DNA alphabet.

This module imports only numpy and torch, so every other module (data, models, training,
interpretation)
may import it without creating a cycle. Nothing here is part of the public API; the
names are fixed by
CONTRIBUTING.md ("Vocabulary") so that helpers are written once.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

ALPHABET = "ACGT"
"""Channel order of every one-hot array: A, C, G, T (the complement of channel ``i`` is
``3 - i``)."""

BYTE_CODES = np.full(256, 4, dtype=np.uint8)
"""(256,) uint8 lookup table: byte -> 0, 1, 2, 3 for A, C, G, T (either case), 4 for
any other byte."""
for _i, _b in enumerate(ALPHABET):
    BYTE_CODES[ord(_b)] = BYTE_CODES[ord(_b.lower())] = _i
BYTE_CODES.setflags(write=False)
del _i, _b


def as_numpy(a, dtype=None) -> np.ndarray:
    """A numpy view/copy of ``a``: torch tensors are detached and moved to the CPU
    first.

    Parameters
    ----------
    a : torch.Tensor, numpy array, or anything ``numpy.asarray`` accepts (list, scalar,
        pandas object)
    dtype : numpy dtype, optional

    Returns
    -------
    numpy.ndarray of the same shape (bfloat16 / float16 tensors become float32).

    Used in: everywhere a public function accepts "numpy array or torch tensor"
    (sequence, metrics, motifs).
    """
    if isinstance(a, torch.Tensor):
        a = a.detach()
        if a.dtype in (torch.bfloat16, torch.float16):
            a = a.float()
        a = a.cpu().numpy()
    return np.asarray(a, dtype=dtype)


def check_onehot(x, name: str = "x", *, batched: bool | None = None):
    """Raise ``ValueError`` unless ``x`` has a one-hot layout; return ``x`` unchanged.

    The layout is read from ``ndim`` (2: ``(4, L)``, 3: ``(N, 4, L)``), never guessed
    from the shape.

    Parameters
    ----------
    x : numpy array or torch tensor
    name : str, the argument's name in the message (e.g. ``"one_hot_decode: x"``)
    batched : bool, optional; ``True`` requires ``(N, 4, L)``, ``False`` requires ``(4,
        L)``

    Used in: sequence (decode, reverse complement), motifs (scanning), models and
    filters (inputs).
    """
    shape = tuple(getattr(x, "shape", ()))
    allowed = {None: (2, 3), True: (3,), False: (2,)}[batched]
    if len(shape) not in allowed or shape[-2] != 4:
        want = " or ".join({2: "(4, L)", 3: "(N, 4, L)"}[d] for d in allowed)
        raise ValueError(
            f"{name}: expected one-hot shape {want} (channels A, C, G, T), "
            f"got {shape if hasattr(x, 'shape') else type(x).__name__}"
        )
    return x


def check_int(value, name: str, minimum: int | None = None) -> int:
    """``value`` as a Python int; ``TypeError`` for non-numbers and bools,
    ``ValueError`` for 2.5, NaN or a value below ``minimum`` (2.0 is accepted).

    Used in: argument checks of sequence, simulate, splits, motifs.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be an integer, got {type(value).__name__} {value!r}"
        )
    if not isinstance(value, numbers.Integral) and not (
        math.isfinite(value) and float(value).is_integer()
    ):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def where(pos: int, record: int | None = None) -> str:
    """``"position 3"`` or ``"position 3 of record 1"``: where a bad character is.

    Used in: error messages of sequence (one-hot), strands and kmers.
    """
    return f"position {pos}" + ("" if record is None else f" of record {record}")


def check_fraction(value, name: str) -> float:
    """``value`` as a float in [0, 1]; ``TypeError`` for non-numbers, ``ValueError``
    for NaN or out of range.

    Used in: argument checks of simulate, splits, motifs.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number in [0, 1], got {type(value).__name__} {value!r}"
        )
    value = float(value)
    if not 0.0 <= value <= 1.0:  # NaN fails both comparisons
        raise ValueError(f"{name} must lie in [0, 1], got {value}")
    return value


def codes(
    s: str, *, strict: bool = False, name: str = "sequence", offset: int = 0
) -> np.ndarray:
    """(L,) uint8 codes of a string: 0..3 for A, C, G, T (either case), 4 for anything
    else.

    With ``strict=True`` any other character raises ``ValueError`` naming it and its
    0-based position (plus ``offset``: ``s`` is a piece of a longer sequence starting
    there).

    Used in: sequence (k-mer counts, GC, count_mutations), attribution (mutation
    effects), lm tokenizers (in blocks).
    """
    if not isinstance(s, str):
        raise TypeError(f"{name} must be a str, got {type(s).__name__}")
    out = BYTE_CODES[np.frombuffer(s.encode("ascii", errors="replace"), dtype=np.uint8)]
    if strict and (out == 4).any():
        pos = int(np.argmax(out == 4))
        raise ValueError(
            f"{name}: invalid character {s[pos]!r} at position {pos + offset}"
            " (expected A, C, G, T)"
        )
    return out


def code_matrix(seqs, name: str = "sequences") -> np.ndarray:
    """(N, L) uint8 codes 0..3 of N equal-length strings of A, C, G, T (either case; a
    str is one record).

    ``ValueError`` naming the record and position of any other character, or the first
    record whose
    length differs from record 0; ``ValueError`` for no records.

    Used in: sequence (count_mutations), enrichment (position_enrichment), attribution
    (mutation_effects).
    """
    seqs = [seqs] if isinstance(seqs, str) else list(seqs)
    if not seqs:
        raise ValueError(f"{name}: no sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, str):
            raise TypeError(f"{name}: record {i} is {type(s).__name__}, expected str")
        if len(s) != len(seqs[0]):
            raise ValueError(
                f"{name}: record {i} has length {len(s)}, expected {len(seqs[0])} "
                f"(record 0)"
            )
    out = BYTE_CODES[
        np.frombuffer("".join(seqs).encode("ascii", "replace"), dtype=np.uint8)
    ]
    out = out.reshape(len(seqs), len(seqs[0]))
    if (out == 4).any():
        i, j = map(int, np.argwhere(out == 4)[0])
        raise ValueError(
            f"{name}: record {i} has {seqs[i][j]!r} at position {j} (only A, C, G, T "
            f"allowed)"
        )
    return out


def check_ctc_labels(
    targets,
    target_lengths,
    steps,
    *,
    name: str,
    batch: str = "batch",
    n_labels: int = 4,
    n_samples=None,
    rows=None,
    hint: str = "",
) -> None:
    """Raise ``ValueError`` unless every label of a CTC batch has codes ``1..n_labels``
    and fits in its output steps: one step per base, and one more between two equal
    neighbours (a blank must separate them), so ``steps >= length + repeats``.

    Parameters
    ----------
    targets : (B, S) integer codes padded with 0, or (sum(target_lengths),) the
        concatenated labels (both layouts of ``nn.CTCLoss``)
    target_lengths : (B,) integer bases per row
    steps : (B,) integer output steps per row
    name, batch : where the batch is, for the message (``"ctc_batches"``,
        ``"batch 3,"``)
    n_samples : (B,) samples per row, optional, named in the message
    rows : callable ``i -> str`` describing row ``i`` (e.g. its chunk), optional
    hint : appended to a message about steps (what to do)

    Used in: the CTC checks of basecalling (``ctc_batches``) and the basecaller.
    """
    steps = as_numpy(steps).astype(np.int64).reshape(-1)
    lengths, targets = as_numpy(target_lengths), as_numpy(targets)
    if lengths.shape != steps.shape or lengths.dtype.kind not in "iu":
        raise ValueError(
            f"{name}: target_lengths: expected shape {steps.shape} integers (one per"
            f" row), got shape {lengths.shape} {lengths.dtype}"
        )
    if targets.dtype.kind not in "iu":
        raise ValueError(
            f"{name}: targets: expected integer codes, got {targets.dtype}"
        )
    lengths = lengths.astype(np.int64)
    if targets.ndim == 1 and (lengths >= 0).all() and lengths.sum() == len(targets):
        padded = np.zeros((len(lengths), max(1, lengths.max(initial=0))), np.int64)
        ends = np.cumsum(lengths)
        for i, (end, n) in enumerate(zip(ends, lengths)):
            padded[i, :n] = targets[end - n : end]
        targets = padded
    if targets.ndim != 2 or len(targets) != len(steps):
        raise ValueError(
            f"{name}: targets: expected ({batch.split(',')[0]}, S) = ({len(steps)}, S)"
            f" codes padded with 0, or the {int(lengths.sum())} concatenated codes,"
            f" got shape {targets.shape}"
        )
    width = targets.shape[1]
    bad = np.flatnonzero((lengths < 0) | (lengths > width))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{name}: target_lengths: row {i} is {lengths[i]}, more than the {width}"
            f" target columns (expected 0..{width})"
        )
    where = (lambda i: "") if rows is None else (lambda i: f" ({rows(i)})")
    inside = np.arange(width) < lengths[:, None]
    wrong = inside & ((targets < 1) | (targets > n_labels))
    if wrong.any():
        i, j = map(int, np.argwhere(wrong)[0])
        raise ValueError(
            f"{name}: {batch} row {i}{where(i)} has code {targets[i, j]} at position"
            f" {j}; expected 1..{n_labels} (A, C, G, T; 0 is the blank and pads rows)"
        )
    repeats = ((targets[:, 1:] == targets[:, :-1]) & inside[:, 1:]).sum(1)
    need = lengths + repeats
    short = np.flatnonzero(need > steps)
    if short.size:
        i = int(short[0])
        have = f"only {steps[i]}"
        if n_samples is not None:
            n = int(as_numpy(n_samples).reshape(-1)[i])
            have = f"its {n} samples give {steps[i]}"
        raise ValueError(
            f"{name}: {batch} row {i}{where(i)} has {lengths[i]} bases and"
            f" {repeats[i]} repeat{'' if repeats[i] == 1 else 's'}, so CTC needs at"
            f" least {need[i]} output steps (one per base, one more between equal"
            f" neighbours), but {have}{hint}"
        )
