"""Draw the conceptual diagrams of the chapter intros as SVG files in ``book/figures/``.

    python scripts/draw_diagrams.py [--out book/figures]      (``make diagrams``)

This file is the one entry point; it draws chapters 1, 2, 3 and 5, its sibling modules
``diagrams_more.py`` (chapters 4 and 6) and ``diagrams_late.py`` (chapters 7 and 8) the
others, all with the blocks of ``diagram_blocks.py``. Each diagram is one matplotlib
axes whose data units are inches (x right, y up) covering the whole figure
(``canvas``), so shapes and text sit where they appear on the page. Book rules: at most
8 in wide (768 px at 100 %, inside the 836-px column), no text under 10 pt (``canvas``
and ``label`` refuse). Base colours are logomaker's "classic" scheme, as in
``gdl_utils.plotting.plot_logo``; other colours come from seaborn's "colorblind"
palette (the book's ``set_style``). Sequences, one-hot matrices, reverse complements,
k-mer tokens, CTC collapses, graph hops, attention weights and attributions are
computed with the course's own functions, so a diagram cannot show something the
package does not do.

The SVG files are deterministic (fixed ids, no date, text as paths in the DejaVu fonts
that ship with matplotlib; ``save_svg``), and ``tests/test_diagrams.py`` checks that
the committed files are exactly what this script draws: edit the scripts and run
``make diagrams``, never edit the SVG files.

Used in: book/ch01_intro.md, book/ch02_intro.md, book/ch03_intro.md,
book/ch04_intro.md, book/ch05_intro.md, book/ch06_intro.md, book/ch07_intro.md,
book/ch08_intro.md, book/ch10_intro.md, book/ch11_intro.md.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np
from matplotlib.patches import Polygon

from gdl_utils import kmer_tokenize, one_hot, reverse_complement

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # the sibling modules
from diagram_blocks import (  # noqa: E402
    ACCENT,
    BASE,
    BOLD,
    FAINT,
    GRID,
    INK,
    MAX_WIDTH_IN,  # noqa: F401 (tests/test_diagrams.py reads it here)
    POOL,
    arrow,
    box,
    canvas,
    label,
    letters,
    node,
    onehot_grid,
    rect,
    save_svg,
    toy_pwm,
    weight_logo,
)
from diagrams_ch10 import CH10  # noqa: E402
from diagrams_ch11 import CH11  # noqa: E402
from diagrams_late import LATE  # noqa: E402
from diagrams_more import MORE  # noqa: E402

# --- the diagrams ---

OUT = pathlib.Path(__file__).resolve().parents[1] / "book" / "figures"


def scan(seq: str, weights: np.ndarray) -> np.ndarray:
    """(L - w + 1,) ReLU of the score of each window: a valid Conv1d = a PWM scan."""
    x, w = one_hot(seq), weights.shape[1]
    scores = [np.sum(x[:, p : p + w] * weights) for p in range(len(seq) - w + 1)]
    return np.maximum(np.array(scores), 0.0)


def draw_one_hot():
    """Chapter 1: a sequence, its (4, L) one-hot matrix and a batch (N, 4, L)."""
    fig, ax = canvas(8.0, 3.0)
    seq, x0, cell, top = "GATTACNGCT", 1.0, 0.3, 2.15
    for i in range(len(seq)):
        label(ax, x0 + (i + 0.5) * cell, 2.78, str(i), color=GRID)
    label(ax, x0 - 0.12, 2.78, "i", ha="right", color=GRID, style="italic")
    letters(ax, seq, x0, 2.45, cell)
    label(ax, x0 - 0.12, 2.45, "seq", ha="right", mono=True)
    onehot_grid(ax, one_hot(seq), x0, top, cell)
    label(ax, 0.35, top - 2 * cell, "channel c", rotation=90)
    label(ax, x0 + 6.5 * cell, top - 4 * cell - 0.17, "N → all 0", color=GRID)
    label(ax, x0 + 5 * cell, 0.5, "one_hot(seq)  →  x: (4, L)", mono=True)
    label(ax, x0 + 5 * cell, 0.2, "x[c, i] = 1 if base i is channel c")
    # a batch: N one-hot matrices, the first one in front
    arrow(ax, (4.35, 1.55), (5.0, 1.55))
    label(ax, 4.67, 1.8, "stack")
    batch = one_hot(["CTGAAGCTTA", "ATGCGTACGA", seq])
    bx, bcell, shift = 5.6, 0.2, 0.2
    for k, x in enumerate(batch):
        off = (len(batch) - 1 - k) * shift
        onehot_grid(
            ax, x, bx + off, 1.85 + off, bcell, digits=False, rows=k == 2, z=2 * k
        )
    arrow(ax, (bx - 0.1, 1.95), (bx + 2 * shift - 0.1, 1.95 + 2 * shift), lw=1.0)
    label(ax, bx + shift - 0.25, 2.17 + shift, "N", style="italic")
    label(ax, bx + 5 * bcell, 0.82, "L positions")
    label(ax, bx + 5 * bcell, 0.5, "X: (N, 4, L)", mono=True)
    label(ax, bx + 5 * bcell, 0.2, "a batch of N sequences")
    return fig


def draw_revcomp_kmers():
    """Chapter 1: the reverse complement as a flip of both axes; k-mer tokens."""
    fig, ax = canvas(8.0, 4.4)
    label(ax, 0.1, 4.22, "(a) Reverse complement", **BOLD)
    seq, cell, top = "GATTACA", 0.3, 3.55
    for x0, s, name in ((0.75, seq, "x"), (5.55, reverse_complement(seq), "x_rc")):
        label(ax, x0 - 0.12, 3.85, "5′", ha="right", color=GRID)
        label(ax, x0 + len(s) * cell + 0.12, 3.85, "3′", ha="left", color=GRID)
        letters(ax, s, x0, 3.85, cell)
        corners = onehot_grid(ax, one_hot(s), x0, top, cell)
        label(
            ax,
            x0 + len(s) * cell / 2,
            top - 4 * cell - 0.2,
            f"{name}: (4, L)",
            mono=True,
        )
        # one cell followed through the flip: A at position 1 -> T at position L - 2
        c, i = (0, 1) if name == "x" else (3, len(s) - 2)
        rect(ax, corners[c, i], cell, cell, face="none", edge=ACCENT, lw=2.5, zorder=5)
    arrow(ax, (3.1, 2.95), (5.1, 2.95))
    label(ax, 4.1, 3.75, "reverse: i → L − 1 − i")
    label(ax, 4.1, 3.47, "complement: A↔T, C↔G")
    label(ax, 4.1, 3.19, "(rows reversed: c → 3 − c)")
    label(ax, 4.1, 2.67, "x.flip(dims=(1, 2))", mono=True)
    label(ax, 4.1, 2.39, "on a batch (N, 4, L)")

    label(ax, 0.1, 1.65, "(b) k-mer tokens (k = 3)", **BOLD)
    seq, x0, k = "GATTACAG", 0.75, 3
    letters(ax, seq, x0, 1.3, cell)
    tokens = kmer_tokenize(seq, k)
    for j, token in enumerate(tokens):
        y = 0.95 - (j % 3) * 0.3
        box(
            ax,
            x0 + j * cell + 0.03,
            y - 0.12,
            k * cell - 0.06,
            0.24,
            token,
            edge=ACCENT,
            mono=True,
        )
    tx = 3.6
    label(ax, tx, 1.3, "kmer_tokenize(seq, k=3)", ha="left", mono=True)
    label(ax, tx + 0.3, 1.03, str(tokens), ha="left", mono=True)
    n = f"L − k + 1 = {len(tokens)} overlapping tokens"
    label(ax, tx + 0.3, 0.78, n, ha="left", color=GRID)
    label(ax, tx, 0.45, "kmer_tokenize(seq, k=3, stride=3)", ha="left", mono=True)
    no_overlap = f"{kmer_tokenize(seq, k, stride=k)}   (no overlap)"
    label(ax, tx + 0.3, 0.18, no_overlap, ha="left", mono=True)
    return fig


def input_column(ax, x, top, length, step=0.058, gap=0.05):
    """The 4·L features of a flattened (4, L) one-hot matrix, channel-major (A first).

    Returns the (4 * length,) y coordinates of the nodes."""
    ys = []
    for c, base in enumerate("ACGT"):
        group = top - c * (length * step + gap) - step * np.arange(length)
        ys += list(group)
        for y in group:
            node(ax, x, y, 0.028, face=BASE[base], edge=BASE[base], lw=0.5)
        label(
            ax,
            x - 0.12,
            group.mean(),
            base,
            ha="right",
            weight="bold",
            color=BASE[base],
        )
    return np.array(ys)


def network_row(fig, ax, y0, weights, hidden, title, logo_title):
    """A row of the chapter-2 diagram: (4, L) one-hot -> flatten -> [hidden ->] output.

    ``weights`` (4, L) are those of the highlighted unit (the output when ``hidden`` is
    0); line opacity follows their magnitude."""
    seq = "".join("ACGT"[k] for k in weights.argmax(axis=0))
    length, cell, mid = weights.shape[1], 0.22, y0 + 1.15
    label(ax, 0.1, y0 + 2.3, title, **BOLD)
    letters(ax, seq, 0.5, y0 + 1.75, cell, size=11)
    onehot_grid(ax, one_hot(seq), 0.5, y0 + 1.6, cell, digits=False)
    label(ax, 0.5 + length * cell / 2, y0 + 0.5, "x: (N, 4, L)", mono=True)
    arrow(ax, (1.95, mid), (2.45, mid))
    label(ax, 2.2, mid + 0.23, "flatten")
    xin, xh = 2.95, 4.0
    ys = input_column(ax, xin, y0 + 1.95, length)
    label(ax, xin, y0 + 0.2, "(N, 4·L)", mono=True)
    out = (5.15 if hidden else 4.3, mid)
    flat = weights.reshape(-1)  # channel-major, as x.flatten(1)
    alpha = 0.15 + 0.85 * np.abs(flat) / np.abs(flat).max()
    colors = [BASE[b] for b in np.repeat(list("ACGT"), length)]
    first = (xh, mid + 0.36 * (hidden - 1) / 2) if hidden else out
    for yi, color, a in zip(ys, colors, alpha):
        ax.plot([xin, first[0]], [yi, first[1]], color=color, alpha=a, lw=0.9, zorder=1)
    for k in range(1, hidden):
        y = first[1] - 0.36 * k
        for yi in ys:
            ax.plot([xin, xh], [yi, y], color=FAINT, alpha=0.25, lw=0.5, zorder=0)
        node(ax, xh, y, 0.1)
    for k in range(hidden):
        ax.plot([xh, out[0]], [first[1] - 0.36 * k, mid], color=GRID, lw=0.8, zorder=1)
    if hidden:
        label(ax, xh, y0 + 2.07, "hidden\nReLU", linespacing=1.1)
        label(ax, xh, y0 + 0.2, "(N, H)", mono=True)
        label(ax, out[0], mid - 0.3, "output")
        node(ax, *out, 0.13)
    else:
        label(ax, out[0], mid + 0.3, "Σ w·x + b")
    node(ax, *first, 0.13 if not hidden else 0.1, face=ACCENT)
    label(ax, out[0], y0 + 0.2, "(N, n_outputs)", mono=True)
    ax.plot([first[0] + 0.13, 5.9], [first[1]] * 2, color=ACCENT, ls="--", lw=1.0)
    weight_logo(fig, (6.0, y0 + 0.55, 1.85, 1.1), weights, title=logo_title)


def draw_perceptron_mlp():
    """Chapter 2: a perceptron and an MLP on a flattened one-hot input."""
    fig, ax = canvas(8.0, 5.1)
    perceptron = "(a) Perceptron: one linear layer"
    network_row(fig, ax, 2.65, toy_pwm("TATAAT"), 0, perceptron, "w as (4, L): a PWM")
    mlp = "(b) MLP: a hidden layer, then the output"
    network_row(fig, ax, 0.0, toy_pwm("TTGACA"), 4, mlp, "unit 1's weights as (4, L)")
    return fig


def draw_deepbind():
    """Chapter 3: DeepBind (filter scan = PWM scan, ReLU, global max pool, dense head)
    and the multi-task variant."""
    fig, ax = canvas(8.0, 6.4)
    title = "(a) DeepBind: one convolution, global max pooling, a dense head"
    label(ax, 0.1, 6.22, title, **BOLD)
    seq, x0, cell, top = "TTGCACGTGATCAGGA", 0.85, 0.24, 5.45
    filters = [toy_pwm("CACGTG"), toy_pwm("GATAAG"), toy_pwm("TGAGTC")]
    w, right = filters[0].shape[1], x0 + len(seq) * cell
    letters(ax, seq, x0, top + 0.17, cell, size=11)
    corners = onehot_grid(ax, one_hot(seq), x0, top, cell, digits=False)
    label(ax, (x0 + right) / 2, 5.9, "one-hot x: (N, 4, L)", mono=True)
    scores = [scan(seq, f) for f in filters]
    best, tallest = int(np.argmax(scores[0])), max(s.max() for s in scores)
    xy = np.subtract(corners[3, best], 0.02)
    rect(
        ax,
        xy,
        w * cell + 0.04,
        4 * cell + 0.04,
        face="none",
        edge=ACCENT,
        lw=2,
        zorder=5,
    )
    slide = "the filter slides along x: one score per window"
    label(ax, (x0 + right) / 2, top - 4 * cell - 0.22, slide, color=ACCENT)
    logo_title = "filter 1: (4, w) weights = a PWM"
    weight_logo(fig, (5.3, 4.5, 2.2, 0.95), filters[0], title=logo_title)
    # convolution + ReLU: one activation track per filter, bars under their windows
    tops = [top - 4 * cell - 1.0 - f * 0.68 for f in range(len(filters))]
    for f, (track, base_y) in enumerate(zip(scores, tops)):
        ax.plot([x0, right], [base_y, base_y], color=GRID, lw=0.8)
        label(ax, x0 - 0.1, base_y + 0.25, f"filter {f + 1}", ha="right")
        for p, value in enumerate(track):
            face = ACCENT if p == np.argmax(track) else "0.75"
            xy = (x0 + (p + w / 2 - 0.35) * cell, base_y)
            rect(ax, xy, 0.7 * cell, 0.5 * value / tallest, face=face, edge="none")
        # global max pool: the highest activation of each track
        arrow(ax, (right + 0.1, base_y + 0.15), (5.15, base_y + 0.15), lw=1.0)
        box(ax, 5.2, base_y, 0.5, 0.3, f"{track.max():.1f}", face=POOL)
    xb = x0 + (best + w / 2) * cell
    ax.plot([xb] * 2, [top - 4 * cell - 0.35, tops[0] + 0.53], color=ACCENT, ls=":")
    conv = "convolution + ReLU: (N, F, L − w + 1)"
    label(ax, (x0 + right) / 2, tops[-1] - 0.3, conv)
    # dense head
    out = (7.45, tops[1] + 0.15)
    for y in tops[1] + 0.15 + 0.35 * np.array([1.5, 0.5, -0.5, -1.5]):
        for ty in tops:
            ax.plot([5.7, 6.35], [ty + 0.15, y], color=GRID, lw=0.6, zorder=1)
        ax.plot([6.35, out[0]], [y, out[1]], color=GRID, lw=0.6, zorder=1)
        node(ax, 6.35, y, 0.09)
    node(ax, *out, 0.12)
    below = dict(linespacing=1.1, va="top")
    label(ax, 5.45, tops[-1] - 0.2, "global\nmax pool\n(N, F)", **below)
    label(ax, 6.35, tops[-1] - 0.2, "dense\nReLU\n(N, hidden)", **below)
    label(ax, out[0], tops[-1] - 0.2, "\nlogit\n(N, n_outputs)", **below)
    draw_multitask(ax, 1.25)
    return fig


def draw_multitask(ax, y_title: float) -> None:
    """Chapter 3 (b): the multi-task CNN as a row of blocks ending in T outputs."""
    title = "(b) Multi-task variant (MultiTaskCNN): T tasks share the filters"
    label(ax, 0.1, y_title, title, **BOLD)
    y, h = y_title - 1.05, 0.75
    blocks = [
        (0.1, 1.0, "one-hot\n(N, 4, L)", "white"),
        (1.4, 1.85, "[Conv1d → BatchNorm\n→ ReLU → MaxPool1d]\n× n blocks", "white"),
        (3.6, 1.05, "global pool\n(N, C)", POOL),
        (5.0, 1.3, "shared head\nLinear → ReLU", "white"),
    ]
    for k, (x, w, text, face) in enumerate(blocks):
        box(ax, x, y, w, h, text, face=face)
        if k:
            prev = blocks[k - 1][0] + blocks[k - 1][1]
            arrow(ax, (prev + 0.03, y + h / 2), (x - 0.03, y + h / 2))
    for yo in y + h / 2 + 0.16 * (np.arange(5) - 2):
        ax.plot([6.3, 6.75], [y + h / 2, yo], color=GRID, lw=0.8, zorder=1)
        node(ax, 6.8, yo, 0.055)
    outputs = "(N, T) logits,\none per task"
    label(ax, 6.95, y + h / 2, outputs, ha="left", linespacing=1.1)


def trapezoid(ax, x0, x1, y, h0, h1, text, face="white"):
    """A layer stack drawn as a trapezoid from height h0 at x0 to h1 at x1, centred
    on y, with a centred label."""
    corners = [
        (x0, y - h0 / 2),
        (x1, y - h1 / 2),
        (x1, y + h1 / 2),
        (x0, y + h0 / 2),
    ]
    ax.add_patch(Polygon(corners, closed=True, facecolor=face, edgecolor=INK, lw=1.0))
    label(ax, (x0 + x1) / 2, y, text, linespacing=1.2)


def unit_column(ax, x, y, n, step, face="white"):
    """``n`` network units in a column centred on (x, y)."""
    for k in range(n):
        node(ax, x, y + (k - (n - 1) / 2) * step, 0.07, face=face)


def draw_autoencoder():
    """Chapter 5: the autoencoder (bottleneck, reconstruction) and the VAE (mu and
    log-variance, the reparameterised sample, the beta-weighted ELBO)."""
    fig, ax = canvas(8.0, 4.9)
    label(ax, 0.1, 4.72, "(a) Autoencoder: squeeze each cell through k numbers", **BOLD)
    y = 3.45
    unit_column(ax, 0.35, y, 7, 0.2)
    label(ax, 0.1, y - 0.95, "x: (N, genes)", mono=True, ha="left")
    trapezoid(ax, 0.6, 2.3, y, 1.5, 0.55, "encoder\nLinear, ReLU")
    unit_column(ax, 2.6, y, 2, 0.2, face=ACCENT)
    label(ax, 2.6, y - 0.95, "z: (N, k)", mono=True)
    trapezoid(ax, 2.9, 4.6, y, 0.55, 1.5, "decoder\nLinear, ReLU")
    unit_column(ax, 4.85, y, 7, 0.2)
    label(ax, 4.85, y - 0.95, "x̂: (N, genes)", mono=True, ha="right")
    notes = (
        "• loss: squared error ‖x − x̂‖²\n"
        "• no ReLU: a linear AE, which\n   learns PCA's subspace\n"
        "• denoising: hide entries of x,\n   restore them in x̂"
    )
    label(ax, 5.3, y + 0.05, notes, ha="left", linespacing=1.3)
    label(ax, 0.1, 2.25, "(b) Variational autoencoder: a distribution per cell", **BOLD)
    y = 1.25
    unit_column(ax, 0.35, y, 7, 0.2)
    label(ax, 0.2, y, "x", mono=True, ha="right")
    trapezoid(ax, 0.6, 1.9, y, 1.5, 0.9, "encoder\nq(z | x)")
    box(ax, 2.15, y + 0.1, 0.7, 0.35, "μ", face=POOL)
    box(ax, 2.15, y - 0.45, 0.7, 0.35, "log σ²", face=POOL)
    for dy in (0.27, -0.27):
        arrow(ax, (1.92, y + dy), (2.12, y + dy))
        arrow(ax, (2.88, y + dy), (3.18, y + dy * 0.3))
    box(ax, 3.2, y - 0.3, 1.45, 0.6, "z = μ + σ ⊙ ε", face="white", edge=ACCENT)
    label(ax, 3.92, y + 0.62, "ε ~ N(0, I)")
    arrow(ax, (3.92, y + 0.5), (3.92, y + 0.33))
    arrow(ax, (4.68, y), (4.88, y))
    trapezoid(ax, 4.9, 6.2, y, 0.9, 1.5, "decoder\np(x | z)")
    unit_column(ax, 6.45, y, 7, 0.2)
    label(ax, 6.7, y, "mean f(z),\nvariance s²\nper gene", ha="left")
    loss = "loss = −log p(x | z) + β · KL( q(z | x) ‖ N(0, I) );  β = 1: the −ELBO"
    label(ax, 0.1, 0.12, loss, ha="left")
    return fig


FIGURES = {
    "ch01_one_hot.svg": draw_one_hot,
    "ch01_revcomp_kmers.svg": draw_revcomp_kmers,
    "ch02_perceptron_mlp.svg": draw_perceptron_mlp,
    "ch03_deepbind.svg": draw_deepbind,
    "ch05_autoencoder.svg": draw_autoencoder,
    **MORE,
    **LATE,
    **CH10,
    **CH11,
}


def draw_all(out: pathlib.Path = OUT) -> list[pathlib.Path]:
    """Write every diagram of :data:`FIGURES` to ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    return [save_svg(draw, out / name) for name, draw in FIGURES.items()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=OUT, help="output folder")
    for path in draw_all(parser.parse_args(argv).out):
        print(path.name)


if __name__ == "__main__":
    main()
