"""Recurrent networks for DNA: two cells written out, RNN classifiers and DanQ.

A recurrent layer reads a sequence one position at a time and carries a hidden state
``h`` (a vector of ``hidden_size`` numbers) from each position to the next, so the
output at position ``t`` can depend on everything before it; a bidirectional layer runs
a second copy from the other end and concatenates the two states.

- :class:`ElmanRNN` and :class:`GRUFromScratch`: the plain (Elman) cell and the gated
  recurrent unit (Cho et al. 2014) in a few lines each, with the parameter layout of
  ``nn.RNN`` / ``nn.GRU`` so the tests can check them against PyTorch. For teaching;
  train with ``nn.GRU`` / ``nn.LSTM``.
- :class:`RecurrentClassifier`: a bidirectional GRU or LSTM over the one-hot bases,
  pooled over positions, then a linear read-out.
- :class:`DanQ` (Quang & Xie 2016): convolution (motif scanners) -> max pooling (a
  shorter sequence of motif scores) -> bidirectional LSTM (how the motifs are arranged)
  -> dense layers.

The classifiers take ``(batch, 4, length)`` one-hot DNA (channels A, C, G, T) and
return ``(batch, n_outputs)`` logits; they contain no device or precision code.

Used in: chapter 4 (notebooks 04a and 04b).
"""

from __future__ import annotations

import torch
from torch import nn

from .._util import check_onehot
from .registry import register

__all__ = ["ElmanRNN", "GRUFromScratch", "RecurrentClassifier", "DanQ"]

CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}
POOLS = ("max", "avg", "last")


def _uniform(*shape: int, hidden_size: int) -> nn.Parameter:
    """PyTorch's initialisation of recurrent weights: U(-1/sqrt(H), 1/sqrt(H))."""
    bound = hidden_size**-0.5
    return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))


def _check_sizes(where: str, **sizes: int) -> None:
    for name, value in sizes.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{where}: {name} must be an int >= 1, got {value!r}")


@register
class ElmanRNN(nn.Module):
    """The plain recurrent layer, one position at a time: ``h_t = tanh(W_ih x_t + b_ih
    + W_hh h_{t-1} + b_hh)``.

    Parameters have ``nn.RNN``'s layout (``weight_ih`` = ``weight_ih_l0``, ...).

    Shapes
    ------
    x : (batch, length, input_size); h0 : (batch, hidden_size) or None (zeros)
    returns : outputs (batch, length, hidden_size), the last state (batch, hidden_size)

    Used in: chapter 4 (notebook 04a).
    """

    def __init__(self, input_size: int = 4, hidden_size: int = 16):
        super().__init__()
        _check_sizes("ElmanRNN", input_size=input_size, hidden_size=hidden_size)
        self.hidden_size = hidden_size
        self.weight_ih = _uniform(hidden_size, input_size, hidden_size=hidden_size)
        self.weight_hh = _uniform(hidden_size, hidden_size, hidden_size=hidden_size)
        self.bias_ih = _uniform(hidden_size, hidden_size=hidden_size)
        self.bias_hh = _uniform(hidden_size, hidden_size=hidden_size)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None):
        batch, length, _ = x.shape
        h = x.new_zeros(batch, self.hidden_size) if h0 is None else h0
        outputs = []
        for t in range(length):  # the same weights at every position
            x_t = x[:, t]  # (batch, input_size)
            h = torch.tanh(
                x_t @ self.weight_ih.T
                + self.bias_ih
                + h @ self.weight_hh.T
                + self.bias_hh
            )  # (batch, hidden_size)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h


