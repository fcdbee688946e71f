"""Convolutional networks for DNA: DeepBind and a DeepSEA/Basset-like multi-task stack.

A first-layer ``Conv1d(4, n_filters, w)`` slides ``n_filters`` weight matrices of shape
``(4, w)`` along a one-hot sequence; each output is the dot product of a matrix with a
window, i.e. exactly a position-weight matrix (PWM) scan (see
:func:`gdl_utils.interpret.conv_from_pwm`). Max pooling over positions then asks "is the
motif anywhere?", which is why the models below work for any input length.

- :class:`DeepBind` (Alipanahi et al. 2015): one convolution, global max (optionally
  also average) pooling, a small fully connected head; one task.
- :class:`MultiTaskCNN` (DeepSEA, Zhou & Troyanskaya 2015; Basset, Kelley et al. 2016):
  a stack of convolution → batch norm → ReLU → max pool blocks, global pooling and a
  shared head with one output per task (logits for classification, real values for
  regression).
- :class:`~gdl_utils.models.wrappers.RCAveraged` (in :mod:`~gdl_utils.models.wrappers`)
  averages any of them over both strands.

All models take ``(batch, 4, length)`` one-hot DNA (channels A, C, G, T), return
``(batch, n_outputs)`` and expose ``first_layer`` (the first ``Conv1d``) and
``first_layer_activations(x)`` for interpretation (:mod:`gdl_utils.interpret.filters`).
They
contain no device or precision code, so they run on CPU, CUDA (with AMP) and MPS alike.

Used in: chapter 3.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._util import check_onehot
from .registry import register

__all__ = ["DeepBind", "MultiTaskCNN"]

GLOBAL_POOLS = ("max", "avg", "maxavg")


def _check_input(x: torch.Tensor, min_length: int, where: str) -> None:
    check_onehot(x, f"{where}: input", batched=True)
    if x.shape[2] < min_length:
        raise ValueError(
            f"{where}: input length {x.shape[2]} is shorter than the minimum"
            f" {min_length} this architecture needs"
        )


def _global_pool(h: torch.Tensor, how: str) -> torch.Tensor:
    """(batch, channels, positions) -> (batch, channels), or 2 * channels for maxavg."""
    if how == "max":
        return h.amax(dim=2)
    if how == "avg":
        return h.mean(dim=2)
    return torch.cat([h.amax(dim=2), h.mean(dim=2)], dim=1)


def _head(
    in_features: int, hidden: int, dropout: float, n_outputs: int
) -> nn.Sequential:
    """Linear -> ReLU -> Dropout -> Linear, or a single Linear when ``hidden`` is 0."""
    if not hidden:
        return nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, n_outputs))
    return nn.Sequential(
        nn.Linear(in_features, hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden, n_outputs),
    )


def _check_common(
    where: str, dropout: float, n_outputs: int, hidden: int, global_pool: str
) -> None:
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"{where}: dropout must be in [0, 1), got {dropout}")
    if n_outputs < 1 or hidden < 0:
        raise ValueError(
            f"{where}: need n_outputs >= 1 and hidden >= 0, got {n_outputs}, {hidden}"
        )
    if global_pool not in GLOBAL_POOLS:
        raise ValueError(
            f"{where}: global_pool must be one of {GLOBAL_POOLS}, got {global_pool!r}"
        )


@register
class DeepBind(nn.Module):
    """DeepBind-style single-task CNN: one convolution scans for motifs, global pooling
    asks "anywhere?".

    ``Conv1d(4 -> n_filters, kernel_size) -> ReLU -> global max pool (and average pool
    with global_pool="maxavg", as in DeepBind) -> Linear(hidden) -> ReLU -> Dropout ->
    Linear(n_outputs)``.

    Parameters
    ----------
    n_filters : int, default 16
        Number of convolution filters (motif detectors).
    kernel_size : int, default 24
        Filter width ``w`` in bases; DeepBind used about 1.5 times the expected motif
        width.
    hidden : int, default 32
        Width of the hidden layer; 0 for a linear read-out of the pooled features.
    dropout : float, default 0.25
        Dropout before the output layer.
    n_outputs : int, default 1
        Number of outputs (1 logit for a binding / non-binding task).
    global_pool : {"max", "avg", "maxavg"}, default "max"
        Global pooling over positions ("maxavg" concatenates both, doubling the head's
        input).

    Shapes
    ------
    x : (batch, 4, length) one-hot DNA, any ``length >= kernel_size``
    returns : (batch, n_outputs) logits

    Used in: chapters 3 (03a), 4 (04a, 04b), 7 (07d) and 8 (08c).
    Also chapter 10 (10b).
    """

    def __init__(
        self,
        n_filters: int = 16,
        kernel_size: int = 24,
        hidden: int = 32,
        dropout: float = 0.25,
        n_outputs: int = 1,
        global_pool: str = "max",
    ):
        super().__init__()
        if n_filters < 1 or kernel_size < 1:
            raise ValueError(
                "DeepBind: n_filters and kernel_size must be >= 1,"
                f" got {n_filters}, {kernel_size}"
            )
        _check_common("DeepBind", dropout, n_outputs, hidden, global_pool)
        self.kernel_size, self.global_pool, self.n_outputs = (
            kernel_size,
            global_pool,
            n_outputs,
        )
        self.conv = nn.Conv1d(4, n_filters, kernel_size)
        self.head = _head(
            n_filters * (2 if global_pool == "maxavg" else 1),
            hidden,
            dropout,
            n_outputs,
        )

    @property
    def first_layer(self) -> nn.Conv1d:
        """The motif-scanning ``Conv1d(4, n_filters, kernel_size)``."""
        return self.conv

    def first_layer_activations(self, x: torch.Tensor) -> torch.Tensor:
        """ReLU of the convolution: (batch, 4, length) -> (batch, n_filters, length -
        kernel_size + 1)."""
        _check_input(x, self.kernel_size, "DeepBind")
        return torch.relu(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(
            _global_pool(self.first_layer_activations(x), self.global_pool)
        )


def _as_tuple(value, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(
            f"MultiTaskCNN: {name} has {len(value)} entries but conv_channels has {n} "
            f"(one per convolution layer)"
        )
    return value


@register
class MultiTaskCNN(nn.Module):
    """DeepSEA/Basset-like CNN: conv blocks, global pooling, one output per task.

    Block ``i``: ``Conv1d(kernel_sizes[i]) -> BatchNorm1d (if batch_norm) -> ReLU ->
    MaxPool1d(pool_sizes[i])`` (no pooling for a pool size of 0 or 1). The first
    convolution has no padding, so its output position ``p`` sees exactly the input
    window ``x[:, :, p:p + w]`` (what :mod:`gdl_utils.interpret.filters` relies on);
    later
    convolutions use "same" padding. A global pool over the remaining positions makes
    the network independent of the input length; the head is ``Linear(hidden) -> ReLU ->
    Dropout -> Linear(n_outputs)``.

    Parameters
    ----------
    n_outputs : int
        Number of outputs (tasks); logits for classification (``BCEWithLogitsLoss``) or
        real values for regression (``MSELoss``): the head is the same.
    conv_channels : sequence of int, default (64, 64, 64)
        Filters per convolution layer; ``len(conv_channels)`` is the depth.
    kernel_sizes : int or sequence of int, default (15, 7, 7)
        Kernel width per layer (an int is used for every layer).
    pool_sizes : int or sequence of int, default (4, 4, 0)
        Max-pool width (and stride) after each layer; 0 or 1 means no pooling.
    hidden : int, default 64
        Width of the hidden layer of the head; 0 for a linear read-out.
    dropout : float, default 0.2
        Dropout in the head.
    batch_norm : bool, default True
        Batch normalisation after each convolution (Basset).
    global_pool : {"max", "avg", "maxavg"}, default "max"

    Shapes
    ------
    x : (batch, 4, length) one-hot DNA, ``length >= min_length``
    returns : (batch, n_outputs)

    Used in: chapters 3 (03b, 03c, 03d), 4 (04a), 7 (07e) and 8 (08a, 08b).
    Also chapter 9 (09a, 09b).
    """

    def __init__(
        self,
        n_outputs: int,
        conv_channels: Sequence[int] = (64, 64, 64),
        kernel_sizes: int | Sequence[int] = (15, 7, 7),
        pool_sizes: int | Sequence[int] = (4, 4, 0),
        hidden: int = 64,
        dropout: float = 0.2,
        batch_norm: bool = True,
        global_pool: str = "max",
    ):
        super().__init__()
        if isinstance(conv_channels, int):
            conv_channels = (conv_channels,)
        conv_channels, depth = tuple(map(int, conv_channels)), len(conv_channels)
        if depth < 1 or any(c < 1 for c in conv_channels):
            raise ValueError(
                "MultiTaskCNN: conv_channels must list >= 1 positive widths,"
                f" got {conv_channels}"
            )
        kernel_sizes = _as_tuple(kernel_sizes, depth, "kernel_sizes")
        pool_sizes = _as_tuple(pool_sizes, depth, "pool_sizes")
        if any(k < 1 for k in kernel_sizes) or any(p < 0 for p in pool_sizes):
            raise ValueError(
                f"MultiTaskCNN: kernel sizes must be >= 1 and pool sizes >= 0, got "
                f"{kernel_sizes}, {pool_sizes}"
            )
        _check_common("MultiTaskCNN", dropout, n_outputs, hidden, global_pool)
        self.n_outputs, self.global_pool = n_outputs, global_pool
        self.kernel_sizes, self.pool_sizes = kernel_sizes, pool_sizes
        blocks, width = [], 4
        for i, (c, k, p) in enumerate(zip(conv_channels, kernel_sizes, pool_sizes)):
            layers: list[nn.Module] = [
                nn.Conv1d(width, c, k, padding=0 if i == 0 else "same")
            ]
            layers += [nn.BatchNorm1d(c)] if batch_norm else []
            layers.append(nn.ReLU())
            layers += [nn.MaxPool1d(p)] if p > 1 else []
            blocks.append(nn.Sequential(*layers))
            width = c
        self.blocks = nn.ModuleList(blocks)
        self.head = _head(
            width * (2 if global_pool == "maxavg" else 1), hidden, dropout, n_outputs
        )

    @property
    def min_length(self) -> int:
        """Shortest input that leaves one position after every convolution and pool."""
        need = 1
        for p in self.pool_sizes:  # "same" padding keeps the length; a pool divides it
            need *= max(p, 1)
        return need + self.kernel_sizes[0] - 1

    @property
    def first_layer(self) -> nn.Conv1d:
        """The first ``Conv1d(4, conv_channels[0], kernel_sizes[0])``."""
        return self.blocks[0][0]

    def first_layer_activations(self, x: torch.Tensor) -> torch.Tensor:
        """Activations of the first block before pooling (conv, batch norm, ReLU).

        (batch, 4, length) -> (batch, conv_channels[0], length - kernel_sizes[0] + 1)
        """
        _check_input(x, self.min_length, "MultiTaskCNN")
        h = x
        for layer in self.blocks[0]:
            if isinstance(layer, nn.MaxPool1d):
                break
            h = layer(h)
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.min_length, "MultiTaskCNN")
        h = x
        for block in self.blocks:
            h = block(h)
        return self.head(_global_pool(h, self.global_pool))
