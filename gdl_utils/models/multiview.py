"""Intermediate fusion: one small encoder per view, their codes side by side, one head.

Each view ``k`` (``n_inputs[k]`` features) goes through its own ``Linear -> ReLU ->
Dropout`` encoder to ``hidden`` units; the codes are concatenated and a linear head
maps them to ``n_outputs`` logits. The views arrive as **one** tensor, their columns
side by side in the order of ``n_inputs`` (what ``BlockScaler.transform`` returns), so
the model trains through the plain path of ``fit`` and ``predict``; the model splits
the columns itself. A **missing view** is a sample whose columns of that view are all
NaN: its code is set to zero. ``view_dropout`` zeroes a whole view's code at random
during training, so that the network learns to cope with a missing view.

Used in: chapter 9 (multi-view fusion).
"""

from __future__ import annotations

import torch
from torch import nn

from .registry import register

__all__ = ["MultiViewNet"]


@register
class MultiViewNet(nn.Module):
    """One encoder per view, concatenated codes, a linear head.

    Parameters
    ----------
    n_inputs : tuple of int
        Features of each view, in the order of the input's columns (two or more).
    hidden : int, default 16
        Units of each view's encoder.
    n_outputs : int, default 1
        Logits (1 for a binary task, ``K`` for ``K`` classes).
    dropout : float, default 0.0
        Dropout on the encoders' outputs.
    view_dropout : float, default 0.0
        Probability (training only) of zeroing one sample's code of one view.

    Shapes
    ------
    x : (batch, sum(n_inputs)) the views side by side; a view all NaN for a sample is
        missing (its code is zero)
    returns : (batch, n_outputs) logits; ``encode(x)`` -> list of (batch, hidden)

    Used in: chapter 9 (09c).
    """

    def __init__(
        self,
        n_inputs: tuple[int, ...],
        hidden: int = 16,
        n_outputs: int = 1,
        dropout: float = 0.0,
        view_dropout: float = 0.0,
    ):
        super().__init__()
        n_inputs = tuple(int(n) for n in n_inputs)
        if len(n_inputs) < 2 or min(n_inputs) < 1:
            raise ValueError(
                f"MultiViewNet: n_inputs needs two or more views of >= 1 feature, got "
                f"{n_inputs}"
            )
        if hidden < 1 or n_outputs < 1:
            raise ValueError(
                f"MultiViewNet: hidden and n_outputs must be >= 1, got {hidden}, "
                f"{n_outputs}"
            )
        if not (0 <= dropout < 1 and 0 <= view_dropout < 1):
            raise ValueError("MultiViewNet: dropout and view_dropout must be in [0, 1)")
        self.n_inputs, self.view_dropout = n_inputs, view_dropout
        self.encoders = nn.ModuleList(
            nn.Sequential(nn.Linear(n, hidden), nn.ReLU(), nn.Dropout(dropout))
            for n in n_inputs
        )
        self.head = nn.Linear(hidden * len(n_inputs), n_outputs)

    def encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Each view's code, ``[(batch, hidden), ...]``."""
        if x.dim() != 2 or x.shape[1] != sum(self.n_inputs):
            raise ValueError(
                f"MultiViewNet: expected input (batch, {sum(self.n_inputs)}), views of "
                f"{self.n_inputs} features side by side, got {tuple(x.shape)}"
            )
        codes = []
        for encoder, part in zip(self.encoders, torch.split(x, self.n_inputs, dim=1)):
            present = ~torch.isnan(part).all(dim=1, keepdim=True)
            codes.append(encoder(part.nan_to_num()) * present.to(part.dtype))
        return codes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        codes = self.encode(x)
        if self.training and self.view_dropout > 0:
            keep = torch.rand(x.shape[0], len(codes), device=x.device)
            codes = [
                c * (keep[:, [k]] >= self.view_dropout).to(c.dtype)
                for k, c in enumerate(codes)
            ]
        return self.head(torch.cat(codes, dim=1))
