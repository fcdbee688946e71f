"""The diagrams of chapters 7 and 8 (attention and the transformer block; attribution),
drawn with the blocks of ``diagram_blocks``. :data:`LATE` maps file names to drawing
functions for ``scripts/draw_diagrams.py``, the one entry point.

The attention weights are those of ``gdl_utils.models.transformer.attention`` for toy
queries and keys made from one-hot tokens; the attributions are those of
``gdl_utils.interpret.attribute`` for a one-filter CNN whose filter is a CACGTG PWM.

Used in: scripts/draw_diagrams.py (book/ch07_intro.md, book/ch08_intro.md).
"""

from __future__ import annotations

import numpy as np
import torch
from diagram_blocks import (
    ACCENT,
    BASE,
    BOLD,
    FAINT,
    GRID,
    PALETTE,
    POOL,
    arrow,
    box,
    canvas,
    label,
    letters,
    node,
    rect,
    toy_pwm,
    weight_logo,
)
from torch import nn

from gdl_utils import one_hot
from gdl_utils.interpret import attribute
from gdl_utils.models.transformer import attention

TOKENS = "GATTAC"


def toy_attention(causal: bool) -> np.ndarray:
    """(L, L) weights of ``attention`` for the single-base tokens of :data:`TOKENS`,
    with queries and keys x W_Q, x W_K from fixed (4, 4) matrices (seed 0)."""
    rng = np.random.default_rng(0)
    x = torch.tensor(one_hot(TOKENS).T, dtype=torch.float32)  # (L, 4)
    wq, wk = (
        torch.tensor(rng.normal(0, 2.5, (4, 4)), dtype=torch.float32) for _ in "qk"
    )
    q, k = (x @ wq)[None, None], (x @ wk)[None, None]
    _, weights = attention(q, k, k, causal=causal)
    return weights[0, 0].numpy()


def tint(color, w: float):
    """``color`` mixed with white: w = 0 white, w = 1 the colour."""
    return tuple(1 - w * (1 - np.asarray(color[:3])))


def heat(ax, weights, x0, top, cell, title):
    """An (L, L) attention map: rows are queries, columns keys; masked cells hatched."""
    n = len(weights)
    label(ax, x0 + n * cell / 2, top + 0.45, title)
    for i in range(n):
        label(
            ax,
            x0 - 0.12,
            top - (i + 0.5) * cell,
            TOKENS[i],
            weight="bold",
            color=BASE[TOKENS[i]],
        )
        label(
            ax,
            x0 + (i + 0.5) * cell,
            top + 0.14,
            TOKENS[i],
            weight="bold",
            color=BASE[TOKENS[i]],
        )
        for j in range(n):
            xy = (x0 + j * cell, top - (i + 1) * cell)
            if weights[i, j] == 0 and j > i:
                rect(ax, xy, cell, cell, face="0.92", edge=GRID, hatch="///")
            else:
                rect(
                    ax,
                    xy,
                    cell,
                    cell,
                    face=tint(ACCENT, np.sqrt(weights[i, j])),
                    edge=GRID,
                )


