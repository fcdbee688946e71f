"""Chapter 9 (transfer, multi-task and multi-view learning): checks of the implement-it
exercises.

Used in: chapter 9 (09b).
"""

from __future__ import annotations

import torch

from ..transfer.multitask import masked_bce

__all__ = ["check_masked_bce"]


def _cases():
    """(name, logits, y, mask, task_weights) for the check, seeded."""
    g = torch.Generator().manual_seed(0)
    out = []
    for b, t in ((8, 3), (33, 6)):
        logits = torch.randn(b, t, generator=g, dtype=torch.float64) * 3
        y = (torch.rand(b, t, generator=g) < 0.3).double()
        mask = (torch.rand(b, t, generator=g) < 0.6).double()
        out.append((f"random ({b}, {t})", logits, y, mask, None))
    logits, y, mask = out[1][1:4]
    w = torch.tensor([1.0, 0.3, 0.1, 2.0, 1.0, 0.0], dtype=torch.float64)
    out.append(("task_weights [1, 0.3, 0.1, 2, 1, 0]", logits, y, mask, w))
    unobserved = mask.clone()
    unobserved[:, 2] = 0
    out.append(("a task with no observed entry", logits, y, unobserved, None))
    nan_y = torch.where(mask.bool(), y, torch.full_like(y, float("nan")))
    out.append(("NaN labels where mask is 0", logits, nan_y, mask, None))
    big = logits.sign() * 60
    out.append(
        ("logits of +-60 (a naive sigmoid-then-log gives inf)", big, y, mask, None)
    )
    full = torch.ones_like(mask)
    out.append(("every entry observed", logits, y, full, None))
    return out


def check_masked_bce(fn, atol: float = 1e-6) -> str:
    """Check a student's masked multi-task binary cross-entropy against the package's.

    Parameters
    ----------
    fn : ``fn(logits, y, mask, task_weights=None) -> scalar tensor``: the mean BCE over
        the observed entries, ``sum(w_t * m * bce) / sum(w_t * m)``
        (:func:`gdl_utils.transfer.masked_bce`); ``logits``, ``y``, ``mask`` are
        ``(B, T)`` float64 tensors (``y`` may be NaN where ``mask`` is 0),
        ``task_weights`` ``(T,)`` or None
    atol : absolute tolerance on the loss

    Returns
    -------
    A one-line summary when every case agrees; raises ``AssertionError`` naming the
    first case that differs (its inputs' shapes, the expected and the returned loss).

    Used in: chapter 9 (09b).
    """
    cases = _cases()
    for name, logits, y, mask, w in cases:
        expected = float(masked_bce(logits, y, mask, task_weights=w))
        args = (logits.clone(), y.clone(), mask.clone())
        got = fn(*args) if w is None else fn(*args, task_weights=w.clone())
        got = float(torch.as_tensor(got).detach().reshape(()))
        assert abs(got - expected) <= atol, (
            f"check_masked_bce: case {name!r} (logits, y, mask of shape "
            f"{tuple(logits.shape)}, task_weights {None if w is None else w.tolist()}):"
            f" expected {expected:.6f}, got {got:.6f}"
        )
    return f"check_masked_bce: all {len(cases)} cases agree with masked_bce"
