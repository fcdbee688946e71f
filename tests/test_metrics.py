"""Tests for gdl_utils.evaluate.classification against hand-computed values, plus
property tests."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gdl_utils.evaluate.classification import (
    accuracy,
    mcc,
    per_class_error,
    pos_weight,
    pr_auc,
    roc_auc,
)
from gdl_utils.evaluate.reports import multitask_report, regression_report

Y = np.array([0, 0, 1, 1])
S = np.array([0.1, 0.4, 0.35, 0.8])


def test_accuracy_by_hand():
    assert accuracy([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5
    assert accuracy(torch.tensor([2, 2, 0]), np.array([2, 2, 0])) == 1.0


def test_roc_auc_by_hand():
    # positive-negative pairs: (0.35 vs 0.1) ok, (0.35 vs 0.4) wrong, 0.8 beats both ->
    # 3/4
    assert roc_auc(Y, S) == pytest.approx(0.75)
    assert roc_auc(Y, S[:, None]) == pytest.approx(0.75)  # (N, 1) scores accepted
    # ties count one half
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.5)


def test_pr_auc_by_hand():
    # ranked: 0.8 (pos) P=1 at R=1/2; 0.4 (neg); 0.35 (pos) P=2/3 at R=1 -> AP = 1/2*1 +
    # 1/2*2/3
    assert pr_auc(Y, S) == pytest.approx(0.5 + 1 / 3)
    assert pr_auc(Y, -S) < pr_auc(Y, S)


def test_mcc_by_hand():
    # TP=1, TN=1, FP=1, FN=1 -> (1 - 1) / ... = 0 ; TP=2, TN=1, FP=1, FN=0 -> 2 /
    # sqrt(3*2*2*1)
    assert mcc([1, 1, 0, 0], [1, 0, 1, 0]) == pytest.approx(0.0)
    assert mcc([1, 1, 0, 0], [1, 1, 1, 0]) == pytest.approx(2 / math.sqrt(12))
    assert mcc([0, 1, 0, 1], [0, 1, 0, 1]) == pytest.approx(1.0)


def test_per_class_error_values_and_order():
    y_true = ["N", "EI", "EI", "IE", "N", "N", "EI", "N"]
    y_pred = ["N", "EI", "N", "IE", "IE", "N", "N", "N"]
    err = per_class_error(y_true, y_pred, labels=["N", "IE", "EI"])
    assert list(err.index) == ["N", "IE", "EI"]  # the order asked for
    np.testing.assert_allclose(err.to_numpy(), [25.0, 0.0, 200 / 3])
    assert isinstance(err, pd.Series) and err.name == "error_%"
    # default: sorted
    assert list(per_class_error(y_true, y_pred).index) == [
        "EI",
        "IE",
        "N",
    ]
    # no true examples
    assert math.isnan(per_class_error(y_true, y_pred, labels=["EI", "X"])["X"])


@pytest.mark.parametrize("func", [accuracy, mcc, roc_auc, pr_auc, per_class_error])
def test_shape_mismatch_names_both_shapes(func):
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)"):
        func([0, 1, 0, 1], [0.1, 0.2, 0.3])


@pytest.mark.parametrize("func", [roc_auc, pr_auc])
def test_single_class_is_an_error(func):
    with pytest.raises(ValueError, match=r"two classes, found \[1\]"):
        func([1, 1, 1], [0.2, 0.5, 0.9])


def test_roc_auc_multiclass_ovr():
    y = np.array([0, 1, 2, 0, 1, 2])
    perfect = np.eye(3)[y] * 0.8 + 0.2 / 3
    assert roc_auc(y, perfect) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"\(5,\).*\(6, 3\)"):
        roc_auc(y[:5], perfect)


def test_multitask_report():
    Y = np.array([[1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]])
    S = np.array([[0.9, 0.1, 0.2], [0.2, 0.3, 0.6], [0.8, 0.2, 0.9], [0.1, 0.4, 0.3]])
    with pytest.warns(UserWarning, match=r"\['b'\].*NaN"):
        rep = multitask_report(Y, S, names=["a", "b", "c"])
    assert list(rep.columns) == ["task", "positives", "prevalence", "roc_auc", "pr_auc"]
    assert rep["task"].tolist() == ["a", "b", "c"]
    assert rep["positives"].tolist() == [2, 0, 2]
    np.testing.assert_allclose(rep["prevalence"], [0.5, 0.0, 0.5])
    assert rep.loc[0, "roc_auc"] == 1.0 and rep.loc[0, "pr_auc"] == 1.0
    # 0.6 > 0.2 ok, 0.3 < 0.9 wrong: 2 of 4 pairs
    assert rep.loc[2, "roc_auc"] == pytest.approx(0.5)
    assert math.isnan(rep.loc[1, "roc_auc"]) and math.isnan(rep.loc[1, "pr_auc"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert multitask_report(Y[:, [0, 2]], S[:, [0, 2]])["task"].tolist() == [
            "task0",
            "task1",
        ]
    with pytest.raises(ValueError, match="2 names for 3 tasks"):
        multitask_report(Y, S, names=["a", "b"])
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 2\)"):
        multitask_report(Y, S[:, :2])


labels = st.lists(st.integers(0, 2), min_size=2, max_size=40)


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_per_class_error_agrees_with_accuracy(data):
    y_true = np.array(data.draw(labels))
    y_pred = np.array(
        data.draw(
            st.lists(st.integers(0, 2), min_size=len(y_true), max_size=len(y_true))
        )
    )
    err = per_class_error(y_true, y_pred)
    counts = pd.Series(y_true).value_counts().reindex(err.index)
    # class-size weighted mean of the class errors
    overall = float((err * counts).sum() / counts.sum())
    assert overall == pytest.approx(100 * (1 - accuracy(y_true, y_pred)))


@settings(max_examples=50, deadline=None)
@given(
    y=st.lists(st.integers(0, 1), min_size=2, max_size=30).filter(
        lambda v: 0 < sum(v) < len(v)
    ),
    seed=st.integers(0, 1000),
)
def test_roc_auc_properties(y, seed):
    # with ties
    s = np.random.default_rng(seed).integers(0, 5, size=len(y)).astype(float)
    auc = roc_auc(y, s)
    assert 0.0 <= auc <= 1.0
    # reversing the ranking mirrors the AUC
    assert auc + roc_auc(y, -s) == pytest.approx(1.0)
    assert roc_auc(y, np.exp(s)) == pytest.approx(auc)  # only the ranking matters
    assert pr_auc(y, s) >= 0.0 and pr_auc(y, y) == pytest.approx(1.0)


# ------------------------------------------------------------------------------- issue
# 7 §5 probes
def test_string_labels_need_an_explicit_positive_class():
    """A perfect ranking of "bound" over "unbound" used to score 0.0: the last sorted
    label
    ("unbound") was silently taken as the positive class."""
    y = np.array(["bound", "unbound", "bound", "unbound"])
    s = np.array([0.9, 0.1, 0.8, 0.2])
    for func in (roc_auc, pr_auc):
        with pytest.raises(
            ValueError, match=r"labels \['bound', 'unbound'\], not 0/1.*pos_label="
        ):
            func(y, s)
        assert func(y, s, pos_label="bound") == pytest.approx(1.0)
        assert func(y, -s, pos_label="unbound") == pytest.approx(1.0)
        with pytest.raises(ValueError, match="pos_label='yes' is not one of"):
            func(y, s, pos_label="yes")


def test_minus_one_one_labels_need_pos_label():
    y, s = np.array([-1, 1, -1, 1]), np.array([0.1, 0.9, 0.2, 0.8])
    with pytest.raises(ValueError, match=r"\[-1, 1\], not 0/1"):
        roc_auc(y, s)
    assert roc_auc(y, s, pos_label=1) == pytest.approx(1.0)
    assert roc_auc(y > 0, s) == pytest.approx(1.0)  # bool labels are 0/1


def test_accuracy_refuses_scores_passed_as_predictions():
    """accuracy(labels, logits) used to return 0.0 silently."""
    y = np.array([0, 1, 1, 0])
    logits = np.array([-1.3, 2.1, 0.4, -0.2])
    with pytest.raises(ValueError, match=r"y_pred\.flat\[0\] = -1\.3.*threshold"):
        accuracy(y, logits)
    with pytest.raises(ValueError, match="threshold"):
        accuracy(torch.tensor(y), torch.sigmoid(torch.tensor(logits)))
    with pytest.raises(ValueError, match="mcc: y_pred"):
        mcc(y, logits)
    assert accuracy(y, logits > 0) == 1.0
    # 0.0/1.0 floats are labels
    assert accuracy(y, (logits > 0).astype(np.float32)) == 1.0


def test_multiclass_roc_auc_needs_integer_labels():
    p = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    assert roc_auc([0, 1, 2], p) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="integer labels 0..2"):
        roc_auc(["a", "b", "c"], p)


# --------------------------------------------------------------------------- pos_weight
def test_pos_weight_by_hand():
    y = np.array([[1, 0], [0, 0], [0, 1], [0, 1]])
    w = pos_weight(y)
    assert isinstance(w, torch.Tensor) and w.dtype == torch.float32 and w.shape == (2,)
    np.testing.assert_allclose(w.numpy(), [3.0, 1.0])
    np.testing.assert_allclose(
        pos_weight(torch.tensor([1.0, 0, 0, 0, 0])).numpy(), [4.0]
    )


def test_pos_weight_balances_bce():
    y = torch.tensor([[1.0], [0.0], [0.0], [0.0]])
    loss = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight(y), reduction="none")(
        torch.zeros(4, 1), y
    )
    # positives weigh as much as negatives
    assert loss[0].item() == pytest.approx(loss[1:].sum().item())


@pytest.mark.parametrize(
    "y, msg",
    [
        (np.array([[1, 0], [1, 0]]), "column 0 has 2 positives among 2"),
        (np.array([0, 0]), "column 0 has 0 positives"),
        (np.array([0, 2, 1]), r"must be 0/1, found \[2\]"),
        (np.zeros((0, 3)), "N > 0"),
    ],
)
def test_pos_weight_errors(y, msg):
    with pytest.raises(ValueError, match=msg):
        pos_weight(y)


# --------------------------------------------------------------------------------
# regression_report
def test_regression_report_perfect_and_known_values():
    y = np.arange(10.0)
    rep = regression_report(y, 2 * y + 1)
    assert isinstance(rep, pd.Series)
    assert rep["pearson"] == pytest.approx(1.0) and rep["spearman"] == pytest.approx(
        1.0
    )
    assert rep["r2"] < 0  # correlated but far off: worse than predicting the mean
    exact = regression_report(y, y)
    assert (
        exact["r2"] == pytest.approx(1.0)
        and exact["rmse"] == pytest.approx(0.0)
        and exact["n"] == 10
    )
    anti = regression_report(y, -y[:, None])  # (N, 1) predictions are accepted
    assert anti["pearson"] == pytest.approx(-1.0)


def test_regression_report_accepts_tensors_and_rank_metric_ignores_monotone_maps(
    device,
):
    rng = np.random.default_rng(1)
    y = rng.normal(size=50)
    pred = torch.tensor(np.exp(y), device=device)
    rep = regression_report(y, pred)
    assert rep["spearman"] == pytest.approx(1.0)
    assert rep["pearson"] < 0.99


@pytest.mark.parametrize(
    "t, p, msg",
    [
        ([1, 2, 3], [1, 2], "3 values but y_pred has 2"),
        ([1, 2], [1, 2], "at least 3"),
        ([1, 1, 1], [1, 2, 3], "y_true is constant"),
        ([1, 2, np.nan], [1, 2, 3], "finite"),
        (np.ones((3, 2)), np.ones((3, 2)), r"shape \(3, 2\)"),
    ],
)
def test_regression_report_errors(t, p, msg):
    with pytest.raises(ValueError, match=msg):
        regression_report(t, p)
