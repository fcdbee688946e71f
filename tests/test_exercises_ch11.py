"""The check of chapter 11's implement-it exercise (masked cross-entropy)."""

import pytest
import torch.nn.functional as F

from gdl_utils.exercises import check_masked_cross_entropy


def good(logits, labels, mask):
    per = F.cross_entropy(logits, labels.clamp(min=0), reduction="none")
    return (per * mask).sum() / mask.sum().clamp(min=1)


def per_chain_mean(logits, labels, mask):
    """Broken: the mean of the chains' means weights a short chain like a long one."""
    per = F.cross_entropy(logits, labels.clamp(min=0), reduction="none")
    return ((per * mask).sum(1) / mask.sum(1).clamp(min=1)).mean()


def padding_scored(logits, labels, mask):
    """Broken: scores every position, padding included (with a clamped label)."""
    return F.cross_entropy(logits, labels.clamp(min=0))


def nan_when_empty(logits, labels, mask):
    """Broken: divides by the count of scored residues even when it is 0."""
    per = F.cross_entropy(logits, labels.clamp(min=0), reduction="none")
    return (per * mask).sum() / mask.sum()


def test_a_correct_masked_cross_entropy_passes():
    assert "agree" in check_masked_cross_entropy(good)


@pytest.mark.parametrize(
    "broken, case",
    [
        (per_chain_mean, "chains"),
        (padding_scored, "chains"),
        (nan_when_empty, "no scored residue in the batch"),
    ],
)
def test_a_broken_masked_cross_entropy_fails_naming_the_case(broken, case):
    with pytest.raises(AssertionError, match=case):
        check_masked_cross_entropy(broken)
