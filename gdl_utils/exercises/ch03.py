"""Chapter 3 checks: a motif scan written as a convolution by the student, run against
:func:`gdl_utils.motifs.pwm.scan_pwm`.

Used in: chapter 3 (03a).
"""

from __future__ import annotations

import numpy as np
import torch

from .._util import ALPHABET, as_numpy
from ..dna import one_hot
from ..motifs import pwm
from ._common import call_student


def _cases(seed: int):
    """(name, x (N, 4, L) float32 tensor, log_odds (4, w) float32 tensor) cases."""
    rng = np.random.default_rng(seed)

    def seqs(n, length, n_rate=0.0):
        letters = np.array(list(ALPHABET + "N"))
        p = np.r_[np.full(4, (1 - n_rate) / 4), n_rate]
        return ["".join(rng.choice(letters, size=length, p=p)) for _ in range(n)]

    def matrix(w):
        return torch.tensor(rng.normal(size=(4, w)), dtype=torch.float32)

    # a matrix that is not its own reverse, so that a flipped kernel shows up
    asym = torch.tensor(
        [
            [2.0, -1, -1, -1, 0.5],
            [-1, 2, -1, -1, 0],
            [-1, -1, 2, -1, 0],
            [-1, -1, -1, 2, 0],
        ]
    )
    raw = [
        ("one sequence, window = length", seqs(1, 5), asym),
        ("width 1", seqs(3, 7), matrix(1)),
        ("ACGTACGT with a 5-wide matrix", ["ACGTACGT"], asym),
        ("sequences with N (all-zero columns)", seqs(4, 30, n_rate=0.2), matrix(6)),
        ("a batch of 8, width 12", seqs(8, 60), matrix(12)),
        ("a batch of 16, width 19", seqs(16, 101), matrix(19)),
    ]
    return [(name, one_hot(s, as_tensor=True), lo) for name, s, lo in raw]


def check_pwm_scan(fn, seed: int = 0) -> str:
    """Run a student's forward-strand PWM scan against
    :func:`gdl_utils.motifs.pwm.scan_pwm` with ``both_strands=False``.

    ``fn(x, log_odds)`` returns the log-odds score of every window ``x[:, :, p:p + w]``,
    ``sum_c sum_j log_odds[c, j] * x[n, c, p + j]``: a ``Conv1d`` with one filter, no
    bias and no padding.

    Parameters
    ----------
    fn : callable, ``fn(x, log_odds) -> (N, L - w + 1)`` tensor or array, with ``x``
        (N, 4, L) one-hot float32 tensor and ``log_odds`` (4, w) float32 tensor
    seed : int, default 0, seed of the random sequences and matrices

    Returns
    -------
    str, a one-line summary when every case agrees.

    Raises
    ------
    AssertionError
        Naming the first case that differs: the case, the sequence length and motif
        width, the expected and the returned scores (or shape).

    Used in: chapter 3 (03a).
    """
    cases = _cases(seed)
    for name, x, log_odds in cases:
        expected = as_numpy(pwm.scan_pwm(x, log_odds, both_strands=False), dtype=float)
        case = f"{name} (N={x.shape[0]}, L={x.shape[2]}, w={log_odds.shape[1]})"
        args = (x.clone(), log_odds.clone())
        got = call_student("check_pwm_scan", case, "scores", fn, args, expected)
        if not np.allclose(got, expected, rtol=1e-4, atol=1e-4):
            n, p = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
            raise AssertionError(
                f"check_pwm_scan, {case}:\n  sequence {n}, window {p}: expected "
                f"{expected[n, p]:.4f}, got {got[n, p]:.4f}"
            )
    return f"check_pwm_scan: all {len(cases)} cases agree with pwm.scan_pwm"
