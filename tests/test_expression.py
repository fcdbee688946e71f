"""gdl_utils.datasets.expression: reading .h5ad files with clear errors, the checks on
expression matrices, gene alignment, and the registered pbmc68k_reduced set."""

from __future__ import annotations

import anndata
import numpy as np
import pandas as pd
import pytest
from shared_data import MIRROR, needs_mirror

from gdl_utils.datasets.expression import (
    align_genes,
    check_expression,
    load_pbmc68k_reduced,
    read_h5ad_checked,
)


def small_adata(with_raw=True, with_labels=True, n=6, g=4, seed=0):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(2.0, size=(n, g)).astype(np.float32)
    obs = pd.DataFrame(index=pd.Index([f"c{i}" for i in range(n)], dtype=object))
    if with_labels:
        obs["bulk_labels"] = pd.Series(
            ["a", "b"] * (n // 2), index=obs.index, dtype=object
        )
    var = pd.DataFrame(index=pd.Index([f"g{j}" for j in range(g)], dtype=object))
    adata = anndata.AnnData(np.log1p(counts), obs=obs, var=var)
    if with_raw:
        adata.raw = adata.copy()
        adata.X = (adata.X - adata.X.mean(0)) / (adata.X.std(0) + 1)  # "scaled"
    return adata, np.log1p(counts)


def test_reads_raw_matrix_genes_and_labels(tmp_path):
    adata, logcounts = small_adata()
    adata.write_h5ad(tmp_path / "ok.h5ad")
    data = read_h5ad_checked(tmp_path / "ok.h5ad")
    np.testing.assert_allclose(data.X, logcounts, rtol=1e-6)
    assert data.X.dtype == np.float32 and data.layer == "raw"
    assert list(data.genes) == ["g0", "g1", "g2", "g3"]
    assert list(data.obs["bulk_labels"]) == ["a", "b"] * 3
    scaled = read_h5ad_checked(tmp_path / "ok.h5ad", layer="X")  # negatives allowed
    assert (scaled.X < 0).any()


def test_missing_keys_are_named(tmp_path):
    small_adata(with_raw=False)[0].write_h5ad(tmp_path / "noraw.h5ad")
    with pytest.raises(ValueError, match=r"noraw.h5ad: no \.raw matrix"):
        read_h5ad_checked(tmp_path / "noraw.h5ad")
    small_adata(with_labels=False)[0].write_h5ad(tmp_path / "nolab.h5ad")
    with pytest.raises(ValueError, match="nolab.h5ad: obs has no column 'bulk_labels'"):
        read_h5ad_checked(tmp_path / "nolab.h5ad")
    assert read_h5ad_checked(tmp_path / "nolab.h5ad", label_key=None).X.shape == (6, 4)
    with pytest.raises(ValueError, match="layer must be 'raw' or 'X'"):
        read_h5ad_checked(tmp_path / "nolab.h5ad", layer="counts")


@pytest.mark.parametrize("categorical", [False, True])
def test_cells_without_a_label_are_named(tmp_path, categorical):
    """Issue 24 §1: cells with no label (NaN, a missing category) were accepted."""
    adata, _ = small_adata()
    values = ["a", None, "b", "a", np.nan, "b"]
    if categorical:  # a missing category is code -1
        cats = pd.Index(["a", "b"], dtype=object)
        labels = pd.Categorical(values, categories=cats)
    else:
        labels = pd.Series(values, index=adata.obs.index, dtype=object)
    adata.obs["bulk_labels"] = labels
    adata.write_h5ad(tmp_path / "nolabel.h5ad")
    with pytest.raises(
        ValueError,
        match=r"nolabel.h5ad: 2 cells have no 'bulk_labels' \(NaN or empty\): c1, c4",
    ):
        read_h5ad_checked(tmp_path / "nolabel.h5ad")
    data = read_h5ad_checked(tmp_path / "nolabel.h5ad", label_key=None)
    assert data.X.shape == (6, 4)  # without a label column nothing is checked


@pytest.mark.parametrize("layer", ["raw", "X"])
def test_duplicated_gene_names_are_named(tmp_path, layer):
    """Issue 24 §1: duplicated gene names were accepted."""
    adata, _ = small_adata(with_raw=False)
    adata.var_names = pd.Index(["g0", "g1", "g0", "g3"], dtype=object)
    adata.raw = adata.copy()  # log-counts: non-negative
    adata.write_h5ad(tmp_path / "dup.h5ad")
    with pytest.raises(
        ValueError,
        match=rf"dup.h5ad \({layer}\): 1 gene names occur more than once:"
        r" 'g0' \(columns 0, 2\)",
    ):
        read_h5ad_checked(tmp_path / "dup.h5ad", layer=layer)


def test_not_an_h5ad_file(tmp_path):
    path = tmp_path / "cells.h5ad"
    path.write_text("cell,gene\n")
    with pytest.raises(ValueError, match="cells.h5ad: not a readable .h5ad"):
        read_h5ad_checked(path)


def test_negative_raw_values_in_a_file_are_refused(tmp_path):
    adata, _ = small_adata()
    adata.raw = adata.copy()  # now .raw holds the scaled, partly negative matrix
    adata.write_h5ad(tmp_path / "neg.h5ad")
    with pytest.raises(ValueError, match=r"neg.h5ad \(raw\).*negative"):
        read_h5ad_checked(tmp_path / "neg.h5ad")


def test_check_expression_names_the_bad_entry():
    X = np.ones((3, 4))
    assert check_expression(X).dtype == np.float32
    X[2, 1] = np.nan
    with pytest.raises(
        ValueError, match=r"counts: 1 entries; the first, cell 2 gene 1"
    ):
        check_expression(X, "counts")
    X[2, 1] = -0.5
    with pytest.raises(ValueError, match="cell 2 gene 1.*negative"):
        check_expression(X, "counts")
    assert check_expression(X, nonnegative=False)[2, 1] == -0.5
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="cell 0 gene 0.*not finite"):
        check_expression(X, nonnegative=False)
    with pytest.raises(ValueError, match="2-d numeric"):
        check_expression(np.ones(5))
    with pytest.raises(ValueError, match="2-d numeric"):
        check_expression(np.array([["a", "b"]]))


