"""Positional information for the transformer of :mod:`gdl_utils.models.transformer`.

Attention by itself is blind to order: permute the tokens and the outputs are permuted
the same way. Three ways to tell the model where each token is:

- ``"learned"``: a trainable vector per position, added to the token embedding (BERT,
  Devlin et al. 2019; DNABERT). The model cannot use positions beyond ``max_len``.
- ``"sinusoidal"``: fixed sines and cosines of geometrically spaced frequencies, added
  to the embedding (Vaswani et al. 2017).
- ``"rotary"`` (RoPE, Su et al. 2021): nothing is added; queries and keys are rotated
  by an angle proportional to their position, so the score ``q_m . k_n`` depends only
  on the offset ``m - n`` (a *relative* scheme; used by Nucleotide Transformer v2).

Used in: chapter 7 (notebooks 07a, 07e).
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["sinusoidal_table", "RotaryEmbedding", "rotate_half"]


def sinusoidal_table(max_len: int, d_model: int) -> torch.Tensor:
    """(max_len, d_model) table: even columns ``sin(p / 10000^(2i/d))``, odd ``cos``.

    Used in: :class:`~gdl_utils.models.transformer.Transformer` (``"sinusoidal"``).
    """
    position = torch.arange(max_len, dtype=torch.float32)[:, None]  # (L, 1)
    freq = torch.exp(
        torch.arange(0, d_model, 2, dtype=torch.float32)
        * (-math.log(10000.0) / d_model)
    )  # (ceil(d/2),)
    table = torch.zeros(max_len, d_model)
    table[:, 0::2] = torch.sin(position * freq)
    table[:, 1::2] = torch.cos(position * freq[: d_model // 2])
    return table


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(..., d) -> (..., d): the halves ``(x1, x2)`` become ``(-x2, x1)`` (a quarter
    turn of every pair ``(x1[i], x2[i])``).

    Used in: :class:`RotaryEmbedding`.
    """
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


class RotaryEmbedding(nn.Module):
    """Rotary position embedding of queries or keys ``(batch, heads, L, d_head)``.

    Pair ``i`` of the feature vector (features ``i`` and ``i + d_head/2``) at position
    ``p`` is rotated by the angle ``p * theta_i``, ``theta_i = 10000^(-2i/d_head)``.
    Rotations compose, so ``rot(p) q . rot(n) k = q . rot(n - p) k``: attention scores
    see only relative positions. The cos/sin tables are buffers that are not saved in
    checkpoints (they are rebuilt from ``max_len`` and ``d_head``).

    Used in: chapter 7 (07a).
    """

    def __init__(self, d_head: int, max_len: int, base: float = 10000.0):
        super().__init__()
        if d_head % 2:
            raise ValueError(f"RotaryEmbedding: d_head must be even, got {d_head}")
        inv_freq = base ** (-torch.arange(0, d_head, 2, dtype=torch.float32) / d_head)
        angles = torch.arange(max_len, dtype=torch.float32)[:, None] * inv_freq
        angles = torch.cat([angles, angles], dim=-1)  # (max_len, d_head)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)

    def forward(self, x: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """Rotate ``x : (batch, heads, L, d_head)`` as if it sat at positions
        ``offset .. offset + L - 1``."""
        L = x.shape[-2]
        if offset + L > self.cos.shape[0]:
            raise ValueError(
                f"RotaryEmbedding: positions up to {offset + L - 1} requested, the"
                f" table holds {self.cos.shape[0]} (max_len)"
            )
        cos = self.cos[offset : offset + L].to(x.dtype)  # (L, d_head)
        sin = self.sin[offset : offset + L].to(x.dtype)
        return x * cos + rotate_half(x) * sin
