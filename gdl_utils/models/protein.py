"""Convolutional networks for protein chains: per-residue and per-chain heads.

Both take integer codes ``tokens`` (B, L) (0..20 for the 20 amino acids and X, -1 for
padding, :mod:`gdl_utils.proteins`) and one-hot encode them inside, padding as an
all-zero column. Hidden activations are zeroed at padded positions after every
layer, so a chain's outputs do not depend on how much padding its batch adds.

- :class:`ResidueCNN`: a stack of dilated residual convolutions over the whole
  chain, one output per residue (secondary structure). Its receptive field,
  :meth:`ResidueCNN.receptive_field`, is ``1 + (k - 1) * (1 + sum(dilations))``
  residues: dilations 1, 2, 4, 8 with ``k = 5`` see 65 residues, four times the
  15-residue window of Qian & Sejnowski (1988), for the same number of layers.
- :class:`TerminiCNN`: two convolution branches, one over the N-terminal and one over
  the C-terminal residues (:func:`gdl_utils.proteins.termini`), each pooled globally
  (signal peptides sit at variable offsets), then a small dense head (localisation).
- :func:`masked_cross_entropy`: the per-residue loss over scored residues only.

Used in: chapter 11 (11a, 11b).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .registry import register

__all__ = ["ResidueCNN", "TerminiCNN", "masked_cross_entropy"]

N_LETTERS = 21  # 20 amino acids + X


def _one_hot(tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, L) codes -> (B, 21, L) float one-hot (padding all zero), (B, 1, L) mask."""
    if tokens.ndim != 2:
        raise ValueError(f"expected tokens (batch, length), got {tuple(tokens.shape)}")
    if tokens.numel() and (int(tokens.min()) < -1 or int(tokens.max()) >= N_LETTERS):
        raise ValueError("tokens must be codes 0..20, or -1 for padding")
    keep = (tokens >= 0).unsqueeze(1)
    x = F.one_hot(tokens.clamp(min=0), N_LETTERS).transpose(1, 2).float()
    return x * keep, keep.float()


