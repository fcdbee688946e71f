"""The other strand: reverse complement of DNA text, one-hot arrays and motif matrices.

Strings are complemented through one ``bytes.translate`` table (IUPAC codes included,
case preserved); one-hot arrays ``(4, L)`` / ``(N, 4, L)`` and ``(4, w)`` motif
matrices are flipped along both axes, since the complement of channel ``i`` (A, C, G,
T) is channel ``3 - i``. This is the package's only reverse complement: sequences,
motifs, models and datasets call it.
"""

from __future__ import annotations

import numpy as np
import torch

from .._util import check_onehot, where

_RC_FROM, _RC_TO = "ACGTNRYSWKMBVDH", "TGCANYRSWMKVBHD"
_RC_VALID = (_RC_FROM + _RC_FROM.lower()).encode()
_RC_TABLE = bytes.maketrans(_RC_VALID, (_RC_TO + _RC_TO.lower()).encode())


def _rc_str(s: str, record: int | None = None) -> str:
    # one byte per character; '?' is never valid
    raw = s.encode("ascii", errors="replace")
    leftover = raw.translate(None, _RC_VALID)  # the invalid bytes, in order
    if leftover:
        # first occurrence of the first invalid byte = first invalid position
        pos = raw.index(leftover[:1])
        raise ValueError(
            f"cannot complement character {s[pos]!r} at {where(pos, record)}"
        )
    return raw.translate(_RC_TABLE)[::-1].decode("ascii")


def reverse_complement(x):
    """Reverse complement of DNA given as text, one-hot arrays or ``(4, w)`` matrices.

    Strings may hold ``ACGT``, ``N`` and IUPAC codes (``R`` <-> ``Y``, ``K`` <-> ``M``,
    ``B`` <-> ``V``, ``D`` <-> ``H``; ``S``, ``W``, ``N`` are their own complements);
    case is preserved. Arrays are flipped along the channel and the length axis
    (complement of channel i is 3 - i); the layout is read from ``ndim`` (2: (4, L),
    3: (N, 4, L)), never guessed from the shape.

    Parameters
    ----------
    x : str, list/tuple of str, (4, L) or (N, 4, L) numpy array or torch tensor

    Returns
    -------
    Same type and shape as ``x`` (a new array or tensor, never a view).

    Raises
    ------
    ValueError
        For a character that has no complement (naming it, its position and record).
    TypeError
        For any other type of ``x``.

    Used in: chapters 1 (01), 2 (02a), 3 (03a) and 7 (07b).
    """
    if isinstance(x, str):
        return _rc_str(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_rc_str(s, i) for i, s in enumerate(x))
    if isinstance(x, (torch.Tensor, np.ndarray)):
        check_onehot(x, "reverse_complement: x")
        return (
            x.flip(dims=(-2, -1))
            if isinstance(x, torch.Tensor)
            else x[..., ::-1, ::-1].copy()
        )
    raise TypeError(f"cannot reverse-complement a {type(x).__name__}")
