"""The one validator of attribution requests, shared by every method in this folder.

:func:`check_attribution_input`: a batch that is not one-hot, a model whose output is
not ``(N, n_outputs)``, or a target out of range raise ``ValueError`` naming what is
wrong.

Used in: chapter 8 (through :func:`~gdl_utils.interpret.attribute` and
:func:`~gdl_utils.interpret.ism`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._util import as_numpy, check_int, check_onehot
from ..runtime import evaluating

__all__ = ["check_attribution_input"]


def _declared_outputs(model: nn.Module) -> int | None:
    """``n_outputs`` of the model or of the model it wraps (``RCAveraged``)."""
    inner = getattr(model, "model", None)
    return getattr(model, "n_outputs", getattr(inner, "n_outputs", None))


def check_attribution_input(
    model: nn.Module, x, target: int = 0, *, where: str = "attribute", device=None
) -> torch.Tensor:
    """Validate a request for attributions; return ``x`` as a float32 tensor.

    Parameters
    ----------
    model : maps (N, 4, L) one-hot DNA to (N, n_outputs); ``n_outputs`` is read from
        the model (or the model it wraps) when it declares one
    x : (N, 4, L) array or tensor; every column must hold exactly one 1 (A, C, G, T)
    target : index of the output to explain, ``0 <= target < n_outputs``
    where : name of the caller, for the messages

    Raises
    ------
    ValueError : ``x`` not (N, 4, L), or a column that is not one-hot (naming the
        sequence and position); a model output that is not (N, n_outputs); a target
        out of range.

    Used in: chapter 8 (every method of this module).
    """
    check_onehot(x, f"{where}: x", batched=True)
    xt = torch.as_tensor(as_numpy(x, dtype=np.float32))
    if xt.shape[0] == 0 or xt.shape[2] == 0:
        raise ValueError(f"{where}: x is empty, shape {tuple(xt.shape)}")
    bad = ((xt != 0) & (xt != 1)).any(dim=1) | (xt.sum(dim=1) != 1)  # (N, L)
    if bad.any():
        i, p = (int(v) for v in torch.nonzero(bad)[0])
        col = [round(float(v), 3) for v in xt[i, :, p]]
        raise ValueError(
            f"{where}: x is not one-hot: sequence {i}, position {p} has channel "
            f"values {col} (need exactly one 1 among A, C, G, T)"
        )
    target = check_int(target, f"{where}: target")
    with evaluating(model, device) as dev, torch.no_grad():
        out = model(xt[:2].to(dev))
    n_out = _declared_outputs(model)
    want = f"({min(2, len(xt))}, {n_out if n_out else 'n_outputs'})"
    if (
        not isinstance(out, torch.Tensor)
        or out.ndim != 2
        or out.shape[0] != min(2, len(xt))
        or (n_out is not None and out.shape[1] != n_out)
    ):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"{where}: the model's output has shape {got}, expected {want} "
            "(batch, n_outputs)"
        )
    if not 0 <= target < out.shape[1]:
        raise ValueError(
            f"{where}: target {target} is out of range for a model with "
            f"{out.shape[1]} outputs (0..{out.shape[1] - 1})"
        )
    return xt


def _batches(n: int, size: int):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))
