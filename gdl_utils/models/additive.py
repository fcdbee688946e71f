"""A sequence CNN plus a linear model of side features, added (concise-style).

``SequencePlusFeatures`` predicts ``DeepBind(x) + Linear(features)``: the
convolution learns motifs of a sequence (a 3'UTR's end), the linear part the known
covariates (log lengths), and the two are added, as in concise (Avsec et al. 2018) on
the *S. pombe* half-lives. Because the parts are added, the effect of a base change on
the prediction does not depend on the features: in-silico mutagenesis of the whole
model equals that of ``model.sequence`` alone (a plain ``(N, 4, L) -> (N, n_outputs)``
module).

Batches are :class:`SeqFeatureBatch` named tuples (``x``, ``features``, ``y``);
``training_step`` is the mean squared error over every output, so a second output
(another measured rate) makes it a multitask model.

Used in: chapter 10 (10c).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from .cnn import DeepBind
from .registry import register

__all__ = ["SeqFeatureBatch", "SequencePlusFeatures"]


class SeqFeatureBatch(NamedTuple):
    """One batch: ``x`` (batch, 4, L) one-hot DNA, ``features`` (batch, n_inputs),
    ``y`` (batch, n_outputs) targets.

    Used in: chapter 10 (10c).
    """

    x: torch.Tensor
    features: torch.Tensor
    y: torch.Tensor


@register
class SequencePlusFeatures(nn.Module):
    """``DeepBind(x) + Linear(features)``: motifs of a sequence plus known covariates.

    Parameters
    ----------
    n_inputs : int
        Number of side features (e.g. 2: log 3'UTR and 5'UTR lengths).
    n_filters, kernel_size, dropout, global_pool :
        The sequence part, a :class:`~gdl_utils.models.DeepBind` with a linear
        read-out (``hidden=0``).
    n_outputs : int, default 1
        Outputs (2 for half-life and synthesis rate together).

    Shapes
    ------
    x : (batch, 4, length) one-hot DNA, ``length >= kernel_size``
    features : (batch, n_inputs) float
    returns : (batch, n_outputs)

    Used in: chapter 10 (10c).
    """

    def __init__(
        self,
        n_inputs: int,
        n_filters: int = 16,
        kernel_size: int = 9,
        dropout: float = 0.1,
        n_outputs: int = 1,
        global_pool: str = "avg",
    ):
        super().__init__()
        if n_inputs < 1:
            raise ValueError(
                f"SequencePlusFeatures: n_inputs must be >= 1, got {n_inputs}"
            )
        self.n_inputs, self.n_outputs = n_inputs, n_outputs
        self.sequence = DeepBind(
            n_filters, kernel_size, 0, dropout, n_outputs, global_pool
        )
        self.linear = nn.Linear(n_inputs, n_outputs)

    def forward(self, x: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        if features.ndim != 2 or features.shape != (len(x), self.n_inputs):
            raise ValueError(
                "SequencePlusFeatures: features must be (batch, n_inputs) = "
                f"({len(x)}, {self.n_inputs}), got {tuple(features.shape)}"
            )
        return self.sequence(x) + self.linear(features)

    def training_step(self, batch: SeqFeatureBatch) -> torch.Tensor:
        out = self(batch.x, batch.features)
        return nn.functional.mse_loss(out, batch.y.reshape(out.shape))

    def predict_step(self, batch: SeqFeatureBatch) -> torch.Tensor:
        return self(batch.x, batch.features)
