"""The diagram of chapter 11 (proteins): a dilated per-residue CNN and a termini CNN,
drawn with the blocks of ``diagram_blocks``. :data:`CH11` maps the file name to its
drawing function for ``scripts/draw_diagrams.py``, the one entry point.

The chain is encoded with ``gdl_utils.proteins.encode_protein`` and the receptive
field is that of ``gdl_utils.models.ResidueCNN`` with the chapter's kernel and
dilations, so the picture cannot disagree with the package.

Used in: scripts/draw_diagrams.py (book/ch11_intro.md).
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

from gdl_utils.models import ResidueCNN
from gdl_utils.proteins import encode_protein

CHAIN = "MKTAYIAKQRQISFVKSHFSRQLEERLG"
STATES = "CCHHHHHHHHHCCEEEEECCCHHHHHCC"
KERNEL, DILATIONS = 3, (1, 2, 4)  # drawn small; 11.1 uses kernel 5, (1, 2, 4, 8)
STATE_COLOR = {"H": (0.80, 0.30, 0.30), "E": (0.20, 0.45, 0.75), "C": INK}


def draw_proteins():
    """Chapter 11: (a) a dilated CNN labels every residue; (b) a CNN reads both termini,
    pools each, and joins them with the composition to predict the compartment."""
    codes = encode_protein(CHAIN, "diagram")
    fig, ax = canvas(8.0, 5.9)
    cnn = ResidueCNN(channels=4, kernel_size=KERNEL, dilations=DILATIONS)
    rf = cnn.receptive_field()
    label(
        ax, 0.1, 5.72, "(a) 11.1: dilated convolutions, one state per residue", **BOLD
    )
    cell, x0 = 0.2, 0.45
    n = len(codes)
    y_in = 2.95
    for i, aa in enumerate(CHAIN):
        label(ax, x0 + (i + 0.5) * cell, y_in, aa, size=11, weight="bold", mono=True)
    label(ax, 0.1, y_in, "x", ha="left", mono=True)
    centre = 14
    levels = [y_in + 0.45 + 0.5 * k for k in range(len(DILATIONS) + 1)]
    reach = {centre}
    # lines from the output position down through the layers: who feeds whom
    for k in range(len(DILATIONS), -1, -1):
        d = 1 if k == 0 else DILATIONS[k - 1]
        below = levels[k - 1] if k else y_in + 0.12
        new = set()
        for j in sorted(reach):
            for t in (-d, 0, d):
                if 0 <= j + t < n:
                    xs = (x0 + (j + 0.5) * cell, x0 + (j + t + 0.5) * cell)
                    ax.plot(xs, (levels[k] - 0.06, below + 0.06), color=ACCENT, lw=0.7)
                    new.add(j + t)
        reach = new
    for k, y in enumerate(levels):
        for i in range(n):
            on = k < len(levels) - 1 or i == centre
            ax.plot(
                x0 + (i + 0.5) * cell,
                y,
                "o",
                ms=3.2,
                color=ACCENT if on and i == centre else (FAINT if on else "white"),
                markeredgecolor=GRID,
                markeredgewidth=0.4,
            )
        name = "conv" if k == 0 else f"d={DILATIONS[k - 1]}"
        label(ax, x0 + n * cell + 0.1, y, name, ha="left", mono=True)
    y_out = levels[-1] + 0.45
    for i, s in enumerate(STATES):
        label(
            ax,
            x0 + (i + 0.5) * cell,
            y_out,
            s,
            size=11,
            weight="bold",
            color=STATE_COLOR[s],
            mono=True,
        )
    label(ax, 0.1, y_out, "y", ha="left", mono=True)
    label(
        ax,
        x0 + n * cell + 0.1,
        y_out,
        f"H / E / C;\nresidue {centre + 1}\nsees {rf}",
        ha="left",
        linespacing=1.2,
    )

    label(ax, 0.1, 2.35, "(b) 11.2: the two ends of the chain, pooled", **BOLD)
    y = 1.55
    ax.plot([0.4, 3.4], [y, y], color=GRID, lw=6, solid_capstyle="butt")
    ax.plot([0.4, 1.0], [y, y], color=POOL, lw=6, solid_capstyle="butt")
    ax.plot([2.8, 3.4], [y, y], color=POOL, lw=6, solid_capstyle="butt")
    label(ax, 0.7, y + 0.3, "N-terminus")
    label(ax, 3.1, y - 0.3, "C-terminus")
    label(ax, 1.9, y - 0.3, "chain (any length)", color=GRID)
    box(ax, 3.8, 1.75, 1.3, 0.45, "conv → pool", face=POOL)
    box(ax, 3.8, 0.95, 1.3, 0.45, "conv → pool", face=POOL)
    arrow(ax, (1.0, y + 0.05), (3.78, 1.97))
    arrow(ax, (3.4, y - 0.05), (3.78, 1.17))
    box(ax, 3.8, 0.2, 1.3, 0.45, "composition (64)")
    for yy in (1.97, 1.17, 0.42):
        arrow(ax, (5.12, yy), (5.58, 1.2))
    box(ax, 5.6, 0.95, 0.8, 0.5, "dense")
    arrow(ax, (6.42, 1.2), (6.7, 1.2))
    label(ax, 6.75, 1.2, "13 compart-\nments", ha="left", linespacing=1.2)
    return fig


CH11 = {"ch11_proteins.svg": draw_proteins}
