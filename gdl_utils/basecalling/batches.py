"""Labelled chunks -> batches for ``nn.CTCLoss``.

- :class:`CTCBatch`: one batch as a named tuple (``signal``, ``targets``,
  ``input_lengths``, ``target_lengths``);
- :func:`ctc_batches`: the batches of a :class:`~gdl_utils.basecalling.Chunks`, each
  chunk's label checked against the output steps a network has for it.

Used in: ch. 4 (CTC basecalling).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch

from .._util import check_ctc_labels, check_int, codes

if TYPE_CHECKING:  # chunks.py imports this module
    from .chunks import Chunks

__all__ = ["CTCBatch", "ctc_batches"]


class CTCBatch(NamedTuple):
    """One batch for ``nn.CTCLoss``, read by name (``batch.signal``) or unpacked.

    Attributes
    ----------
    signal : (B, 1, chunk_len) float32 normalised current
    targets : (B, S) int64 codes 1..4 for A, C, G, T (0 is the blank), padded with 0
    input_lengths : (B,) int64 samples per chunk (the model converts them to its
        output steps)
    target_lengths : (B,) int64 bases per chunk

    A named tuple, so :func:`gdl_utils.runtime.to_device` moves it and keeps the type,
    and ``signal, targets, input_lengths, target_lengths = batch`` still works.

    Used in: ch. 4 (CTC basecalling, through ``ctc_batches``).
    """

    signal: torch.Tensor
    targets: torch.Tensor
    input_lengths: torch.Tensor
    target_lengths: torch.Tensor


def ctc_batches(
    chunks: Chunks,
    batch_size: int = 48,
    *,
    seed: int | None = None,
    output_steps: int | None = None,
) -> list[CTCBatch]:
    """:class:`CTCBatch` batches of ``batch_size`` chunks for ``nn.CTCLoss``: signal
    (B, 1, chunk_len), targets (B, S) codes 1..4 padded with 0, input_lengths (B,) all
    chunk_len, target_lengths (B,). Chunks are shuffled once with ``seed`` (``None``:
    kept in order); ``fit`` takes the list as it is, in the same order every epoch.

    Parameters
    ----------
    chunks : Chunks (``signal`` (N, chunk_len), ``sequences``)
    batch_size : chunks per batch (the last batch may be smaller)
    seed : shuffles the chunks once; ``None`` keeps their order
    output_steps : the network's output steps per chunk
        (``int(model.output_lengths(chunk_len))``); default ``chunk_len``, one per
        sample, the most a network without upsampling emits

    Raises
    ------
    ValueError
        A chunk whose label no CTC alignment can fit: it needs one step per base and
        one more between equal neighbours
        (:meth:`~gdl_utils.basecalling.Chunks.ctc_steps`), more than
        ``output_steps`` -- naming the batch, the row, the chunk and its read.
        ``chunks.subset(chunks.ctc_steps() <= output_steps)`` drops such chunks.

    Used in: ch. 4 (CTC basecalling).
    """
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    chunk_len = chunks.signal.shape[-1]
    hint = " (output_steps)"
    if output_steps is None:
        output_steps, hint = chunk_len, f" (one per sample of the {chunk_len})"
    elif isinstance(output_steps, (torch.Tensor, np.ndarray)):
        output_steps = output_steps.item()  # model.output_lengths(chunk_len)
    output_steps = check_int(output_steps, "output_steps", minimum=1)
    order = np.arange(len(chunks))
    if seed is not None:
        order = np.random.default_rng(seed).permutation(len(chunks))
    batches = []
    for s in range(0, len(order), batch_size):
        idx = order[s : s + batch_size]
        labels = [
            codes(chunks.sequences[i], strict=True, name=f"ctc_batches: chunk {i}") + 1
            for i in idx
        ]
        lengths = np.array([len(x) for x in labels], dtype=np.int64)
        targets = np.zeros((len(idx), max(1, lengths.max())), dtype=np.int64)
        for row, x in enumerate(labels):
            targets[row, : len(x)] = x
        check_ctc_labels(
            targets, lengths, np.full(len(idx), output_steps),
            name="ctc_batches", batch=f"batch {s // batch_size},",
            rows=lambda r, idx=idx: _describe(chunks, int(idx[r])),
            hint=f"{hint}; drop such chunks first:"
            " chunks.subset(chunks.ctc_steps() <= output_steps)",
        )  # fmt: skip
        signal = torch.as_tensor(chunks.signal[idx][:, None, :])
        n = torch.full((len(idx),), chunk_len, dtype=torch.int64)
        targets, lengths = torch.as_tensor(targets), torch.as_tensor(lengths)
        batches.append(CTCBatch(signal, targets, n, lengths))
    return batches


def _describe(chunks, i: int) -> str:
    return (
        f"chunk {i}, read {chunks.read_id[i]}, reference"
        f" {chunks.ref_lo[i]}-{chunks.ref_hi[i]}"
    )
