"""Tests for gdl_utils.plotting (non-interactive Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from gdl_utils.evaluate.classification import pr_auc, roc_auc  # noqa: E402
from gdl_utils.plotting.curves import plot_roc_pr  # noqa: E402
from gdl_utils.plotting.style import (  # noqa: E402
    logo_frame,
    plot_confusion,
    plot_history,
    plot_logo,
    set_style,
)
from gdl_utils.training import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def column_tops(ax) -> dict[int, float]:
    """Top of the stacked glyphs at each logo position, in data coordinates."""
    tops: dict[int, float] = {}
    for patch in ax.patches:
        box = patch.get_window_extent().transformed(ax.transData.inverted())
        pos = int(round((box.x0 + box.x1) / 2))
        tops[pos] = max(tops.get(pos, 0.0), box.y1)
    return tops


def test_set_style_sets_book_defaults():
    set_style()
    assert matplotlib.rcParams["figure.dpi"] == 150  # sharp at the 836-px text column
    assert not matplotlib.rcParams["axes.spines.top"]


def test_logo_information_heights():
    # position 0: always A (2 bits); 1: A/C half-half (1 bit); 2: uniform (0 bits); 3:
    # padding (0)
    ppm = np.array(
        [
            [1.0, 0.5, 0.25, 0.0],
            [0.0, 0.5, 0.25, 0.0],
            [0.0, 0.0, 0.25, 0.0],
            [0.0, 0.0, 0.25, 0.0],
        ]
    )
    df = logo_frame(ppm, "information")
    np.testing.assert_allclose(df.sum(axis=1), [2.0, 1.0, 0.0, 0.0], atol=1e-12)
    ax = plot_logo(
        ppm * 40, kind="information", title="test"
    )  # counts give the same logo
    assert (
        isinstance(ax, Axes) and ax.get_ylabel() == "bits" and ax.get_title() == "test"
    )
    tops = column_tops(ax)
    assert tops[0] == pytest.approx(2.0, abs=1e-6)
    assert tops[1] == pytest.approx(1.0, abs=1e-6)
    assert set(tops) == {0, 1}  # zero-height columns draw nothing


def test_logo_dataframe_input_and_probability():
    df = pd.DataFrame(
        {"T": [2, 0], "G": [0, 0], "C": [0, 1], "A": [2, 3]}, index=[-1, 1]
    )
    prob = logo_frame(df, "probability")
    assert list(prob.columns) == list("ACGT") and list(prob.index) == [-1, 1]
    np.testing.assert_allclose(prob.loc[-1], [0.5, 0.0, 0.0, 0.5])
    ax = plot_logo(df, kind="probability")
    assert ax.get_ylabel() == "probability"
    assert set(column_tops(ax)) == {-1, 1}  # positions follow the DataFrame index


def test_logo_weight_keeps_signs():
    w = np.array([[1.5, -0.5], [-1.0, 0.0], [0.0, 0.3], [0.2, 0.0]])
    np.testing.assert_allclose(logo_frame(w, "weight").to_numpy(), w.T)
    fig, ax = plt.subplots()
    assert plot_logo(w, kind="weight", ax=ax) is ax
    boxes = [
        p.get_window_extent().transformed(ax.transData.inverted()) for p in ax.patches
    ]
    assert min(b.y0 for b in boxes) == pytest.approx(
        -1.0, abs=1e-6
    )  # negative weights below zero


def test_logo_input_errors():
    with pytest.raises(ValueError, match=r"\(4, w\).*\(3, 5\)"):
        plot_logo(np.ones((3, 5)))
    with pytest.raises(ValueError, match="kind"):
        plot_logo(np.ones((4, 5)), kind="bits")
    with pytest.raises(ValueError, match="position 1.*kind='weight'"):
        logo_frame(np.array([[1.0, -1.0]] * 4), "information")
    with pytest.raises(ValueError, match="columns must be A, C, G, T"):
        plot_logo(pd.DataFrame({"A": [1], "C": [1], "G": [1], "U": [1]}))


class FakeMotif:
    def ppm(self):
        return np.array([[0.0], [0.0], [1.0], [0.0]])


def test_logo_accepts_objects_with_ppm():
    np.testing.assert_allclose(
        logo_frame(FakeMotif()).to_numpy(), [[0.0, 0.0, 2.0, 0.0]]
    )


def test_plot_history_with_and_without_validation():
    hist = History(
        epochs=[
            dict(
                epoch=e,
                train_loss=1 / e,
                val_loss=abs(e - 3) + 0.5,
                val_metric=0.1 * e,
                seconds=0.1,
            )
            for e in range(1, 6)
        ]
    )
    ax = plot_history(hist)
    assert isinstance(ax, Axes) and len(ax.lines) == 3  # train, val, best-epoch marker
    labels = ax.get_legend_handles_labels()[1]
    assert (
        "best epoch (3)" in labels and len(ax.get_legend().get_texts()) == 4
    )  # + metric on twin axis
    ax = plot_history(pd.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5]}))
    assert len(ax.lines) == 1
    with pytest.raises(ValueError, match="train_loss"):
        plot_history(pd.DataFrame({"epoch": [1]}))


def test_plot_confusion_counts():
    ax = plot_confusion(
        ["EI", "N", "N", "IE"], ["EI", "N", "EI", "IE"], labels=["EI", "IE", "N"]
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["EI", "IE", "N"]
    texts = [t.get_text() for t in ax.texts]
    assert texts == [
        "1",
        "0",
        "0",
        "0",
        "1",
        "0",
        "1",
        "0",
        "1",
    ]  # row "N": one EI, zero IE, one N


def test_plot_roc_pr(rng):
    y = rng.integers(0, 2, size=200)
    good, noise = y + rng.normal(0, 0.5, size=200), rng.normal(size=200)
    axes = plot_roc_pr(y, {"good": good, "noise": noise})
    assert axes.shape == (2,) and all(isinstance(a, Axes) for a in axes)
    roc_labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    pr_labels = [t.get_text() for t in axes[1].get_legend().get_texts()]
    assert roc_labels[:2] == [
        f"good (AUROC = {roc_auc(y, good):.3f})",
        f"noise (AUROC = {roc_auc(y, noise):.3f})",
    ]
    assert pr_labels[0] == f"good (AP = {pr_auc(y, good):.3f})"
    assert pr_labels[-1] == f"prevalence ({y.mean():.2f})"
    assert plot_roc_pr(y, good[:, None]).shape == (2,)
    with pytest.raises(ValueError, match="199 values for 200 labels"):
        plot_roc_pr(y, good[:-1])


def test_wide_logos_and_many_class_confusions_fit_the_page_column():
    from gdl_utils.plotting.style import MAX_WIDTH_IN, plot_confusion, plot_logo

    rng = np.random.default_rng(0)
    ax = plot_logo(rng.dirichlet(np.ones(4), size=30).T, kind="probability")
    assert ax.figure.get_size_inches()[0] <= MAX_WIDTH_IN
    labels = list("ABCDEFGHIJ")
    y = rng.choice(labels, size=200)
    ax = plot_confusion(y, rng.choice(labels, size=200), labels=labels)
    assert ax.figure.get_size_inches()[0] <= MAX_WIDTH_IN
    plt.close("all")


def test_roc_pr_legend_below_keeps_the_panels_readable(rng):
    """Long model names go into one legend under both panels, not into the panels."""
    y = rng.integers(0, 2, size=200)
    scores = {
        "PWM scan, true motif (ceiling)": y + rng.normal(0, 0.3, size=200),
        "5-mer logistic regression": y + rng.normal(0, 1.0, size=200),
    }
    fig, axes = plt.subplots(1, 2, figsize=(5.4, 2.9), layout="constrained")
    plot_roc_pr(y, scores, ax=axes)  # "auto": names are long -> below
    fig.canvas.draw()
    assert axes[0].get_legend() is None and len(fig.legends) == 1
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[0].startswith("PWM scan, true motif (ceiling) (AUROC ")
    for ax in axes:  # each panel keeps at least a third of the figure's width
        assert ax.get_position().width > 0.33
    with pytest.raises(ValueError, match="legend must be"):
        plot_roc_pr(y, scores, legend="left")
    plt.close("all")
