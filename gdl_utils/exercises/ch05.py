"""Chapter 5 exercises: principal component analysis from one singular value
decomposition, checked against scikit-learn.

Layer: exercises.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

__all__ = ["check_pca"]


def _cases(seed: int) -> list[tuple[str, np.ndarray, int]]:
    """(name, X (n, p), k) cases with well separated variances (unique components)."""
    rng = np.random.default_rng(seed)

    def data(n: int, p: int, offset: float = 0.0) -> np.ndarray:
        scales = 2.0 ** -np.arange(min(n, p))  # distinct variances, halving
        basis, _ = np.linalg.qr(rng.normal(size=(p, len(scales))))
        latent = rng.normal(size=(n, len(scales))) * scales
        return latent @ basis.T + offset + 0.001 * rng.normal(size=(n, p))

    return [
        ("one component", data(50, 6), 1),
        ("data far from the origin (is X centred?)", data(40, 5, offset=10.0), 2),
        ("more genes than cells (n < p)", data(12, 30), 4),
        ("every component (k = p)", data(30, 4), 4),
        ("random case", data(200, 20), 5),
    ]


def check_pca(fn, seed: int = 0, atol: float = 1e-6) -> str:
    """Check a student's PCA against ``sklearn.decomposition.PCA``.

    Parameters
    ----------
    fn : callable
        ``fn(X, k) -> (scores, components)``: ``X`` a ``(n, p)`` float64 array (rows
        are samples), ``k`` the number of components; ``scores`` is ``(n, k)`` (the
        centred data projected on the components) and ``components`` is ``(k, p)``,
        orthonormal rows in order of decreasing variance. The sign of each component
        is free (the check aligns it).
    seed : int
        Seed of the random cases.
    atol : float
        Absolute tolerance on components and scores (after aligning signs).

    Returns
    -------
    str
        A one-line summary when every case agrees.

    Raises
    ------
    AssertionError
        Naming the first case that differs: the shape of ``X``, ``k``, what was
        expected and what came back.

    Used in: chapter 5 (notebook 05a).
    """
    cases = _cases(seed)
    for name, X, k in cases:
        where = f"case '{name}': X of shape {X.shape}, k = {k}"
        ref = PCA(n_components=k, svd_solver="full").fit(X)
        exp_components, exp_scores = ref.components_, ref.transform(X)
        out = fn(X.copy(), k)
        assert isinstance(out, tuple) and len(out) == 2, (
            f"{where}: expected a tuple (scores, components), got {type(out).__name__}"
        )
        scores, components = (np.asarray(a, dtype=float) for a in out)
        for what, got, shape in (
            ("scores", scores, (len(X), k)),
            ("components", components, (k, X.shape[1])),
        ):
            assert got.shape == shape, (
                f"{where}: {what} of shape {shape} expected, got {got.shape}"
            )
        signs = np.sign(np.sum(components * exp_components, axis=1))
        signs[signs == 0] = 1.0
        for what, exp, got in (
            ("components", exp_components, components * signs[:, None]),
            ("scores", exp_scores, scores * signs[None, :]),
        ):
            if not np.allclose(got, exp, atol=atol, rtol=1e-5):
                row = int(
                    np.abs(got - exp)
                    .max(axis=1 if what == "components" else 0)
                    .argmax()
                )
                exp_row = exp[row] if what == "components" else exp[:, row]
                got_row = got[row] if what == "components" else got[:, row]
                raise AssertionError(
                    f"{where}: {what} of component {row} differ (sign aligned): "
                    f"expected {np.round(exp_row[:4], 4)}..., "
                    f"got {np.round(got_row[:4], 4)}..."
                )
    return f"check_pca: all {len(cases)} cases agree with sklearn's PCA"
