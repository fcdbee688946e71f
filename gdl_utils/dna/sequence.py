"""DNA sequences as arrays: one-hot encoding and decoding, mutation counts.

Layout: one sequence of length ``L`` is ``(4, L)``, a batch ``(N, 4, L)``, channels
**A, C, G, T**; the complement of channel ``i`` is channel ``3 - i`` (the reverse
complement lives in :mod:`gdl_utils.dna.strands`). All work is vectorised over the bytes
(``numpy.frombuffer`` and lookup tables), never base by base in Python, and done in
blocks: :func:`one_hot` needs about 1.3x its float32 output (a chromosome of N too).

Character policy of :func:`one_hot`:

* lower case is accepted; ``U`` counts as ``T`` only with ``rna=True``;
* ``N``: all-zero column (``n="zero"``, default), 0.25 per channel (``n="uniform"``)
  or ``ValueError``;
* IUPAC codes ``R Y S W K M B D H V``: ``ValueError`` (``iupac="error"``, default) or
  fractional columns (``iupac="fractional"``: ``R`` = 0.5 A + 0.5 G, ``B`` = 1/3 each
  of C, G, T, ...);
* any other character: ``ValueError`` naming it, its 0-based position and, in a
  batch, the record index;
* unequal lengths: ``ValueError`` unless ``length=`` is given; then each record is
  padded with all-zero columns or trimmed, aligned ``"left"``, ``"center"`` or
  ``"right"`` (trimmed characters are not checked).
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import torch

from .._util import ALPHABET, as_numpy, check_onehot, code_matrix, where

IUPAC = {
    "R": "AG",
    "Y": "CT",
    "S": "CG",
    "W": "AT",
    "K": "GT",
    "M": "AC",
    "B": "CGT",
    "D": "AGT",
    "H": "ACT",
    "V": "ACG",
}
_SYMBOLS = "ACGTNU" + "".join(IUPAC)  # row order of the weight table below
_BASES_LOWER = np.frombuffer(b"acgt", dtype=np.uint8)
_BAD = 255
_HINTS = {
    "N": " (n='error' forbids N)",
    "U": " (pass rna=True for RNA)",
    **{code: " (IUPAC ambiguity code; pass iupac='fractional')" for code in IUPAC},
}
_CHOICES = {
    "n": ("zero", "uniform", "error"),
    "iupac": ("error", "fractional"),
    "align": ("left", "center", "right"),
}


@cache
def _policy(n: str, iupac: str, rna: bool) -> tuple[np.ndarray, np.ndarray]:
    """(256,) byte -> row of the weight table (``_BAD`` when not allowed),
    (len(_SYMBOLS), 4) weights."""
    lut, weights = np.full(256, _BAD, dtype=np.uint8), np.zeros((len(_SYMBOLS), 4))
    allowed = ALPHABET + ("N" if n != "error" else "") + ("U" if rna else "")
    for sym in allowed + ("".join(IUPAC) if iupac == "fractional" else ""):
        lut[ord(sym)] = lut[ord(sym.lower())] = row = _SYMBOLS.index(sym)
        letters = {"N": ALPHABET if n == "uniform" else "", "U": "T"}.get(
            sym, IUPAC.get(sym, sym)
        )
        weights[row, [ALPHABET.index(b) for b in letters]] = 1.0 / max(len(letters), 1)
    return lut, weights


def _byte_matrix(seqs: list[str], length: int | None, align: str):
    """(N, L) uint8 records (non-ASCII as ``?``), (N,) shifts (column j of row i is
    character j + shift[i] of record i) and (N,) bounds ``lo``, ``hi`` of the columns
    holding characters (the rest is padding)."""
    flat = np.frombuffer(
        "".join(seqs).encode("ascii", errors="replace"), dtype=np.uint8
    )
    lens = np.array([len(s) for s in seqs], dtype=np.int64)
    if length is None:
        if len(seqs) and (lens != lens[0]).any():
            i = int(np.flatnonzero(lens != lens[0])[0])
            raise ValueError(
                f"records have unequal lengths (record 0: {lens[0]}, record {i}: "
                f"{lens[i]}); "
                "pass length= to pad/trim"
            )
        width, zero = (
            int(lens[0]) if len(seqs) else 0,
            np.zeros(len(seqs), dtype=np.int64),
        )
        return flat.reshape(len(seqs), width), zero, zero, zero + width
    if int(length) != length or length < 0:
        raise ValueError(f"length must be a non-negative integer, got {length!r}")
    frac = {"left": 0.0, "center": 0.5, "right": 1.0}[align]
    # > 0: trimmed on the left; < 0: padded
    shift = np.trunc((lens - length) * frac).astype(np.int64)
    src0, lo = np.maximum(shift, 0), np.maximum(-shift, 0)
    take = np.minimum(lens - src0, length - lo)
    mat = np.zeros((len(seqs), length), dtype=np.uint8)
    for i, (a, d, t) in enumerate(
        zip((np.cumsum(lens) - lens + src0).tolist(), lo.tolist(), take.tolist())
    ):
        # one slice copy per record, never a loop over bases
        mat[i, d : d + t] = flat[a : a + t]
    return mat, shift, lo, lo + take


def _blocks(shape: tuple[int, int], chunk: int):
    """(rows, columns) slices of blocks of about ``chunk`` entries of an (N, L)
    array, in row-major order (a block of several rows spans whole rows)."""
    n, width = shape
    rows, cols = max(1, chunk // max(width, 1)), max(min(width, chunk), 1)
    for r, c in itertools.product(range(0, n, rows), range(0, width, cols)):
        yield slice(r, r + rows), slice(c, c + cols)


def _hot(mat: np.ndarray, chunk: int = 1 << 20) -> tuple[np.ndarray, int]:
    """(N, 4, L) bool "column is A/C/G/T" (b | 0x20 == ord('a') exactly for b in b'Aa',
    ...) and its number of True values, built in cache-sized blocks so that the
    temporaries never leave the cache."""
    n, width = mat.shape
    hot, hits, buf = (
        np.empty((n, 4, width), dtype=bool),
        0,
        np.empty(min(chunk, mat.size), dtype=np.uint8),
    )
    for rs, cs in _blocks(mat.shape, chunk):
        sub = mat[rs, cs]
        low = np.bitwise_or(sub, 0x20, out=buf[: sub.size].reshape(sub.shape))
        block = np.equal(low[:, None, :], _BASES_LOWER[:, None], out=hot[rs, :, cs])
        hits += np.count_nonzero(block)
    return hot, hits


def _fill_other(out, hot, mat, bounds, policy, records, batched, chunk=1 << 16):
    """Write the columns of ``out`` that are not plain A/C/G/T (N, IUPAC codes) by
    the ``policy`` tables, or raise naming the first character it forbids; a block
    of ``chunk`` entries at a time, so the index arrays stay small whatever ``L``."""
    shift, lo, hi = bounds
    lut, weights = policy
    filled = weights.any(axis=1)  # e.g. N with n="zero" is already all-zero
    for rs, cs in _blocks(mat.shape, chunk):
        h = hot[rs, :, cs]
        rows, cols = np.nonzero(~(h[:, 0] | h[:, 1] | h[:, 2] | h[:, 3]))
        rows += rs.start
        cols += cs.start
        real = (cols >= lo[rows]) & (cols < hi[rows])  # padding stays all-zero
        rows, cols = rows[real], cols[real]
        codes = lut[mat[rows, cols]]
        if (codes == _BAD).any():
            k = int(np.argmax(codes == _BAD))
            row, pos = int(rows[k]), int(cols[k] + shift[rows[k]])
            char = records[row][pos]
            raise ValueError(
                f"invalid character {char!r} at {where(pos, row if batched else None)}"
                + _HINTS.get(char.upper(), "")
            )
        fill = filled[codes]
        out[rows[fill], :, cols[fill]] = weights[codes[fill]]


def one_hot(
    seqs,
    *,
    n="zero",
    iupac="error",
    rna=False,
    length=None,
    align="center",
    dtype=np.float32,
    as_tensor=False,
    device=None,
):
    """One-hot encode DNA in channel order A, C, G, T (character policy: see the module
    docstring).

    Parameters
    ----------
    seqs : str (one sequence) or sequence of str (a batch)
    n : {"zero", "uniform", "error"}
    iupac : {"error", "fractional"}
    rna : bool, accept ``U`` as ``T``
    length : int, optional, pad (all-zero columns) or trim every record to this length
    align : {"left", "center", "right"}, where a padded / trimmed record sits
    dtype : numpy dtype, or a torch.dtype for ``as_tensor=True``
        ``np.int8`` is the fastest; fractional columns need a floating dtype.
    as_tensor : bool, return a ``torch.Tensor`` on ``device`` instead of a numpy array

    Returns
    -------
    x : (4, L) for a str, (N, 4, L) for a batch

    Used in: chapters 1 (01), 2 (02a, 02b), 3 (03a, 03d), 4 (04a, 04b), 7 (07a, 07d,
    07e) and 8 (08c).
    Also chapters 9 (09a, 09b) and 10 (10b, 10c, 10d).
    """
    for name, value in (("n", n), ("iupac", iupac), ("align", align)):
        if value not in _CHOICES[name]:
            raise ValueError(f"{name}={value!r} is not one of {_CHOICES[name]}")
    batched = not isinstance(seqs, str)
    records = list(seqs) if batched else [seqs]
    for i, s in enumerate(records):
        if not isinstance(s, str):
            raise TypeError(f"record {i} is {type(s).__name__}, expected str")
    torch_dtype = dtype if type(dtype).__module__ == "torch" else None  # a torch.dtype
    dtype = np.dtype(
        dtype
        if torch_dtype is None
        else np.float32
        if dtype.is_floating_point
        else np.int8
    )
    if (n == "uniform" or iupac == "fractional") and dtype.kind != "f":
        raise ValueError(
            f"n={n!r}, iupac={iupac!r} give fractional columns: use a float dtype, "
            f"not {dtype}"
        )
    mat, shift, lo, hi = _byte_matrix(records, length, align)
    hot, hits = _hot(mat)
    out = (
        hot.view(dtype)
        if dtype.itemsize == 1 and dtype.kind in "biu"
        else hot.astype(dtype)
    )
    if hits != mat.size:  # some columns are not plain A/C/G/T: classify just those
        policy = _policy(n, iupac, bool(rna))
        _fill_other(out, hot, mat, (shift, lo, hi), policy, records, batched)
    if as_tensor:
        out = torch.from_numpy(out).to(device=device, dtype=torch_dtype)
    return out if batched else out[0]


def one_hot_decode(x, *, n_char="N"):
    """Turn one-hot (or soft, e.g. probability) columns back into letters.

    A column decodes to the base with the single largest positive value; all-zero
    columns and ties
    (``N`` as 0.25 each, ``R`` as 0.5 A + 0.5 G) decode to ``n_char``.

    Parameters
    ----------
    x : (4, L) or (N, 4, L) numpy array or torch tensor
    n_char : str, one ASCII character for undecidable columns

    Returns
    -------
    str for (4, L), list[str] for (N, 4, L)

    Used in: ch. 1 (tests of the encoding; reading sequences back out of arrays).
    """
    if len(n_char) != 1 or not n_char.isascii():
        raise ValueError(f"n_char must be a single ASCII character, got {n_char!r}")
    x = check_onehot(as_numpy(x), "one_hot_decode: x")
    top = x.max(axis=-2)
    clear = (top > 0) & ((x == top[..., None, :]).sum(axis=-2) == 1)
    letters = np.where(
        clear,
        np.frombuffer(ALPHABET.encode(), np.uint8)[x.argmax(axis=-2)],
        ord(n_char),
    )
    text, width = letters.astype(np.uint8).tobytes().decode("ascii"), x.shape[-1]
    return (
        text
        if x.ndim == 2
        else [text[i * width : (i + 1) * width] for i in range(x.shape[0])]
    )


def count_mutations(sequences, reference: str) -> np.ndarray:
    """Number of positions at which each sequence differs from ``reference`` (Hamming
    distance).

    Parameters
    ----------
    sequences : str or N strings of A, C, G, T (either case), each as long as
        ``reference``
    reference : str of A, C, G, T

    Returns
    -------
    (N,) int64 (``(1,)`` for a single str).

    Used in: ch. 3 (notebook 03d, mutants of ARS1).
    """
    codes = code_matrix(sequences, "count_mutations: sequences")
    ref = code_matrix(reference, "count_mutations: reference")[0]
    if codes.shape[1] != ref.shape[0]:
        raise ValueError(
            f"count_mutations: sequences have length {codes.shape[1]}, reference "
            f"{ref.shape[0]}"
        )
    return (codes != ref).sum(axis=1).astype(np.int64)