def draw_attention_block():
    """Chapter 7: Q, K, V from the tokens, the L x L weights (full and causal), the
    weighted sum of V; the pre-norm transformer block."""
    fig, ax = canvas(8.0, 5.6)
    label(ax, 0.1, 5.42, "(a) Attention: every position weighs every other", **BOLD)
    cell, top = 0.25, 4.3
    for i, t in enumerate(TOKENS):
        label(ax, 0.4, top - (i + 0.5) * cell, t, size=12, weight="bold", color=BASE[t])
    label(ax, 0.1, top - 6 * cell - 0.2, "x: (L, d)", ha="left", mono=True)
    mid = top - 3 * cell
    for k, (name, face) in enumerate(
        (("Q = x W_Q", "white"), ("K = x W_K", "white"), ("V = x W_V", POOL))
    ):
        yb = mid + 0.35 - k * 0.55
        arrow(ax, (0.6, mid), (0.98, yb + 0.02), lw=1.0)
        box(ax, 1.0, yb - 0.2, 1.2, 0.4, name, face=face, mono=True)
    for yq in (mid + 0.35, mid - 0.2):
        arrow(ax, (2.25, yq), (2.65, mid + 0.05), lw=1.0)
    heat(ax, toy_attention(False), 2.85, top, cell, "softmax(Q Kᵀ / √d)")
    heat(ax, toy_attention(True), 4.75, top, cell, "causal=True")
    for x0 in (2.85, 4.75):
        label(ax, x0 + 3 * cell, top - 6 * cell - 0.2, "(L, L)", mono=True)
    label(
        ax,
        4.3,
        top + 0.8,
        "row i: query i; column j: key j; each row sums to 1",
        color=GRID,
    )
    label(
        ax,
        6.45,
        top + 0.06,
        "hatched: j > i\nis masked\n(−∞ → weight 0)",
        ha="left",
        linespacing=1.2,
        color=GRID,
    )
    arrow(ax, (6.35, mid - 0.3), (6.75, mid - 0.3))
    box(ax, 6.8, mid - 0.65, 1.1, 0.7, "weights · V\n(L, d)", face=POOL)
    yv = top - 6 * cell - 0.38  # V goes round the maps to the weighted sum
    ax.plot([1.6, 1.6, 7.35], [mid - 0.95, yv, yv], color=POOL, lw=1.5)
    arrow(ax, (7.35, yv), (7.35, mid - 0.67), color=POOL, lw=1.5)

    label(ax, 0.1, 2.1, "(b) The transformer block (pre-norm, as in Block)", **BOLD)
    y, h = 1.0, 0.6
    parts = [
        (0.1, 0.75, "x\n(N, L, d)", "white"),
        (1.1, 0.9, "LayerNorm", "white"),
        (2.2, 1.15, "multi-head\nattention", tint(ACCENT, 0.4)),
        (3.85, 0.9, "LayerNorm", "white"),
        (4.95, 1.15, "MLP: Linear,\nGELU, Linear", "white"),
        (6.6, 1.3, "to the next\nblock (× n)", "white"),
    ]
    plus = {2: 3.6, 4: 6.35}
    for k, (x, w, text, face) in enumerate(parts):
        box(ax, x, y - h / 2, w, h, text, face=face)
        if k:
            px, pw = parts[k - 1][:2]
            start = plus.get(k - 1, px + pw)
            if k - 1 in plus:
                arrow(ax, (px + pw + 0.02, y), (start - 0.1, y))
                node(ax, start, y, 0.1)
                label(ax, start, y, "+", size=12, weight="bold")
                start += 0.1
            arrow(ax, (start + 0.02, y), (x - 0.02, y))
    # the residual paths: x skips each sub-layer and is added back
    for x_from, x_to in ((0.95, 3.6), (3.7, 6.35)):
        ax.plot(
            [x_from, x_from, x_to, x_to],
            [y, y + 0.55, y + 0.55, y + 0.12],
            color=PALETTE[2],
            lw=1.5,
        )
        arrow(ax, (x_to, y + 0.3), (x_to, y + 0.11), color=PALETTE[2])
    label(ax, 2.3, y + 0.7, "residual: x + attn(LN(x))", color=PALETTE[2])
    label(ax, 5.0, y + 0.7, "residual: x + MLP(LN(x))", color=PALETTE[2])
    note = (
        "The original transformer normalises after each sum (post-norm); "
        "pre-norm trains\nmore stably when blocks are stacked. "
        "Shapes stay (N, L, d) through every block."
    )
    label(ax, 0.1, 0.22, note, ha="left", linespacing=1.3)
    return fig


SEQ = "TTGCACGTGATCAGGA"


def toy_cnn() -> nn.Module:
    """(N, 4, L) -> (N, 1): Conv1d with one filter, a CACGTG PWM; ReLU; max pool."""
    conv = nn.Conv1d(4, 1, 6, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(toy_pwm("CACGTG"))[None])
    return nn.Sequential(conv, nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten())


