"""In-silico saturation mutagenesis (ISM): the change of a prediction for every
single-base substitution (Alipanahi et al. 2015), the one ISM of the course.

- :func:`ism`: a batch ``(N, 4, L)``, with a model (exact, batched on its device) or
  with any predictor function, so it never needs to know the model's class.
- :func:`mutation_effects`: the same for one sequence given as text, with a predictor
  function (chapter 3's ARS1 map).

Used in: chapters 3 (03d), 4 (04b) and 8 (08a, 08c).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .._util import as_numpy, check_onehot, code_matrix
from ..runtime import evaluating
from .inputs import _batches, check_attribution_input

__all__ = ["ism", "mutation_effects"]


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


def ism(
    model: nn.Module | Callable,
    x,
    target: int = 0,
    *,
    batch_size: int = 4096,
    device=None,
) -> np.ndarray:
    """Exact in-silico saturation mutagenesis of a batch, with a model or any predictor.

    Parameters
    ----------
    model : an ``nn.Module`` mapping (N, 4, L) one-hot DNA to (N, n_outputs) (checked by
        :func:`check_attribution_input`; run in eval mode on its device, in batches), or
        any function ``predict_fn(x (M, 4, L) float32) -> (M,) or (M, 1)`` (called once
        per sequence on its 4L + 1 variants; ``target`` and ``batch_size`` unused)
    x : (N, 4, L) one-hot DNA
    target : index of the model's output to explain
    batch_size : variants per forward pass (a sequence has 4L)

    Returns
    -------
    (N, 4, L): ``[i, b, p] = f(x_i with base b at p) - f(x_i)``, exactly 0 at the
    reference bases; float32 for a model (computed in torch), float64 for a function.

    Used in: chapter 8 (08a: the ISM row of the scoreboard).
    Also chapter 10 (10c).
    """
    if not isinstance(model, nn.Module):
        check_onehot(x, "ism: x", batched=True)
        return np.stack([_one_sequence(model, xi) for xi in as_numpy(x, dtype=float)])
    xt = check_attribution_input(model, x, target, where="ism", device=device)
    n, _, length = xt.shape
    per = max(1, batch_size // (4 * length))  # sequences per forward pass
    out = np.empty((n, 4, length), dtype=np.float32)
    with evaluating(model, device) as dev, torch.no_grad():
        eye = torch.eye(4, device=dev)
        ar = torch.arange(length, device=dev)
        for sl in _batches(n, per):
            xc = xt[sl].to(dev)
            c = len(xc)
            ref = model(xc)[:, target]
            v = xc[:, None, None].expand(c, length, 4, 4, length).clone()
            v[:, ar, :, :, ar] = eye  # variant (p, b): column p set to base b
            pred = model(v.reshape(-1, 4, length))[:, target].reshape(c, length, 4)
            eff = (pred - ref[:, None, None]).transpose(1, 2)  # (c, 4, L)
            out[sl] = as_numpy(torch.where(xc.bool(), 0.0, eff))
    return out


def _one_sequence(predict_fn: Callable, x: np.ndarray) -> np.ndarray:
    """(4, L) float64 effects of every substitution in one one-hot sequence (4, L),
    from one call of ``predict_fn`` on the reference and its 4L variants."""
    ref = np.argmax(x, axis=0)
    length = len(ref)
    # row 0: reference; 1 + 4p + b: p -> b
    variants = np.zeros((4 * length + 1, 4, length), dtype=np.float32)
    variants[:, ref, np.arange(length)] = 1.0
    rows = 1 + 4 * np.arange(length)[:, None] + np.arange(4)[None, :]  # (L, 4)
    pos = np.repeat(np.arange(length), 4)
    variants[rows.ravel(), :, pos] = 0.0
    variants[rows.ravel(), np.tile(np.arange(4), length), pos] = 1.0
    pred = _predictions(predict_fn(variants))
    if pred.shape[0] != len(variants):
        raise ValueError(
            f"mutation_effects: predict_fn returned {pred.shape[0]} values for "
            f"{len(variants)} inputs"
        )
    return (pred[1:].reshape(length, 4) - pred[0]).T


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
    prediction(sequence)``, 0 at the reference base: :func:`ism` of the one-hot
    sequence with a predictor function. One call of ``predict_fn`` on 4L + 1 sequences
    (the reference, then every base at every position).

    Used in: chapters 3 (03d), 4 (04b) and 8 (08c).
    """
    ref = code_matrix(sequence, "mutation_effects: sequence")[0]
    x = np.zeros((4, len(ref)))
    x[ref, np.arange(len(ref))] = 1.0
    return _one_sequence(predict_fn, x)
