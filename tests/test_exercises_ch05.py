"""The chapter 5 exercise check: PCA from one SVD passes, broken versions (no
centring, components in columns, eigenvectors of X^T X without centring) fail."""

from __future__ import annotations

import numpy as np
import pytest

from gdl_utils.exercises import check_pca


def pca_svd(X, k, *, centre=True, transpose=False):
    Xc = X - X.mean(axis=0) if centre else X
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    components = vt[:k]
    scores = Xc @ components.T
    return (scores, components.T) if transpose else (scores, components)


def test_pca_by_svd_passes():
    summary = check_pca(pca_svd)
    assert summary.startswith("check_pca: all") and "\n" not in summary
    for seed in (1, 2):
        check_pca(pca_svd, seed=seed)


def test_uncentred_pca_fails():
    with pytest.raises(AssertionError, match="differ"):
        check_pca(lambda X, k: pca_svd(X, k, centre=False))


def test_wrong_shape_is_named():
    with pytest.raises(AssertionError, match="of shape"):
        check_pca(lambda X, k: pca_svd(X, k, transpose=True))


def test_wrong_order_fails():
    def reversed_order(X, k):
        scores, components = pca_svd(X, X.shape[1] if X.shape[0] > X.shape[1] else k)
        return scores[:, -k:], components[-k:]

    with pytest.raises(AssertionError, match="differ"):
        check_pca(reversed_order)