def test_align_genes_reorders_and_refuses_mismatches():
    X = np.arange(6).reshape(2, 3)
    out = align_genes(X, ["b", "a", "c"], reference=["a", "b", "c"])
    np.testing.assert_array_equal(out, [[1, 0, 2], [4, 3, 5]])
    with pytest.raises(ValueError, match=r"1 of the model's 3 genes .*\['d'\]"):
        align_genes(X, ["b", "a", "c"], reference=["a", "b", "d"])
    with pytest.raises(ValueError, match=r"duplicated gene names \['a'\]"):
        align_genes(X, ["a", "a", "c"], reference=["a", "c"])
    with pytest.raises(ValueError, match="X has shape"):
        align_genes(X, ["a", "b"], reference=["a"])


@needs_mirror
def test_pbmc68k_reduced(monkeypatch, tmp_path):
    monkeypatch.setenv("GDL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GDL_DATA_MIRROR", str(MIRROR))
    monkeypatch.setenv("GDL_OFFLINE", "1")
    data = load_pbmc68k_reduced()
    assert data.X.shape == (700, 765) and (data.X >= 0).all()
    assert data.obs["bulk_labels"].nunique() == 10
    assert data.obs["bulk_labels"].value_counts().min() == 8  # naive T cells
    scaled = load_pbmc68k_reduced(layer="X")
    assert (scaled.X < 0).any() and np.abs(scaled.X.mean(axis=0)).max() < 0.2
    assert list(scaled.genes) == list(data.genes)
