"""A small transformer encoder for token sequences, nanoGPT-style: config, attention,
block, model, a classifier head (Vaswani et al. 2017; pre-norm blocks as in GPT-2 and
nanoGPT); the language-model heads are in :mod:`gdl_utils.models.language_model`.

- :class:`TransformerConfig`: every size in one dataclass (stored in checkpoints).
- :func:`attention`: scaled dot-product attention written out (equal to
  ``torch.nn.functional.scaled_dot_product_attention``; softmax in float32).
- :class:`MultiHeadAttention`, :class:`Block` (pre-norm, residual), :class:`Transformer`
  (tokens ``(B, L)`` -> hidden states ``(B, L, d_model)``).
- :class:`SequenceClassifier` (pooled hidden states -> ``n_outputs`` logits, with
  ``from_pretrained`` from a language model).

Masks: ``padding_mask (B, L)`` is True at padding (ignored as keys); with
``config.pad_id`` set it defaults to ``tokens == pad_id``. An attention ``mask`` is
True where a query may attend to a key (the convention of SDPA).

Used in: chapter 7 (notebooks 07a, 07e and the pretraining / fine-tuning sections).
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from .positions import RotaryEmbedding, sinusoidal_table
from .registry import register
from .transformer_config import TransformerConfig, _StoresConfig, check_tokens

__all__ = ["TransformerConfig", "attention", "MultiHeadAttention", "Block"]
__all__ += ["Transformer", "SequenceClassifier"]
POOLS = ("avg", "max", "cls", "last")


def attention(q, k, v, mask=None, causal=False):
    """softmax(q k^T / sqrt(d_head)) v, written out.

    Parameters
    ----------
    q, k, v : (batch, heads, L, d_head) queries, keys, values
    mask : bool tensor broadcastable to (batch, heads, L, L), True where a query (row)
        may attend to a key (column); or None
    causal : if True, position i attends only to positions <= i

    Returns
    -------
    out : (batch, heads, L, d_head); weights : (batch, heads, L, L), rows sum to 1.

    Used in: chapter 7 (07a checks it against SDPA; every model here).
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, H, L, L)
    scores = scores.float()  # softmax in float32, also under bf16/fp16 autocast
    if causal:
        L = q.shape[-2]
        future = torch.ones(L, L, dtype=torch.bool, device=q.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1).nan_to_num(0.0)  # a fully masked row -> zeros
    return weights.to(v.dtype) @ v, weights


