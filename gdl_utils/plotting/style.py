"""One look for every figure in the book: style, learning curves, confusion matrices,
logos (ROC/PR curves are in :mod:`gdl_utils.plotting.curves`).

Every function draws on ``ax`` when given (or creates a figure) and returns what it drew
on, so that notebooks can add titles or save figures.

Used in: chapter 1 (logos) on; ``plot_history`` from chapter 3.
"""

from __future__ import annotations

import logomaker
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from sklearn import metrics as skm

from .._util import ALPHABET

__all__ = [
    "set_style",
    "plot_history",
    "plot_confusion",
    "plot_logo",
    "logo_frame",
]

LOGO_KINDS = ("information", "probability", "weight")


# The book's text column is 836 px wide (1400-px window). At 150 dpi a 5.4-in figure is
# 810 px, which leaves room for a tight bounding box: it is shown at its natural size,
# so text stays sharp. Keep figures this wide at most (two panels side by side at most;
# a taller figure rather than a wider one).
DPI = 150
MAX_WIDTH_IN = 5.4


def set_style() -> None:
    """The book's single style: seaborn "ticks", "notebook" context (fonts x 0.85),
    colour-blind palette, 150 dpi, default figure 5.4 x 3.5 in (810 px: fits the book's
    836-px text column unscaled).

    Call once at the top of a notebook. Used in: every chapter.
    """
    sns.set_theme(
        context="notebook",
        style="ticks",
        palette="colorblind",
        font_scale=0.85,
        rc={
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "figure.figsize": (MAX_WIDTH_IN, 3.5),
            "axes.spines.top": False,
            "axes.spines.right": False,
        },
    )


def _axes(ax, **subplots_kw):
    if ax is not None:
        return ax
    return plt.subplots(layout="constrained", **subplots_kw)[1]


def plot_history(history, ax=None, *, metric_name: str = "val_metric"):
    """Learning curves: training and validation loss per epoch, the best epoch marked,
    and the validation metric (if recorded) on a second y axis.

    Parameters
    ----------
    history : gdl_utils.training.History or DataFrame with columns epoch, train_loss[,
        val_loss, val_metric]
    ax : matplotlib Axes, optional
    metric_name : label of the metric axis, e.g. "val AUROC"

    Returns the loss Axes. Used in: chapter 3 (learning curves of the CNNs).
    """
    df = history.to_frame() if hasattr(history, "to_frame") else pd.DataFrame(history)
    missing = {"epoch", "train_loss"} - set(df.columns)
    if missing:
        raise ValueError(
            f"plot_history: history lacks columns {sorted(missing)} (has "
            f"{list(df.columns)})"
        )
    ax = _axes(ax)
    ax.plot(df["epoch"], df["train_loss"], marker="o", ms=3, label="train loss")
    has_val = "val_loss" in df and df["val_loss"].notna().any()
    if has_val:
        ax.plot(df["epoch"], df["val_loss"], marker="o", ms=3, label="validation loss")
        best = df.loc[df["val_loss"].idxmin(), "epoch"]
        ax.axvline(best, color="grey", ls=":", lw=1, label=f"best epoch ({best})")
    ax.set(xlabel="epoch", ylabel="loss")
    handles, labels = ax.get_legend_handles_labels()
    if "val_metric" in df and df["val_metric"].notna().any():
        ax2 = ax.twinx()
        color = sns.color_palette()[2]
        (line,) = ax2.plot(
            df["epoch"], df["val_metric"], color=color, ls="--", label=metric_name
        )
        ax2.set_ylabel(metric_name, color=color)
        handles, labels = handles + [line], labels + [metric_name]
    ax.legend(  # above the axes: a legend inside would cover the curves
        handles,
        labels,
        frameon=False,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=2,
        fontsize="small",
    )
    return ax