def bars(ax, values, x0, base_y, cell, height, seq):
    """Signed bars, one per position, coloured by the base present."""
    ax.plot([x0, x0 + len(values) * cell], [base_y] * 2, color=GRID, lw=0.8)
    scale = height / np.abs(values).max()
    for p, v in enumerate(values):
        xy = (x0 + (p + 0.15) * cell, base_y)
        rect(ax, xy, 0.7 * cell, v * scale, face=BASE[seq[p]], edge="none")


def draw_attribution():
    """Chapter 8: ISM, gradient x input and integrated gradients on one sequence and a
    one-filter CNN, and the per-base map they agree on, as a logo."""
    fig, ax = canvas(8.0, 6.3)
    model = toy_cnn()
    x = one_hot(SEQ)[None].astype(np.float32)  # (1, 4, L)
    x0, cell, left = 3.0, 0.3, 0.1
    with torch.no_grad():
        f_x = float(model(torch.tensor(x))[0, 0])
        f_base = float(model(torch.full_like(torch.tensor(x), 0.25))[0, 0])
    label(ax, left, 6.05, "a sequence x, a model f", **BOLD)
    letters(ax, SEQ, x0, 6.05, cell)
    for p in range(len(SEQ)):
        label(ax, x0 + (p + 0.5) * cell, 5.78, str(p), color=GRID)
    box(
        ax,
        x0,
        5.05,
        len(SEQ) * cell,
        0.45,
        f"f: Conv1d (a CACGTG filter) → ReLU → max pool;  f(x) = {f_x:.2f}",
    )
    label(ax, left, 5.28, "one output, (N, 1)", ha="left", color=GRID)

    # ISM: every single-base variant
    ism = attribute(model, x, "ism")[0]  # (4, L), 0 at the reference
    top, row = 4.75, 0.17
    label(ax, left, top - 0.05, "ISM", **BOLD)
    label(
        ax,
        left,
        top - 0.52,
        "set each base to each other\nbase, record f(x̃) − f(x);\n4L forward passes",
        ha="left",
        va="center",
        linespacing=1.2,
    )
    m = np.abs(ism).max()
    for c, b in enumerate("ACGT"):
        y = top - (c + 1) * row
        label(ax, x0 - 0.12, y + row / 2, b, weight="bold", color=BASE[b])
        for p in range(len(SEQ)):
            v = ism[c, p] / m
            face = tint(PALETTE[1] if v > 0 else PALETTE[0], abs(v))
            rect(ax, (x0 + p * cell, y), cell, row, face=face, edge=FAINT, lw=0.3)
    legend = "blue: f falls" + (", orange: f rises" if (ism > 0).any() else "")
    label(
        ax,
        x0 + len(SEQ) * cell / 2,
        top - 4 * row - 0.17,
        legend + "; white: no change, or the base present",
        color=GRID,
    )

    grad_x = attribute(model, x, "grad_x_input")[0].sum(0)  # (L,)
    label(ax, left, 3.55, "gradient × input", **BOLD)
    label(
        ax, left, 3.2, "x · ∂f/∂x at x;\none backward pass", ha="left", linespacing=1.2
    )
    bars(ax, grad_x, x0, 3.05, cell, 0.45, SEQ)

    ig = attribute(model, x, "integrated_gradients", ig_steps=128)[0]  # (4, L)
    label(ax, left, 2.55, "integrated gradients", **BOLD)
    text = (
        "(x − x′) · mean of ∂f/∂x on the\nstraight path from x′ = 0.25 to x;"
        f"\nΣ = {ig.sum():.2f} = f(x) − f(x′) = {f_x - f_base:.2f}"
    )
    label(ax, left, 2.05, text, ha="left", linespacing=1.2)
    bars(ax, ig.sum(0), x0, 1.95, cell, 0.45, SEQ)

    label(ax, left, 1.2, "the per-base map", **BOLD)
    label(
        ax,
        left,
        0.72,
        "all three point at CACGTG;\nletter height: integrated\n"
        "gradient of the base present",
        ha="left",
        linespacing=1.2,
    )
    weight_logo(fig, (x0, 0.3, len(SEQ) * cell, 1.0), ig * x[0])
    return fig


LATE = {
    "ch07_attention_block.svg": draw_attention_block,
    "ch08_attribution.svg": draw_attribution,
}
