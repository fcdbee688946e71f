"""Tests for gdl_utils.confounding (ComBat location/scale, batch-aware evaluation) and
the bladderbatch loader."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from shared_data import needs_mirror

from gdl_utils.confounding import (
    LocationScale,
    batch_folds,
    batch_only_predictions,
    check_labels,
    combat,
    cv_predict,
    disagreeing,
    leave_group_out,
    random_label_control,
    screened_logistic,
)
from gdl_utils.datasets import check_bladder


def _simulated(seed=0, n_per=8, p=300):
    """Three batches with additive and multiplicative effects, a label in each."""
    rng = np.random.default_rng(seed)
    batch = np.repeat([1, 2, 3], n_per)
    label = np.tile([0, 1], len(batch) // 2)
    x = rng.normal(5, 1, (len(batch), p)) + label[:, None] * rng.normal(0, 1, p)
    shift = np.array([0.0, 1.0, -1.0])[batch - 1][:, None] * rng.normal(1, 0.5, p)
    scale = np.array([1.0, 2.0, 0.5])[batch - 1][:, None]
    return (x + shift) * scale, batch, label


@pytest.mark.parametrize("with_label", [False, True])
def test_location_scale_matches_pycombat(with_label):
    x, batch, label = _simulated()
    cov = label[:, None].astype(float) if with_label else None
    ours = LocationScale().fit_transform(x, batch, cov)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = combat(x, batch, cov)
    np.testing.assert_allclose(ours, ref, atol=1e-3)


def test_location_scale_removes_batch_means():
    x, batch, _ = _simulated(1)
    adjusted = LocationScale().fit_transform(x, batch)
    means = np.stack([adjusted[batch == b].mean(0) for b in (1, 2, 3)])
    raw = np.stack([x[batch == b].mean(0) for b in (1, 2, 3)])
    assert np.abs(means - means.mean(0)).mean() < 0.2 * np.abs(raw - raw.mean(0)).mean()


def test_location_scale_transform_new_arrays_and_errors():
    x, batch, _ = _simulated(2)
    ls = LocationScale().fit(x[::2], batch[::2])
    out = ls.transform(x[1::2], batch[1::2])
    assert out.shape == x[1::2].shape and np.isfinite(out).all()
    with pytest.raises(ValueError, match=r"batch\(es\) \[7\] were not"):
        ls.transform(x[:2], np.array([7, 7]))
    bad = x.copy()
    bad[4, 17] = np.nan
    with pytest.raises(ValueError, match="probe \\(column\\) 17 of array \\(row\\) 4"):
        LocationScale().fit(bad, batch)
    with pytest.raises(ValueError, match="single array"):
        LocationScale().fit(x[:9], batch[:9])
    with pytest.raises(ValueError, match="confounded with the batches"):
        LocationScale().fit(x, batch, (batch == 1).astype(float))
    with pytest.raises(ValueError, match="one per array"):
        LocationScale().fit(x, batch[:-1])


def test_batch_only_and_disagreeing():
    batch = np.array([1, 1, 1, 2, 2, 2, 3, 3])
    y = np.array([1, 1, 0, 0, 0, 0, 1, 1])
    folds = leave_group_out(batch)
    assert [t.tolist() for _, t in folds] == [[0, 1, 2], [3, 4, 5], [6, 7]]
    # unseen batch -> training majority
    pred = batch_only_predictions(batch, y, folds)
    assert pred.tolist() == [0, 0, 0, 1, 1, 1, 0, 0]
    all_in = [(np.arange(8), np.arange(8))]
    assert batch_only_predictions(batch, y, all_in).tolist() == [1, 1, 1, 0, 0, 0, 1, 1]
    assert disagreeing(batch, y).tolist() == [0, 0, 1, 0, 0, 0, 0, 0]


def test_batch_folds_keep_every_batch_in_training():
    batch = np.repeat([1, 2, 3, 4], [5, 7, 4, 10])
    for train, test in batch_folds(batch, 4, seed=0):
        assert set(batch[train]) == {1, 2, 3, 4}
        assert len(np.intersect1d(train, test)) == 0


def test_cv_predict_random_labels_near_chance_and_leak_above():
    """The Nygaard effect in miniature: a label-covariate correction fitted on all
    arrays leaks random labels; the in-fold one does not."""
    from gdl_utils.evaluate import roc_auc

    rng = np.random.default_rng(0)
    batch = np.repeat([1, 2, 3, 4], [12, 4, 12, 4])
    x = rng.normal(size=(len(batch), 2000)) + batch[:, None] * rng.normal(0, 1, 2000)
    folds = batch_folds(batch, 4, seed=0)

    def leak(y):
        xc = LocationScale().fit_transform(x, batch, y[:, None].astype(float))
        return roc_auc(
            y, cv_predict(xc, y, folds, lambda: screened_logistic(200))[:, 1]
        )

    def fair(y):
        p = cv_predict(
            x,
            y,
            folds,
            lambda: screened_logistic(200),
            batch=batch,
            correction="with-labels",
        )
        return roc_auc(y, p[:, 1])

    y = np.r_[np.ones(10), np.zeros(22)].astype(int)
    leaked = random_label_control(leak, y, 8, seed=1)
    fair_scores = random_label_control(fair, y, 8, seed=1)
    assert leaked.mean() > fair_scores.mean() + 0.05
    assert abs(fair_scores.mean() - 0.5) < 0.15


def test_cv_predict_errors_and_labels():
    x, batch, y = _simulated()
    with pytest.raises(ValueError, match="unknown correction"):
        cv_predict(x, y, batch_folds(batch, 3, 0), screened_logistic, correction="x")
    with pytest.raises(ValueError, match="needs batch="):
        cv_predict(x, y, [], screened_logistic, correction="label-free")
    with pytest.raises(ValueError, match=r"label 'Tumour' at position 2 is not one of"):
        check_labels(["Cancer", "Normal", "Tumour"], ["Cancer", "Normal", "Biopsy"])


def test_random_label_control_is_seeded():
    y = np.arange(10) % 2
    a = random_label_control(lambda v: v[:3].sum(), y, 5, seed=3)
    assert np.array_equal(a, random_label_control(lambda v: v[:3].sum(), y, 5, seed=3))


def test_check_bladder_errors():
    x = np.ones((3, 2))
    pheno = pd.DataFrame(
        {"outcome": ["a", "b", "c"], "batch": [1, 2, 2], "cancer": ["C", "N", "N"]},
        index=["s1", "s2", "s3"],
    )
    assert check_bladder(x, ["p1", "p2"], pheno).pheno["batch"].tolist() == [1, 2, 2]
    bad = x.copy()
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match="probe 'p2' \\(column 1\\) of array 's2'"):
        check_bladder(bad, ["p1", "p2"], pheno)
    with pytest.raises(ValueError, match="has 2 rows but the expression matrix has 3"):
        check_bladder(x, ["p1", "p2"], pheno.iloc[:2])
    with pytest.raises(ValueError, match="lacks columns \\['batch'\\]"):
        check_bladder(x, ["p1", "p2"], pheno.drop(columns="batch"))
    with pytest.raises(ValueError, match="n_probes = 3"):
        check_bladder(x, ["p1", "p2", "p3"], pheno)
    with pytest.raises(ValueError, match="not an integer"):
        check_bladder(x, ["p1", "p2"], pheno.assign(batch=[1, 2.5, 2]))


@needs_mirror
def test_load_bladder_design():
    from shared_data import MIRROR

    from gdl_utils.datasets import read_bladder

    data = read_bladder(MIRROR / "bladderbatch" / "bladderdata.rda")
    assert data.expression.shape == (57, 22283)
    table = pd.crosstab(data.pheno["cancer"], data.pheno["batch"])
    assert table.loc["Cancer", 1] == 11 and table.loc["Normal", 3] == 4
    assert table.loc["Biopsy", 4] == 5 and table[1].sum() == 11


def test_read_bladder_refuses_foreign_file(tmp_path):
    from gdl_utils.datasets import read_bladder

    path = tmp_path / "x.rda"
    path.write_bytes(b"not R data")
    with pytest.raises(ValueError, match="x.rda: not an R file"):
        read_bladder(path)
