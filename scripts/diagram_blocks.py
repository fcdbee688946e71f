"""The drawing blocks of the book's conceptual diagrams (``scripts/draw_diagrams.py``).

One matplotlib axes per figure whose data units are inches (:func:`canvas`); text no
smaller than 10 pt (:func:`label`); base colours of logomaker's "classic" scheme and
other colours from seaborn's "colorblind" palette; deterministic SVG (:func:`save_svg`).

Used in: scripts/draw_diagrams.py, scripts/diagrams_more.py.
"""

from __future__ import annotations

import pathlib

import logomaker
import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from logomaker.src.colors import get_color_dict
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

# --- drawing blocks: one axes in inches per figure ---

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "svg.fonttype": "path",
    "svg.hashsalt": "gdl",
}
MONO = "DejaVu Sans Mono"
BASE = {b: tuple(get_color_dict("classic", "ACGT")[b]) for b in "ACGT"}
PALETTE = sns.color_palette("colorblind")
ACCENT = PALETTE[4]  # the highlighted filter or unit (purple: no base has it)
POOL = PALETTE[9]  # pooled features (sky blue)
INK, GRID, FAINT = "0.15", "0.55", "0.6"
MAX_WIDTH_IN = 8.0
MIN_FONT_PT = 10


def canvas(width: float, height: float):
    """A width x height-inch figure and one axes in inches; returns (fig, ax)."""
    if not 0 < width <= MAX_WIDTH_IN or height <= 0:
        raise ValueError(
            f"canvas: width must be in (0, {MAX_WIDTH_IN}] in and height > 0 (the "
            f"book column is 836 px), got {width} x {height}"
        )
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    return fig, ax


def label(ax, x, y, s, size=10, ha="center", va="center", mono=False, **kw):
    """Text at (x, y) inches; ``mono=True`` for code. Refuses text under 10 pt."""
    if size < MIN_FONT_PT:
        raise ValueError(f"label {s!r}: {size} pt is below the book's {MIN_FONT_PT} pt")
    family = MONO if mono else RC["font.family"]
    return ax.text(x, y, s, fontsize=size, ha=ha, va=va, family=family, **kw)


def arrow(ax, start, end, color=INK, lw=1.2, **kw):
    """A straight arrow from ``start`` to ``end`` (inches)."""
    props = dict(arrowstyle="-|>", color=color, lw=lw, shrinkA=0, shrinkB=0)
    ax.annotate(
        "", xy=end, xytext=start, arrowprops={**props, "mutation_scale": 12, **kw}
    )


def rect(ax, xy, w, h, face="white", edge=GRID, lw=0.6, **kw):
    """A rectangle with its lower-left corner at ``xy``."""
    ax.add_patch(Rectangle(xy, w, h, facecolor=face, edgecolor=edge, lw=lw, **kw))


def box(ax, x, y, w, h, text, face="white", edge=INK, **kw):
    """A rounded box, lower-left corner at (x, y), with centred (multi-line) text."""
    style = "round,pad=0,rounding_size=0.06"
    ax.add_patch(
        FancyBboxPatch((x, y), w, h, boxstyle=style, facecolor=face, edgecolor=edge)
    )
    label(ax, x + w / 2, y + h / 2, text, linespacing=1.25, **kw)


def node(ax, x, y, r, face="white", edge=INK, lw=1.0):
    """A network unit: a circle of radius ``r`` inches."""
    ax.add_patch(Circle((x, y), r, facecolor=face, edgecolor=edge, lw=lw, zorder=3))


def letters(ax, seq: str, x0, y, cell, size=13):
    """Bold bases in their logo colours, centred over the columns of a grid at x0."""
    for i, s in enumerate(seq):
        color = BASE.get(s, FAINT)
        label(ax, x0 + (i + 0.5) * cell, y, s, size=size, weight="bold", color=color)


def onehot_grid(ax, x, x0, top, cell, *, digits=True, rows=True, z=1):
    """Draw a (4, L) one-hot matrix: row c (A, C, G, T) spans ``top - (c + 1) * cell``.

    Parameters
    ----------
    x : (4, L) array, e.g. ``gdl_utils.one_hot(seq)``; a cell is coloured where x = 1
    x0, top : left and top edges in inches; cell : the side of a cell in inches
    digits : write 0 / 1 in the cells; rows : label the rows A, C, G, T
    z : zorder of the cells (a later grid with a higher z hides an earlier one)

    Returns ``{(c, i): (x, y)}``, the lower-left corner of every cell.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] != 4:
        raise ValueError(f"onehot_grid: x must have shape (4, L), got {x.shape}")
    corners = {}
    for c, base in enumerate("ACGT"):
        y = top - (c + 1) * cell
        if rows:
            label(ax, x0 - 0.14, y + cell / 2, base, weight="bold", color=BASE[base])
        for i, on in enumerate(x[c] == 1):
            corners[c, i] = (x0 + i * cell, y)
            rect(
                ax,
                corners[c, i],
                cell,
                cell,
                face=BASE[base] if on else "white",
                zorder=z,
            )
            if digits:
                kw = dict(color="white", weight="bold") if on else dict(color=FAINT)
                label(
                    ax,
                    x0 + (i + 0.5) * cell,
                    y + cell / 2,
                    f"{int(on)}",
                    zorder=z,
                    **kw,
                )
    return corners


def weight_logo(fig, box_in, weights, title=None):
    """A logomaker weight logo of a (4, w) matrix (rows A, C, G, T) in the inch box
    ``box_in = (x, y, width, height)``, as ``plot_logo(kind="weight")`` draws it."""
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2 or weights.shape[0] != 4:
        raise ValueError(f"weight_logo: weights must be (4, w), got {weights.shape}")
    x, y, w, h = box_in
    fw, fh = fig.get_size_inches()
    ax = fig.add_axes((x / fw, y / fh, w / fw, h / fh))
    frame = pd.DataFrame(weights.T, columns=list("ACGT"))
    logomaker.Logo(
        frame,
        ax=ax,
        color_scheme="classic",
        font_name=RC["font.family"],
        baseline_width=0.8,
    )
    ax.set_xticks(range(len(frame)))
    ax.tick_params(labelsize=MIN_FONT_PT, length=2, pad=1)
    ax.set_yticks([])
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.spines["bottom"].set_color(GRID)
    if title:
        ax.set_title(title, fontsize=MIN_FONT_PT, pad=4)
    return ax


def save_svg(draw, path: pathlib.Path) -> pathlib.Path:
    """Call ``draw()`` (it returns a Figure) under matplotlib's default style plus
    :data:`RC`, whatever style the caller has set (e.g. seaborn's), and write the figure
    as SVG to ``path``."""
    with matplotlib.style.context("default"), matplotlib.rc_context(RC):
        fig = draw()
        if not isinstance(fig, Figure):
            raise TypeError(f"save_svg: {draw.__name__} returned {type(fig).__name__}")
        fig.savefig(path, format="svg", metadata={"Date": None})
    return path


BOLD = dict(ha="left", size=11, weight="bold")  # panel titles


def toy_pwm(consensus: str, top=1.6, rest=-0.5) -> np.ndarray:
    """(4, w) weights favouring ``consensus``, each column centred (as
    ``one_hot_weights`` and ``conv_weight_to_pwm`` centre learned weights)."""
    w = np.full((4, len(consensus)), rest)
    for i, s in enumerate(consensus):
        w["ACGT".index(s), i] = top * (1.0 - 0.12 * (i % 3))
    return w - w.mean(axis=0, keepdims=True)
