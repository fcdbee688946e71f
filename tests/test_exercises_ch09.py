"""The check of chapter 9's implement-it exercise (masked multi-task BCE)."""

import pytest
import torch
import torch.nn.functional as F

from gdl_utils.exercises import check_masked_bce


def good(logits, y, mask, task_weights=None):
    m = mask.float()
    if task_weights is not None:
        m = m * task_weights
    target = torch.where(mask.bool(), y, torch.zeros_like(y))
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (bce * m).sum() / m.sum().clamp_min(1e-12)


def mean_over_all(logits, y, mask, task_weights=None):
    """Broken: divides by every entry, not by the observed ones."""
    target = torch.where(mask.bool(), y, torch.zeros_like(y))
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (bce * mask).mean()


def nan_unsafe(logits, y, mask, task_weights=None):
    """Broken: multiplies by the mask, so a NaN label where mask is 0 leaks in."""
    m = mask if task_weights is None else mask * task_weights
    bce = F.binary_cross_entropy_with_logits(logits, y, reduction="none")
    return (bce * m).sum() / m.sum()


def naive_log(logits, y, mask, task_weights=None):
    """Broken: sigmoid then log overflows at large logits."""
    m = mask if task_weights is None else mask * task_weights
    target = torch.where(mask.bool(), y, torch.zeros_like(y))
    p = torch.sigmoid(logits)
    bce = -(target * torch.log(p) + (1 - target) * torch.log(1 - p))
    return (bce * m).sum() / m.sum()


def test_a_correct_masked_bce_passes():
    assert "agree" in check_masked_bce(good)


@pytest.mark.parametrize(
    "broken, case",
    [(mean_over_all, "random"), (nan_unsafe, "NaN labels"), (naive_log, r"\+-60")],
)
def test_a_broken_masked_bce_fails_naming_the_case(broken, case):
    with pytest.raises(AssertionError, match=case):
        check_masked_bce(broken)
