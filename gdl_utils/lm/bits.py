"""Evaluating a causal DNA language model: bits per base on a held-out region.

:func:`causal_bits_per_base` is the mean ``-log2 p(base | preceding bases)`` of a causal
LM, the same quantity as a Markov model's (:mod:`gdl_utils.lm.markov`): what an
arithmetic
coder driven by the model would spend per base. :func:`causal_log2_probs` returns the
whole predicted distribution at every position (for per-position analyses, e.g. the
model's uncertainty along a gene).

Used in: chapter 7.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .._util import check_int
from ..runtime import evaluating, get_device
from .tokenizers import N_SPECIAL

__all__ = ["causal_log2_probs", "causal_bits_per_base"]


@torch.no_grad()
def causal_log2_probs(
    model, tokens, *, window: int, batch_size: int = 64, device=None
) -> np.ndarray:
    """(L - window // 2, 4) log2 probabilities of the 4 bases at every position of a
    held-out region from ``window // 2`` on, each predicted from at least ``window //
    2`` preceding tokens.

    Windows of ``window`` tokens step by ``window // 2``; each scores its second half
    (the tail uses one last window ending at the region's end). The distribution is
    renormalised over the DNA tokens ``4..7`` (nucleotide tokens).

    Used in: chapter 7.
    """
    tokens = np.asarray(tokens, dtype=np.int64)
    window = check_int(window, "causal_log2_probs: window", minimum=2)
    half = window // 2
    if len(tokens) < window:
        raise ValueError(
            f"causal_log2_probs: region of {len(tokens)} tokens < window={window}"
        )
    device = get_device(device)
    starts = list(range(0, len(tokens) - window + 1, half))
    if starts[-1] + window < len(tokens):
        starts.append(len(tokens) - window)
    out = np.zeros((len(tokens), 4))
    with evaluating(model, device), torch.no_grad():  # mode and device put back after
        for b in range(0, len(starts), batch_size):
            s = np.asarray(starts[b : b + batch_size])
            x = torch.as_tensor(tokens[s[:, None] + np.arange(window)], device=device)
            logits = model(x)[:, :-1, N_SPECIAL : N_SPECIAL + 4].float()  # next base
            logp = torch.log_softmax(logits, -1).cpu().numpy() / math.log(2)
            for row, start in zip(logp, s):  # position start + 1 + j <- logits j
                out[start + half : start + window] = row[half - 1 :]
    return out[half:]


def causal_bits_per_base(model, tokens, *, window: int, **kwargs) -> float:
    """Mean ``-log2 p(base | >= window // 2 preceding bases)`` on a region of
    nucleotide tokens (ids 4..7): :func:`causal_log2_probs` at the true bases.

    Used in: chapter 7.
    """
    tokens = np.asarray(tokens, dtype=np.int64)
    logp = causal_log2_probs(model, tokens, window=window, **kwargs)
    truth = tokens[window // 2 :] - N_SPECIAL
    if truth.min() < 0 or truth.max() > 3:
        raise ValueError("causal_bits_per_base: tokens must be nucleotide ids 4..7")
    return float(-logp[np.arange(len(truth)), truth].mean())
