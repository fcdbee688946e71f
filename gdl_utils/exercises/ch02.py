"""Chapter 2 checks: the forward pass of a one-hidden-layer perceptron written by the
student, run against :class:`gdl_utils.models.MLP`.

Used in: chapter 2 (02a).
"""

from __future__ import annotations

import numpy as np
import torch

from ..models import MLP
from ..runtime import seeded
from ._common import call_student

# (batch, n_inputs, hidden, n_outputs): one example, one hidden unit, several outputs,
# then the sizes of the two-motif task (4-mer counts, 64 hidden units)
_SHAPES = [(1, 3, 1, 1), (5, 1, 4, 1), (7, 6, 3, 3), (32, 256, 64, 1), (16, 24, 8, 2)]


def _mlp(n_inputs: int, hidden: int, n_outputs: int, seed: int) -> MLP:
    with seeded(seed):
        return MLP(n_inputs, hidden_sizes=(hidden,), n_outputs=n_outputs).eval()


def check_mlp_forward(fn, seed: int = 0) -> str:
    """Run a student's forward pass of a one-hidden-layer MLP against
    :class:`gdl_utils.models.MLP` (``Linear -> ReLU -> Linear``, no dropout).

    ``fn(x, w1, b1, w2, b2)`` returns the logits ``relu(x w1^T + b1) w2^T + b2``; the
    weights are laid out as in ``torch.nn.Linear`` (one row per output unit).

    Parameters
    ----------
    fn : callable, ``fn(x, w1, b1, w2, b2) -> (N, n_outputs)`` tensor or array, with
        ``x`` (N, n_inputs), ``w1`` (hidden, n_inputs), ``b1`` (hidden,),
        ``w2`` (n_outputs, hidden), ``b2`` (n_outputs,), all float32 tensors
    seed : int, default 0, seed of the random weights and inputs

    Returns
    -------
    str, a one-line summary when every case agrees.

    Raises
    ------
    AssertionError
        Naming the first case that differs: the sizes, the expected and the returned
        logits (or shape).

    Used in: chapter 2 (02a).
    """
    for i, (n, n_in, hidden, n_out) in enumerate(_SHAPES):
        model = _mlp(n_in, hidden, n_out, seed + i)
        g = torch.Generator().manual_seed(seed + 100 + i)
        x = torch.randn(n, n_in, generator=g)  # negative inputs: the ReLU matters
        if i == 0:  # every hidden unit below zero: the output is the bias alone
            with torch.no_grad():
                model.net[0].bias.fill_(-100.0)
        first, last = model.net[0], model.net[-1]
        case = f"case {i}: N={n}, n_inputs={n_in}, hidden={hidden}, n_outputs={n_out}"
        with torch.no_grad():
            expected = model(x).numpy()
            args = (x, first.weight, first.bias, last.weight, last.bias)
            got = call_student("check_mlp_forward", case, "logits", fn, args, expected)
        if not np.allclose(got, expected, rtol=1e-4, atol=1e-4):
            j = int(np.argmax(np.abs(got - expected).max(axis=1)))
            raise AssertionError(
                f"check_mlp_forward, {case}:\n  row {j} expected "
                f"{np.round(expected[j], 4)}, got {np.round(got[j], 4)}"
            )
    return (
        f"check_mlp_forward: all {len(_SHAPES)} cases agree with gdl_utils.models.MLP"
    )
