"""ROC and precision-recall curves of one or several models on the same labels.

Split from :mod:`gdl_utils.plotting` (same style, same page-width rule).

Used in: chapters 1 and 3.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import sklearn.metrics as skm

from .style import MAX_WIDTH_IN

__all__ = ["plot_roc_pr"]


def plot_roc_pr(y_true, y_score, ax=None, *, legend: str = "auto"):
    """ROC curve (left) and precision-recall curve (right) with AUCs in the legends.

    Parameters
    ----------
    y_true : (N,) binary labels (0/1)
    y_score : (N,) or (N, 1) scores, or a dict {model name: scores} to compare models on
        the same labels
    ax : a pair of Axes, optional
    legend : "inside" (one legend in each panel), "below" (one legend under both
        panels, "name (AUROC x, AP y)"; needs room at the bottom: a constrained-layout
        figure gets it), None (no legend; the curves keep their labels), or "auto":
        "inside" when every model name is short, else "below".

    The ROC panel shows the chance diagonal; the PR panel the prevalence (the precision
    of a random classifier). Returns the array of the two Axes.
    Used in: chapters 1 (01), 3 (03a), 4 (04b) and 6 (06c).
    """
    y = np.asarray(y_true).ravel()
    if len(np.unique(y)) != 2:
        raise ValueError(
            "plot_roc_pr: y_true must contain two classes, found "
            f"{np.unique(y).tolist()}"
        )
    scores = dict(y_score) if isinstance(y_score, Mapping) else {"model": y_score}
    if ax is None:
        ax = plt.subplots(1, 2, figsize=(MAX_WIDTH_IN, 2.9), layout="constrained")[1]
    if legend not in ("auto", "inside", "below", None):
        raise ValueError(
            f"plot_roc_pr: legend must be 'auto', 'inside', 'below' or None, "
            f"got {legend!r}"
        )
    if legend == "auto":
        legend = "inside" if max(len(str(n)) for n in scores) <= 12 else "below"
    ax_roc, ax_pr = ax
    summary = []  # (line, "name (AUROC x, AP y)") for the legend below
    for name, s in scores.items():
        s = np.asarray(
            s.detach().cpu() if hasattr(s, "detach") else s, dtype=float
        ).reshape(-1)
        if s.shape != y.shape:
            raise ValueError(
                f"plot_roc_pr: scores {name!r} have {s.shape[0]} values for "
                f"{y.shape[0]} labels"
            )
        fpr, tpr, _ = skm.roc_curve(y, s)
        precision, recall, _ = skm.precision_recall_curve(y, s)
        auroc, ap = skm.roc_auc_score(y, s), skm.average_precision_score(y, s)
        (line,) = ax_roc.plot(fpr, tpr, label=f"{name} (AUROC = {auroc:.3f})")
        ax_pr.step(
            recall,
            precision,
            where="post",
            color=line.get_color(),
            label=f"{name} (AP = {ap:.3f})",
        )
        summary.append((line, f"{name} (AUROC {auroc:.3f}, AP {ap:.3f})"))
    prevalence = float(np.mean(y == y.max()))
    (chance,) = ax_roc.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label="chance")
    ax_pr.axhline(
        prevalence, color="grey", ls=":", lw=1, label=f"prevalence ({prevalence:.2f})"
    )
    ax_roc.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        title="ROC",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    ax_pr.set(
        xlabel="recall",
        ylabel="precision",
        title="Precision-recall",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    if legend == "inside":
        for a in (ax_roc, ax_pr):
            a.legend(
                frameon=False,
                loc="lower right" if a is ax_roc else "lower left",
                fontsize="small",
            )
    elif legend == "below":
        fig = ax_roc.figure
        constrained = type(fig.get_layout_engine()).__name__.startswith("Constrained")
        handles = [h for h, _ in summary] + [chance]
        labels = [t for _, t in summary]
        labels.append(f"chance (ROC); prevalence {prevalence:.2f} (PR)")
        fig.legend(
            handles,
            labels,
            loc="outside lower center" if constrained else "upper center",
            bbox_to_anchor=None if constrained else (0.5, 0.0),
            frameon=False,
            fontsize="small",
        )
    return np.asarray([ax_roc, ax_pr])