@register
class GRUFromScratch(nn.Module):
    """A gated recurrent unit (Cho et al. 2014), written out; ``nn.GRU``'s layout.

    ``r`` (reset) decides how much of the old state enters the candidate ``n``, ``z``
    (update) how much of the old state is kept unchanged: ``h_t = (1 - z) * n + z *
    h_{t-1}``. Where ``z`` is near 1 the state (and its gradient) passes through
    untouched, which is how a GRU bridges long distances.

    Shapes
    ------
    x : (batch, length, input_size); h0 : (batch, hidden_size) or None (zeros)
    returns : outputs (batch, length, hidden_size), the last state (batch, hidden_size)

    Used in: chapter 4 (notebook 04a).
    """

    def __init__(self, input_size: int = 4, hidden_size: int = 16):
        super().__init__()
        _check_sizes("GRUFromScratch", input_size=input_size, hidden_size=hidden_size)
        self.hidden_size = hidden_size
        # rows: reset gate r, update gate z, candidate n (nn.GRU's order)
        self.weight_ih = _uniform(3 * hidden_size, input_size, hidden_size=hidden_size)
        self.weight_hh = _uniform(3 * hidden_size, hidden_size, hidden_size=hidden_size)
        self.bias_ih = _uniform(3 * hidden_size, hidden_size=hidden_size)
        self.bias_hh = _uniform(3 * hidden_size, hidden_size=hidden_size)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None):
        batch, length, _ = x.shape
        h = x.new_zeros(batch, self.hidden_size) if h0 is None else h0
        outputs = []
        for t in range(length):
            gi = x[:, t] @ self.weight_ih.T + self.bias_ih  # (batch, 3 * hidden)
            gh = h @ self.weight_hh.T + self.bias_hh  # (batch, 3 * hidden)
            i_r, i_z, i_n = gi.chunk(3, dim=1)  # each (batch, hidden)
            h_r, h_z, h_n = gh.chunk(3, dim=1)
            r = torch.sigmoid(i_r + h_r)  # reset gate
            z = torch.sigmoid(i_z + h_z)  # update gate
            n = torch.tanh(i_n + r * h_n)  # candidate state
            h = (1 - z) * n + z * h  # (batch, hidden)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h


def _pool_positions(h: torch.Tensor, how: str, hidden: int, bidirectional: bool):
    """(batch, positions, directions * hidden) -> (batch, directions * hidden).

    ``"last"``: the forward direction's state after the last position (and the backward
    direction's after the first, i.e. both have read the whole sequence).
    """
    if how == "max":
        return h.amax(dim=1)
    if how == "avg":
        return h.mean(dim=1)
    if not bidirectional:
        return h[:, -1]
    return torch.cat([h[:, -1, :hidden], h[:, 0, hidden:]], dim=1)


def _check_rnn_options(where, cell, global_pool, dropout, n_outputs) -> None:
    if cell not in CELLS:
        raise ValueError(f"{where}: cell must be one of {list(CELLS)}, got {cell!r}")
    if global_pool not in POOLS:
        raise ValueError(
            f"{where}: global_pool must be one of {POOLS}, got {global_pool!r}"
        )
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"{where}: dropout must be in [0, 1), got {dropout}")
    _check_sizes(where, n_outputs=n_outputs)


@register
class RecurrentClassifier(nn.Module):
    """A (bidirectional) GRU or LSTM over one-hot bases, pooled over positions.

    ``one-hot (batch, 4, L) -> GRU/LSTM -> (batch, L, 2 * hidden) -> global pool ->
    Dropout -> Linear(n_outputs)``.

    Parameters
    ----------
    hidden : int, default 32
        Hidden units per direction.
    cell : {"gru", "lstm"}, default "gru"
    bidirectional : bool, default True
    global_pool : {"max", "avg", "last"}, default "max"
        How the per-position states become one vector ("last": the final states).
    dropout : float, default 0.0
        Dropout before the read-out.
    n_outputs : int, default 1

    Shapes
    ------
    x : (batch, 4, length) one-hot DNA, any length >= 1
    returns : (batch, n_outputs) logits

    Used in: chapter 4 (notebooks 04a and 04b).
    """

    def __init__(
        self,
        hidden: int = 32,
        cell: str = "gru",
        bidirectional: bool = True,
        global_pool: str = "max",
        dropout: float = 0.0,
        n_outputs: int = 1,
    ):
        super().__init__()
        _check_sizes("RecurrentClassifier", hidden=hidden)
        _check_rnn_options("RecurrentClassifier", cell, global_pool, dropout, n_outputs)
        self.hidden, self.bidirectional = hidden, bidirectional
        self.global_pool, self.n_outputs = global_pool, n_outputs
        self.rnn = CELLS[cell](4, hidden, batch_first=True, bidirectional=bidirectional)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_onehot(x, "RecurrentClassifier: input", batched=True)
        h, _ = self.rnn(x.transpose(1, 2))  # (batch, L, 4) -> (batch, L, dirs * hidden)
        pooled = _pool_positions(h, self.global_pool, self.hidden, self.bidirectional)
        return self.out(self.dropout(pooled))  # (batch, n_outputs)


