"""Views of the same samples: checking that they line up, and scaling them as blocks.

A *view* is one table of features measured on the samples, ``(n_samples, n_features)``
-- gene expression and fatty acids of the same livers, the sequence and the position
of the same RNA windows. Every fusion method assumes that row ``i`` of each view is
the same sample; :func:`check_views` makes sure of it before anything is fitted.

Concatenating standardised views gives every *feature* the same weight, so the view
with more features dominates (120 genes against 21 fatty acids). :class:`BlockScaler`
gives every *view* the same weight instead: after standardising, each block is
divided by the square root of its number of features, so that its features' variances
sum to 1 (the block scaling of multiblock PLS; Westerhuis et al. 1998).

Used in: chapter 9 (09c).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["BlockScaler", "check_views"]


def _as_matrix(name: str, view) -> np.ndarray:
    array = np.asarray(view.to_numpy() if isinstance(view, pd.DataFrame) else view)
    if array.ndim != 2:
        raise ValueError(
            f"view {name!r}: expected a (n_samples, n_features) table, got shape "
            f"{array.shape}"
        )
    try:
        array = array.astype(float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"view {name!r}: values are not numbers ({err})") from None
    bad = ~np.isfinite(array)
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        column = view.columns[col] if isinstance(view, pd.DataFrame) else col
        raise ValueError(
            f"view {name!r}: {array[row, col]} at row {row}, column {column!r}; "
            "impute or drop it before fusing"
        )
    return array


def check_views(views: Mapping) -> dict[str, np.ndarray]:
    """Check that two or more views describe the same samples, row by row.

    Parameters
    ----------
    views : mapping of name -> (n_samples, n_features_k) array or DataFrame
        When every view is a DataFrame, their indexes (sample ids) must be equal, in
        the same order.

    Returns
    -------
    dict of name -> (n_samples, n_features_k) float64 array, in the given order.

    Raises
    ------
    ValueError
        Fewer than two views, a view that is not 2-D or holds NaN/inf (naming the view,
        row and column), different numbers of samples, or sample ids that differ
        between DataFrame views (naming both views and the first differing id).

    Used in: chapter 9 (09c).
    """
    if not isinstance(views, Mapping) or len(views) < 2:
        raise ValueError("check_views: expected a mapping of two or more named views")
    names = list(views)
    arrays = {name: _as_matrix(name, views[name]) for name in names}
    first = names[0]
    for name in names[1:]:
        if len(arrays[name]) != len(arrays[first]):
            raise ValueError(
                f"view {name!r} has {len(arrays[name])} samples, view {first!r} has "
                f"{len(arrays[first])}"
            )
    frames = [n for n in names if isinstance(views[n], pd.DataFrame)]
    if len(frames) == len(names):
        ids = views[first].index
        for name in names[1:]:
            other = views[name].index
            if not other.equals(ids):
                i = int(np.flatnonzero(np.asarray(other) != np.asarray(ids))[0])
                order = (
                    " (the same ids in another order)" if set(other) == set(ids) else ""
                )
                raise ValueError(
                    f"view {name!r}: sample ids differ from view {first!r}{order}: "
                    f"row {i} is {other[i]!r} there, {ids[i]!r} in {first!r}; align "
                    "the views on their ids first"
                )
    return arrays


class BlockScaler:
    """Standardise each feature, then weight each view so that all views count alike.

    ``fit`` on the training samples only (inside each cross-validation fold), then
    ``transform`` training and test samples with the same means and scales.

    Parameters
    ----------
    block : bool, default True
        Divide each standardised view by ``sqrt(n_features_k)`` (its features'
        variances then sum to 1). ``False`` only standardises: plain concatenation.

    Attributes
    ----------
    names_ : list of str, the views seen by ``fit`` in order
    mean_, scale_ : dict of name -> (n_features_k,) arrays
    weight_ : dict of name -> float, the block weight (1.0 when ``block=False``)

    Used in: chapter 9 (09c).
    """

    def __init__(self, block: bool = True):
        self.block = block

    def fit(self, views: Mapping) -> BlockScaler:
        """Learn means, scales and block weights from ``views`` (name -> (n, p_k))."""
        arrays = check_views(views)
        self.names_ = list(arrays)
        self.mean_ = {k: a.mean(axis=0) for k, a in arrays.items()}
        sd = {k: a.std(axis=0) for k, a in arrays.items()}
        self.scale_ = {k: np.where(s > 0, s, 1.0) for k, s in sd.items()}
        self.weight_ = {
            k: 1 / np.sqrt(a.shape[1]) if self.block else 1.0 for k, a in arrays.items()
        }
        return self

    def transform(self, views: Mapping) -> np.ndarray:
        """``(n, sum_k p_k)``: the scaled views side by side, in ``names_`` order."""
        if not hasattr(self, "names_"):
            raise ValueError("BlockScaler: call fit before transform")
        arrays = check_views(views)
        if list(arrays) != self.names_:
            raise ValueError(
                f"BlockScaler: fitted on views {self.names_}, got {list(arrays)}"
            )
        parts = []
        for k, a in arrays.items():
            if a.shape[1] != len(self.mean_[k]):
                raise ValueError(
                    f"view {k!r}: {a.shape[1]} features, fitted on {len(self.mean_[k])}"
                )
            parts.append((a - self.mean_[k]) / self.scale_[k] * self.weight_[k])
        return np.hstack(parts)

    def fit_transform(self, views: Mapping) -> np.ndarray:
        """``fit(views).transform(views)``."""
        return self.fit(views).transform(views)
