"""Canonical correlation analysis with a ridge, and held-out canonical correlations.

CCA (Hotelling 1936) finds weights ``a``, ``b`` that make the projections ``X a`` and
``Y b`` of two views as correlated as possible. Written with covariance matrices, it
whitens each view and takes the singular value decomposition of the whitened
cross-covariance:

    Cxx^{-1/2} Cxy Cyy^{-1/2} = U S V^T,   a = Cxx^{-1/2} u,   b = Cyy^{-1/2} v.

With more features than samples ``Cxx`` is singular and some direction of ``X``
correlates perfectly with ``Y`` on any training set: in-sample canonical
correlations are 1 and say nothing. The *ridge* (canonical ridge, Vinod 1976; the
shrinkage form of regularised CCA, González et al. 2008; Tenenhaus & Tenenhaus 2011)
replaces each covariance by ``(1 - ridge) C + ridge I`` on standardised features:
``ridge = 0`` is CCA, ``ridge = 1`` is the SVD of the cross-covariance (PLS-SVD). Judge
the result on samples the weights were not fitted on (:func:`canonical_correlations`
of held-out projections).

Used in: chapter 9 (09c).
"""

from __future__ import annotations

import numpy as np

from .views import check_views

__all__ = ["RidgeCCA", "canonical_correlations"]


def canonical_correlations(U, V) -> np.ndarray:
    """Pearson correlation of each pair of canonical variates.

    Parameters
    ----------
    U, V : (n_samples, n_components) projections of the two views (from
        ``RidgeCCA.transform`` or sklearn's ``CCA.transform``), e.g. of held-out samples

    Returns
    -------
    (n_components,) correlations in [-1, 1] (NaN for a constant column). In-sample
    values of CCA are >= 0; held-out ones can be negative.

    Used in: chapter 9 (09c).
    """
    U, V = np.asarray(U, float), np.asarray(V, float)
    if U.ndim == 1:
        U, V = U[:, None], V[:, None] if V.ndim == 1 else V
    if U.shape != V.shape or U.ndim != 2:
        raise ValueError(
            f"canonical_correlations: U and V must have the same (n, k) shape, got "
            f"{U.shape} and {V.shape}"
        )
    U, V = U - U.mean(axis=0), V - V.mean(axis=0)
    norm = np.sqrt((U**2).sum(axis=0) * (V**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip((U * V).sum(axis=0) / norm, -1.0, 1.0)


def _inverse_sqrt(C: np.ndarray, name: str, n: int) -> np.ndarray:
    values, vectors = np.linalg.eigh(C)
    if values.min() <= 1e-10 * values.max():
        raise ValueError(
            f"RidgeCCA: the covariance of view {name!r} is singular ({C.shape[0]} "
            f"features, {n} samples); use ridge > 0"
        )
    return (vectors / np.sqrt(values)) @ vectors.T


class RidgeCCA:
    """Regularised CCA of two views, solved by whitening and one SVD.

    Parameters
    ----------
    n_components : int, default 2
    ridge : float in [0, 1], or a pair (one per view), default 0.1
        Shrinkage of each view's covariance towards the identity; 0 is plain CCA
        (needs more samples than features), 1 is PLS-SVD.
    scale : bool, default True
        Standardise the features first (then the result does not depend on units).

    Attributes
    ----------
    x_weights_ : (p, n_components)
    y_weights_ : (q, n_components)
    canonical_correlations_ : (n_components,) in-sample correlations, in [0, 1]

    Used in: chapter 9 (09c).
    """

    def __init__(self, n_components: int = 2, ridge=0.1, scale: bool = True):
        self.n_components = n_components
        self.ridge = ridge
        self.scale = scale

    def _standardise(self, X, Y):
        return (X - self.x_mean_) / self.x_scale_, (Y - self.y_mean_) / self.y_scale_

    def fit(self, X, Y) -> RidgeCCA:
        """Fit on ``X (n, p)`` and ``Y (n, q)``, rows the same samples."""
        X, Y = check_views({"X": X, "Y": Y}).values()
        rx, ry = np.broadcast_to(np.asarray(self.ridge, float), (2,))
        if not (0 <= rx <= 1 and 0 <= ry <= 1):
            raise ValueError(f"RidgeCCA: ridge must lie in [0, 1], got {self.ridge}")
        k, n = self.n_components, len(X)
        if not 1 <= k <= min(X.shape[1], Y.shape[1]):
            raise ValueError(
                f"RidgeCCA: n_components must be in 1..{min(X.shape[1], Y.shape[1])}, "
                f"got {k}"
            )
        self.x_mean_, self.y_mean_ = X.mean(axis=0), Y.mean(axis=0)
        sx, sy = X.std(axis=0, ddof=1), Y.std(axis=0, ddof=1)
        self.x_scale_ = np.where(sx > 0, sx, 1.0) if self.scale else np.ones_like(sx)
        self.y_scale_ = np.where(sy > 0, sy, 1.0) if self.scale else np.ones_like(sy)
        Xs, Ys = self._standardise(X, Y)
        Cxx, Cyy, Cxy = Xs.T @ Xs / (n - 1), Ys.T @ Ys / (n - 1), Xs.T @ Ys / (n - 1)
        Wx = _inverse_sqrt((1 - rx) * Cxx + rx * np.eye(len(Cxx)), "X", n)
        Wy = _inverse_sqrt((1 - ry) * Cyy + ry * np.eye(len(Cyy)), "Y", n)
        u, _, vt = np.linalg.svd(Wx @ Cxy @ Wy)
        self.x_weights_ = Wx @ u[:, :k]
        self.y_weights_ = Wy @ vt.T[:, :k]
        self.canonical_correlations_ = canonical_correlations(
            Xs @ self.x_weights_, Ys @ self.y_weights_
        )
        return self

    def transform(self, X, Y) -> tuple[np.ndarray, np.ndarray]:
        """Canonical variates ``(U (n, k), V (n, k))`` of new samples of both views."""
        if not hasattr(self, "x_weights_"):
            raise ValueError("RidgeCCA: call fit before transform")
        X, Y = check_views({"X": X, "Y": Y}).values()
        Xs, Ys = self._standardise(X, Y)
        return Xs @ self.x_weights_, Ys @ self.y_weights_

    def score(self, X, Y) -> np.ndarray:
        """``(n_components,)`` canonical correlations of ``X``, ``Y`` (held out)."""
        return canonical_correlations(*self.transform(X, Y))
