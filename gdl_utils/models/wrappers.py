"""Models that wrap another model: strand symmetry by reverse-complement averaging.

:class:`RCAveraged` averages a model over both strands, so its prediction is exactly the
same for a sequence and its reverse complement. The wrapped model is a constructor
argument, so a checkpoint stores it as a nested config
(:func:`gdl_utils.models.registry.model_config`).

Used in: chapter 3.
"""

from __future__ import annotations

import torch
from torch import nn

from .._util import check_onehot
from .registry import register

__all__ = ["RCAveraged", "reverse_complement_onehot"]


def reverse_complement_onehot(x: torch.Tensor) -> torch.Tensor:
    """Reverse complement of one-hot DNA ``(batch, 4, length)``: flip channels (A<->T,
    C<->G) and positions.

    Used in: chapter 3 (strand symmetry, :class:`RCAveraged`).
    """
    check_onehot(x, "reverse_complement_onehot: x", batched=True)
    return x.flip(dims=(1, 2))


@register
class RCAveraged(nn.Module):
    """Average a model over both strands: ``(model(x) + model(reverse_complement(x))) /
    2``.

    Because the sum is symmetric, the output for a sequence and for its reverse
    complement is the same (exactly, for a deterministic model in ``eval()`` mode). Wrap
    a trained model for prediction ("post-hoc" conjoining), or train the wrapped model
    so that both strands share the weights.

    Parameters
    ----------
    model : nn.Module mapping (batch, 4, length) to (batch, n_outputs)

    Shapes
    ------
    x : (batch, 4, length) one-hot DNA
    returns : (batch, n_outputs), the model's output averaged over the two strands

    Used in: chapters 3 (03a, 03b, 03c) and 8 (08a).
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    @property
    def first_layer(self) -> nn.Conv1d:
        return self.model.first_layer

    def first_layer_activations(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.first_layer_activations(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.model(x) + self.model(reverse_complement_onehot(x))) / 2
