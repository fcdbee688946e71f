"""Bladder-cancer microarrays with a confounded processing batch (Leek et al. 2010).

The file (``bladderbatch`` in the registry) is ``bladderdata.rda`` of the Bioconductor
package *bladderbatch*: an R ``ExpressionSet`` of 57 Affymetrix HG-U133A arrays x
22,283 probes (RMA, log2 scale) and a phenotype table with the diagnosis (``cancer``:
Cancer, Normal, Biopsy), the finer ``outcome`` (mTCC, sTCC+CIS, sTCC-CIS, Normal,
Biopsy) and the processing ``batch`` (1-5). Batch and diagnosis are confounded:
batch 1 holds only cancers, batch 3 only normals, batch 4 only biopsies.

Used in: chapter 10 (notebook 10a).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .fetching import dataset_path

__all__ = ["Bladder", "check_bladder", "load_bladder", "read_bladder"]

PHENO_COLUMNS = ("outcome", "batch", "cancer")


@dataclass(frozen=True)
class Bladder:
    """Expression of the arrays and what is known about each.

    Attributes
    ----------
    expression : (n_arrays, n_probes) float64, log2 expression (one row per array)
    probes : (n_probes,) str, probe-set ids
    pheno : DataFrame, one row per array (index: array names, in the order of the
        rows of ``expression``), columns ``outcome``, ``cancer`` (str) and
        ``batch`` (int)

    Used in: chapter 10 (notebook 10a, through :func:`load_bladder`).
    """

    expression: np.ndarray
    probes: np.ndarray
    pheno: pd.DataFrame


def check_bladder(expression, probes, pheno, *, where: str = "bladder") -> Bladder:
    """Check that expression, probes and phenotype table fit together.

    Parameters
    ----------
    expression : (n_arrays, n_probes) array of finite numbers
    probes : (n_probes,) probe ids, unique
    pheno : DataFrame with one row per array (same order) and columns ``outcome``,
        ``batch``, ``cancer``
    where : name of the source, for the error messages

    Returns
    -------
    Bladder
        The checked data (``batch`` as int, the labels as str).

    Raises ``ValueError`` naming the probe and array of a missing (NaN) or infinite
    value, a phenotype table whose row count or array names do not match the
    expression matrix, missing columns, missing labels or a non-integer batch.

    Used in: chapter 10 (notebook 10a, through :func:`load_bladder`).
    """
    x = np.asarray(expression, dtype=float)
    probes = np.asarray(probes).astype(str)
    if x.ndim != 2 or x.shape[1] != len(probes):
        raise ValueError(
            f"{where}: expression must be (n_arrays, n_probes) with n_probes ="
            f" {len(probes)}, got shape {x.shape}"
        )
    if len(np.unique(probes)) != len(probes):
        raise ValueError(f"{where}: probe ids are not unique")
    if not isinstance(pheno, pd.DataFrame):
        raise ValueError(f"{where}: pheno must be a DataFrame, got {type(pheno)}")
    if len(pheno) != len(x):
        raise ValueError(
            f"{where}: the phenotype table has {len(pheno)} rows but the expression"
            f" matrix has {len(x)} arrays"
        )
    missing = [c for c in PHENO_COLUMNS if c not in pheno.columns]
    if missing:
        raise ValueError(
            f"{where}: phenotype table lacks columns {missing}; it has"
            f" {list(pheno.columns)}"
        )
    bad = ~np.isfinite(x)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(
            f"{where}: {int(bad.sum())} missing or infinite values; the first is probe"
            f" {str(probes[j])!r} (column {j}) of array {pheno.index[i]!r} (row {i}):"
            f" {x[i, j]}"
        )
    for col in PHENO_COLUMNS:
        na = pheno[col].isna().to_numpy()
        if na.any():
            i = int(np.flatnonzero(na)[0])
            raise ValueError(f"{where}: {col} is missing for array {pheno.index[i]!r}")
    batch = pheno["batch"].to_numpy(dtype=float)
    if not np.all(batch == np.round(batch)):
        i = int(np.flatnonzero(batch != np.round(batch))[0])
        raise ValueError(
            f"{where}: batch of array {pheno.index[i]!r} is {batch[i]}, not an integer"
        )
    out = pd.DataFrame(
        {
            "outcome": pheno["outcome"].astype(str).to_numpy(),
            "cancer": pheno["cancer"].astype(str).to_numpy(),
            "batch": batch.astype(int),
        },
        index=pd.Index(pheno.index.astype(str), name="array"),
    )
    return Bladder(x, probes, out)


def read_bladder(path) -> Bladder:
    """Read ``bladderdata.rda`` (an R ``ExpressionSet``) with ``rdata``.

    Parameters
    ----------
    path : path-like, the ``.rda`` file

    Returns
    -------
    Bladder
        See :func:`check_bladder`; 57 arrays x 22,283 probes for the registered file.

    Raises ``ValueError`` naming the file for an unreadable file, a file without an
    ``ExpressionSet`` named ``bladderEset``, array names that differ between the
    expression matrix and the phenotype table, and everything :func:`check_bladder`
    refuses.

    Used in: chapter 10 (notebook 10a, through :func:`load_bladder`).
    """
    import rdata  # imported here: R data files are read only here

    path = Path(path)
    try:
        with warnings.catch_warnings():  # rdata warns about R classes it lacks
            warnings.simplefilter("ignore", UserWarning)
            objects = rdata.read_rda(path)
        eset = objects["bladderEset"]
        exprs = eset.assayData["exprs"]
        pheno = eset.phenoData.data
    except Exception as err:  # rdata raises several types for a foreign file
        raise ValueError(
            f"{path.name}: not an R file holding the ExpressionSet 'bladderEset': {err}"
        ) from err
    probes = np.asarray(exprs.coords[exprs.dims[0]].values).astype(str)
    arrays = np.asarray(exprs.coords[exprs.dims[1]].values).astype(str)
    names = np.asarray(pheno.index).astype(str)
    if len(names) != len(arrays) or not np.array_equal(names, arrays):
        raise ValueError(
            f"{path.name}: the phenotype table names {len(names)} arrays, the"
            f" expression matrix {len(arrays)}, and they differ (first: {names[:2]} vs"
            f" {arrays[:2]})"
        )
    return check_bladder(np.asarray(exprs.values).T, probes, pheno, where=path.name)


def load_bladder() -> Bladder:
    """The registered *bladderbatch* arrays (cache, ``GDL_DATA_MIRROR``; mirror-only).

    Returns
    -------
    Bladder
        ``expression`` (57, 22283), ``probes`` (22283,), ``pheno`` (57 rows).

    Used in: chapter 10 (10a).
    """
    return read_bladder(dataset_path("bladderbatch", "bladderdata.rda"))
