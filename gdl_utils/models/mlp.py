"""Early neural networks: the perceptron, logistic regression's single layer, and the
multilayer perceptron.

The models here are deliberately plain. A :class:`Perceptron` is one linear layer
(Rosenblatt 1958; the first neural network in genomics, Stormo et al. 1982); what makes
it a *perceptron* rather than logistic regression is how it is trained, so the
perceptron's error-driven rule is provided twice: as the classic numpy loop
(:func:`perceptron_rule`) and as a loss for gradient descent (:func:`perceptron_loss`).
An :class:`MLP` stacks hidden layers with a non-linearity in between (Rumelhart, Hinton
& Williams 1986), which is what lets it learn interactions such as "exactly one of two
motifs" that no single layer can represent.

All models accept one-hot DNA ``(batch, 4, length)`` (flattened inside, channel-major:
the first ``length`` features are the A channel) or ready-made features ``(batch,
features)``, and return logits ``(batch, n_outputs)``.

Used in: chapter 2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .registry import register

__all__ = [
    "Perceptron",
    "MLP",
    "perceptron_rule",
    "perceptron_loss",
]


def _flatten_input(x: torch.Tensor, n_inputs: int, where: str) -> torch.Tensor:
    """Flatten ``(batch, 4, length)`` to ``(batch, 4 * length)``; check the features."""
    shape = tuple(x.shape)
    if x.dim() == 3:
        x = x.flatten(start_dim=1)
    if x.dim() != 2:
        raise ValueError(
            f"{where}: expected input of shape (batch, 4, length) or (batch, features),"
            f" got {shape}"
        )
    if x.shape[1] != n_inputs:
        raise ValueError(
            f"{where}: expected {n_inputs} features per example (after flattening), "
            f"got {x.shape[1]} from input of shape {shape}"
        )
    return x


@register
class Perceptron(nn.Module):
    """A single linear layer: ``score = x · w + b``; the predicted class is the sign (or
    arg-max) of the score.

    Trained with :func:`perceptron_loss` it is Rosenblatt's perceptron; trained with
    cross-entropy the very same module is (multinomial) logistic regression.

    Parameters
    ----------
    n_inputs : int
        Number of input features; ``4 * length`` for one-hot DNA.
    n_outputs : int, default 1
        ``1`` for a binary task (one logit), ``K >= 2`` for ``K`` classes (one score per
        class).

    Shapes
    ------
    x : (batch, 4, length) one-hot DNA or (batch, n_inputs) features
    returns : (batch, n_outputs) logits

    Used in: chapter 2.
    """

    def __init__(self, n_inputs: int, n_outputs: int = 1):
        super().__init__()
        if n_inputs < 1 or n_outputs < 1:
            raise ValueError(
                "Perceptron: n_inputs and n_outputs must be >= 1,"
                f" got {n_inputs}, {n_outputs}"
            )
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.linear = nn.Linear(n_inputs, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(_flatten_input(x, self.n_inputs, "Perceptron"))


@register
class MLP(nn.Module):
    """Multilayer perceptron: ``Linear -> ReLU -> Dropout`` per hidden layer, then a
    linear output layer.

    Parameters
    ----------
    n_inputs : int
        Number of input features; ``4 * length`` for one-hot DNA.
    hidden_sizes : sequence of int, default (64,)
        Width of each hidden layer; its length is the depth. ``()`` gives a single
        linear layer.
    n_outputs : int, default 1
        Number of output logits (1 for binary tasks).
    dropout : float, default 0.0
        Dropout probability after each hidden activation.
    input_dropout : float, default 0.0
        Dropout probability on the input features; a strong regulariser for tiny data
        sets.

    Shapes
    ------
    x : (batch, 4, length) one-hot DNA or (batch, n_inputs) features
    returns : (batch, n_outputs) logits

    Used in: chapter 2.
    """

    def __init__(
        self,
        n_inputs: int,
        hidden_sizes: Sequence[int] = (64,),
        n_outputs: int = 1,
        dropout: float = 0.0,
        input_dropout: float = 0.0,
    ):
        super().__init__()
        if isinstance(hidden_sizes, int):
            hidden_sizes = (hidden_sizes,)
        if n_inputs < 1 or n_outputs < 1 or any(h < 1 for h in hidden_sizes):
            raise ValueError(
                f"MLP: n_inputs, n_outputs and every hidden width must be >= 1, "
                f"got n_inputs={n_inputs}, hidden_sizes={tuple(hidden_sizes)},"
                f" n_outputs={n_outputs}"
            )
        for name, p in (("dropout", dropout), ("input_dropout", input_dropout)):
            if not 0.0 <= p < 1.0:
                raise ValueError(f"MLP: {name} must be in [0, 1), got {p}")
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        layers: list[nn.Module] = (
            [nn.Dropout(input_dropout)] if input_dropout > 0 else []
        )
        width = n_inputs
        for h in hidden_sizes:
            layers += [nn.Linear(width, h), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, n_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(_flatten_input(x, self.n_inputs, "MLP"))


def perceptron_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The perceptron criterion: zero for a correctly classified example, the size of
    the mistake otherwise.

    Binary (``logits`` of shape ``(batch, 1)`` or ``(batch,)``, ``target`` 0/1): mean of
    ``max(0, -s * logit)`` with ``s = 2 * target - 1``. Multi-class (``logits``
    ``(batch, K)``, ``target`` integer classes ``(batch,)``): mean of ``max_k logit_k -
    logit_target``. One stochastic-gradient step with learning rate ``lr`` on a single
    example strictly on the wrong side of the boundary is exactly the perceptron update
    ``w += lr * s * x`` (see :func:`perceptron_rule`).

    Parameters
    ----------
    logits : (batch, 1), (batch,) or (batch, K) tensor
    target : (batch,) or (batch, 1) tensor of 0/1 labels (binary) or class indices
        (multi-class)

    Returns
    -------
    scalar tensor

    Used in: chapter 2.
    """
    if logits.dim() == 2 and logits.shape[1] > 1:
        target = target.reshape(-1).long()
        if target.shape[0] != logits.shape[0]:
            raise ValueError(
                f"perceptron_loss: {logits.shape[0]} logits rows but"
                f" {target.shape[0]} targets"
            )
        true_score = logits.gather(1, target[:, None]).squeeze(1)
        return (logits.max(dim=1).values - true_score).mean()
    logits = logits.reshape(-1)
    target = target.reshape(-1).to(logits.dtype)
    if target.shape != logits.shape:
        raise ValueError(
            f"perceptron_loss: {logits.shape[0]} logits but {target.shape[0]} targets"
        )
    return torch.relu(-(2 * target - 1) * logits).mean()


