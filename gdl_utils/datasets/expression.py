"""Single-cell expression matrices from ``.h5ad`` files (AnnData), with clear errors.

- :func:`read_h5ad_checked`: an AnnData file -> :class:`Expression` (cells x genes
  matrix, gene names, cell annotations), refusing a file without the expected keys,
  with unlabelled cells or with duplicated gene names.
- :func:`load_pbmc68k_reduced`: the registered ``pbmc68k_reduced`` set (700 PBMCs x 765
  genes, Zheng et al. 2017, as shipped with scanpy).
- :func:`check_expression`: NaN, infinite or negative values where non-negative
  (log-)counts are expected, named by cell and gene.
- :func:`align_genes`: reorder a matrix to the gene list a model was trained on, or say
  which genes are missing.

The file is read with ``anndata`` (the ecosystem's reader). Its ``.X`` of this set holds
genes scaled to zero mean and unit variance over all 700 cells; ``.raw`` holds the
log-normalised expression ``log(1 + 10^4 * counts / total)``, which is what a model
should see (it is non-negative, and scaling is done on training cells only).

Used in: chapter 5 (notebooks 05a, 05b).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse

from .fetching import dataset_path

__all__ = [
    "Expression",
    "align_genes",
    "check_expression",
    "load_pbmc68k_reduced",
    "read_h5ad_checked",
]
PBMC_FILE = ("pbmc68k_reduced", "10x_pbmc68k_reduced.h5ad")


@dataclass
class Expression:
    """A cells x genes matrix with its names.

    Attributes
    ----------
    X : (n_cells, n_genes) float32 array
    genes : (n_genes,) array of gene names (str)
    obs : DataFrame with one row per cell (annotations such as ``bulk_labels``)
    layer : which matrix of the file ``X`` is ("raw" or "X")

    Used in: chapter 5.
    """

    X: np.ndarray
    genes: np.ndarray
    obs: pd.DataFrame
    layer: str

    def __repr__(self) -> str:
        n, g = self.X.shape
        return f"Expression({n} cells x {g} genes, layer {self.layer!r})"


def check_expression(X, name: str = "X", *, nonnegative: bool = True) -> np.ndarray:
    """``X`` as a (cells, genes) float32 array, or ``ValueError`` naming the first bad
    entry (NaN or infinite anywhere; negative if ``nonnegative``, i.e. counts or
    log-counts are expected).

    Used in: :func:`read_h5ad_checked`, chapter 5.
    """
    if scipy.sparse.issparse(X):
        X = X.toarray()
    X = np.asarray(X)
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        raise ValueError(
            f"{name}: expected a 2-d numeric (cells, genes) matrix, got shape"
            f" {X.shape} and dtype {X.dtype}"
        )
    X = X.astype(np.float32, copy=False)
    checks = [(~np.isfinite(X), "is not finite (NaN or inf)")]
    if nonnegative:
        checks.append((X < 0, "is negative, but counts or log-counts are expected"))
    for bad, what in checks:
        if bad.any():
            cell, gene = np.argwhere(bad)[0]
            raise ValueError(
                f"{name}: {int(bad.sum())} entries; the first, cell {cell} gene {gene}"
                f" (value {X[cell, gene]}), {what}"
            )
    return X


def align_genes(X, genes, reference) -> np.ndarray:
    """The columns of ``X`` (named ``genes``) in the order of ``reference``.

    ``X`` is (cells, len(genes)); the result is (cells, len(reference)). Raises
    ``ValueError`` when ``genes`` has duplicates, lacks genes of ``reference`` (naming
    a few and how many), or does not match ``X``'s width.

    Used in: chapter 5 (applying a trained model to another matrix).
    """
    X, genes, reference = (
        np.asarray(X),
        list(map(str, genes)),
        list(map(str, reference)),
    )
    if X.ndim != 2 or X.shape[1] != len(genes):
        raise ValueError(
            f"align_genes: X has shape {X.shape} but {len(genes)} gene names were given"
        )
    dup = pd.Index(genes)[pd.Index(genes).duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"align_genes: duplicated gene names {dup[:5]}")
    where = {g: i for i, g in enumerate(genes)}
    missing = [g for g in reference if g not in where]
    if missing:
        raise ValueError(
            f"align_genes: {len(missing)} of the model's {len(reference)} genes are"
            f" not in the matrix, e.g. {missing[:5]}"
        )
    return X[:, [where[g] for g in reference]]


def _check_labels(obs: pd.DataFrame, key: str, file: str) -> None:
    """``ValueError`` naming the cells whose ``obs[key]`` is NaN, a missing category
    or an empty string."""
    labels = obs[key]
    empty = labels.astype(object).map(lambda v: isinstance(v, str) and not v.strip())
    bad = labels.isna().to_numpy() | empty.to_numpy(bool)
    if bad.any():
        cells = ", ".join(map(str, obs.index[bad][:5])) + (
            ", ..." if bad.sum() > 5 else ""
        )
        raise ValueError(
            f"{file}: {int(bad.sum())} cells have no {key!r} (NaN or empty): {cells}"
            f" (positions {np.flatnonzero(bad)[:5].tolist()}); drop them or pass"
            " label_key=None"
        )


def _check_unique(genes, where: str) -> None:
    """``ValueError`` naming gene names that occur more than once, with columns."""
    genes = pd.Index(np.asarray(genes, dtype=str))
    dup = genes[genes.duplicated()].unique()
    if len(dup):
        shown = ", ".join(
            f"{g!r} (columns {', '.join(map(str, np.flatnonzero(genes == g)))})"
            for g in dup[:5]
        )
        raise ValueError(
            f"{where}: {len(dup)} gene names occur more than once: {shown}; gene"
            " names must be unique (adata.var_names_make_unique())"
        )


def read_h5ad_checked(
    path, *, layer: str = "raw", label_key: str | None = "bulk_labels"
) -> Expression:
    """Read an ``.h5ad`` file into an :class:`Expression`, with errors that name the
    file and the missing key.

    Parameters
    ----------
    path : the ``.h5ad`` file
    layer : "raw" (``adata.raw.X``, log-normalised, checked non-negative) or "X"
        (``adata.X``, e.g. scaled; checked finite only)
    label_key : a column ``obs`` must have, with a label for every cell (None: no
        requirement)

    Raises ``ValueError`` naming the file for an unreadable file, a missing matrix or
    column, cells without a label (NaN, a missing category or an empty string; the
    first few cells are named: drop them before saving, or pass ``label_key=None``),
    gene names that occur more than once (named with their columns) and bad values
    (:func:`check_expression`).

    Used in: chapter 5 (05a).
    """
    import anndata  # imported here: reading h5ad is the only use

    path = Path(path)
    try:
        with warnings.catch_warnings():  # old files: anndata moves .uns graphs to .obsp
            warnings.simplefilter("ignore", FutureWarning)
            adata = anndata.read_h5ad(path)
    except (OSError, KeyError, ValueError, TypeError) as err:
        raise ValueError(
            f"{path.name}: not a readable .h5ad (AnnData) file: {err}"
        ) from err
    if layer == "raw":
        if adata.raw is None:
            raise ValueError(
                f"{path.name}: no .raw matrix (log-normalised expression); keys:"
                f" X, obs {list(adata.obs)[:8]}; use layer='X'"
            )
        X, genes = adata.raw.X, adata.raw.var_names
    elif layer == "X":
        X, genes = adata.X, adata.var_names
    else:
        raise ValueError(
            f"read_h5ad_checked: layer must be 'raw' or 'X', got {layer!r}"
        )
    if X is None:
        raise ValueError(f"{path.name}: the file has no {layer} matrix")
    if label_key is not None and label_key not in adata.obs:
        raise ValueError(
            f"{path.name}: obs has no column {label_key!r}; it has {list(adata.obs)}"
        )
    if label_key is not None:
        _check_labels(adata.obs, label_key, path.name)
    _check_unique(genes, f"{path.name} ({layer})")
    X = check_expression(X, f"{path.name} ({layer})", nonnegative=layer == "raw")
    return Expression(X, np.asarray(genes, dtype=str), adata.obs.copy(), layer)


def load_pbmc68k_reduced(layer: str = "raw") -> Expression:
    """700 PBMCs x 765 highly variable genes with ``obs["bulk_labels"]`` (10 sorted
    cell types), from the registered file (cache, ``GDL_DATA_MIRROR``, then scanpy's
    repository).

    Used in: chapters 5 (05a, 05b) and 6 (06a, 06b).
    """
    data = read_h5ad_checked(dataset_path(*PBMC_FILE), layer=layer)
    if data.X.shape != (700, 765):
        raise ValueError(
            f"{PBMC_FILE[1]}: expected 700 cells x 765 genes, got {data.X.shape}"
        )
    return data
