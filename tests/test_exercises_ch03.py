"""The chapter 3 exercise check: a correct PWM scan passes, broken ones fail."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gdl_utils.exercises import check_pwm_scan


def test_conv1d_passes():
    out = check_pwm_scan(lambda x, lo: F.conv1d(x, lo[None])[:, 0])
    assert out.startswith("check_pwm_scan: all 6 cases agree")


def test_an_explicit_loop_passes():
    def loop(x, lo):
        w = lo.shape[1]
        n_win = x.shape[2] - w + 1
        return torch.stack(
            [(x[:, :, p : p + w] * lo).sum(dim=(1, 2)) for p in range(n_win)], 1
        )

    check_pwm_scan(loop)


def test_a_flipped_kernel_fails():
    """A textbook convolution flips the kernel; conv1d (and a motif scan) does not."""
    with pytest.raises(AssertionError, match="window = length"):
        check_pwm_scan(lambda x, lo: F.conv1d(x, lo.flip(1)[None])[:, 0])


def test_same_padding_fails_on_the_shape():
    with pytest.raises(AssertionError, match="shape"):
        check_pwm_scan(lambda x, lo: F.conv1d(x, lo[None], padding="same")[:, 0])


def test_both_strands_fails():
    def both(x, lo):
        plus = F.conv1d(x, lo[None])[:, 0]
        minus = F.conv1d(x, lo.flip(0, 1)[None])[:, 0]
        return np.maximum(plus.numpy(), minus.numpy())

    with pytest.raises(AssertionError, match="expected"):
        check_pwm_scan(both)


def test_a_crash_is_named_with_its_case():
    with pytest.raises(AssertionError, match="window = length.*\\n.*got RuntimeError"):
        check_pwm_scan(lambda x, lo: F.conv1d(x, lo)[:, 0])