def perceptron_rule(
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 100,
    lr: float = 1.0,
    *,
    shuffle: bool = True,
    average: bool = False,
    seed: int | None = None,
) -> tuple[np.ndarray, float, np.ndarray]:
    """Rosenblatt's perceptron learning rule in numpy: on every mistake, move the
    weights towards the example.

    For each example (in random order when ``shuffle``) with sign ``s = +1`` (label 1)
    or ``-1`` (label 0): if ``s * (x · w + b) <= 0`` then ``w += lr * s * x`` and ``b +=
    lr * s``. Training stops early after the first epoch without a mistake (on linearly
    separable data this is guaranteed to happen, Novikoff 1962). On data that are not
    separable the weights keep jumping from one mistake to the next; ``average=True``
    returns instead the average of the weights over every step (the averaged perceptron
    of Freund & Schapire 1999), which is far more stable.

    Parameters
    ----------
    X : (n, features) or (n, 4, length) array
        Inputs; one-hot DNA is flattened channel-major, as in :class:`Perceptron`.
    y : (n,) array of 0/1 labels
    epochs : int
        Maximum number of passes over the data.
    lr : float
        Learning rate. Starting from zero weights it only rescales ``w`` and ``b``
        together, so the decisions (and the mistake counts) do not depend on it.
    shuffle : bool
        Visit the examples in a new random order each epoch.
    average : bool
        Return the weights and bias averaged over all visits instead of the final ones.
    seed : int or None
        Seed for the visiting order (None: a fresh, unseeded order).

    Returns
    -------
    w : (features,) float array
    b : float
    n_errors : (epochs_run,) int array, mistakes made during each epoch (last is 0 if
        converged)

    Used in: chapter 2.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 3:
        X = X.reshape(len(X), -1)
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(
            "perceptron_rule: X must be (n, features) with n == len(y);"
            f" got X {X.shape}, y {y.shape}"
        )
    if not np.isin(y, (0, 1)).all():
        raise ValueError(
            f"perceptron_rule: labels must be 0/1, got values {np.unique(y)[:5]}"
        )
    if epochs < 1:
        raise ValueError(f"perceptron_rule: epochs must be >= 1, got {epochs}")
    rng = np.random.default_rng(seed)
    sign = 2.0 * y - 1.0
    w, b = np.zeros(X.shape[1]), 0.0
    w_sum, b_sum, steps = np.zeros_like(w), 0.0, 0
    n_errors = []
    for _ in range(epochs):
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        mistakes = 0
        for i in order:
            if sign[i] * (X[i] @ w + b) <= 0:
                w += lr * sign[i] * X[i]
                b += lr * sign[i]
                mistakes += 1
            if average:
                w_sum += w
                b_sum += b
                steps += 1
        n_errors.append(mistakes)
        if mistakes == 0:
            break
    if average:
        w, b = w_sum / steps, b_sum / steps
    return w, float(b), np.asarray(n_errors, dtype=int)
