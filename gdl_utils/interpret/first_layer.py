"""A model's first convolution layer and its activations over one-hot DNA.

:func:`filter_activations` gives each filter's strongest response per sequence; the
private helpers find the first ``Conv1d`` of a model and run it over a data set in
batches (eval mode, no gradients), for :func:`gdl_utils.interpret.filter_pwms`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..runtime import evaluating


def _first_conv(model_or_conv) -> nn.Conv1d:
    if isinstance(model_or_conv, nn.Conv1d):
        return model_or_conv
    conv = getattr(model_or_conv, "first_layer", None)
    if conv is None and isinstance(model_or_conv, nn.Module):
        conv = next(
            (m for m in model_or_conv.modules() if isinstance(m, nn.Conv1d)), None
        )
    if not isinstance(conv, nn.Conv1d):
        raise ValueError(
            f"expected an nn.Conv1d or a model with a first Conv1d layer, got "
            f"{type(model_or_conv).__name__}"
        )
    if conv.in_channels != 4:
        raise ValueError(
            f"the first Conv1d has {conv.in_channels} input channels; "
            "one-hot DNA needs 4"
        )
    return conv


def _activation_fn(model_or_conv):
    """``(act, w)``: ``act(x)`` is (batch, n_filters, L - w + 1), non-negative."""
    conv = _first_conv(model_or_conv)
    if (
        any(p != 0 for p in np.atleast_1d(conv.padding))
        or conv.stride[0] != 1
        or conv.dilation[0] != 1
    ):
        raise ValueError(
            "filter_pwms: the first Conv1d must have stride 1, dilation 1 and no "
            "padding, so that output position p sees input window p:p+w"
        )
    if hasattr(model_or_conv, "first_layer_activations"):
        return model_or_conv.first_layer_activations, conv.kernel_size[0]
    return (lambda x: torch.relu(conv(x))), conv.kernel_size[0]


def filter_activations(model_or_conv, x, *, batch_size: int = 512) -> np.ndarray:
    """Maximum first-layer activation of every filter in every sequence.

    Parameters
    ----------
    model_or_conv : a model with ``first_layer_activations`` / ``first_layer``, or a
        ``Conv1d`` (ReLU applied)
    x : (N, 4, L) one-hot DNA, numpy or torch

    Returns
    -------
    (N, n_filters) float numpy array.

    Used in: no notebook yet (planned: chapter 10, interpretation).
    """
    act, _ = _activation_fn(model_or_conv)
    out = [
        a.amax(dim=2).cpu().numpy()
        for _, a in _batches(act, model_or_conv, x, batch_size)
    ]
    return np.concatenate(out).astype(np.float64)


def _batches(act, model_or_conv, x, batch_size: int):
    """Yield (one-hot batch on the model's device, float32 activations).

    The model runs in eval mode without gradients; its mode is restored afterwards.
    """
    conv = _first_conv(model_or_conv)
    device, dtype = conv.weight.device, conv.weight.dtype
    x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
    if x.dim() != 3 or x.shape[1] != 4:
        raise ValueError(
            f"filter_pwms: x must be one-hot of shape (N, 4, L), got {tuple(x.shape)}"
        )
    if batch_size < 1:
        raise ValueError(f"filter_pwms: batch_size must be >= 1, got {batch_size}")
    module = model_or_conv if isinstance(model_or_conv, nn.Module) else conv
    with evaluating(module), torch.no_grad():
        for start in range(0, len(x), batch_size):
            xb = x[start : start + batch_size].to(device=device, dtype=dtype)
            yield xb, act(xb).float()
