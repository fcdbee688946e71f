"""gdl_utils.multiview (views, block scaling, late fusion, ridge CCA, fold-wise CV),
the nutrimouse loader and MultiViewNet; and chapter 9.3's checks on broken variants.

The claims of notebook 09c must fail for the broken variant each one is meant to catch:
labels shuffled, a view permuted across samples, CCA fitted on all mice before the
cross-validation.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import MIRROR, MIRRORS, needs_mirror
from sklearn.cross_decomposition import CCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gdl_utils.datasets import dataset_path, read_nutrimouse
from gdl_utils.models import MultiViewNet, build_model, model_config
from gdl_utils.multiview import (
    BlockScaler,
    RidgeCCA,
    canonical_correlations,
    check_views,
    late_fusion,
    repeated_view_cv,
)
from gdl_utils.runtime import seeded


def two_views(seed=0, n=300, p=6, q=4, shared=2):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, shared))
    X = np.hstack([z, rng.normal(size=(n, p - shared))]) @ rng.normal(size=(p, p))
    Y = np.hstack([z, rng.normal(size=(n, q - shared))]) @ rng.normal(size=(q, q))
    return X + rng.normal(size=X.shape), Y + rng.normal(size=Y.shape)


# --- views -------------------------------------------------------------------------


def test_check_views_names_the_view_with_a_nan():
    a = pd.DataFrame(np.ones((4, 2)), columns=["g1", "g2"])
    b = pd.DataFrame(np.ones((4, 3)), columns=["f1", "f2", "f3"])
    b.iloc[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"view 'lipid'.*row 2, column 'f2'"):
        check_views({"gene": a, "lipid": b})
    with pytest.raises(ValueError, match=r"view 'b'.*inf"):
        check_views({"a": np.ones((3, 2)), "b": np.array([[1.0], [np.inf], [0]])})


def test_check_views_refuses_mismatched_samples():
    a = pd.DataFrame(np.zeros((3, 2)), index=["m1", "m2", "m3"])
    b = pd.DataFrame(np.zeros((3, 1)), index=["m1", "m3", "m2"])
    with pytest.raises(ValueError, match=r"view 'lipid'.*'gene'.*another order.*row 1"):
        check_views({"gene": a, "lipid": b})
    c = pd.DataFrame(np.zeros((3, 1)), index=["m1", "m2", "x"])
    with pytest.raises(ValueError, match=r"row 2 is 'x'"):
        check_views({"gene": a, "lipid": c})
    with pytest.raises(ValueError, match=r"view 'b' has 2 samples, view 'a' has 3"):
        check_views({"a": np.zeros((3, 2)), "b": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"view 'b'.*\(n_samples, n_features\)"):
        check_views({"a": np.zeros((3, 2)), "b": np.zeros(3)})
    with pytest.raises(ValueError, match="two or more"):
        check_views({"a": np.zeros((3, 2))})


def test_block_scaler_gives_each_view_unit_total_variance():
    rng = np.random.default_rng(0)
    views = {"a": rng.normal(5, 3, (50, 20)), "b": rng.normal(0, 0.1, (50, 4))}
    out = BlockScaler().fit_transform(views)
    assert out.shape == (50, 24)
    assert out[:, :20].var(axis=0).sum() == pytest.approx(1)
    assert out[:, 20:].var(axis=0).sum() == pytest.approx(1)
    plain = BlockScaler(block=False).fit_transform(views)
    np.testing.assert_allclose(plain.var(axis=0), 1)
    # fitted on training rows only: test rows use the training means and scales
    scaler = BlockScaler().fit({k: v[:30] for k, v in views.items()})
    test = scaler.transform({k: v[30:] for k, v in views.items()})
    a_train, a_test = views["a"][:30, 0], views["a"][30:, 0]
    expected = (a_test - a_train.mean()) / a_train.std() / np.sqrt(20)
    np.testing.assert_allclose(test[:, 0], expected)
    with pytest.raises(ValueError, match="fitted on views"):
        scaler.transform({"b": views["b"], "a": views["a"]})


@settings(max_examples=25, deadline=None)
@given(st.floats(1e-3, 1e3), st.floats(-50, 50))
def test_block_scaler_ignores_units(scale, shift):
    rng = np.random.default_rng(1)
    views = {"a": rng.normal(size=(20, 5)), "b": rng.normal(size=(20, 3))}
    moved = {"a": views["a"] * scale + shift, "b": views["b"]}
    np.testing.assert_allclose(
        BlockScaler().fit_transform(views),
        BlockScaler().fit_transform(moved),
        atol=1e-8,
    )


# --- late fusion -------------------------------------------------------------------


def test_late_fusion_rules():
    p1 = np.array([[0.9, 0.1], [0.2, 0.8]])
    p2 = np.array([[0.5, 0.5], [0.6, 0.4]])
    np.testing.assert_allclose(late_fusion([p1, p2]), (p1 + p2) / 2)
    np.testing.assert_allclose(late_fusion([p1, p2], weights=[1, 0]), p1)
    prod = late_fusion([p1, p2], rule="product")
    expected = np.sqrt(p1 * p2) / np.sqrt(p1 * p2).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(prod, expected)
    binary = late_fusion([p1[:, 1], p2[:, 1]], rule="product")
    np.testing.assert_allclose(binary, prod[:, 1])
    logit = np.log(binary / (1 - binary))  # the product rule averages the logits
    np.testing.assert_allclose(
        logit, np.mean([np.log(p[:, 1] / p[:, 0]) for p in (p1, p2)], 0)
    )
    with pytest.raises(ValueError, match="view 1 does not hold probabilities"):
        late_fusion([p1, p2 * 2])
    with pytest.raises(ValueError, match="one shape"):
        late_fusion([p1, p1[:1]])
    with pytest.raises(ValueError, match="rule"):
        late_fusion([p1, p2], rule="max")


# --- ridge CCA ---------------------------------------------------------------------


def test_ridge_cca_at_zero_ridge_is_sklearn_cca():
    X, Y = two_views()
    ours = RidgeCCA(3, ridge=0).fit(X, Y)
    ref = CCA(3, max_iter=5_000, tol=1e-12).fit(X, Y)
    U, V = ref.transform(X, Y)
    np.testing.assert_allclose(
        ours.canonical_correlations_, canonical_correlations(U, V), atol=1e-6
    )
    u, v = ours.transform(X, Y)
    for k in range(3):
        assert abs(np.corrcoef(u[:, k], U[:, k])[0, 1]) > 1 - 1e-6
        assert abs(np.corrcoef(v[:, k], V[:, k])[0, 1]) > 1 - 1e-6


def test_ridge_cca_refuses_singular_covariance_without_ridge():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(10, 30)), rng.normal(size=(10, 3))
    with pytest.raises(
        ValueError, match=r"view 'X' is singular \(30 features, 10 samples\)"
    ):
        RidgeCCA(2, ridge=0).fit(X, Y)
    with pytest.raises(ValueError, match=r"ridge must lie in \[0, 1\]"):
        RidgeCCA(2, ridge=1.5).fit(X, Y)
    with pytest.raises(ValueError, match="n_components"):
        RidgeCCA(4, ridge=0.1).fit(X, Y)


def test_plain_cca_is_degenerate_when_p_exceeds_n():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 60)), rng.normal(size=(20, 3))  # unrelated views
    model = RidgeCCA(1, ridge=1e-6).fit(X[:15], Y[:15])
    assert model.canonical_correlations_[0] > 0.999  # perfect in sample, for noise
    assert abs(model.score(X[15:], Y[15:])[0]) < 0.99


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 1.0), st.floats(1e-3, 1e3))
def test_ridge_cca_properties(seed, ridge, scale):
    X, Y = two_views(seed, n=60, p=5, q=4)
    model = RidgeCCA(2, ridge=max(ridge, 1e-9)).fit(X, Y)
    r = model.canonical_correlations_
    assert np.all((r >= -1e-9) & (r <= 1 + 1e-9))  # in-sample r in [0, 1]
    scaled = RidgeCCA(2, ridge=max(ridge, 1e-9)).fit(X * scale, Y / scale + 3)
    np.testing.assert_allclose(scaled.canonical_correlations_, r, atol=1e-6)
    np.testing.assert_allclose(np.abs(scaled.transform(X * scale, Y / scale + 3)[0]),
                               np.abs(model.transform(X, Y)[0]), atol=1e-6)  # fmt: skip


def test_held_out_correlation_vanishes_for_a_permuted_view():
    X, Y = two_views(n=400)
    model = RidgeCCA(1, ridge=0.1).fit(X[:200], Y[:200])
    assert model.score(X[200:], Y[200:])[0] > 0.5
    perm = np.random.default_rng(0).permutation(200)
    assert abs(model.score(X[200:], Y[200:][perm])[0]) < 0.2


# --- cross-validation ---------------------------------------------------------------


def test_repeated_view_cv_hands_methods_only_training_rows():
    rng = np.random.default_rng(0)
    views = {"a": np.arange(40.0)[:, None], "b": rng.normal(size=(40, 2))}
    y = np.repeat([0, 1], 20)
    seen = []

    def method(train, y_train, test):
        seen.append((set(train["a"][:, 0]), set(test["a"][:, 0])))
        assert len(train["a"]) == len(train["b"]) == len(y_train)
        return np.full((len(test["a"]), 2), 0.5)

    folds = repeated_view_cv(views, y, {"m": method}, n_splits=4, n_repeats=2, seed=0)
    assert len(folds) == 8 and folds.n_test.groupby(folds.repeat).sum().eq(40).all()
    for train, test in seen:
        assert not train & test and len(train | test) == 40
    with pytest.raises(ValueError, match="method 'bad' returned shape"):
        repeated_view_cv(views, y, {"bad": lambda a, b, c: np.ones((2, 2))}, seed=0)


# --- MultiViewNet ------------------------------------------------------------------


def test_multiview_net_shapes_missing_view_and_config():
    with seeded(0):
        net = MultiViewNet((5, 3), hidden=4, n_outputs=2, view_dropout=0.5)
    x = torch.randn(6, 8)
    net.eval()
    assert net(x).shape == (6, 2)
    missing = x.clone()
    missing[:2, 5:] = float("nan")
    codes = net.encode(missing)
    assert torch.all(codes[1][:2] == 0) and torch.all(torch.isfinite(net(missing)))
    assert torch.equal(net(missing)[2:], net(x)[2:])
    net.train()
    torch.manual_seed(0)
    assert not torch.equal(net(x), net(x))  # view dropout is random in training
    twin = build_model(model_config(net))
    assert twin.n_inputs == (5, 3)
    with pytest.raises(ValueError, match=r"expected input \(batch, 8\)"):
        net(torch.randn(2, 7))
    with pytest.raises(ValueError, match="two or more views"):
        MultiViewNet((5,))


def test_multiview_net_is_seeded():
    with seeded(3):
        a = MultiViewNet((4, 2))
    with seeded(3):
        b = MultiViewNet((4, 2))
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


# --- the nutrimouse loader ---------------------------------------------------------


@needs_mirror
def test_read_nutrimouse():
    mice = read_nutrimouse(MIRROR / "nutrimouse")
    assert mice.gene.shape == (40, 120) and mice.lipid.shape == (40, 21)
    assert mice.gene.index.equals(mice.lipid.index) and mice.diet.nunique() == 5
    assert dataset_path("nutrimouse", "gene.csv", mirror=MIRRORS).is_file()


@needs_mirror
@pytest.mark.parametrize(
    "file, edit, message",
    [
        ("lipid.csv", ("26.45", "n/a"), r"lipid.csv, line 2, column 'C16.0'"),
        ("gene.csv", None, r"gene.csv: 39 rows"),
        ("diet.csv", ('"fish"', '"olive"'), r"diet.csv, line \d+: 'olive'"),
        ("genotype.csv", ('"ppar"', '"wt"'), "4 mice per diet"),
    ],
)
def test_read_nutrimouse_errors_name_the_file(tmp_path, file, edit, message):
    shutil.copytree(MIRROR / "nutrimouse", tmp_path, dirs_exist_ok=True)
    path = tmp_path / file
    text = path.read_text()
    if edit is None:  # drop the last mouse
        text = "\n".join(text.splitlines()[:-1]) + "\n"
    else:
        text = text.replace(*edit, 1)
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_nutrimouse(tmp_path)


# --- 9.3's claims fail for broken variants ----------------------------------------


@pytest.fixture(scope="module")
def mice():
    return read_nutrimouse(MIRROR / "nutrimouse")


def _accuracy(views, y, method, seed=0, n_repeats=2):
    folds = repeated_view_cv(views, y, {"m": method}, n_repeats=n_repeats, seed=seed)
    return folds.correct.sum() / folds.n_test.sum()


def _one_view(name):
    def method(train, y, test):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2_000))
        return model.fit(train[name], y).predict_proba(test[name])

    return method


@needs_mirror
@pytest.mark.parametrize("variant", ["working", "shuffled labels", "permuted lipids"])
def test_diet_claim_fails_for_broken_data(mice, variant):
    rng = np.random.default_rng(0)
    y = mice.diet.to_numpy()
    lipid = mice.lipid.to_numpy()
    if variant == "shuffled labels":
        y = rng.permutation(y)
    if variant == "permuted lipids":
        lipid = lipid[rng.permutation(40)]
    acc = _accuracy(
        {"gene": mice.gene.to_numpy(), "lipid": lipid}, y, _one_view("lipid")
    )
    assert (acc >= 0.95) == (variant == "working")  # 09c: "lipid alone >= 0.95"


def _held_out_r(mice, ridge, leak=False, permute=False):
    gene, lipid = mice.gene.to_numpy(), mice.lipid.to_numpy()
    if permute:
        lipid = lipid[np.random.default_rng(0).permutation(40)]
    leaked = RidgeCCA(2, ridge=ridge).fit(gene, lipid)

    def method(train, y, test):
        cca = (
            leaked
            if leak
            else RidgeCCA(2, ridge=ridge).fit(train["gene"], train["lipid"])
        )
        return np.full((len(test["gene"]), 5), 0.2), {
            "r": cca.score(test["gene"], test["lipid"])[0]
        }

    folds = repeated_view_cv({"gene": gene, "lipid": lipid}, mice.diet.to_numpy(),
                             {"m": method}, n_repeats=2, seed=0)  # fmt: skip
    return folds.r.mean()


@needs_mirror
def test_cca_claims_fail_for_a_leak_and_a_permuted_view(mice):
    honest = _held_out_r(mice, 0.1)
    assert honest >= 0.75  # 09c: rCCA generalises
    assert _held_out_r(mice, 0.1, leak=True) - honest >= 0.05  # 09c's leak check
    assert _held_out_r(mice, 0.1, permute=True) < 0.75  # a permuted view fails it
    # plain CCA fitted on all mice first: the "held-out" r is no longer low
    assert _held_out_r(mice, 1e-6, leak=True) > 0.99
