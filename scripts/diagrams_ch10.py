"""The diagram of chapter 10 (applications and challenges): why a confounded design
lets a classifier read the batch, and where a batch correction may be fitted, drawn with
the blocks of ``diagram_blocks``. :data:`CH10` maps the file name to its drawing
function for ``scripts/draw_diagrams.py``, the one entry point.

Used in: scripts/draw_diagrams.py (book/ch10_intro.md).
"""

from __future__ import annotations

from diagram_blocks import (
    ACCENT,
    BOLD,
    FAINT,
    GRID,
    INK,
    POOL,
    arrow,
    box,
    canvas,
    label,
)

LEAK = (0.80, 0.30, 0.30)  # the pipeline that manufactures signal


def draw_confounding():
    """Chapter 10: (a) biology and batch both shape the measurement, and the design ties
    the label to the batch; (b) a correction fitted with the labels on every array
    before cross-validation, against one fitted on the training arrays of each fold."""
    fig, ax = canvas(8.0, 4.5)
    label(ax, 0.1, 4.35, "(a) 10.1: two causes of one measurement", **BOLD)
    box(ax, 0.3, 3.55, 1.7, 0.6, "biology\n(the label)", face=POOL)
    box(ax, 0.3, 2.35, 1.7, 0.6, "processing\nbatch", face=FAINT)
    box(ax, 3.0, 2.95, 1.6, 0.6, "expression")
    arrow(ax, (2.02, 3.85), (2.98, 3.3))
    arrow(ax, (2.02, 2.65), (2.98, 3.15))
    ax.annotate(
        "",
        xy=(1.15, 3.53),
        xytext=(1.15, 2.97),
        arrowprops=dict(arrowstyle="<|-|>", color=ACCENT, lw=1.2, ls="--"),
    )
    label(ax, 1.25, 3.25, "design", ha="left", color=ACCENT, size=10)
    box(ax, 5.2, 2.95, 1.4, 0.6, "classifier")
    arrow(ax, (4.62, 3.25), (5.18, 3.25))
    arrow(ax, (6.62, 3.25), (7.0, 3.25))
    label(ax, 7.05, 3.25, "label?", ha="left")
    label(
        ax,
        5.2,
        2.45,
        "reads whichever cause\nseparates the classes best",
        ha="left",
        linespacing=1.2,
        color=INK,
    )

    label(ax, 0.1, 1.85, "(b) where the correction is fitted", **BOLD)
    box(ax, 0.3, 0.95, 2.3, 0.55, "ComBat with the labels,\non every array", edge=LEAK)
    arrow(ax, (2.62, 1.22), (3.08, 1.22), color=LEAK)
    box(ax, 3.1, 0.95, 1.5, 0.55, "cross-\nvalidation", edge=LEAK)
    label(ax, 4.75, 1.22, "random labels\nlook learnable", ha="left", color=LEAK)
    box(ax, 0.3, 0.15, 2.3, 0.55, "in each fold: fit on the\ntraining arrays only")
    arrow(ax, (2.62, 0.42), (3.08, 0.42))
    box(ax, 3.1, 0.15, 1.5, 0.55, "transform the\ntest arrays")
    label(ax, 4.75, 0.42, "random labels\nstay at chance", ha="left", color=GRID)
    return fig


CH10 = {"ch10_confounding.svg": draw_confounding}