class MultiHeadAttention(nn.Module):
    """x (B, L, d_model) -> (B, L, d_model): n_heads attentions of width d_head side by
    side; rotary positions are applied to the queries and keys here.

    Used in: chapter 7 (inside :class:`Block`).
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.n_heads, self.causal = config.n_heads, config.causal
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)  # q, k, v at once
        self.proj = nn.Linear(config.d_model, config.d_model)
        d_head = config.d_model // config.n_heads
        self.rotary = (
            RotaryEmbedding(d_head, config.max_len)
            if config.position == "rotary"
            else None
        )

    def forward(self, x, mask=None, need_weights=False):
        B, L, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)  # 3 x (B, L, D)
        q, k, v = (t.view(B, L, self.n_heads, -1).transpose(1, 2) for t in (q, k, v))
        if self.rotary is not None:  # (B, H, L, d_head), rotated by position
            q, k = self.rotary(q), self.rotary(k)
        if need_weights:  # the written-out version, to look at the weights
            out, weights = attention(q, k, v, mask, self.causal)
        elif mask is None:  # the same numbers from the fused kernel (flash on GPUs)
            out, weights = (
                F.scaled_dot_product_attention(q, k, v, is_causal=self.causal),
                None,
            )
        else:
            if self.causal:  # one mask for both: key allowed and not in the future
                mask = mask & torch.ones(L, L, dtype=torch.bool, device=x.device).tril()
            out, weights = F.scaled_dot_product_attention(q, k, v, mask), None
            # a row with no key allowed gives NaN in SDPA, zeros in attention()
            out = out.masked_fill(~mask.any(-1, keepdim=True), 0.0)
        out = out.transpose(1, 2).reshape(B, L, D)  # heads side by side again
        return self.proj(out), weights


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(LN(x)), then x + MLP(LN(x)).

    Used in: chapter 7 (07a; inside :class:`Transformer`).
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.attn = MultiHeadAttention(config)
        self.mlp = nn.Sequential(
            nn.Linear(config.d_model, config.d_ff),
            nn.GELU(),
            nn.Linear(config.d_ff, config.d_model),
        )
        self.drop = nn.Dropout(config.dropout)

    def forward(self, x, mask=None, need_weights=False):
        h, weights = self.attn(self.ln1(x), mask, need_weights)  # (B, L, D)
        x = x + self.drop(h)
        x = x + self.drop(self.mlp(self.ln2(x)))
        return x, weights


@register
class Transformer(_StoresConfig, nn.Module):
    """Token ids ``(B, L)`` -> hidden states ``(B, L, d_model)``: embedding (+ learned
    or sinusoidal positions), ``n_layers`` blocks, final LayerNorm.

    Raises TypeError for non-integer tokens, ValueError for a wrong shape, a length
    above ``max_len``, a token outside ``[0, vocab_size)`` or a mismatched mask.

    Used in: chapter 7 (07a, 07e; the encoder of every head: the classifier below,
    the language models of :mod:`gdl_utils.models.language_model`).
    """

    def __init__(self, config: TransformerConfig | dict):
        super().__init__()
        self.config = config = TransformerConfig.coerce(config)
        self.tok_emb = nn.Embedding(config.vocab_size, config.d_model)
        if config.position == "learned":
            self.pos_emb = nn.Embedding(config.max_len, config.d_model)
        elif config.position == "sinusoidal":
            table = sinusoidal_table(config.max_len, config.d_model)
            self.register_buffer("pos_table", table, persistent=False)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(config.d_model)

    def forward(self, tokens, padding_mask=None, need_weights=False):
        """hidden (B, L, d_model); with ``need_weights`` also a list with one
        attention-weight tensor (B, n_heads, L, L) per layer."""
        padding_mask = check_tokens(
            self.config, tokens, padding_mask, type(self).__name__
        )
        return self.encode(self.tok_emb(tokens), padding_mask, need_weights)

    def encode(self, x, padding_mask=None, need_weights=False):
        """The same from embeddings ``x (B, L, d_model)`` (e.g. a convolution's output,
        as in Enformer); positions are added here."""
        L = x.shape[1]
        if x.dim() != 3 or x.shape[2] != self.config.d_model or L > self.config.max_len:
            raise ValueError(
                f"Transformer.encode: x must be (batch, L <= {self.config.max_len},"
                f" {self.config.d_model}), got {tuple(x.shape)}"
            )
        if self.config.position == "learned":
            x = x + self.pos_emb(torch.arange(L, device=x.device))  # + (L, D)
        elif self.config.position == "sinusoidal":
            x = x + self.pos_table[:L]
        x = self.drop(x)
        # keys that are padding are hidden from every query: (B, 1, 1, L)
        mask = None if padding_mask is None else ~padding_mask[:, None, None, :]
        maps = []
        for block in self.blocks:
            x, weights = block(x, mask, need_weights)
            maps.append(weights)
        x = self.ln_f(x)
        return (x, maps) if need_weights else x


@register
class SequenceClassifier(_StoresConfig, nn.Module):
    """Transformer, pooled over positions (``global_pool``: "avg" or "max" over
    non-padding tokens, "cls" the first token, "last" the last non-padding token, for
    causal encoders), dropout, linear head -> ``(B, n_outputs)`` logits.

    ``training_step((tokens, y))``: binary cross-entropy for ``n_outputs == 1`` (y 0/1),
    cross-entropy over classes otherwise (y long); logs ``acc``.

    Used in: chapter 7 (07a, 07d, 07e).
    """

    def __init__(
        self, config: TransformerConfig | dict, n_outputs: int, global_pool: str = "avg"
    ):
        super().__init__()
        if global_pool not in POOLS:
            raise ValueError(
                f"SequenceClassifier: global_pool must be one of {POOLS}, got "
                f"{global_pool!r}"
            )
        if not isinstance(n_outputs, int) or n_outputs < 1:
            raise ValueError("SequenceClassifier: n_outputs must be an int >= 1")
        self.encoder, self.n_outputs = Transformer(config), n_outputs
        self.global_pool = global_pool
        self.drop = nn.Dropout(self.encoder.config.dropout)
        self.head = nn.Linear(self.encoder.config.d_model, n_outputs)

    @classmethod
    def from_pretrained(cls, lm: nn.Module, n_outputs: int, global_pool: str = "avg"):
        """A classifier whose encoder is a copy of ``lm.encoder`` (a ``CausalLM`` or
        ``MaskedLM``), with a new head."""
        model = cls(copy.deepcopy(lm.encoder.config), n_outputs, global_pool)
        model.encoder.load_state_dict(copy.deepcopy(lm.encoder.state_dict()))
        return model.to(next(lm.parameters()).device)

    def forward(self, tokens, padding_mask=None):
        h = self.encoder(tokens, padding_mask)  # (B, L, D)
        if padding_mask is None and self.encoder.config.pad_id is not None:
            padding_mask = tokens == self.encoder.config.pad_id
        keep = (
            torch.ones_like(tokens, dtype=torch.bool)
            if padding_mask is None
            else ~padding_mask
        )[..., None]  # (B, L, 1)
        if self.global_pool == "avg":
            h = (h * keep).sum(1) / keep.sum(1).clamp(min=1)  # (B, D)
        elif self.global_pool == "max":
            h = h.masked_fill(~keep, float("-inf")).amax(1)
        elif self.global_pool == "cls":
            h = h[:, 0]
        else:  # the last kept position of each row
            last = keep[..., 0].long().cumsum(1).argmax(1)  # (B,)
            h = h[torch.arange(h.shape[0], device=h.device), last]
        return self.head(self.drop(h))  # (B, n_outputs)

    def training_step(self, batch):
        tokens, y = batch[0], batch[1]
        logits = self(tokens, batch[2] if len(batch) > 2 else None)
        if self.n_outputs == 1:
            y = y.reshape(-1).float()
            loss = F.binary_cross_entropy_with_logits(logits[:, 0].float(), y)
            acc = ((logits[:, 0] > 0).float() == y).float().mean()
        else:
            loss = F.cross_entropy(logits.float(), y.reshape(-1).long())
            acc = (logits.argmax(1) == y.reshape(-1)).float().mean()
        return loss, {"acc": acc}

    validation_step = training_step
