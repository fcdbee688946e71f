"""The diagrams of chapters 4 and 6 (an unrolled RNN and CTC paths; message passing),
drawn with the blocks of ``diagram_blocks`` (chapters 7 and 8 are in
``diagrams_late``). :data:`MORE` maps file names to drawing functions for
``scripts/draw_diagrams.py``, the one entry point.

The CTC collapse is ``gdl_utils.basecalling.greedy_decode`` applied to each path, and
the hops that k graph convolutions reach are the non-zeros of ``Â^k`` from
``gdl_utils.models.gnn.normalized_adjacency``.

Used in: scripts/draw_diagrams.py (book/ch04_intro.md, book/ch06_intro.md).
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from diagram_blocks import (
    ACCENT,
    BASE,
    BOLD,
    FAINT,
    GRID,
    INK,
    PALETTE,
    arrow,
    box,
    canvas,
    label,
    node,
    onehot_grid,
    rect,
)

from gdl_utils import one_hot
from gdl_utils.basecalling.ctc import LABELS, greedy_decode
from gdl_utils.models.gnn import normalized_adjacency

BLANK = "–"  # how the figures write CTC's blank (class 0, "N" in ``LABELS``)


def ctc_states(path: str, read: str) -> list[int]:
    """The row of each frame of ``path`` (over ``read``'s letters and "-") in the CTC
    lattice of ``read``: the extended sequence "-r1-r2-...-" (2 * len(read) + 1 rows).
    """
    ext = "-" + "-".join(read) + "-"
    states, s = [], -1
    for symbol in path:
        if s < 0 or ext[s] != symbol:
            s = next(
                j for j in (s + 1, s + 2) if 0 <= j < len(ext) and ext[j] == symbol
            )
        states.append(s)
    return states


def collapse(path: str) -> tuple[str, str]:
    """(repeats merged, read) of a path over ACGT and "-": the read is what
    ``greedy_decode`` returns for scores whose arg-max follows the path."""
    merged = "".join(k for k, _ in itertools.groupby(path))
    scores = np.eye(len(LABELS))[[LABELS.index(c if c != "-" else "N") for c in path]]
    return merged, greedy_decode(scores)


def draw_rnn_ctc():
    """Chapter 4: an RNN unrolled over four bases; CTC paths that spell one read."""
    fig, ax = canvas(8.0, 6.6)
    label(ax, 0.1, 6.42, "(a) A recurrent network unrolled over the sequence", **BOLD)
    seq, cell, step, x1, y = "GATC", 0.18, 1.3, 1.1, 5.45
    x = one_hot(seq)
    label(ax, 0.4, y + 0.2, "h₀ = 0", mono=True)
    arrow(ax, (0.3, y), (x1 - 0.37, y), color=ACCENT)
    for t in range(len(seq)):
        xc = x1 + t * step
        box(ax, xc - 0.35, y - 0.22, 0.7, 0.44, "cell")
        onehot_grid(
            ax, x[:, [t]], xc - cell / 2, y - 0.62, cell, digits=False, rows=t == 0
        )
        label(ax, xc, y - 1.5, seq[t], size=12, weight="bold", color=BASE[seq[t]])
        label(ax, xc, y - 1.75, f"x{'₁₂₃₄'[t]}", mono=True)
        arrow(ax, (xc, y - 0.58), (xc, y - 0.24), color=ACCENT)
        label(ax, xc + 0.22, y - 0.42, "W_x", size=10, color=ACCENT, mono=True)
        arrow(ax, (xc, y + 0.24), (xc, y + 0.52))
        label(ax, xc, y + 0.66, f"h{'₁₂₃₄'[t]}", mono=True)
        if t < len(seq) - 1:
            arrow(ax, (xc + 0.37, y), (xc + step - 0.37, y), color=ACCENT)
            label(ax, xc + step / 2, y + 0.16, "W_h", color=ACCENT, mono=True)
    label(
        ax,
        5.6,
        y + 0.45,
        "h[t] = tanh(W_x·x[t]\n   + W_h·h[t−1] + b)",
        ha="left",
        mono=True,
        linespacing=1.3,
    )
    notes = (
        "the same W_x, W_h, b at\n"
        "every step (one colour);\n"
        "x[t]: (4,), a one-hot column;\n"
        "h[t]: (H,), what was read\n"
        "so far. The gradient to x₁\n"
        "passes through every W_h."
    )
    label(ax, 5.6, y - 0.5, notes, ha="left", linespacing=1.3)

    label(ax, 0.1, 3.3, "(b) CTC: many frame-level paths spell the same read", **BOLD)
    read, frames, col, row, x0, top = "AAC", 6, 0.5, 0.22, 1.0, 2.5
    ext = "-" + "-".join(read) + "-"
    # the signal, cut into frames (a toy squiggle: one level per frame)
    levels = np.array([0.3, 0.55, 0.35, 0.6, 0.15, 0.05])
    t = np.linspace(0, frames, 241)
    sig = levels[np.minimum(t.astype(int), frames - 1)] + 0.04 * np.sin(9 * t)
    ax.plot(x0 + t * col, top + 0.12 + 0.4 * sig, color=INK, lw=1.0)
    label(ax, x0 - 0.12, top + 0.3, "signal", ha="right")
    for f in range(frames + 1):
        ax.plot(
            [x0 + f * col] * 2,
            [top + 0.08, top - len(ext) * row],
            color=FAINT,
            lw=0.5,
            ls=":",
        )
    for s, symbol in enumerate(ext):
        yr = top - (s + 0.5) * row
        color = BASE.get(symbol, GRID)
        label(
            ax,
            x0 - 0.12,
            yr,
            symbol.replace("-", BLANK),
            ha="right",
            weight="bold",
            color=color,
        )
        for f in range(frames):
            node(ax, x0 + (f + 0.5) * col, yr, 0.025, face=FAINT, edge=FAINT)
    bottom = top - len(ext) * row
    for f in range(frames):
        label(ax, x0 + (f + 0.5) * col, bottom - 0.17, str(f + 1), color=GRID)
    label(ax, x0 + frames * col / 2, bottom - 0.42, "frame t")
    paths = ["AA-ACC", "A-AA-C", "-A-AC-"]
    tx = 4.35
    label(ax, tx, top + 0.35, "path", ha="left")
    label(ax, tx + 1.35, top + 0.35, "merge repeats", ha="left")
    label(ax, tx + 2.75, top + 0.35, "drop " + BLANK, ha="left")
    for k, path in enumerate(paths + ["AAAACC"]):
        merged, out = collapse(path)
        yk = top - 0.05 - k * 0.36
        color = PALETTE[k] if k < len(paths) else GRID
        if k < len(paths):
            off = (k - 1) * 0.035
            xs = x0 + (np.arange(frames) + 0.5) * col
            ys = top - (np.array(ctc_states(path, read)) + 0.5) * row + off
            ax.plot(xs, ys, color=color, lw=2.0, marker="o", ms=4, zorder=4 - k)
        show = " ".join(path).replace("-", BLANK)
        label(ax, tx, yk, show, ha="left", mono=True, color=color, weight="bold")
        label(
            ax, tx + 1.35, yk, "→ " + merged.replace("-", BLANK), ha="left", mono=True
        )
        label(
            ax,
            tx + 2.75,
            yk,
            f"→ {out}" + ("" if out == read else f" ≠ {read}"),
            ha="left",
            mono=True,
        )
    rule = (
        "collapse = merge repeats, then drop blanks;\n"
        "a blank between the two A keeps them apart;\n"
        "CTC loss = −log Σ_paths Π_t p_t(path[t]),\n"
        "the sum over every path that collapses to the read"
    )
    label(ax, tx, 0.45, rule, ha="left", linespacing=1.3)
    rect(
        ax,
        (x0 - 0.02, bottom - 0.02),
        frames * col + 0.04,
        len(ext) * row + 0.04,
        face="none",
        edge=GRID,
    )
    return fig


# a small graph: node 0 is v; 1-3 one hop away, 4-5 two hops, 6-7 three hops
NODES = np.array(
    [
        [1.2, 1.2],
        [0.55, 1.75],
        [1.85, 1.85],
        [1.75, 0.6],
        [0.2, 1.0],
        [2.35, 0.2],
        [0.3, 0.25],
        [2.6, 1.15],
    ]
)
EDGES = [(0, 1), (0, 2), (0, 3), (2, 3), (1, 4), (3, 5), (4, 6), (5, 7)]


def hops(k_max: int) -> np.ndarray:
    """(n_nodes,) the first k at which row 0 of Â^k is non-zero (k_max + 1 if never):
    the hops from v that k graph convolutions reach."""
    ei = torch.tensor(EDGES + [(b, a) for a, b in EDGES]).T
    adj = normalized_adjacency(ei, len(NODES)).to_dense()
    first, reach = np.full(len(NODES), k_max + 1), torch.eye(len(NODES))
    for k in range(k_max + 1):
        first[(reach[0] > 0).numpy() & (first > k_max)] = k
        reach = reach @ adj
    return first


def graph(ax, origin, scale, faces):
    """The graph of :data:`NODES` with its lower-left at ``origin`` (inches)."""
    pos = np.asarray(origin) + scale * NODES
    for a, b in EDGES:
        ax.plot(*zip(pos[a], pos[b]), color=GRID, lw=1.0, zorder=1)
    for p, face in zip(pos, faces):
        node(ax, *p, 0.12, face=face)
    return pos


def draw_message_passing():
    """Chapter 6: one message-passing step at node v; k layers reach k hops."""
    fig, ax = canvas(8.0, 3.9)
    label(ax, 0.1, 3.72, "(a) One layer: v gathers its neighbours' vectors", **BOLD)
    first = hops(3)
    faces = [ACCENT] + [PALETTE[0] if h == 1 else "white" for h in first[1:]]
    pos = graph(ax, (0.3, 0.55), 1.05, faces)
    label(ax, *pos[0] - (0, 0.26), "v", weight="bold")
    for u in np.flatnonzero(first == 1):
        d = (pos[0] - pos[u]) / np.linalg.norm(pos[0] - pos[u])
        arrow(ax, pos[u] + 0.15 * d, pos[0] - 0.15 * d, color=PALETTE[0], lw=1.6)
        for j, shade in enumerate((0.35, 0.6, 0.85)):
            rect(
                ax,
                pos[u] + (-0.15 + 0.1 * j, 0.15),
                0.1,
                0.1,
                face=tuple(1 - shade * (1 - np.array(PALETTE[0]))),
                edge=INK,
                lw=0.5,
            )
    label(ax, 1.6, 0.28, "h_u: a vector per node", color=GRID)
    steps = [
        ("gather  h_u, u ∈ N(v)", "white"),
        (
            "aggregate  m_v = mean or\nsum of h_u (GCN: weighted\n"
            "by 1/√(d_u d_v), v included)",
            "white",
        ),
        ("update  h_v ← σ(W m_v + b)\n(W, b shared by all nodes)", ACCENT + (0.35,)),
    ]
    yb = 2.85
    for k, (text, face) in enumerate(steps):
        h = 0.45 if k != 1 else 0.75
        box(ax, 3.45, yb - h, 2.15, h, text, face=face)
        if k < len(steps) - 1:
            arrow(ax, (4.52, yb - h - 0.02), (4.52, yb - h - 0.18))
        yb -= h + 0.2
    label(ax, 4.52, 0.28, "all nodes at once: H ← σ(Â H W + b)", mono=True)

    label(ax, 5.85, 3.72, "(b) k layers reach k hops", **BOLD)
    shades = [ACCENT, PALETTE[0], PALETTE[9], "white"]
    pos = graph(ax, (5.95, 0.9), 0.72, [shades[min(h, 3)] for h in first])
    for p, h in zip(pos, first):
        label(
            ax,
            *p,
            str(h) if h else "v",
            weight="bold",
            color="white" if h in (0, 1) else INK,
        )
    label(
        ax,
        6.95,
        0.55,
        "number k: v first hears\nthis node after k layers",
        color=INK,
        linespacing=1.2,
    )
    label(ax, 6.95, 0.12, "(non-zeros of row v of Âᵏ)", color=GRID)
    return fig


MORE = {
    "ch04_rnn_ctc.svg": draw_rnn_ctc,
    "ch06_message_passing.svg": draw_message_passing,
}