@register
class DanQ(nn.Module):
    """DanQ-style hybrid (Quang & Xie 2016): motifs by convolution, grammar by a BiLSTM.

    ``Conv1d(4 -> n_filters, kernel_size) -> ReLU -> MaxPool1d(pool_size) -> Dropout
    -> BiLSTM(hidden) -> global pool -> Linear(dense) -> ReLU -> Dropout ->
    Linear(n_outputs)``. Pooling shortens the sequence the LSTM must read by
    ``pool_size`` (DanQ: 1,000 bp -> 75 steps with a pool of 13), which is what makes
    the recurrent part affordable. DanQ flattened the LSTM outputs of its fixed-length
    windows; global pooling keeps this version independent of the input length.

    Parameters
    ----------
    n_filters, kernel_size : int, default 32, 11
        Motif detectors of the first layer (DanQ: 320 of width 26).
    pool_size : int, default 4
        Max-pool width and stride (DanQ: 13).
    hidden : int, default 32
        LSTM units per direction (DanQ: 320).
    cell : {"lstm", "gru"}, default "lstm"
    global_pool : {"max", "avg", "last"}, default "max"
    dense : int, default 32
        Width of the hidden dense layer; 0 for a linear read-out (DanQ: 925).
    dropout : float, default 0.2
        After pooling (DanQ: 0.2) and before the output layer (DanQ: 0.5).
    n_outputs : int, default 1
        DanQ predicted 919 chromatin features at once.

    Shapes
    ------
    x : (batch, 4, length) one-hot DNA, ``length >= kernel_size + pool_size - 1``
    returns : (batch, n_outputs) logits

    Used in: chapter 4 (notebook 04b).
    """

    def __init__(
        self,
        n_filters: int = 32,
        kernel_size: int = 11,
        pool_size: int = 4,
        hidden: int = 32,
        cell: str = "lstm",
        global_pool: str = "max",
        dense: int = 32,
        dropout: float = 0.2,
        n_outputs: int = 1,
    ):
        super().__init__()
        sizes = dict(n_filters=n_filters, kernel_size=kernel_size, pool_size=pool_size)
        _check_sizes("DanQ", hidden=hidden, **sizes)
        _check_rnn_options("DanQ", cell, global_pool, dropout, n_outputs)
        self.kernel_size, self.pool_size, self.hidden = kernel_size, pool_size, hidden
        self.global_pool, self.n_outputs = global_pool, n_outputs
        self.conv = nn.Conv1d(4, n_filters, kernel_size)
        self.pool = nn.MaxPool1d(pool_size)
        self.dropout = nn.Dropout(dropout)
        self.rnn = CELLS[cell](n_filters, hidden, batch_first=True, bidirectional=True)
        head = [nn.Linear(2 * hidden, dense), nn.ReLU()] if dense else []
        last = nn.Linear(dense or 2 * hidden, n_outputs)
        self.head = nn.Sequential(*head, nn.Dropout(dropout), last)

    @property
    def first_layer(self) -> nn.Conv1d:
        """The motif-scanning ``Conv1d(4, n_filters, kernel_size)``."""
        return self.conv

    def first_layer_activations(self, x: torch.Tensor) -> torch.Tensor:
        """ReLU of the convolution: (batch, 4, L) -> (batch, n_filters, L - w + 1)."""
        check_onehot(x, "DanQ: input", batched=True)
        if x.shape[2] < self.kernel_size + self.pool_size - 1:
            raise ValueError(
                f"DanQ: input length {x.shape[2]} is shorter than kernel_size + "
                f"pool_size - 1 = {self.kernel_size + self.pool_size - 1}"
            )
        return torch.relu(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        motifs = self.first_layer_activations(x)  # (batch, n_filters, L - w + 1)
        motifs = self.dropout(self.pool(motifs))  # (batch, n_filters, L')
        h, _ = self.rnn(motifs.transpose(1, 2))  # (batch, L', 2 * hidden)
        pooled = _pool_positions(h, self.global_pool, self.hidden, True)
        return self.head(pooled)  # (batch, n_outputs)
