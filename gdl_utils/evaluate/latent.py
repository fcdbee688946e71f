"""Measuring learned representations of cells (scikit-learn and scipy underneath).

- :func:`knn_label_scores`: cross-validated k-NN accuracy and macro-F1 of cell labels
  from an embedding (the single-cell field's "label transfer" check), optionally with
  the labels shuffled as a control.
- :func:`active_units`: latent dimensions whose posterior mean varies across cells
  (Burda et al. 2016); few active units = posterior collapse.
- :func:`principal_angles`: the angles between two subspaces (e.g. a linear
  autoencoder's decoder columns and PCA's components).
- :func:`masked_mse`: reconstruction error on hidden entries only (imputation).
- :func:`correlation_agreement`: how well generated data reproduce the real gene-gene
  correlations (Pearson correlation of the two correlation matrices' upper triangles).

Used in: chapter 5 (notebooks 05a, 05b).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from .._util import as_numpy

__all__ = [
    "active_units",
    "correlation_agreement",
    "knn_label_scores",
    "masked_mse",
    "principal_angles",
]


def _check_rows(Z, labels, who):
    Z = as_numpy(Z)
    labels = np.asarray(labels)
    if Z.ndim != 2 or len(Z) != len(labels):
        raise ValueError(
            f"{who}: expected an embedding (n_cells, d) and n_cells labels, got shapes"
            f" {Z.shape} and {labels.shape}"
        )
    if not np.isfinite(Z).all():
        raise ValueError(f"{who}: the embedding has NaN or infinite values")
    return Z, labels


def knn_label_scores(
    Z, labels, *, k: int = 15, n_splits: int = 5, shuffle_labels: bool = False, seed=0
) -> dict[str, float]:
    """Out-of-fold k-NN (Euclidean) accuracy and macro-F1 of ``labels`` from ``Z``.

    Parameters
    ----------
    Z : (n_cells, d) embedding (latent means, principal components, ...)
    labels : (n_cells,) cell labels
    k : neighbours (15, as in scanpy's default graph)
    n_splits : stratified folds (the rarest label needs at least ``n_splits`` cells)
    shuffle_labels : permute the labels first (the chance-level control)
    seed : fold assignment and the permutation

    Returns ``{"accuracy": ..., "macro_f1": ...}``. Macro-F1 averages the F1 of every
    label with equal weight, so rare cell types count as much as common ones.

    Used in: chapter 5 (notebook 05b).
    """
    Z, labels = _check_rows(Z, labels, "knn_label_scores")
    rng = np.random.default_rng(seed)
    if shuffle_labels:
        labels = rng.permutation(labels)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    knn = KNeighborsClassifier(n_neighbors=k)
    pred = cross_val_predict(knn, Z, labels, cv=folds)
    return {
        "accuracy": float(accuracy_score(labels, pred)),
        "macro_f1": float(f1_score(labels, pred, average="macro")),
    }


def active_units(mu, threshold: float = 0.01) -> int:
    """Number of latent dimensions with ``Var_cells(mu) > threshold``.

    ``mu`` is the (n_cells, n_latent) matrix of posterior means; a dimension whose
    mean barely moves with the input is inactive (Burda et al. 2016's 0.01 threshold).
    The count is necessary, not sufficient, for a used unit: every unit of an
    untrained encoder is "active" too (``VAE.unit_usage`` asks the decoder), and
    means that vary by less than the threshold can still order cells by type.

    Used in: chapter 5 (notebook 05b).
    """
    mu = as_numpy(mu)
    if mu.ndim != 2:
        raise ValueError(f"active_units: expected (n_cells, n_latent), got {mu.shape}")
    return int((mu.var(axis=0) > threshold).sum())


def principal_angles(A, B) -> np.ndarray:
    """Principal angles in degrees, ascending, between the column spaces of ``A``
    (n, k) and ``B`` (n, m) (``scipy.linalg.subspace_angles``). 0 = identical
    subspaces, 90 = orthogonal.

    Used in: chapter 5 (notebook 05a: linear autoencoder vs PCA).
    """
    A, B = as_numpy(A), as_numpy(B)
    if A.ndim != 2 or B.ndim != 2 or A.shape[0] != B.shape[0]:
        raise ValueError(
            f"principal_angles: need (n, k) and (n, m) with the same n, got {A.shape}"
            f" and {B.shape}"
        )
    return np.sort(np.degrees(subspace_angles(A, B)))


def masked_mse(X, X_hat, mask) -> float:
    """Mean squared error over the entries where ``mask`` is True (all three of shape
    (n_cells, n_genes)).

    Used in: chapter 5 (notebook 05a: imputation of hidden entries).
    """
    X, X_hat, mask = as_numpy(X), as_numpy(X_hat), as_numpy(mask).astype(bool)
    if not (X.shape == X_hat.shape == mask.shape):
        raise ValueError(
            f"masked_mse: shapes differ: X {X.shape}, X_hat {X_hat.shape}, mask"
            f" {mask.shape}"
        )
    if not mask.any():
        raise ValueError("masked_mse: the mask hides no entry")
    return float(np.mean((X[mask] - X_hat[mask]) ** 2))


def correlation_agreement(X_real, X_generated) -> float:
    """Pearson correlation between the gene-gene correlation matrices of two data sets
    (upper triangles, genes that vary in both).

    ``X_real`` (n, g) and ``X_generated`` (m, g) share their genes (columns). 1 = the
    generated cells reproduce the co-expression structure; about 0 = independent genes.

    Used in: chapter 5 (notebook 05b: decoded samples vs real cells).
    """
    X_real = as_numpy(X_real, dtype=np.float64)
    X_generated = as_numpy(X_generated, dtype=np.float64)
    if (
        X_real.ndim != 2
        or X_generated.ndim != 2
        or X_real.shape[1] != X_generated.shape[1]
    ):
        raise ValueError(
            "correlation_agreement: need two (cells, genes) matrices with the same"
            f" genes, got {X_real.shape} and {X_generated.shape}"
        )
    # genes that vary in both sets (a float32 "constant" column has a std of ~1e-8)
    keep = (X_real.std(axis=0) > 1e-6) & (X_generated.std(axis=0) > 1e-6)
    if keep.sum() < 3:
        raise ValueError("correlation_agreement: fewer than 3 genes vary in both sets")
    upper = np.triu_indices(int(keep.sum()), k=1)
    real = np.corrcoef(X_real[:, keep], rowvar=False)[upper]
    generated = np.corrcoef(X_generated[:, keep], rowvar=False)[upper]
    return float(np.corrcoef(real, generated)[0, 1])
