"""Attribution: which bases of a sequence a model's prediction depends on.

- :func:`mutation_effects`: in-silico saturation mutagenesis (ISM) of one sequence with
any predictor
  (a function from one-hot DNA to numbers), so it never needs to know the model's class.

Used in: chapter 3 (notebook 03d, mutation-effect map of ARS1); chapter 8
(interpretation) extends it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._util import as_numpy, code_matrix

__all__ = ["mutation_effects"]


def _predictions(out) -> np.ndarray:
    """(M,) float predictions from a (M,) or (M, 1) array or tensor; ValueError
    otherwise."""
    a = as_numpy(out, dtype=float)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(
            "mutation_effects: predict_fn must return (M,) or (M, 1) values, got "
            f"shape {a.shape}"
        )
    if not np.isfinite(a).all():
        raise ValueError(
            "mutation_effects: predict_fn returned a non-finite value at row "
            f"{int(np.argmax(~np.isfinite(a)))}"
        )
    return a


def mutation_effects(
    predict_fn: Callable[[np.ndarray], np.ndarray], sequence: str
) -> np.ndarray:
    """In-silico saturation mutagenesis: predicted change for every single-base
    substitution.

    Parameters
    ----------
    predict_fn : maps one-hot DNA (M, 4, L) float32 to predictions (M,) or (M, 1)
    sequence : the reference, L bases of A, C, G, T

    Returns
    -------
    (4, L) float64: entry ``[b, p]`` is ``prediction(sequence with base b at p) -
    prediction(sequence)``;
    0 at the reference base. One call of ``predict_fn`` on 4L + 1 sequences (the
    reference, then every
    base at every position; rows carrying the reference base reproduce the reference).

    Used in: chapters 3 (03d), 4 (04b) and 8 (08c).
    """
    ref = code_matrix(sequence, "mutation_effects: sequence")[0]
    length = len(ref)
    # row 0: reference; 1 + 4p + b: p -> b
    x = np.zeros((4 * length + 1, 4, length), dtype=np.float32)
    x[:, ref, np.arange(length)] = 1.0
    rows = 1 + 4 * np.arange(length)[:, None] + np.arange(4)[None, :]  # (L, 4)
    pos = np.repeat(np.arange(length), 4)
    x[rows.ravel(), :, pos] = 0.0
    x[rows.ravel(), np.tile(np.arange(4), length), pos] = 1.0
    pred = _predictions(predict_fn(x))
    if pred.shape[0] != len(x):
        raise ValueError(
            f"mutation_effects: predict_fn returned {pred.shape[0]} values for "
            f"{len(x)} inputs"
        )
    return (pred[1:].reshape(length, 4) - pred[0]).T
