"""Tests for gdl_utils.models.mlp: the perceptron rule, the perceptron criterion,
Perceptron and MLP."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import random_one_hot

from gdl_utils.models.mlp import (
    MLP,
    Perceptron,
    perceptron_loss,
    perceptron_rule,
)


def separable_data(rng, n=200, d=5, margin=0.2):
    """Points on either side of a random hyperplane, at least ``margin`` away from
    it."""
    w_true = rng.normal(size=d)
    w_true /= np.linalg.norm(w_true)
    X = rng.normal(size=(4 * n, d))
    score = X @ w_true + 0.3
    keep = np.abs(score) > margin
    return X[keep][:n], (score[keep][:n] > 0).astype(int)


# ---------------------------------------------------------- perceptron_rule (numpy)


def test_perceptron_rule_converges_on_separable_data(rng):
    X, y = separable_data(rng)
    w, b, n_errors = perceptron_rule(X, y, epochs=200, seed=0)
    assert n_errors[-1] == 0 and len(n_errors) < 200
    assert np.array_equal((X @ w + b > 0).astype(int), y)


def test_perceptron_rule_does_not_converge_on_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    w, b, n_errors = perceptron_rule(X, y, epochs=50, seed=0)
    assert len(n_errors) == 50 and (n_errors > 0).all()
    assert ((X @ w + b > 0).astype(int) != y).any()


def test_perceptron_rule_single_update_matches_hand_computation():
    # one positive example, no shuffling: the first visit is a mistake (score 0),
    # then w = lr*x, b = lr
    X = np.array([[1.0, -2.0, 0.5]])
    w, b, n_errors = perceptron_rule(X, np.array([1]), epochs=5, lr=0.1, shuffle=False)
    np.testing.assert_allclose(w, [0.1, -0.2, 0.05])
    assert b == pytest.approx(0.1)
    assert n_errors.tolist() == [1, 0]


def test_averaged_perceptron_matches_hand_computation():
    # visits: mistake (w=[1,0], b=1), mistake (w=[1,-1], b=0), then two correct
    # visits; average of 4 states
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    w, b, n_errors = perceptron_rule(
        X, np.array([1, 0]), epochs=10, shuffle=False, average=True
    )
    np.testing.assert_allclose(w, [1.0, -0.75])
    assert b == pytest.approx(0.25)
    assert n_errors.tolist() == [2, 0]


def test_averaged_perceptron_is_stable_on_noisy_data(rng):
    X, y = separable_data(rng, n=300, d=5, margin=0.0)
    y = np.where(rng.random(len(y)) < 0.15, 1 - y, y)  # label noise: not separable
    finals = np.array([perceptron_rule(X, y, epochs=5, seed=s)[0] for s in range(6)])
    averages = np.array(
        [perceptron_rule(X, y, epochs=5, seed=s, average=True)[0] for s in range(6)]
    )

    def spread(
        ws,
    ):  # mean angle-like spread of the unit weight vectors around their mean
        units = ws / np.linalg.norm(ws, axis=1, keepdims=True)
        return np.linalg.norm(units - units.mean(0), axis=1).mean()

    assert spread(averages) < 0.5 * spread(finals)


def test_perceptron_rule_accepts_one_hot_and_is_seeded(rng):
    x = random_one_hot(rng, 60, 8)
    y = (x[:, 2, 3] + x[:, 0, 5] >= 1).astype(
        int
    )  # G at 3 or A at 5: linearly separable
    w1, b1, e1 = perceptron_rule(x, y, epochs=100, seed=3)
    w2, b2, e2 = perceptron_rule(x, y, epochs=100, seed=3)
    assert w1.shape == (32,) and e1[-1] == 0
    np.testing.assert_array_equal(w1, w2)
    assert b1 == b2 and e1.tolist() == e2.tolist()


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.zeros((3, 2)), np.array([0, 1]), "n == len"),
        (np.zeros((2, 2)), np.array([0, 2]), "0/1"),
    ],
)
def test_perceptron_rule_rejects_bad_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        perceptron_rule(X, y)


@settings(max_examples=25, deadline=None)
@given(lr=st.floats(0.01, 10.0), seed=st.integers(0, 1000))
def test_perceptron_rule_decisions_do_not_depend_on_lr(lr, seed):
    rng = np.random.default_rng(seed)
    X, y = separable_data(rng, n=40, d=3)
    w1, b1, e1 = perceptron_rule(X, y, epochs=20, lr=1.0, seed=seed)
    w2, b2, e2 = perceptron_rule(X, y, epochs=20, lr=lr, seed=seed)
    assert e1.tolist() == e2.tolist()
    np.testing.assert_allclose(w2, lr * w1, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- perceptron_loss


def test_perceptron_loss_binary_values():
    logits = torch.tensor([[2.0], [-1.0], [0.5], [-3.0]])
    target = torch.tensor([1, 1, 0, 0])
    # correct, wrong by 1, wrong by 0.5, correct
    assert perceptron_loss(logits, target).item() == pytest.approx(
        (0 + 1 + 0.5 + 0) / 4
    )


def test_perceptron_loss_multiclass_values():
    logits = torch.tensor([[3.0, 1.0, 0.0], [0.0, 2.0, 5.0]])
    target = torch.tensor([0, 1])
    assert perceptron_loss(logits, target).item() == pytest.approx((0 + 3) / 2)


def test_perceptron_loss_gradient_step_is_the_perceptron_update():
    model = Perceptron(3)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([[-1.0, 0.0, 0.0]]))
        model.linear.bias.zero_()
    x = torch.tensor([[1.0, 2.0, -1.0]])
    perceptron_loss(model(x), torch.tensor([1])).backward()
    with torch.no_grad():
        new_w = model.linear.weight - 0.5 * model.linear.weight.grad
    np.testing.assert_allclose(new_w.numpy(), [[-1.0 + 0.5, 1.0, -0.5]])


def test_perceptron_loss_shape_mismatch():
    with pytest.raises(ValueError, match="targets"):
        perceptron_loss(torch.zeros(4, 1), torch.zeros(3))


# ---------------------------------------------------------------- modules


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_forward_shapes_one_hot_and_features(device, n_outputs):
    for model in (
        Perceptron(4 * 10, n_outputs),
        MLP(4 * 10, hidden_sizes=(16, 8), n_outputs=n_outputs, dropout=0.1),
    ):
        model = model.to(device)
        assert model(torch.zeros(5, 4, 10, device=device)).shape == (5, n_outputs)
        out = model(torch.zeros(2, 40, device=device))
        assert out.shape == (2, n_outputs) and out.device.type == device.type


def test_flattening_is_channel_major():
    model = Perceptron(4 * 3)
    with torch.no_grad():
        model.linear.weight.copy_(torch.arange(12.0)[None])
        model.linear.bias.zero_()
    x = torch.zeros(1, 4, 3)
    x[0, 2, 1] = 1.0  # G at position 1 -> feature 2 * 3 + 1 = 7
    assert model(x).item() == 7.0


def test_mlp_depth_and_dropout_layers():
    assert (
        sum(
            isinstance(m, torch.nn.Linear)
            for m in MLP(8, hidden_sizes=(4, 4, 4)).modules()
        )
        == 4
    )
    assert (
        sum(isinstance(m, torch.nn.Linear) for m in MLP(8, hidden_sizes=()).modules())
        == 1
    )
    mlp = MLP(8, hidden_sizes=3, dropout=0.5, input_dropout=0.2)
    assert sum(isinstance(m, torch.nn.Dropout) for m in mlp.modules()) == 2


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Perceptron(0), "n_inputs"),
        (lambda: MLP(8, hidden_sizes=(4, 0)), "hidden"),
        (lambda: MLP(8, dropout=1.0), "dropout"),
    ],
)
def test_bad_construction(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_input_shape_names_the_shapes():
    with pytest.raises(ValueError, match=r"expected 40 features.*\(2, 4, 9\)"):
        MLP(40)(torch.zeros(2, 4, 9))
    with pytest.raises(ValueError, match="batch"):
        Perceptron(4)(torch.zeros(4))


def train_full_batch(model, x, y, loss_fn, steps, lr=0.05):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return model


def test_mlp_overfits_a_tiny_xor_batch(device):
    torch.manual_seed(0)
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], device=device)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], device=device)
    mlp = train_full_batch(
        MLP(2, hidden_sizes=(16,)).to(device), x, y, torch.nn.BCEWithLogitsLoss(), 300
    )
    assert torch.equal((mlp(x) > 0).float(), y)
    lin = train_full_batch(
        Perceptron(2).to(device), x, y, torch.nn.BCEWithLogitsLoss(), 300
    )
    assert ((lin(x) > 0).float() != y).any(), "a single layer cannot represent XOR"


def test_mlp_overfits_random_one_hot_multiclass(device, rng):
    torch.manual_seed(0)
    x = torch.as_tensor(random_one_hot(rng, 32, 12), device=device)
    y = torch.as_tensor(rng.integers(0, 3, size=32), device=device)
    mlp = train_full_batch(
        MLP(48, hidden_sizes=(64,), n_outputs=3).to(device),
        x,
        y,
        torch.nn.CrossEntropyLoss(),
        200,
    )
    assert (mlp(x).argmax(1) == y).all()


def test_torch_perceptron_with_perceptron_loss_separates_separable_data(device, rng):
    torch.manual_seed(0)
    X, y = separable_data(rng, n=100, d=4)
    x, t = (
        torch.as_tensor(X, dtype=torch.float32, device=device),
        torch.as_tensor(y, device=device),
    )
    model = Perceptron(4).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(50):
        for i in range(len(x)):  # one example at a time, as Rosenblatt did
            opt.zero_grad()
            perceptron_loss(model(x[i : i + 1]), t[i : i + 1]).backward()
            opt.step()
    assert ((model(x).squeeze(1) > 0).long() == t).all()