def masked_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Mean cross-entropy over the residues where ``mask`` is True.

    Parameters
    ----------
    logits : (B, C, L) per-residue logits
    labels : (B, L) int64 classes (any value where ``mask`` is False)
    mask : (B, L) bool, the scored residues

    Returns
    -------
    loss : scalar; padding and unscored residues contribute nothing

    Used in: chapter 11 (11a; through ``ResidueCNN.training_step``).
    """
    per = F.cross_entropy(logits, labels.clamp(min=0), reduction="none")
    mask = mask.to(per.dtype)
    return (per * mask).sum() / mask.sum().clamp(min=1.0)


@register
class ResidueCNN(nn.Module):
    """Dilated residual 1-D CNN: codes (B, L) -> per-residue logits (B, n_outputs, L).

    Parameters
    ----------
    channels : width of every hidden layer
    kernel_size : odd kernel width of every convolution
    dilations : one residual block per entry (``Conv1d(dilation=d)`` -> ReLU ->
        dropout, added to its input); the first convolution (dilation 1) maps the 21
        one-hot channels to ``channels``
    dropout : dropout in each block
    n_outputs : classes per residue (3: H, E, C)

    ``training_step(batch)`` takes a :class:`~gdl_utils.proteins.ProteinBatch`
    (tokens, per-residue labels, mask) and returns the masked loss and ``acc`` (the
    fraction of scored residues predicted right, Q3 for 3 classes).

    Used in: chapter 11 (11a).
    """

    def __init__(
        self,
        channels: int = 64,
        kernel_size: int = 5,
        dilations: Sequence[int] = (1, 2, 4, 8),
        dropout: float = 0.1,
        n_outputs: int = 3,
    ):
        super().__init__()
        if kernel_size % 2 != 1 or kernel_size < 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        self.kernel_size, self.dilations = kernel_size, tuple(dilations)
        self.stem = nn.Conv1d(N_LETTERS, channels, kernel_size, padding="same")
        self.blocks = nn.ModuleList(
            nn.Conv1d(channels, channels, kernel_size, dilation=d, padding="same")
            for d in self.dilations
        )
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Conv1d(channels, n_outputs, 1)

    def receptive_field(self) -> int:
        """Residues one output sees: ``1 + (k - 1) * (1 + sum(dilations))``.

        Used in: chapter 11 (11a).
        """
        return 1 + (self.kernel_size - 1) * (1 + sum(self.dilations))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x, keep = _one_hot(tokens)
        h = F.relu(self.stem(x)) * keep
        for conv in self.blocks:
            h = (h + self.dropout(F.relu(conv(h)))) * keep
        return self.out(h)

    def training_step(self, batch):
        logits = self(batch.tokens)
        loss = masked_cross_entropy(logits, batch.labels, batch.mask)
        hit = (logits.argmax(1) == batch.labels) & batch.mask
        acc = hit.sum() / batch.mask.sum().clamp(min=1)
        return loss, {"acc": acc.detach()}


@register
class TerminiCNN(nn.Module):
    """Two convolution branches over a chain's termini, global pooling, a dense head.

    Input: codes (B, n_term + c_term), the first ``n_term`` and the last ``c_term``
    residues of each chain (:func:`gdl_utils.proteins.termini`, padding -1). Output:
    (B, n_outputs) logits.

    Parameters
    ----------
    n_term, c_term : residues of each terminus in the input row
    conv_channels : widths of the convolutions of each branch (one layer per entry,
        the second and later dilated 2, 4, ...)
    kernel_size : odd kernel width
    global_pool : "max", "avg" or "maxavg" over the residues of each terminus
    hidden : units of the dense layer (0: a single linear layer)
    dropout : before the output layer
    n_outputs : classes (13 for SCL2205)
    n_features : per-chain features (e.g. the amino-acid composition of the whole
        chain) joined to the pooled termini before the head; 0: none. Then
        ``forward(tokens, features)`` and the batch's ``features`` (B, n_features)

    Used in: chapter 11 (11b).
    """

    def __init__(
        self,
        n_term: int = 50,
        c_term: int = 50,
        conv_channels: Sequence[int] = (64, 64),
        kernel_size: int = 9,
        global_pool: str = "maxavg",
        hidden: int = 64,
        dropout: float = 0.2,
        n_outputs: int = 13,
        n_features: int = 0,
    ):
        super().__init__()
        if global_pool not in ("max", "avg", "maxavg"):
            raise ValueError(
                f"global_pool must be max, avg or maxavg, got {global_pool!r}"
            )
        if n_term < 1 or c_term < 1:
            raise ValueError("n_term and c_term must be >= 1")
        self.n_term, self.global_pool = n_term, global_pool

        def branch():
            layers, width = [], N_LETTERS
            for i, c in enumerate(conv_channels):
                d = 2**i
                layers.append(
                    nn.Conv1d(width, c, kernel_size, dilation=d, padding="same")
                )
                width = c
            return nn.ModuleList(layers)

        self.branches = nn.ModuleList([branch(), branch()])
        self.n_features = n_features
        pooled = conv_channels[-1] * (2 if global_pool == "maxavg" else 1) * 2
        pooled += n_features
        self.head = (
            nn.Sequential(nn.Dropout(dropout), nn.Linear(pooled, n_outputs))
            if not hidden
            else nn.Sequential(
                nn.Linear(pooled, hidden),
                nn.ReLU(),
                nn.Dropout(dropout),
                nn.Linear(hidden, n_outputs),
            )
        )

    def _pool(self, h: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        parts = []
        if self.global_pool in ("max", "maxavg"):
            parts.append(h.masked_fill(keep == 0, float("-inf")).amax(2))
        if self.global_pool in ("avg", "maxavg"):
            parts.append((h * keep).sum(2) / keep.sum(2).clamp(min=1.0))
        return torch.cat(parts, 1)

    def forward(
        self, tokens: torch.Tensor, features: torch.Tensor | None = None
    ) -> torch.Tensor:
        if (features is None) != (self.n_features == 0):
            raise ValueError(
                f"TerminiCNN(n_features={self.n_features}) got features="
                f"{None if features is None else tuple(features.shape)}"
            )
        x, keep = _one_hot(tokens)
        cut = self.n_term
        pooled = []
        for layers, part in zip(
            self.branches, (slice(0, cut), slice(cut, None)), strict=True
        ):
            h, k = x[:, :, part], keep[:, :, part]
            for conv in layers:
                h = F.relu(conv(h)) * k
            pooled.append(self._pool(h, k))
        if features is not None:
            pooled.append(features)
        return self.head(torch.cat(pooled, 1))

    def training_step(self, batch):
        logits = self(batch.tokens, batch.features)
        loss = F.cross_entropy(logits, batch.labels)
        acc = (logits.argmax(1) == batch.labels).float().mean()
        return loss, {"acc": acc.detach()}
