"""gdl_utils.evaluate.latent: k-NN label scores, active units, principal angles, masked
error and correlation agreement, on data where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdl_utils.evaluate.latent import (
    active_units,
    correlation_agreement,
    knn_label_scores,
    masked_mse,
    principal_angles,
)


def clusters(n_per=40, n_types=4, sep=6.0, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_types, 5)) * sep
    Z = np.concatenate([c + rng.normal(size=(n_per, 5)) for c in centres])
    return Z, np.repeat([f"t{i}" for i in range(n_types)], n_per)


def test_knn_scores_separate_signal_from_shuffled_control():
    Z, y = clusters()
    real = knn_label_scores(Z, y, k=15, seed=0)
    shuffled = knn_label_scores(Z, y, k=15, seed=0, shuffle_labels=True)
    assert real["accuracy"] > 0.95 and real["macro_f1"] > 0.95
    assert shuffled["accuracy"] < 0.45 and shuffled["macro_f1"] < 0.45
    assert knn_label_scores(Z, y, seed=3) == knn_label_scores(Z, y, seed=3)
    with pytest.raises(ValueError, match=r"shapes \(160, 5\) and \(159,\)"):
        knn_label_scores(Z, y[:-1])
    Z[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        knn_label_scores(Z, y)


def test_macro_f1_weights_rare_types():
    # a rare type placed inside a common one: accuracy stays high, macro-F1 drops
    Z, y = clusters(n_per=50, n_types=2)
    y = y.copy()
    y[:6] = "rare"
    scores = knn_label_scores(Z, y, k=15, n_splits=3, seed=0)
    assert scores["accuracy"] > 0.85 and scores["macro_f1"] < 0.75


def test_active_units():
    rng = np.random.default_rng(0)
    mu = np.c_[rng.normal(size=200), 0.01 * rng.normal(size=200), rng.normal(size=200)]
    assert active_units(mu) == 2
    assert active_units(torch.as_tensor(mu), threshold=1e-6) == 3
    with pytest.raises(ValueError, match="n_latent"):
        active_units(np.zeros(5))


def test_principal_angles():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(10, 3))
    mixed = A @ rng.normal(size=(3, 3))  # same span, other basis
    np.testing.assert_allclose(principal_angles(A, mixed), 0, atol=1e-5)
    e = np.eye(4)
    np.testing.assert_allclose(principal_angles(e[:, :2], e[:, 2:]), [90, 90])
    with pytest.raises(ValueError, match="same n"):
        principal_angles(A, np.ones((9, 3)))


def test_masked_mse():
    X = np.zeros((2, 3))
    X_hat = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    mask = np.array([[True, False, False], [False, False, True]])
    assert masked_mse(X, X_hat, mask) == 5.0
    with pytest.raises(ValueError, match="hides no entry"):
        masked_mse(X, X_hat, np.zeros_like(mask))
    with pytest.raises(ValueError, match="shapes differ"):
        masked_mse(X, X_hat[:1], mask)


def test_correlation_agreement():
    rng = np.random.default_rng(2)
    factors = rng.normal(size=(500, 3)) @ rng.normal(size=(3, 20))
    X = factors + 0.5 * rng.normal(size=(500, 20))
    same_structure = correlation_agreement(X[:250], X[250:])
    independent = np.column_stack([rng.permutation(c) for c in X.T])
    assert same_structure > 0.9
    assert abs(correlation_agreement(X, independent)) < 0.2
    with pytest.raises(ValueError, match="same genes"):
        correlation_agreement(X, X[:, :5])
