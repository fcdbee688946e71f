"""ComBat batch correction: the location/scale model with empirical-Bayes shrinkage.

ComBat (Johnson et al. 2007) models each probe ``g`` of array ``i`` in batch ``b`` as
``x_ig = alpha_g + C_i beta_g + gamma_bg + delta_bg * eps_ig``: a grand mean, the
effects of covariates that must be kept (e.g. the diagnosis), an additive and a
multiplicative batch effect. The batch effects of one batch are shrunk towards their
average over all probes (a normal prior for ``gamma``, an inverse-gamma prior for
``delta**2``), which makes small batches usable. :class:`LocationScale` is the
course's short version, with ``fit`` / ``transform`` so that it can be fitted inside a
cross-validation fold; :func:`combat` calls the maintained implementation (inmoose's
pyComBat) in the course's ``(n_arrays, n_probes)`` layout.

Used in: chapter 10 (notebook 10a).
"""

from __future__ import annotations

import numpy as np

__all__ = ["LocationScale", "combat"]


def _check(x, batch, covariates, where):
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"{where}: x must be (n_arrays, n_probes), got {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(
            f"{where}: {int(bad.sum())} missing or infinite values; the first is"
            f" probe (column) {j} of array (row) {i}"
        )
    batch = np.asarray(batch)
    if batch.shape != (len(x),):
        raise ValueError(
            f"{where}: batch must be ({len(x)},), one per array, got {batch.shape}"
        )
    if covariates is not None:
        covariates = np.asarray(covariates, dtype=float)
        if covariates.ndim == 1:
            covariates = covariates[:, None]
        if covariates.shape[0] != len(x) or not np.isfinite(covariates).all():
            raise ValueError(
                f"{where}: covariates must be finite, one row per array ({len(x)}),"
                f" got shape {covariates.shape}"
            )
    return x, batch, covariates


