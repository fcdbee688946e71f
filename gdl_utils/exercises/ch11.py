"""Chapter 11 (protein sequences): checks of the implement-it exercises.

Used in: chapter 11 (11a).
"""

from __future__ import annotations

import torch

from ..models.protein import masked_cross_entropy

__all__ = ["check_masked_cross_entropy"]


def _cases():
    """(name, logits, labels, mask) for the check, seeded; padding labelled -1."""
    g = torch.Generator().manual_seed(0)
    out = []
    for b, c, length in ((2, 3, 7), (5, 3, 40), (4, 13, 9)):
        logits = torch.randn(b, c, length, generator=g, dtype=torch.float64) * 2
        labels = torch.randint(0, c, (b, length), generator=g)
        lengths = torch.randint(1, length + 1, (b,), generator=g)
        lengths[0] = length  # one chain without padding
        pad = torch.arange(length)[None] >= lengths[:, None]
        unresolved = torch.rand(b, length, generator=g) < 0.15
        labels[pad] = -1
        mask = ~pad & ~unresolved
        out.append((f"{b} chains, {c} classes, length {length}", logits, labels, mask))
    logits, labels, mask = out[1][1:]
    none = mask.clone()
    none[1] = False
    out.append(("a chain with no scored residue", logits, labels, none))
    out.append(("logits of +-80", logits.sign() * 80, labels, mask))
    out.append(
        ("no scored residue in the batch (the loss is 0)", logits, labels, none & False)
    )
    every = torch.ones_like(mask)
    out.append(("no padding, every residue scored", logits, labels.clamp(min=0), every))
    return out


def check_masked_cross_entropy(fn, atol: float = 1e-6) -> str:
    """Check a student's masked per-residue cross-entropy against the package's.

    Parameters
    ----------
    fn : ``fn(logits, labels, mask) -> scalar tensor``: the mean cross-entropy over the
        residues where ``mask`` is True (:func:`gdl_utils.models.masked_cross_entropy`);
        ``logits`` ``(B, C, L)`` float64, ``labels`` ``(B, L)`` int64 with -1 at
        padding, ``mask`` ``(B, L)`` bool
    atol : absolute tolerance on the loss

    Returns
    -------
    A one-line summary when every case agrees; raises ``AssertionError`` naming the
    first case that differs (its shapes, the expected and the returned loss).

    Used in: chapter 11 (11a).
    """
    cases = _cases()
    for name, logits, labels, mask in cases:
        expected = float(masked_cross_entropy(logits, labels, mask))
        got = fn(logits.clone(), labels.clone(), mask.clone())
        got = float(torch.as_tensor(got).detach().reshape(()))
        assert abs(got - expected) <= atol, (
            f"check_masked_cross_entropy: case {name!r} (logits {tuple(logits.shape)}, "
            f"labels and mask {tuple(labels.shape)}, {int(mask.sum())} scored): "
            f"expected {expected:.6f}, got {got:.6f}"
        )
    return f"check_masked_cross_entropy: all {len(cases)} cases agree"
