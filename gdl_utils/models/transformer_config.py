"""The configuration of the transformer of :mod:`gdl_utils.models.transformer` and the
checks of its input.

- :class:`TransformerConfig`: every size in one dataclass; checkpoints store it as a
  dict (the models' ``model_args``), and the models accept either form.
- :func:`check_tokens`: token ids and padding masks, with errors that say what is wrong.

Used in: chapter 7 (notebooks 07a, 07e and the pretraining / fine-tuning sections).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

__all__ = ["TransformerConfig", "check_tokens", "POSITIONS"]
POSITIONS = ("learned", "sinusoidal", "rotary", "none")
INT_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)


@dataclass
class TransformerConfig:
    """Sizes of a :class:`Transformer`; ``d_ff`` defaults to ``4 * d_model``,
    ``position`` is one of ``"learned"``, ``"sinusoidal"``, ``"rotary"`` or ``"none"``
    (no position at all: the encoder is then blind to order).

    Used in: chapter 7 (07a; every transformer of the chapter).
    """

    vocab_size: int
    max_len: int
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int | None = None
    dropout: float = 0.1
    position: str = "learned"
    causal: bool = False
    pad_id: int | None = None

    def __post_init__(self):
        for name in ("vocab_size", "max_len", "d_model", "n_heads", "n_layers"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"TransformerConfig: {name} must be an int >= 1")
        self.d_ff = 4 * self.d_model if self.d_ff is None else self.d_ff
        if self.d_model % self.n_heads:
            raise ValueError(
                f"TransformerConfig: d_model={self.d_model} is not divisible by"
                f" n_heads={self.n_heads}"
            )
        if self.position not in POSITIONS:
            raise ValueError(f"TransformerConfig: position must be one of {POSITIONS}")
        if self.position == "rotary" and (self.d_model // self.n_heads) % 2:
            raise ValueError("TransformerConfig: rotary needs an even d_model/n_heads")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"TransformerConfig: dropout {self.dropout} not in [0, 1)")
        if self.pad_id is not None and not 0 <= self.pad_id < self.vocab_size:
            raise ValueError(f"TransformerConfig: pad_id {self.pad_id} not in vocab")

    @classmethod
    def coerce(cls, config) -> TransformerConfig:
        """A config from a config or a dict (as stored in a checkpoint)."""
        if isinstance(config, cls):
            return config
        if isinstance(config, dict):
            unknown = set(config) - {f.name for f in dataclasses.fields(cls)}
            if unknown:
                raise ValueError(f"TransformerConfig: unknown fields {sorted(unknown)}")
            return cls(**config)
        raise TypeError(f"expected a TransformerConfig, got {type(config).__name__}")


class _StoresConfig:
    """Checkpoints store ``model_args`` as JSON: the config is kept as a dict."""

    @property
    def model_args(self):
        return self._model_args

    @model_args.setter
    def model_args(self, args):
        self._model_args = {
            k: dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v
            for k, v in args.items()
        }


def check_tokens(c, tokens, padding_mask, where="Transformer"):
    """The padding mask to use (given, or ``tokens == c.pad_id``, or None) after
    checking the tokens ``(B, L)`` and the mask against the config ``c``.

    Raises TypeError for non-integer tokens, ValueError for a wrong shape, a length
    above ``max_len``, a token id outside ``[0, vocab_size)`` (its row and position are
    named) or a mask that is not bool of the tokens' shape.

    Used in: :class:`~gdl_utils.models.transformer.Transformer`.
    """
    if not isinstance(tokens, torch.Tensor) or tokens.dtype not in INT_DTYPES:
        what = tokens.dtype if isinstance(tokens, torch.Tensor) else type(tokens)
        raise TypeError(
            f"{where}: tokens must be an integer tensor (B, L) of ids, got {what}"
        )
    if tokens.dim() != 2 or tokens.shape[1] > c.max_len:
        raise ValueError(
            f"{where}: tokens must have shape (batch, L) with L <= max_len ="
            f" {c.max_len}, got {tuple(tokens.shape)}"
        )
    if tokens.numel() and (tokens.min() < 0 or tokens.max() >= c.vocab_size):
        bad = ((tokens < 0) | (tokens >= c.vocab_size)).nonzero()[0].tolist()
        raise ValueError(
            f"{where}: token id {tokens[bad[0], bad[1]].item()} at (row {bad[0]},"
            f" position {bad[1]}) is outside the vocabulary [0, {c.vocab_size})"
        )
    if padding_mask is None and c.pad_id is not None:
        padding_mask = tokens == c.pad_id
    if padding_mask is not None and (
        padding_mask.dtype != torch.bool or padding_mask.shape != tokens.shape
    ):
        raise ValueError(
            f"{where}: padding_mask must be a bool tensor of the tokens' shape"
            f" {tuple(tokens.shape)}, got {padding_mask.dtype} {padding_mask.shape}"
        )
    return padding_mask
