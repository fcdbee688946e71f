"""Checks for the implement-it exercises of chapter 7 (transformers and DNA language
models).

- :func:`check_kmer_tokeniser`: a k-mer tokeniser (ids of the course's vocabulary),
  against :class:`gdl_utils.lm.KmerTokenizer`.

Used in: chapter 7 (07b).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..lm import KmerTokenizer

__all__ = ["check_kmer_tokeniser"]


def _kmer_cases(seed: int) -> list[tuple[str, int, bool]]:
    """(sequence, k, overlapping) cases: edge cases first, then seeded random ones."""
    cases = [
        ("ACGT", 1, False),  # k = 1: one token per base, no single-base tail tokens
        ("ACGTAC", 3, False),  # two whole 3-mers
        ("ACGTACG", 3, False),  # ... and a tail of one base
        ("AC", 3, False),  # shorter than k: only the tail
        ("", 2, False),  # empty: no tokens
        ("GATTACA", 7, True),  # overlapping, L = k: one token
        ("acgtTTGa", 2, True),  # lower case reads as upper case
        ("AAAAAA", 6, False),  # the first k-mer of the vocabulary
        ("TTTTTT", 6, True),  # ... and the last
        ("ACG", 4, True),  # overlapping, shorter than k: ValueError
        ("ACGNT", 2, False),  # N is not a base: ValueError
    ]
    rng = np.random.default_rng(seed)
    for _ in range(20):
        length = int(rng.integers(0, 40))
        seq = "".join(rng.choice(list("ACGTacgt"), size=length))
        k = int(rng.integers(1, 7))
        overlapping = bool(rng.integers(0, 2)) and length >= k
        cases.append((seq, k, overlapping))
    return cases


def check_kmer_tokeniser(fn: Callable[[str, int, bool], object], seed: int = 0) -> str:
    """Check a student's k-mer tokeniser against the course's :class:`KmerTokenizer`.

    Parameters
    ----------
    fn : ``fn(seq, k, overlapping) -> (n_tokens,) ints``: the token ids of the DNA
        string ``seq`` in ``KmerTokenizer(k, overlapping=overlapping)``'s vocabulary
        (ids 0-3 the special tokens, then the four single bases when ``k > 1``, then
        the ``4**k`` k-mers in lexicographic order); non-overlapping k-mers leave a
        tail shorter than ``k`` as single-base tokens; ``ValueError`` for a character
        other than A, C, G, T (either case) and for an overlapping sequence shorter
        than ``k``
    seed : seed of the random cases (sequences of 0-39 bases, k from 1 to 6)

    Returns
    -------
    str : a one-line summary when every case agrees; ``AssertionError`` naming the
    first case that differs (sequence, k, overlapping, expected, got) otherwise.

    Used in: chapter 7 (07b: the k-mer tokeniser exercise).
    """
    cases = _kmer_cases(seed)
    n_errors = 0
    for seq, k, overlapping in cases:
        case = f"seq={seq!r}, k={k}, overlapping={overlapping}"
        try:
            expected = KmerTokenizer(k, overlapping=overlapping).encode(seq).tolist()
        except ValueError as err:
            n_errors += 1
            try:
                got = fn(seq, k, overlapping)
            except ValueError:
                continue
            raise AssertionError(
                f"{case}: expected ValueError ({err}), got {got!r}"
            ) from None
        try:
            got = np.asarray(fn(seq, k, overlapping), dtype=np.int64).ravel().tolist()
        except Exception as err:  # noqa: BLE001 - shown to the student
            raise AssertionError(
                f"{case}: expected {expected}, got {type(err).__name__}: {err}"
            ) from None
        if got != expected:
            raise AssertionError(f"{case}: expected {expected}, got {got}")
    return (
        f"check_kmer_tokeniser: all {len(cases)} cases agree with KmerTokenizer"
        f" ({n_errors} raise ValueError)"
    )
