"""Chapter 1 checks: a one-hot encoder written by the student, run against
:func:`gdl_utils.dna.one_hot`.

Used in: chapter 1 (01).
"""

from __future__ import annotations

import numpy as np

from .._util import ALPHABET, as_numpy
from ..dna import one_hot


def _cases(seed: int) -> list[str]:
    """Edge cases first, then seeded random sequences with lower case and ``N``."""
    fixed = ["ACGT", "A", "TTTT", "acgt", "GattACA", "N", "ACNNGT", "nnnn", ""]
    rng = np.random.default_rng(seed)
    letters = np.array(list(ALPHABET + ALPHABET.lower() + "N"))
    # mostly upper-case bases, some lower case, a few N
    p = np.r_[np.full(4, 0.2), np.full(4, 0.04), 0.04]
    randoms = [
        "".join(rng.choice(letters, size=int(n), p=p / p.sum()))
        for n in rng.integers(1, 60, size=20)
    ]
    return fixed + randoms


def check_one_hot(fn, seed: int = 0) -> str:
    """Run a student's one-hot encoder against :func:`gdl_utils.dna.one_hot`.

    ``fn(seq)`` takes one DNA string and returns its one-hot encoding in channel order
    A, C, G, T: lower case counts as upper case, ``N`` is an all-zero column, and any
    other character raises ``ValueError``.

    Parameters
    ----------
    fn : callable, ``fn(seq: str) -> (4, L)`` numpy array or torch tensor
    seed : int, default 0, seed of the random test sequences

    Returns
    -------
    str, a one-line summary when every case agrees.

    Raises
    ------
    AssertionError
        Naming the first case that differs: the input, the expected and the returned
        array (or shape), or an invalid character that was not refused.

    Used in: chapter 1 (01).
    """
    cases = _cases(seed)
    for seq in cases:
        expected = one_hot(seq)
        try:
            got = as_numpy(fn(seq))
        except Exception as err:  # a valid sequence must encode
            raise AssertionError(
                f"check_one_hot: for {seq!r} expected a {expected.shape} array, got "
                f"{type(err).__name__}: {err}"
            ) from err
        if got.shape != expected.shape:
            raise AssertionError(
                f"check_one_hot: for {seq!r} expected shape {expected.shape}, "
                f"got {got.shape}"
            )
        if not np.allclose(got, expected):
            raise AssertionError(
                f"check_one_hot: for {seq!r} expected\n{expected.astype(int)}\n"
                f"got\n{got}"
            )
    for bad in ("ACGX", "AC-GT", "AC GT"):
        try:
            fn(bad)
        except ValueError:
            continue
        raise AssertionError(
            f"check_one_hot: {bad!r} holds a character that is not A, C, G, T or N; "
            "expected a ValueError, got none"
        )
    return (
        f"check_one_hot: all {len(cases)} sequences agree with one_hot, "
        "3 invalid ones raise ValueError"
    )
