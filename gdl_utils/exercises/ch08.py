"""Checks for the implement-it exercises of chapter 8 (interpreting models).

- :func:`check_ism`: in-silico saturation mutagenesis of one sequence with a predictor
  function, against :func:`gdl_utils.interpret.ism`.

Used in: chapter 8 (08a).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ..interpret import ism

__all__ = ["check_ism"]


def _random_onehot(length: int, rng: np.random.Generator) -> np.ndarray:
    """(4, length) float32 one-hot DNA with random bases."""
    x = np.zeros((4, length), dtype=np.float32)
    x[rng.integers(0, 4, length), np.arange(length)] = 1.0
    return x


def _predictors(rng: np.random.Generator) -> dict[str, Callable]:
    """Named predictor functions (M, 4, L) float32 -> (M,) or (M, 1)."""
    w = rng.normal(size=(4, 64)).astype(np.float32)  # position weights, up to L = 64
    pwm = rng.normal(size=(4, 5)).astype(np.float32)

    def linear(v):  # sum of per-position weights: (M,)
        return (v * w[:, : v.shape[-1]]).sum(axis=(1, 2))

    def best_site(v):  # softplus of the best window score: nonlinear, (M, 1)
        length = v.shape[-1]
        if length < pwm.shape[1]:
            return np.log1p(np.exp(v.sum(axis=(1, 2))))[:, None]
        windows = np.lib.stride_tricks.sliding_window_view(v, pwm.shape[1], axis=2)
        scores = np.einsum("mbpw,bw->mp", windows, pwm)
        return np.log1p(np.exp(scores.max(axis=1)))[:, None]

    with torch.random.fork_rng():
        torch.manual_seed(int(rng.integers(2**31)))
        cnn = nn.Sequential(
            nn.Conv1d(4, 3, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveMaxPool1d(1),
            nn.Flatten(),
            nn.Linear(3, 1),
        ).eval()

    def small_cnn(v):  # a random convolutional network, (M, 1)
        with torch.no_grad():
            return cnn(torch.as_tensor(v, dtype=torch.float32)).numpy()

    return {"linear": linear, "best_site": best_site, "small_cnn": small_cnn}


def check_ism(
    fn: Callable[[Callable, np.ndarray], np.ndarray],
    seed: int = 0,
    atol: float = 1e-5,
) -> str:
    """Check a student's in-silico mutagenesis against the course's :func:`ism`.

    Parameters
    ----------
    fn : ``fn(predict_fn, x) -> (4, L)`` effects, where ``x`` is one (4, L) float32
        one-hot sequence and ``predict_fn`` maps (M, 4, L) float32 to (M,) or (M, 1)
        predictions; entry ``[b, p]`` is ``f(x with base b at p) - f(x)`` (0 at the
        reference bases)
    seed : seed of the random sequences and predictors
    atol : largest absolute difference accepted (float32 models)

    Returns
    -------
    str : a one-line summary when every case agrees; ``AssertionError`` naming the
    first case that differs (predictor, sequence, position and base, expected, got)
    otherwise.

    Used in: chapter 8 (08a: the ISM exercise).
    """
    rng = np.random.default_rng(seed)
    predictors = _predictors(rng)
    sequences = {"length 1": _random_onehot(1, rng)}
    all_a = np.zeros((4, 12), dtype=np.float32)
    all_a[0] = 1.0
    sequences["all A, length 12"] = all_a
    for length in (7, 30, 64):
        sequences[f"random, length {length}"] = _random_onehot(length, rng)
    n = 0
    for pname, predict_fn in predictors.items():
        for sname, x in sequences.items():
            n += 1
            bases = "".join("ACGT"[i] for i in x.argmax(0))
            case = f"predictor {pname}, sequence {sname} ({bases})"
            expected = ism(predict_fn, x[None])[0]
            try:
                got = np.asarray(fn(predict_fn, x.copy()), dtype=float)
            except Exception as err:  # noqa: BLE001 - shown to the student
                raise AssertionError(
                    f"{case}: got {type(err).__name__}: {err}"
                ) from None
            if got.shape != expected.shape:
                raise AssertionError(
                    f"{case}: expected shape {expected.shape}, got {got.shape}"
                )
            bad = np.argwhere(~np.isclose(got, expected, rtol=1e-4, atol=atol))
            if len(bad):
                b, p = bad[0]
                raise AssertionError(
                    f"{case}: base {'ACGT'[b]} at position {p}: expected"
                    f" {expected[b, p]:.6g}, got {got[b, p]:.6g}"
                )
    return (
        f"check_ism: all {n} cases ({len(predictors)} predictors x"
        f" {len(sequences)} sequences) agree with interpret.ism"
    )
