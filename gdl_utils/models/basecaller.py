"""A small Bonito-like basecaller: raw current -> scores over {blank, A, C, G, T}.

Strided convolutions summarise the signal (total stride 5: one output step per 5
samples, about two steps per base at 4 kHz and ~450 bases/s), a bidirectional GRU reads
the steps in both directions, and a linear layer scores blank + 4 bases. Training uses
the CTC loss (Graves et al. 2006), which sums over every alignment of the label to the
steps, so no per-sample segmentation is needed (DeepNano, Chiron, Bonito).

Used in: ch. 4 (CTC basecalling).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._util import as_numpy, check_ctc_labels
from .registry import register

__all__ = ["Basecaller"]


@register
class Basecaller(nn.Module):
    """Conv1d stack -> BiGRU -> linear; ``n_outputs`` = blank + 4 bases.

    Parameters
    ----------
    conv_channels : output channels of each Conv1d (input: 1 channel of current)
    kernel_sizes, strides : kernel size and stride of each Conv1d (total stride =
        product)
    hidden : GRU units per direction
    n_outputs : output classes, 5 = blank, A, C, G, T (blank is class 0)

    Shapes: ``forward`` (batch, 1, n_samples) -> (batch, steps, n_outputs) logits with
    ``steps = output_lengths(n_samples)``; every convolution pads ``kernel_size // 2``
    on each side, so one sample (the minimum) gives one step.

    Used in: ch. 4 (CTC basecalling).
    """

    def __init__(
        self,
        conv_channels: tuple = (4, 16, 64),
        kernel_sizes: tuple = (5, 5, 19),
        strides: tuple = (1, 1, 5),
        hidden: int = 64,
        n_outputs: int = 5,
    ):
        super().__init__()
        if not len(conv_channels) == len(kernel_sizes) == len(strides) > 0:
            raise ValueError(
                "Basecaller: conv_channels, kernel_sizes and strides need one entry per"
                f" layer, got {len(conv_channels)}, {len(kernel_sizes)}, {len(strides)}"
            )
        layers, c_in = [], 1
        for c, k, s in zip(conv_channels, kernel_sizes, strides):
            layers += [nn.Conv1d(c_in, c, k, stride=s, padding=k // 2), nn.SiLU()]
            c_in = c
        self.conv = nn.Sequential(*layers)
        self.rnn = nn.GRU(c_in, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, n_outputs)
        # impossible alignments are refused in training_step, never zeroed silently
        self.ctc = nn.CTCLoss(blank=0, zero_infinity=False)

    def output_lengths(self, n_samples: torch.Tensor) -> torch.Tensor:
        """(batch,) int64 output steps for (batch,) input samples (conv arithmetic)."""
        n = torch.as_tensor(n_samples, dtype=torch.int64)
        for layer in self.conv:
            if isinstance(layer, nn.Conv1d):
                k, s, p = layer.kernel_size[0], layer.stride[0], layer.padding[0]
                n = torch.div(n + 2 * p - k, s, rounding_mode="floor") + 1
        return n

    def forward(self, signal: torch.Tensor) -> torch.Tensor:
        _check_signal(signal)
        h = self.conv(signal)  # (batch, channels, steps)
        h, _ = self.rnn(h.transpose(1, 2))  # (batch, steps, 2 * hidden)
        return self.out(h)  # (batch, steps, n_outputs) logits

    def log_probs(self, signal: torch.Tensor) -> torch.Tensor:
        """(batch, steps, n_outputs) float32 log-probabilities (also under autocast)."""
        return F.log_softmax(self(signal).float(), dim=-1)

    def training_step(self, batch) -> torch.Tensor:
        """CTC loss of a batch with fields ``signal``, ``targets``, ``input_lengths``
        and ``target_lengths`` (a :class:`gdl_utils.basecalling.CTCBatch`; a plain
        4-tuple in that order works too).

        targets (batch, S) int64 codes 1..4 padded with 0; lengths (batch,) in samples
        and bases.

        Raises
        ------
        ValueError
            A row whose label no CTC alignment can fit (``nn.CTCLoss`` with
            ``zero_infinity`` would make its loss 0): fewer output steps than bases
            plus repeated neighbours; codes outside 1..4 inside a label; lengths
            outside the signal or the targets -- naming the row.
        """
        # by name (batch.signal, ...: a CTCBatch), or a plain tuple in that order
        signal, targets, n_samples, target_lengths = _ctc_fields(batch)
        _check_signal(signal)
        n = as_numpy(n_samples)
        name = "Basecaller.training_step"
        if n.shape != (len(signal),) or n.dtype.kind not in "iu":
            raise ValueError(
                f"{name}: input_lengths: expected shape ({len(signal)},) integers (one"
                f" per row), got shape {n.shape} {n.dtype}"
            )
        outside = np.flatnonzero((n < 1) | (n > signal.shape[-1]))
        if outside.size:
            i = int(outside[0])
            raise ValueError(
                f"{name}: input_lengths: row {i} is {n[i]} samples, outside"
                f" 1..{signal.shape[-1]} (the signal's length)"
            )
        check_ctc_labels(
            targets, target_lengths, self.output_lengths(torch.as_tensor(n)),
            name=name, n_labels=self.out.out_features - 1, n_samples=n,
            hint="; drop such chunks: chunks.subset(chunks.ctc_steps() <= steps)",
        )  # fmt: skip
        log_probs = self.log_probs(signal).transpose(0, 1)  # (steps, batch, classes)
        steps = self.output_lengths(n_samples).to(log_probs.device)
        return self.ctc(
            log_probs, targets.long(), steps, target_lengths.long().to(steps.device)
        )

    def predict_step(self, batch) -> torch.Tensor:
        """(batch, steps, n_outputs) float32 log-probabilities of a batch's signal."""
        signal = getattr(batch, "signal", batch)  # a CTCBatch, a tuple or the signal
        return self.log_probs(
            signal[0] if isinstance(signal, (tuple, list)) else signal
        )


def _check_signal(signal) -> None:
    shape = tuple(getattr(signal, "shape", ()))
    if len(shape) != 3 or shape[1] != 1:
        raise ValueError(
            f"Basecaller: signal must be (batch, 1, n_samples), got {shape}"
        )
    if shape[2] < 1:
        raise ValueError(
            f"Basecaller: signal of shape {shape} has {shape[2]} samples; expected at"
            " least 1 (one sample gives one output step)"
        )


CTC_FIELDS = ("signal", "targets", "input_lengths", "target_lengths")


def _ctc_fields(batch) -> tuple:
    """The four CTC fields of a batch, by name (any object with these attributes, such
    as a ``CTCBatch``), else by position (a plain tuple or list)."""
    if all(hasattr(batch, name) for name in CTC_FIELDS):
        return tuple(getattr(batch, name) for name in CTC_FIELDS)
    if isinstance(batch, (tuple, list)) and len(batch) == 4:
        return tuple(batch)
    raise TypeError(
        f"Basecaller: a batch needs the fields {CTC_FIELDS} (a CTCBatch) or is a"
        f" 4-tuple in that order, got {type(batch).__name__}"
    )
