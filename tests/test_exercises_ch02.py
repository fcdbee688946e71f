"""The chapter 2 exercise check: a correct MLP forward pass passes, broken ones fail."""

import numpy as np
import pytest
import torch

from gdl_utils.exercises import check_mlp_forward


def good(x, w1, b1, w2, b2):
    return torch.relu(x @ w1.T + b1) @ w2.T + b2


def test_a_correct_forward_pass_passes():
    assert check_mlp_forward(good).startswith("check_mlp_forward: all 5 cases")


def test_a_numpy_forward_pass_passes():
    def in_numpy(x, w1, b1, w2, b2):
        x, w1, b1, w2, b2 = (t.detach().numpy() for t in (x, w1, b1, w2, b2))
        return np.maximum(x @ w1.T + b1, 0) @ w2.T + b2

    check_mlp_forward(in_numpy)


def test_a_missing_relu_fails():
    with pytest.raises(AssertionError, match="case 0"):
        check_mlp_forward(lambda x, w1, b1, w2, b2: (x @ w1.T + b1) @ w2.T + b2)


def test_an_activation_after_the_output_layer_fails():
    with pytest.raises(AssertionError, match="expected"):
        check_mlp_forward(lambda *a: torch.relu(good(*a)))


def test_a_forgotten_output_bias_fails():
    with pytest.raises(AssertionError, match="check_mlp_forward, case 0"):
        check_mlp_forward(lambda x, w1, b1, w2, b2: torch.relu(x @ w1.T + b1) @ w2.T)


def test_a_wrong_shape_is_named():
    with pytest.raises(AssertionError, match="shape"):
        check_mlp_forward(lambda *a: good(*a)[:, 0])


def test_a_transposed_weight_is_named():
    with pytest.raises(AssertionError, match="case 0.*\\n.*RuntimeError"):
        check_mlp_forward(lambda x, w1, b1, w2, b2: torch.relu(x @ w1 + b1) @ w2.T + b2)
