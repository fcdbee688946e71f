"""Position weight matrices: counts -> probabilities -> log-odds, information content,
sampling and scanning.

Matrices are ``(4, w)`` arrays with rows A, C, G, T (the layout of one-hot DNA), so a
log-odds matrix is directly the weight of a ``torch.nn.Conv1d(4, 1, w)`` filter:
scanning with a PWM *is* a convolution (chapter 3). The reverse complement of a matrix
is a flip of both axes. Named motifs (JASPAR) are :class:`gdl_utils.motifs.Motif`
objects, whose ``ppm()`` and ``log_odds()`` call this module.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .._util import ALPHABET, as_numpy, check_int, check_onehot
from ..dna.strands import reverse_complement


def _background(background) -> np.ndarray:
    """(4,) base probabilities from None (uniform), a GC fraction or 4 probabilities."""
    if background is None:
        return np.full(4, 0.25)
    bg = np.asarray(background, dtype=float)
    if bg.ndim == 0 and 0.0 < bg < 1.0:
        return np.array([1 - bg, bg, bg, 1 - bg]) / 2
    if bg.shape == (4,) and np.all(bg > 0) and np.isclose(bg.sum(), 1.0, atol=1e-6):
        return bg
    raise ValueError(
        "background: expected None, a GC fraction in (0, 1) or 4 positive "
        f"probabilities (A, C, G, T) summing to 1, got {background!r}"
    )


def _check_matrix(m, name: str, ppm: bool = False) -> np.ndarray:
    """A (4, w) finite non-negative float array; with ``ppm``, columns summing to 1."""
    m = as_numpy(m, dtype=float)
    if m.ndim != 2 or m.shape[0] != 4 or m.shape[1] < 1:
        raise ValueError(
            f"{name}: expected shape (4, width) with rows A, C, G, T, got {m.shape}"
        )
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError(f"{name}: entries must be finite and non-negative")
    bad = np.flatnonzero(~np.isclose(m.sum(axis=0), 1.0, atol=1e-3)) if ppm else []
    if len(bad):
        raise ValueError(
            f"{name}: column {bad[0]} sums to {m[:, bad[0]].sum():.4f}, "
            "expected 1 (a PPM)"
        )
    return m


def counts_to_ppm(counts, pseudocount: float = 0.5) -> np.ndarray:
    """Position probability matrix ``(counts + pseudocount) / column total``.

    Parameters
    ----------
    counts : (4, w) non-negative counts, rows A, C, G, T
    pseudocount : float, added to every cell

    Returns
    -------
    (4, w) float array, columns summing to 1. Used in: chapter 1 (motifs), chapter 3.
    """
    c = _check_matrix(counts, "counts")
    if (
        not isinstance(pseudocount, (int, float, np.number))
        or not 0 <= pseudocount < math.inf
    ):
        raise ValueError(
            "counts_to_ppm: pseudocount must be a finite number >= 0, got "
            f"{pseudocount!r}"
        )
    totals = (c + pseudocount).sum(axis=0)
    if np.any(totals == 0):
        raise ValueError(
            f"counts: column {np.flatnonzero(totals == 0)[0]} is all zero; "
            "use a pseudocount"
        )
    return (c + pseudocount) / totals


def ppm_to_log_odds(ppm, background=None) -> np.ndarray:
    """Log-odds (position weight) matrix ``log2(ppm / background)`` in bits.

    Parameters
    ----------
    ppm : (4, w) probabilities without zeros (build it with a pseudocount)
    background : None (uniform), a GC fraction, or 4 probabilities (A, C, G, T)

    Returns
    -------
    (4, w) float array. Used in: chapter 1 (scanning), chapter 3 (filters as PWMs).
    """
    ppm = _check_matrix(ppm, "ppm", ppm=True)
    if np.any(ppm == 0):
        i, j = np.argwhere(ppm == 0)[0]
        raise ValueError(
            f"ppm: P({ALPHABET[i]}) at column {j} is 0, so its log-odds is -inf; "
            "build the PPM with a pseudocount > 0"
        )
    return np.log2(ppm / _background(background)[:, None])


def information_content(ppm, background=None) -> np.ndarray:
    """Information content of each column: relative entropy to the background in bits.

    Terms with probability 0 count as 0 (0 log 0 = 0).

    Parameters
    ----------
    ppm : (4, w) probabilities
    background : as in :func:`ppm_to_log_odds` (uniform: at most 2 bits per column)

    Returns
    -------
    (w,) float array. Used in: chapters 1 (01) and 3 (03a).
    """
    ppm = _check_matrix(ppm, "ppm", ppm=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(
            ppm > 0, ppm * np.log2(ppm / _background(background)[:, None]), 0.0
        )
    return terms.sum(axis=0)


def sample_motif(ppm, n: int, rng=None) -> list[str]:
    """``n`` instances drawn column by column from a ``(4, w)`` PPM.

    ``rng`` is a numpy Generator or a seed.

    Returns a list of ``n`` strings of length ``w``. Used in: no notebook directly (the
    simulations of :mod:`gdl_utils.simulate` call it).
    """
    ppm = _check_matrix(ppm, "ppm", ppm=True)
    n = check_int(n, "n", 0)
    cum = np.cumsum(ppm / ppm.sum(axis=0), axis=0).T  # (w, 4)
    u = np.random.default_rng(rng).random((n, ppm.shape[1]))
    # (n, w) inverse-CDF sampling
    idx = np.minimum((u[:, :, None] >= cum[None]).sum(axis=2), 3)
    letters = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)[idx]
    return [row.tobytes().decode("ascii") for row in letters]


def _strand_scores(x, log_odds):
    """Plus- and minus-strand window scores, each (N, L - w + 1).

    ``x`` is one-hot, (N, 4, L) or (4, L).
    """
    lo = as_numpy(log_odds, dtype=float)
    if lo.ndim != 2 or lo.shape[0] != 4 or not np.all(np.isfinite(lo)):
        raise ValueError(
            f"log_odds: expected a finite (4, width) matrix, got shape {lo.shape}"
        )
    check_onehot(x, "x")
    xb = x[None] if x.ndim == 2 else x
    if xb.shape[2] < lo.shape[1]:
        raise ValueError(
            f"sequence length {xb.shape[2]} is shorter than the motif width "
            f"{lo.shape[1]}"
        )
    # (2, 4, w): the motif and its reverse complement
    both = np.stack([lo, reverse_complement(lo)])
    if isinstance(xb, torch.Tensor):
        xf = xb if xb.is_floating_point() else xb.float()
        out = torch.nn.functional.conv1d(
            xf, torch.as_tensor(both, dtype=xf.dtype, device=xf.device)
        )
        return out[:, 0], out[:, 1]
    xb = np.asarray(xb)
    xb = xb if np.issubdtype(xb.dtype, np.floating) else xb.astype(np.float32)
    # (N, 4, P, w), a view
    windows = np.lib.stride_tricks.sliding_window_view(xb, lo.shape[1], axis=2)
    plus, minus = (np.einsum("ncpw,cw->np", windows, m.astype(xb.dtype)) for m in both)
    return plus, minus


def scan_pwm(x, log_odds, *, both_strands: bool = True):
    """Log-odds score of every window of one-hot sequences.

    With ``both_strands=False`` this equals ``torch.nn.Conv1d(4, 1, w, bias=False)``
    whose weight is ``log_odds[None]``; with ``both_strands=True`` each window keeps
    the better of the two strands.

    Parameters
    ----------
    x : (N, 4, L) or (4, L) one-hot DNA, numpy array or torch tensor (any device)
    log_odds : (4, w) log-odds matrix (numpy or torch)

    Returns
    -------
    (N, L - w + 1), or (L - w + 1,) for one sequence: numpy, or a tensor on x's device.
    Used in: chapters 1 (01), 3 (03a), 7 (07a, 07e) and 8 (08c).
    """
    plus, minus = _strand_scores(x, log_odds)
    out = (
        plus
        if not both_strands
        else plus.maximum(minus)
        if isinstance(plus, torch.Tensor)
        else np.maximum(plus, minus)
    )
    return out[0] if x.ndim == 2 else out


def best_match(x, log_odds):
    """Best window of each sequence over both strands.

    Parameters
    ----------
    x : (N, 4, L) or (4, L) one-hot DNA (numpy or torch)
    log_odds : (4, w) log-odds matrix

    Returns
    -------
    scores : (N,) float
    positions : (N,) int, 0-based window start (the same on both strands)
    strands : (N,) int, +1: motif on the given strand, -1: its reverse complement

    Scalars for one sequence.
    Used in: chapters 1 (01), 2 (02a), 3 (03a, 03b), 4 (04a) and 8 (08a, 08c).
    """
    plus, minus = _strand_scores(x, log_odds)
    plus, minus = as_numpy(plus), as_numpy(minus)
    # (N, 2P): plus windows, then minus windows
    flat = np.concatenate([plus, minus], axis=1)
    best = flat.argmax(axis=1)
    strand_idx, positions = np.divmod(best, plus.shape[1])
    scores, strands = flat[np.arange(len(flat)), best], np.where(strand_idx == 0, 1, -1)
    return (
        (scores[0], positions[0], strands[0])
        if x.ndim == 2
        else (scores, positions, strands)
    )
