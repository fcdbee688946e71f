"""``predict``: a model's outputs for any batch structure, in eval mode, without
gradients.

The model is switched to ``eval()`` (dropout off, batch norm uses its running
statistics) and both its train/eval mode and its device are restored afterwards, as
tangermeme's ``_preserve_model_state`` does. Forgetting ``eval()`` would make
predictions noisy and batch-dependent; ``tests/test_training.py`` checks it.

Used in: chapter 2 on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ..runtime import evaluating, get_device, model_device, to_device
from .batches import ENCODE_FIRST, input_dtype, make_loader

__all__ = ["predict"]
ACTIVATIONS = (None, "sigmoid", "softmax")


def _to_cpu(out, activation: str | None):
    """Per-batch output (a tensor, or a tuple/dict of tensors) -> float32 on the CPU."""
    if isinstance(out, torch.Tensor):
        out = out.detach().float()
        if activation == "sigmoid":
            out = torch.sigmoid(out)
        elif activation == "softmax":
            out = torch.softmax(out, dim=1)
        return out.cpu()
    if isinstance(out, dict):
        return {k: _to_cpu(v, activation) for k, v in out.items()}
    if isinstance(out, (tuple, list)):
        return tuple(_to_cpu(v, activation) for v in out)
    raise TypeError(
        f"predict: the model returned a {type(out).__name__}; expected a tensor, or a"
        " tuple or dict of tensors (pass forward=... to pick the output)"
    )


def _concat(outs: list):
    """Concatenate per-batch outputs along rows: arrays, or tuples / dicts of arrays."""
    first = outs[0]
    if isinstance(first, torch.Tensor):
        shapes = sorted({tuple(o.shape[1:]) for o in outs})
        if len(shapes) > 1:
            raise ValueError(
                f"predict: batch outputs differ beyond dimension 0 {shapes[:3]};"
                " pad the batches to one length, or call predict on one batch at a time"
            )
        return torch.cat(outs).numpy()
    if isinstance(first, dict):
        return {k: _concat([o[k] for o in outs]) for k in first}
    return tuple(_concat(list(parts)) for parts in zip(*outs))


def _default_forward(model: nn.Module) -> Callable:
    if hasattr(model, "predict_step"):
        return lambda m, batch: m.predict_step(batch)
    return lambda m, batch: m(batch[0] if isinstance(batch, (tuple, list)) else batch)


def predict(
    model: nn.Module,
    X,
    *,
    batch_size: int = 512,
    device=None,
    activation: str | None = None,
    forward: Callable | None = None,
):
    """Outputs of ``model`` for ``X``, in ``eval()`` mode, without gradients.

    Parameters
    ----------
    model : nn.Module; its train/eval mode and device are restored afterwards
    X : (N, ...) array or tensor (e.g. (N, 4, L) one-hot DNA, float or int8/uint8/bool),
        or a DataLoader / list of batches of any structure
    batch_size : rows per batch for an array ``X``
    device : where to run; default: the device the model is on
    activation : None (raw outputs, e.g. logits), "sigmoid", or "softmax" (over dim 1)
    forward : ``forward(model, batch) -> output``; default ``model.predict_step(batch)``
        if the model has it, else ``model(x)`` with ``x`` the batch or its first element

    Returns
    -------
    float32 array (N, ...) of the model's output shape, e.g. (N, 1), (N, C) or (N, T); a
    tuple or dict of such arrays when the model returns a tuple or dict.

    Raises
    ------
    TypeError
        For text (encode it first, e.g. with :func:`gdl_utils.one_hot`).
    ValueError
        For an unknown ``activation`` or an ``X`` without batches.

    Used in: chapter 2 on.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"predict: activation must be one of {ACTIVATIONS}, got {activation!r}"
        )
    if isinstance(X, (list, tuple)) and X and isinstance(X[0], str):
        raise TypeError(
            f"predict: X is a {type(X).__name__} of strings; {ENCODE_FIRST}"
        )
    device = get_device(device if device is not None else model_device(model))
    if isinstance(X, (np.ndarray, torch.Tensor)) or not hasattr(X, "__iter__"):
        x_dtype = input_dtype(model, X)
        X = make_loader(X, batch_size=batch_size, distributed=False, x_dtype=x_dtype)
    forward = forward or _default_forward(model)
    outs = []
    with evaluating(model, device), torch.no_grad():
        for batch in X:
            out = forward(model, to_device(batch, device, non_blocking=True))
            outs.append(_to_cpu(out, activation))
    if not outs:
        raise ValueError("predict: X yielded no batches")
    return _concat(outs)