class LocationScale:
    """ComBat's location/scale adjustment with empirical-Bayes shrinkage (parametric
    priors), written out.

    Parameters
    ----------
    tol : float, default 1e-4
        Stop the shrinkage iteration when no estimate changes by more than this
        (relative).
    max_iter : int, default 1000

    Attributes
    ----------
    batches : (k,) the batch labels seen by ``fit``
    alpha : (n_probes,) grand mean
    beta : (c, n_probes) covariate effects
    sigma : (n_probes,) pooled residual standard deviation
    gamma, delta2 : (k, n_probes) shrunken additive and multiplicative batch effects
    cov_mean : (c,) mean covariate row of the fitted arrays (used by ``transform``)

    Used in: chapter 10 (10a).
    """

    def __init__(self, tol: float = 1e-4, max_iter: int = 1000):
        self.tol, self.max_iter = tol, max_iter

    def fit(self, x, batch, covariates=None) -> LocationScale:
        """Estimate the batch effects of ``x`` (n_arrays, n_probes) with ``batch``
        (n_arrays,) labels and optional ``covariates`` (n_arrays, c) to keep.

        Raises ``ValueError`` for missing values (naming the array and probe), a batch
        of one array, or covariates that are collinear with the batches.
        """
        x, batch, cov = _check(x, batch, covariates, "LocationScale.fit")
        self.batches, codes = np.unique(batch, return_inverse=True)
        sizes = np.bincount(codes)
        if (sizes < 2).any():
            one = self.batches[np.flatnonzero(sizes < 2)[0]]
            raise ValueError(f"LocationScale.fit: batch {one!r} has a single array")
        n, k = len(x), len(self.batches)
        onehot = np.eye(k)[codes]  # (n, k)
        cov = np.zeros((n, 0)) if cov is None else cov
        design = np.hstack([onehot, cov])
        if np.linalg.matrix_rank(design) < design.shape[1]:
            raise ValueError(
                "LocationScale.fit: a covariate is confounded with the batches (the"
                " design has no full rank); ComBat cannot keep it"
            )
        coef = np.linalg.lstsq(design, x, rcond=None)[0]  # (k + c, p)
        self.alpha = sizes / n @ coef[:k]
        self.beta = coef[k:]
        self.sigma = np.sqrt(((x - design @ coef) ** 2).mean(0))
        self.cov_mean = cov.mean(0)
        z = (x - self.alpha - cov @ self.beta) / self.sigma  # standardised (n, p)
        g_hat = np.stack([z[codes == b].mean(0) for b in range(k)])
        d_hat = np.stack([z[codes == b].var(0) for b in range(k)])
        # the priors, one per batch, from all probes: gamma ~ N(g_bar, t2),
        # delta2 ~ InvGamma(a, b) by the method of moments (population variances,
        # as pyComBat; R's sva uses ddof=1)
        g_bar, t2 = g_hat.mean(1, keepdims=True), g_hat.var(1, keepdims=True)
        m, s2 = d_hat.mean(1, keepdims=True), d_hat.var(1, keepdims=True)
        a, b = (2 * s2 + m**2) / s2, (m * s2 + m**3) / s2
        nb = sizes[:, None]
        z1 = np.stack([z[codes == j].sum(0) for j in range(k)])  # (k, p) sums
        z2 = np.stack([(z[codes == j] ** 2).sum(0) for j in range(k)])
        g, d = g_hat.copy(), d_hat.copy()
        for _ in range(self.max_iter):  # the posterior means, alternately
            g_new = (nb * t2 * g_hat + d * g_bar) / (nb * t2 + d)
            ss = z2 - 2 * g_new * z1 + nb * g_new**2  # sum over the batch of (z - g)^2
            d_new = (b + ss / 2) / (nb / 2 + a - 1)
            with np.errstate(divide="ignore", invalid="ignore"):  # as sva and
                change = max(  # pyComBat: a signed ratio, so g < 0 never blocks
                    np.nanmax(np.abs(g_new - g) / g), np.nanmax(np.abs(d_new - d) / d)
                )
            g, d = g_new, d_new
            if change < self.tol:
                break
        self.gamma, self.delta2 = g, d
        return self

    def transform(self, x, batch, covariates=None) -> np.ndarray:
        """Adjust ``x`` (n_arrays, n_probes): remove each array's batch effect.

        Arrays without ``covariates`` (e.g. test arrays, whose label is unknown) are
        adjusted at the mean covariate row of the fitted arrays. Raises ``ValueError``
        for a batch that ``fit`` did not see.
        """
        x, batch, cov = _check(x, batch, covariates, "LocationScale.transform")
        unseen = sorted(set(batch.tolist()) - set(self.batches.tolist()))
        if unseen:
            raise ValueError(
                f"LocationScale.transform: batch(es) {unseen} were not in the arrays"
                f" the correction was fitted on ({self.batches.tolist()})"
            )
        codes = np.searchsorted(self.batches, batch)
        cov = np.broadcast_to(self.cov_mean, (len(x), len(self.cov_mean)))
        cov = (
            cov
            if covariates is None
            else np.asarray(covariates, float).reshape(len(x), -1)
        )
        keep = self.alpha + cov @ self.beta  # what the model keeps, (n, p)
        z = (x - keep) / self.sigma
        z = (z - self.gamma[codes]) / np.sqrt(self.delta2[codes])
        return z * self.sigma + keep

    def fit_transform(self, x, batch, covariates=None) -> np.ndarray:
        """``fit`` then ``transform`` the same arrays (with their covariates)."""
        return self.fit(x, batch, covariates).transform(x, batch, covariates)


def combat(x, batch, covariates=None) -> np.ndarray:
    """Batch-corrected expression by inmoose's pyComBat (``pycombat_norm``).

    Parameters
    ----------
    x : (n_arrays, n_probes) expression (log scale)
    batch : (n_arrays,) batch labels
    covariates : (n_arrays, c) design columns to keep (e.g. one-hot diagnosis without
        its first column), optional

    Returns
    -------
    (n_arrays, n_probes) adjusted expression

    Used in: chapter 10 (10a).
    """
    import logging

    from inmoose.pycombat import pycombat_norm

    x, batch, cov = _check(x, batch, covariates, "combat")
    logging.getLogger("inmoose").setLevel(logging.WARNING)  # it logs every step
    out = pycombat_norm(x.T, list(batch), covar_mod=cov)
    return np.asarray(out, dtype=float).T