def plot_confusion(y_true, y_pred, labels=None, ax=None, *, normalize: bool = False):
    """Annotated confusion matrix, true classes in rows and predicted classes in
    columns.

    Parameters
    ----------
    y_true, y_pred : (N,) class labels
    labels : class order (default: sorted classes present in either)
    normalize : show the fraction of each true class instead of counts

    Returns the Axes. Used in: chapter 2 (splice-junction classes).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"plot_confusion: y_true has shape {y_true.shape} but y_pred has shape "
            f"{y_pred.shape}"
        )
    labels = (
        list(np.unique(np.concatenate([y_true, y_pred])))
        if labels is None
        else list(labels)
    )
    cm = skm.confusion_matrix(y_true, y_pred, labels=labels).astype(float)
    if normalize:
        cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    side = min(MAX_WIDTH_IN, 1.2 * len(labels) + 2)  # never wider than the page column
    ax = _axes(ax, figsize=(side, min(side, 1.0 * len(labels) + 1.5)))
    sns.heatmap(
        cm,
        annot=True,
        fmt=".2f" if normalize else ".0f",
        cmap="Blues",
        cbar=False,
        square=True,
        xticklabels=labels,
        yticklabels=labels,
        ax=ax,
    )
    ax.set(xlabel="predicted", ylabel="true")
    return ax


def logo_frame(matrix, kind: str = "information") -> pd.DataFrame:
    """The (w, 4) DataFrame (columns A, C, G, T) that :func:`plot_logo` draws.

    ``matrix`` is a (4, w) array with rows A, C, G, T, a DataFrame with columns A, C, G,
    T (one row per position), or an object with a ``ppm()`` method (a ``Motif``).
    ``kind``: "probability" normalises each position to sum 1; "information" scales
    those probabilities by the position's information content ``2 - H`` bits (uniform
    background), so a fully conserved position is 2 bits tall; "weight" keeps the values
    as they are (signed weights such as perceptron weights or convolution filters).

    Used in: no notebook directly (:func:`plot_logo` draws it).
    """
    if kind not in LOGO_KINDS:
        raise ValueError(f"plot_logo: kind must be one of {LOGO_KINDS}, got {kind!r}")
    if hasattr(matrix, "ppm") and callable(matrix.ppm):
        matrix = matrix.ppm()
    if isinstance(matrix, pd.DataFrame):
        if sorted(matrix.columns) != list(ALPHABET):
            raise ValueError(
                "plot_logo: DataFrame columns must be A, C, G, T, got "
                f"{list(matrix.columns)}"
            )
        df = matrix[list(ALPHABET)].astype(float)
    else:
        arr = np.asarray(
            matrix.detach().cpu() if hasattr(matrix, "detach") else matrix, dtype=float
        )
        if arr.ndim != 2 or arr.shape[0] != 4:
            raise ValueError(
                f"plot_logo: expected a (4, w) array with rows A, C, G, T, got shape "
                f"{arr.shape}"
            )
        df = pd.DataFrame(arr.T, columns=list(ALPHABET))
    if kind == "weight":
        return df
    if (df.values < 0).any():
        pos = df.index[(df.values < 0).any(axis=1)][0]
        raise ValueError(
            f"plot_logo: kind={kind!r} needs non-negative counts or probabilities; "
            "position "
            f"{pos} has a negative value (use kind='weight' for signed weights)"
        )
    totals = df.sum(axis=1).to_numpy()[:, None]
    prob = df / np.where(totals > 0, totals, 1.0)  # all-zero (padding) positions stay 0
    if kind == "probability":
        return prob
    p = prob.to_numpy()
    entropy = -np.sum(
        np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0),
        axis=1,
        keepdims=True,
    )
    return prob * np.where(totals > 0, 2.0 - entropy, 0.0)


def plot_logo(matrix, *, kind: str = "information", ax=None, title: str | None = None):
    """Sequence logo of a motif matrix (see :func:`logo_frame` for inputs and ``kind``).

    Positions are numbered by the DataFrame index, or 0..w-1 for arrays. Returns the
    Axes.
    Used in: chapters 1 (01), 2 (02a, 02b), 3 (03a, 03b, 03d), 4 (04b) and 8 (08b, 08c).
    """
    df = logo_frame(matrix, kind)
    width = min(MAX_WIDTH_IN, max(3.0, 0.45 * len(df) + 1))  # fits the page column
    ax = _axes(ax, figsize=(width, 2.2))
    logomaker.Logo(
        df, ax=ax, color_scheme="classic", baseline_width=0.8 if kind == "weight" else 0
    )
    ylabel = {"information": "bits", "probability": "probability", "weight": "weight"}[
        kind
    ]
    ax.set(ylabel=ylabel, xlabel="position")
    if kind == "information":
        ax.set_ylim(0, 2)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title)
    return ax
