"""Language models on the transformer of :mod:`gdl_utils.models.transformer`: a linear
head gives logits over the vocabulary at every position, and ``forward`` computes the
loss when it is given labels (nanoGPT's ``forward(idx, targets)``, Hugging Face's
``labels=``), so that ``training_step``, ``fit(step=lm_step)`` and a
``DistributedDataParallel`` wrapper all use the one loss.

- :class:`CausalLM`: causal attention (position i sees tokens 0..i); the labels are the
  next tokens, ``labels[:, i] = tokens[:, i + 1]``
  (:func:`gdl_utils.lm.causal_lm_batch`).
- :class:`MaskedLM`: bidirectional attention; the labels are the original tokens at
  the masked positions (BERT, :func:`gdl_utils.lm.mask_tokens`; ``python -m
  gdl_utils.lm --objective mlm``).
- :func:`lm_loss`: the cross-entropy over the scored positions (label -100: not
  scored).
- :func:`lm_step`: the ``fit`` step, ``model(tokens, labels)`` -> loss and accuracy.

Used in: chapter 7 (notebooks 07c, 07d).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .registry import register
from .transformer import Transformer
from .transformer_config import TransformerConfig, _StoresConfig

__all__ = ["IGNORE", "lm_loss", "lm_step", "CausalLM", "MaskedLM"]
IGNORE = -100  # the label of a position the loss skips


def lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of ``logits (B, L, vocab_size)`` against ``labels (B, L)``
    over the positions where ``labels != -100``. The labels are not shifted here.

    Raises ValueError for labels of another shape, or outside -100 and ``[0,
    vocab_size)``.

    Used in: chapter 7 (inside every language model's ``forward``).
    """
    vocab = logits.shape[-1]
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"lm_loss: labels must have the tokens' shape {tuple(logits.shape[:-1])},"
            f" got {tuple(labels.shape)}"
        )
    scored = labels != IGNORE
    if ((labels < 0) & scored).any() or (labels >= vocab).any():
        raise ValueError(f"lm_loss: labels must be -100 or in [0, {vocab})")
    return F.cross_entropy(
        logits.flatten(0, 1).float(), labels.flatten(), ignore_index=IGNORE
    )


def lm_step(model, batch: dict) -> tuple[torch.Tensor, dict]:
    """The ``fit`` step of a language model: ``batch = {"input_ids": (B, L), "labels":
    (B, L)}`` (and an optional ``"padding_mask"``) -> the loss of ``model(input_ids,
    labels)`` and ``{"acc": ...}``, the accuracy over the scored positions.

    It calls ``model(...)``, so a ``DistributedDataParallel`` wrapper sees the forward
    pass (``fit(ddp_model, data, step=lm_step)``); it is also the models'
    ``training_step``.

    Used in: chapter 7 (07c, 07d; through ``training_step``).
    """
    missing = {"input_ids", "labels"} - set(batch)
    if missing:
        raise ValueError(f"lm_step: the batch dict lacks {sorted(missing)}")
    labels = batch["labels"]
    logits, loss = model(batch["input_ids"], labels, batch.get("padding_mask"))
    scored = labels != IGNORE
    hits = (logits.argmax(-1) == labels) & scored
    return loss, {"acc": hits.sum() / scored.sum().clamp(min=1)}


class _LanguageModel(_StoresConfig, nn.Module):
    """Transformer + linear head; ``causal`` (set by the subclass) must match the
    config's attention."""

    causal: bool

    def __init__(self, config: TransformerConfig | dict):
        super().__init__()
        config = TransformerConfig.coerce(config)
        if config.causal != self.causal:
            raise ValueError(
                f"{type(self).__name__} needs TransformerConfig(causal={self.causal}),"
                f" got causal={config.causal}"
            )
        self.encoder = Transformer(config)
        self.head = nn.Linear(config.d_model, config.vocab_size)

    def forward(self, tokens, labels=None, padding_mask=None):
        """``tokens (B, L)`` -> logits ``(B, L, vocab_size)``; with ``labels (B, L)``
        (-100 = not scored) ``(logits, loss)``."""
        logits = self.head(self.encoder(tokens, padding_mask))  # (B, L, vocab_size)
        if labels is None:
            return logits
        return logits, lm_loss(logits, labels)

    def training_step(self, batch: dict):
        return lm_step(self, batch)

    validation_step = training_step


@register
class CausalLM(_LanguageModel):
    """A causal (left-to-right) language model: ``TransformerConfig(causal=True)``,
    position i attends to tokens 0..i only, and predicts the next token.

    ``forward(tokens, labels=None, padding_mask=None)``: ``tokens (B, L)`` -> logits
    ``(B, L, vocab_size)``, or ``(logits, loss)`` with ``labels (B, L)`` (the loss is
    :func:`lm_loss`): ``labels[:, i]`` is the NEXT token ``tokens[:, i + 1]`` (-100 at
    the last position), as :func:`gdl_utils.lm.causal_lm_batch` makes them; the model
    does not shift.
    ``training_step`` takes dict batches ``{"input_ids", "labels"}`` (:func:`lm_step`).

    Used in: chapter 7 (pretraining, 07c; fine-tuning, 07d).
    """

    causal = True


@register
class MaskedLM(_LanguageModel):
    """A masked (bidirectional) language model, BERT's objective:
    ``TransformerConfig(causal=False)``, every position attends to every other.

    ``forward(tokens, labels=None, padding_mask=None)`` as :class:`CausalLM`; here
    ``tokens`` has ``[MASK]`` (or swapped) tokens at some positions, and ``labels``
    holds the original token there and -100 elsewhere, as
    :func:`gdl_utils.lm.mask_tokens` makes them.

    Used in: no notebook (``python -m gdl_utils.lm --objective mlm`` and the tests).
    """

    causal = False
