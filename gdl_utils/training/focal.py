"""Focal loss (Lin et al. 2017): binary cross-entropy that down-weights easy examples.

``FL = -alpha_t (1 - p_t)**gamma log p_t``, where ``p_t`` is the probability given to
the true class. With ``gamma = 0`` and ``alpha = None`` it is plain binary
cross-entropy; ``gamma > 0`` shrinks the loss of examples the model already gets
right, which under heavy class imbalance are mostly the many easy negatives.

Used in: chapter 10 (notebook 10b).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["FocalLoss"]


class FocalLoss(nn.Module):
    """Binary focal loss on logits, mean over all elements.

    Parameters
    ----------
    gamma : float >= 0, default 2
        Focusing parameter; 0 gives binary cross-entropy.
    alpha : float in (0, 1), optional
        Weight of the positive class (``1 - alpha`` for negatives); None weighs both
        classes equally.

    Shapes
    ------
    logits : (N,) or (N, T);  target : the same shape, values in [0, 1]
    returns : () scalar

    Used in: chapter 10 (10b).
    """

    def __init__(self, gamma: float = 2.0, alpha: float | None = None):
        super().__init__()
        if not gamma >= 0:
            raise ValueError(f"FocalLoss: gamma must be >= 0, got {gamma}")
        if alpha is not None and not 0 < alpha < 1:
            raise ValueError(f"FocalLoss: alpha must be in (0, 1), got {alpha}")
        self.gamma, self.alpha = float(gamma), alpha

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if logits.shape != target.shape:
            raise ValueError(
                f"FocalLoss: logits have shape {tuple(logits.shape)} but target has"
                f" {tuple(target.shape)}"
            )
        target = target.to(logits.dtype)
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        p_t = torch.exp(-bce)  # probability of the true class
        loss = (1 - p_t) ** self.gamma * bce
        if self.alpha is not None:
            loss = (self.alpha * target + (1 - self.alpha) * (1 - target)) * loss
        return loss.mean()
