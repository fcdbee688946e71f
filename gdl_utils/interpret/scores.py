"""Scoring attribution maps against ground truth, and the sanity checks that go with it.

- :func:`site_mask` and :func:`position_importance`: the truth (which positions of each
  simulated sequence lie in a planted site) and one importance value per position.
- :func:`score_positions`: per-sequence AUROC and AUPRC of importance against the
  truth; :func:`random_attribution` is the control every method must beat.
- :func:`simplex_correction`: Majdandzic et al. (2023): a one-hot input lives on the
  simplex (the four channels of a position sum to 1), so the part of the gradient
  that is the same in all four channels points off the data and is removed by
  subtracting the channel mean at each position.
- :func:`randomized_copy` and :func:`rank_similarity`: the model-randomisation test
  (Adebayo et al. 2018): a map that barely changes when the weights are re-initialised
  does not explain the trained model.
- :func:`rc_agreement`: a strand-symmetric model must give ``rc(map(x))`` for
  ``rc(x)``.
- :func:`map_agreement`: Spearman correlation of a predicted single-base effect map
  with a measured one (a saturation-mutagenesis MPRA) over the measured substitutions,
  and the same statistic after shuffling the positions of the prediction.

Used in: chapter 8 (notebooks 08a and 08c).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import torch
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score

from .._util import as_numpy, check_int, code_matrix

__all__ = [
    "map_agreement",
    "position_importance",
    "random_attribution",
    "randomized_copy",
    "rank_similarity",
    "rc_agreement",
    "score_positions",
    "simplex_correction",
    "site_mask",
]


def _check_map(a, name: str) -> np.ndarray:
    a = as_numpy(a, dtype=np.float64)
    if a.ndim != 3 or a.shape[1] != 4:
        raise ValueError(f"{name}: expected an (N, 4, L) map, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name}: the map contains NaN or inf")
    return a


def site_mask(sites: pd.DataFrame, n: int, length: int, motif=None) -> np.ndarray:
    """(N, L) bool: True inside a planted site (of ``motif`` only, when given).

    Parameters
    ----------
    sites : the ``SimulatedData.sites`` table (seq_index, motif, start, end, ...)
    n, length : number and length of the sequences
    motif : a motif name (the ``motif`` column), or None for every site

    Used in: chapter 8 (08a: ground truth of the scoreboard).
    """
    n, length = check_int(n, "site_mask: n", 1), check_int(length, "length", 1)
    rows = sites if motif is None else sites[sites["motif"] == motif]
    if len(rows) and (rows["end"].max() > length or rows["seq_index"].max() >= n):
        raise ValueError(
            f"site_mask: a site lies outside {n} sequences of length {length}"
        )
    mask = np.zeros((n, length), dtype=bool)
    for i, s, e in rows[["seq_index", "start", "end"]].itertuples(index=False):
        mask[i, s:e] = True
    return mask


def position_importance(attr, x, how: str = "observed") -> np.ndarray:
    """(N, L) importance of every position of an (N, 4, L) map.

    ``how="observed"``: ``|sum_c attr[:, c, p] * x[:, c, p]|``, the magnitude of the
    attribution of the base that is present. For gradient x input, integrated gradients
    and DeepLIFT that is the whole map; for an ISM map centred per position
    (:func:`simplex_correction`) it is ``f(x)`` minus the mean prediction over the four
    bases at that position. ``how="max_abs"``: ``max_c |attr[:, c, p]|``, the saliency
    map of Simonyan et al. (2014) for a gradient.

    Used in: chapter 8 (08a, 08c).
    """
    a, xn = _check_map(attr, "position_importance: attr"), as_numpy(x, np.float64)
    if xn.shape != a.shape:
        raise ValueError(
            f"position_importance: attr {a.shape} and x {xn.shape} differ in shape"
        )
    if how == "max_abs":
        return np.abs(a).max(axis=1)
    if how != "observed":
        raise ValueError(
            f"position_importance: how must be 'observed' or 'max_abs', got {how!r}"
        )
    return np.abs((a * xn).sum(axis=1))


def simplex_correction(grad) -> np.ndarray:
    """Subtract the mean over the four channels at every position (Majdandzic 2023).

    Parameters
    ----------
    grad : (N, 4, L) gradients (or ISM effects)

    Returns
    -------
    (N, 4, L) float64 whose four channels sum to 0 at each position.

    Used in: chapter 8 (08a: the corrected saliency and gradient x input).
    """
    g = _check_map(grad, "simplex_correction: grad")
    return g - g.mean(axis=1, keepdims=True)


def random_attribution(shape, seed: int | None = None) -> np.ndarray:
    """Gaussian noise of ``shape`` (N, 4, L): the control map of the scoreboard.

    Used in: chapter 8 (08a).
    """
    return np.random.default_rng(seed).normal(size=tuple(shape))


def score_positions(importance, truth) -> pd.DataFrame:
    """Per-sequence AUROC and AUPRC of per-position importance against the truth.

    Parameters
    ----------
    importance : (N, L) scores (higher = more important)
    truth : (N, L) bool, True inside a planted site

    Returns
    -------
    DataFrame, one row per sequence with at least one positive and one negative
    position: seq_index, auroc (ties count one half), auprc (average precision),
    chance_auprc (the fraction of positive positions).

    Used in: chapter 8 (08a: the scoreboard).
    """
    s, t = as_numpy(importance, np.float64), as_numpy(truth).astype(bool)
    if s.ndim != 2 or s.shape != t.shape:
        raise ValueError(
            f"score_positions: importance {s.shape} and truth {t.shape} must be the "
            "same (N, L) shape"
        )
    n_pos = t.sum(axis=1)
    keep = np.flatnonzero((n_pos > 0) & (n_pos < t.shape[1]))
    if keep.size == 0:
        raise ValueError("score_positions: no sequence has both site and background")
    ranks = rankdata(s[keep], axis=1)
    npos, nneg = n_pos[keep], t.shape[1] - n_pos[keep]
    auroc = ((ranks * t[keep]).sum(axis=1) - npos * (npos + 1) / 2) / (npos * nneg)
    auprc = [average_precision_score(t[i], s[i]) for i in keep]
    return pd.DataFrame(
        {
            "seq_index": keep,
            "auroc": auroc,
            "auprc": auprc,
            "chance_auprc": npos / t.shape[1],
        }
    )


def randomized_copy(model: torch.nn.Module, seed: int | None = None):
    """A deep copy of ``model`` with every layer re-initialised (Adebayo et al. 2018).

    Every submodule with ``reset_parameters`` (convolutions, linear layers, batch
    norm) is reset under ``torch.manual_seed(seed)``; the original is unchanged.

    Used in: chapter 8 (08a: model-randomisation check).
    """
    clone = copy.deepcopy(model)
    gen = torch.random.fork_rng(devices=[])
    with gen:
        if seed is not None:
            torch.manual_seed(seed)
        for m in clone.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
    return clone


def rank_similarity(a, b) -> np.ndarray:
    """(N,) Spearman correlation, per sequence, of two (N, L) importance tracks.

    Used in: chapter 8 (08a: how much a map changes when the model is randomised).
    """
    a, b = as_numpy(a, np.float64), as_numpy(b, np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"rank_similarity: shapes {a.shape} and {b.shape} differ")
    ra, rb = rankdata(a, axis=1), rankdata(b, axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    den = np.sqrt((ra**2).sum(axis=1) * (rb**2).sum(axis=1))
    return (ra * rb).sum(axis=1) / np.where(den > 0, den, 1.0)


def rc_agreement(attr_x, attr_rc) -> np.ndarray:
    """(N,) Pearson correlation of ``map(x)`` with the reverse complement of
    ``map(rc(x))``, per sequence; 1 for a strand-symmetric model and method.

    Parameters
    ----------
    attr_x : (N, 4, L) map of the sequences
    attr_rc : (N, 4, L) map of their reverse complements

    Used in: chapter 8 (08a: an ``RCAveraged`` model).
    """
    a = _check_map(attr_x, "rc_agreement: attr_x").reshape(len(attr_x), -1)
    b = _check_map(attr_rc, "rc_agreement: attr_rc")[:, ::-1, ::-1]
    b = b.reshape(len(b), -1)
    if a.shape != b.shape:
        raise ValueError(f"rc_agreement: shapes {a.shape} and {b.shape} differ")
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a**2).sum(axis=1) * (b**2).sum(axis=1))
    return (a * b).sum(axis=1) / np.where(den > 0, den, 1.0)


def _alt_triplets(effects, ref: np.ndarray) -> np.ndarray:
    """(L, 3): the three substitutions of every position, in A, C, G, T order."""
    alt = np.ones((4, len(ref)), dtype=bool)
    alt[ref, np.arange(len(ref))] = False
    return effects.T[alt.T].reshape(len(ref), 3)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = rankdata(a), rankdata(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = np.sqrt((ra**2).sum() * (rb**2).sum())
    return float((ra * rb).sum() / den) if den > 0 else 0.0


def map_agreement(
    predicted, measured, sequence: str, *, n_shuffles=1000, seed=None, null="shuffle"
) -> tuple[float, np.ndarray]:
    """Spearman agreement of a predicted and a measured (4, L) single-base effect map.

    Parameters
    ----------
    predicted : (4, L) finite predicted effects (reference-base entries are ignored)
    measured : (4, L), NaN where not measured (``datasets.mpra.element_effects``)
    sequence : the reference, L letters; positions with ``N`` are left out
    n_shuffles, seed : number of shuffled-position controls, and their seed
    null : "shuffle" (permute positions) or "circular" (all L - 1 circular shifts;
        n_shuffles, seed unused): effects are autocorrelated along a sequence (sites
        span positions), which a shift keeps and a permutation destroys.

    Returns
    -------
    rho : Spearman correlation over the measured substitutions
    null : the same statistic after moving the positions of the prediction (each
        position's three substitutions move together, in A, C, G, T order): it keeps
        how the prediction is distributed and destroys *where*.

    ValueError for maps that are not (4, L), a non-finite prediction, a letter outside
    ACGTN, fewer than 3 measured substitutions, or a constant prediction.

    Used in: chapter 8 (08c: PWM and CNN predictions against the Kircher MPRA).
    """
    pred = as_numpy(predicted, np.float64)
    meas = as_numpy(measured, np.float64)
    length = len(sequence)
    for name, a in (("predicted", pred), ("measured", meas)):
        if a.shape != (4, length):
            raise ValueError(
                f"map_agreement: {name} has shape {a.shape}, expected (4, {length}) "
                "for the sequence"
            )
    if not np.isfinite(pred).all():
        raise ValueError("map_agreement: predicted contains NaN or inf")
    known = np.array([b != "N" for b in sequence.upper()])
    codes = code_matrix(sequence.upper().replace("N", "A"), "map_agreement: sequence")
    ref = codes[0][known]
    p = _alt_triplets(pred[:, known], ref)
    m = _alt_triplets(meas[:, known], ref)
    keep = np.isfinite(m)
    if keep.sum() < 3:
        raise ValueError(
            f"map_agreement: only {int(keep.sum())} measured substitutions"
        )
    if np.ptp(p[keep]) == 0:
        raise ValueError("map_agreement: the prediction is constant over the measured")
    if null == "circular":
        moves = [np.roll(np.arange(len(p)), s) for s in range(1, len(p))]
    elif null == "shuffle":
        rng = np.random.default_rng(seed)
        n = check_int(n_shuffles, "map_agreement: n_shuffles", 1)
        moves = [rng.permutation(len(p)) for _ in range(n)]
    else:
        raise ValueError(f"map_agreement: null={null!r}; use 'shuffle' or 'circular'")
    rho = _spearman(p[keep], m[keep])
    return rho, np.array([_spearman(p[k][keep], m[keep]) for k in moves])
