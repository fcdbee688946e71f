"""Convolution + transformer for one-hot DNA (the design of Enformer, Avsec et al.
2021).

A transformer over single bases pays for attention with ``L^2`` scores: 2 kb is four
million per head and layer. A convolution stem shortens the sequence first: motif
detectors (``Conv1d``) and a max pool of width ``patch`` turn ``L`` bases into
``L / patch`` vectors (a *patch* or token of ``patch`` bases), and the transformer
relates those; Enformer pools 128 bp per token, HyenaDNA instead replaces attention.
Non-overlapping k-mer tokens do the same shortening with a lookup table of ``4^k``
rows; the stem is a factorised version that also sees motifs that straddle the patch
borders.

- :class:`ConvTransformer`: ``(batch, 4, L)`` -> ``(batch, n_outputs)``, the same
  interface as the CNNs of :mod:`gdl_utils.models.cnn`.

Used in: chapter 7 (notebooks 07a, 07e).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .registry import register
from .transformer import Transformer, TransformerConfig

__all__ = ["ConvTransformer"]


@register
class ConvTransformer(nn.Module):
    """Conv stem -> max pool (``patch`` bases per token) -> transformer -> global pool
    -> linear head.

    Parameters
    ----------
    n_outputs : int, output width (logits)
    max_len : int, longest input in bases (the transformer's ``max_len`` is
        ``ceil(max_len / patch)`` tokens)
    kernel_size : int, width of the stem's filters (about a motif's width)
    patch : int, bases per token (the max-pool width and stride)
    d_model, n_heads, n_layers, dropout, position : as in
        :class:`~gdl_utils.models.transformer.TransformerConfig` (``position`` one of
        "learned", "sinusoidal", "rotary", "none")
    global_pool : "avg" or "max" over tokens
    n_inputs : int, 4 for one-hot DNA; any number of per-base tracks otherwise (e.g.
        PWM scan scores, with ``kernel_size=1``)

    Shapes
    ------
    x : (batch, n_inputs, L) (one-hot DNA for 4 channels), ``patch <= L <=
    max_len``; returns (batch, n_outputs).

    Used in: chapter 7 (07a: positional schemes; 07e: long range).
    """

    def __init__(
        self,
        n_outputs: int,
        max_len: int,
        kernel_size: int = 15,
        patch: int = 8,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 2,
        dropout: float = 0.1,
        position: str = "learned",
        global_pool: str = "avg",
        n_inputs: int = 4,
    ):
        super().__init__()
        if global_pool not in ("avg", "max"):
            raise ValueError("ConvTransformer: global_pool must be 'avg' or 'max'")
        self.patch, self.global_pool, self.max_len = patch, global_pool, max_len
        self.stem = nn.Sequential(
            nn.Conv1d(n_inputs, d_model, kernel_size, padding="same"),  # motifs
            nn.ReLU(),
            nn.MaxPool1d(patch),  # (B, d_model, L // patch)
        )
        config = TransformerConfig(
            vocab_size=1,  # unused: the stem's vectors replace token embeddings
            max_len=math.ceil(max_len / patch),
            d_model=d_model,
            n_heads=n_heads,
            n_layers=n_layers,
            dropout=dropout,
            position=position,
        )
        self.encoder = Transformer(config)
        self.head = nn.Linear(d_model, n_outputs)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, 4, L) one-hot -> (batch, L // patch, d_model) token vectors."""
        channels = self.stem[0].in_channels
        if x.dim() != 3 or x.shape[1] != channels:
            raise ValueError(
                f"ConvTransformer: expected input (batch, {channels}, L)"
                + (" one-hot DNA (A, C, G, T)" if channels == 4 else "")
                + f", got {tuple(x.shape)}"
            )
        if not self.patch <= x.shape[2] <= self.max_len:
            raise ValueError(
                f"ConvTransformer: input length {x.shape[2]} is outside"
                f" [{self.patch}, {self.max_len}] (patch, max_len)"
            )
        return self.stem(x).transpose(1, 2)

    def forward(self, x: torch.Tensor, padding_mask=None, need_weights: bool = False):
        """Logits (batch, n_outputs); ``padding_mask`` (batch, L) bool per base, True
        where there is no sequence (default: the all-zero columns, i.e. ``N`` in one-hot
        DNA). A token is padding when all its bases are; padding tokens are hidden
        from attention and left out of the global pool."""
        h = self.tokens(x)  # (B, T, d_model), T = L // patch
        B, T, _ = h.shape
        if padding_mask is None:  # all-zero columns, if there are any
            padding_mask = x.abs().sum(1) == 0  # (B, L)
            padding_mask = padding_mask if padding_mask.any() else None
        pad = None
        if padding_mask is not None:
            if (
                padding_mask.shape != (B, x.shape[2])
                or padding_mask.dtype != torch.bool
            ):
                raise ValueError(
                    f"ConvTransformer: padding_mask must be bool (batch, L) ="
                    f" {(B, x.shape[2])}, got {padding_mask.dtype} {padding_mask.shape}"
                )
            pad = padding_mask[:, : T * self.patch].reshape(B, T, -1).all(-1)
        h = self.encoder.encode(h, pad, need_weights=need_weights)
        h, maps = h if need_weights else (h, None)  # (B, T, d_model)
        keep = torch.ones_like(h[..., :1]) if pad is None else (~pad[..., None]).to(h)
        if self.global_pool == "avg":
            pooled = (h * keep).sum(1) / keep.sum(1).clamp(min=1)
        else:
            pooled = h.masked_fill(keep == 0, float("-inf")).amax(1)
        out = self.head(pooled)  # (B, n_outputs)
        return (out, maps) if need_weights else out
