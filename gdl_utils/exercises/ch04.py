"""Chapter 4 exercises: the CTC forward (alpha) recursion, written in log space.

Layer: exercises.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["check_ctc_loss"]


def _cases(seed: int) -> list[tuple[str, torch.Tensor, list[int]]]:
    """(name, log_probs (T, C), target) cases: edge cases first, then random ones."""
    rng = np.random.default_rng(seed)

    def log_probs(steps: int, n_classes: int = 5) -> torch.Tensor:
        logits = rng.normal(scale=2.0, size=(steps, n_classes))
        return torch.as_tensor(logits, dtype=torch.float32).log_softmax(-1)

    cases = [
        ("one step, one base", log_probs(1), [2]),
        ("empty label (all blanks)", log_probs(4), []),
        ("repeated base AA: needs a blank between", log_probs(6), [1, 1]),
        ("AA in exactly 3 steps (A, blank, A)", log_probs(3), [1, 1]),
        ("label too long for the steps (p = 0)", log_probs(2), [1, 2, 3]),
        ("AAA in 4 steps (p = 0: needs 5)", log_probs(4), [1, 1, 1]),
        ("200 steps, 90 bases (underflows outside log space)", log_probs(200), None),
    ]
    out = []
    for name, lp, target in cases:
        if target is None:
            target = rng.integers(1, 5, size=90).tolist()
        out.append((name, lp, target))
    for i in range(8):
        steps = int(rng.integers(2, 40))
        n_labels = int(rng.integers(0, steps // 2 + 1))
        target = rng.integers(1, 5, size=n_labels).tolist()
        out.append((f"random case {i} (T = {steps})", log_probs(steps), target))
    return out


def check_ctc_loss(fn, seed: int = 0, rtol: float = 1e-4) -> str:
    """Check a student's CTC loss for one sequence against ``F.ctc_loss``.

    Parameters
    ----------
    fn : callable
        ``fn(log_probs, target) -> float or 0-d tensor``, the CTC loss
        :math:`-\\log p(\\ell \\mid x)` of one sequence: ``log_probs`` is a
        ``(T, C)`` float32 tensor of log-probabilities per step (class 0 is the
        blank, 1..C-1 the bases), ``target`` a list of ints in ``1..C-1`` (possibly
        empty). A label that no path can produce has loss ``inf``.
    seed : int
        Seed of the random cases.
    rtol : float
        Relative tolerance (absolute ``1e-4`` below a loss of 1).

    Returns
    -------
    str
        A one-line summary when every case agrees.

    Raises
    ------
    AssertionError
        Naming the first case that differs: its shape and label, the expected loss
        (``F.ctc_loss`` with ``reduction="sum"``) and the student's.

    Used in: chapter 4 (notebook 04c).
    """
    cases = _cases(seed)
    for name, log_probs, target in cases:
        expected = float(
            F.ctc_loss(
                log_probs[:, None],
                torch.tensor([target], dtype=torch.long).reshape(1, -1),
                [log_probs.shape[0]],
                [len(target)],
                reduction="sum",
                zero_infinity=False,
            )
        )
        got = fn(log_probs.clone(), list(target))
        got = float(got.detach()) if isinstance(got, torch.Tensor) else float(got)
        shown = "".join("-ACGT"[k] if k < 5 else "?" for k in target)
        shown = shown if len(shown) <= 20 else shown[:20] + "..."
        where = (
            f"case '{name}': log_probs of shape {tuple(log_probs.shape)}, "
            f"label '{shown}' ({len(target)} bases)"
        )
        if math.isinf(expected):
            assert math.isinf(got) and got > 0, f"{where}: expected inf, got {got}"
            continue
        ok = math.isfinite(got) and abs(got - expected) <= rtol * max(1.0, expected)
        assert ok, f"{where}: expected {expected:.6f}, got {got}"
    return f"check_ctc_loss: all {len(cases)} cases agree with F.ctc_loss"
