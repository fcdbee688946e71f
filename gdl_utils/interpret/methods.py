"""Attribution methods for one-hot DNA models, batched, on the model's device.

Every method takes a model mapping ``(N, 4, L)`` one-hot DNA to ``(N, n_outputs)``, a
batch ``x`` and the index ``target`` of the output to explain, and returns a float32
``(N, 4, L)`` numpy map:

- ``"ism"``: exact in-silico saturation mutagenesis (:func:`~gdl_utils.interpret.ism`).
- ``"saliency"``: the gradient of the output with respect to the input (Simonyan et
  al. 2014), signed; ``"grad_x_input"``: gradient times input;
  ``"integrated_gradients"``: the path integral of the gradient from a baseline
  (Sundararajan et al. 2017; the baseline here is 0.25 in every channel, "no base
  preferred"); ``"deeplift"`` / ``"deepliftshap"``: DeepLIFT's rescale rule
  (Shrikumar et al. 2017) against one, or the average over several,
  dinucleotide-shuffled copies of the sequence (the DeepSHAP estimate of Lundberg & Lee
  2017). All of these are Captum's (Kokhlikyan et al. 2020).

:func:`~gdl_utils.interpret.check_attribution_input` (in :mod:`.inputs`) is the one
validator every method calls first.

Used in: chapter 8 (notebooks 08a, 08b, 08c).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from .._util import as_numpy, check_int, check_onehot
from ..runtime import evaluating
from .inputs import _batches, check_attribution_input
from .ism import ism

__all__ = ["METHODS", "attribute", "dinucleotide_shuffle"]

METHODS = (
    "ism",
    "saliency",
    "grad_x_input",
    "integrated_gradients",
    "deeplift",
    "deepliftshap",
)
"""Names accepted by :func:`attribute`."""


def dinucleotide_shuffle(x, n_shuffles: int = 1, *, seed: int | None = None):
    """Shuffles of one-hot sequences that keep every dinucleotide count.

    Each sequence is a walk on the graph whose vertices are bases and whose edges are
    its dinucleotides; shuffling each base's list of successors, while keeping its last
    successor last (those edges lead to the final base, so the walk can always
    continue), gives another walk with the same first base, last base and edges. It
    samples fewer shuffles than the uniform Altschul-Erickson method, but each keeps the
    counts exactly.

    Parameters
    ----------
    x : (N, 4, L) one-hot DNA (every column one base)
    n_shuffles : shuffles per sequence
    seed : int or None

    Returns
    -------
    (N, n_shuffles, 4, L) float32 one-hot array.

    Used in: chapter 8 (08a: references for DeepLIFT / DeepSHAP).
    """
    check_onehot(x, "dinucleotide_shuffle: x", batched=True)
    xn = as_numpy(x, dtype=np.float32)
    if not (((xn == 0) | (xn == 1)).all() and (xn.sum(axis=1) == 1).all()):
        raise ValueError(
            "dinucleotide_shuffle: x must have exactly one base per column"
        )
    n_shuffles = check_int(n_shuffles, "dinucleotide_shuffle: n_shuffles", 1)
    rng = np.random.default_rng(seed)
    codes = xn.argmax(axis=1)  # (N, L)
    length = codes.shape[1]
    out = np.zeros((len(codes), n_shuffles, 4, length), dtype=np.float32)
    for i, s in enumerate(codes):
        succ = [s[1:][s[:-1] == b] for b in range(4)]  # successors of each base
        for k in range(n_shuffles):
            lists = []
            for nxt in succ:
                nxt = nxt.copy()
                nxt[:-1] = rng.permutation(nxt[:-1])
                lists.append(list(nxt))
            walk, used = [int(s[0])], [0, 0, 0, 0]
            for _ in range(length - 1):
                b = walk[-1]
                walk.append(int(lists[b][used[b]]))
                used[b] += 1
            out[i, k, walk, np.arange(length)] = 1.0
    return out


def _gradient_method(model, method, xb, target, refs, ig_steps):
    from captum.attr import (
        DeepLift,
        InputXGradient,
        IntegratedGradients,
        Saliency,
    )

    xb = xb.clone().requires_grad_(True)
    if method == "saliency":
        return Saliency(model).attribute(xb, target=target, abs=False)
    if method == "grad_x_input":
        return InputXGradient(model).attribute(xb, target=target)
    if method == "integrated_gradients":
        base = torch.full_like(xb, 0.25)
        return IntegratedGradients(model).attribute(
            xb, baselines=base, target=target, n_steps=ig_steps
        )
    # DeepLIFT against each reference; DeepSHAP = the mean over the references
    n, k = refs.shape[:2]
    rep = xb.detach().repeat_interleave(k, dim=0).requires_grad_(True)
    att = DeepLift(model).attribute(
        rep, baselines=refs.reshape(n * k, *refs.shape[2:]), target=target
    )
    return att.reshape(n, k, *xb.shape[1:]).mean(dim=1)


def attribute(
    model: nn.Module,
    x,
    method: str,
    target: int = 0,
    *,
    batch_size: int = 256,
    ig_steps: int = 32,
    n_references: int = 10,
    seed: int | None = None,
    device=None,
) -> np.ndarray:
    """Attributions of one output of ``model`` for every base of a batch.

    Parameters
    ----------
    model, x, target : see :func:`check_attribution_input`; x (N, 4, L)
    method : one of :data:`METHODS`
    batch_size : sequences per pass (gradient methods) / variants per pass (ISM)
    ig_steps : integration steps of integrated gradients
    n_references : dinucleotide shuffles per sequence for "deepliftshap"
        ("deeplift" uses one)
    seed : for the shuffled references

    Returns
    -------
    (N, 4, L) float32 numpy array (see the module docstring for each method).

    Used in: chapter 8 (08a scoreboard, 08b TF-MoDISco input, 08c PUM2).
    """
    if method not in METHODS:
        raise ValueError(f"attribute: unknown method {method!r}; choose from {METHODS}")
    if method == "ism":
        return ism(model, x, target, batch_size=batch_size * 16, device=device)
    xt = check_attribution_input(model, x, target, where="attribute", device=device)
    refs = None
    if method in ("deeplift", "deepliftshap"):
        k = 1 if method == "deeplift" else check_int(n_references, "n_references", 1)
        refs = torch.as_tensor(dinucleotide_shuffle(xt, k, seed=seed))
    out = np.empty(tuple(xt.shape), dtype=np.float32)
    with evaluating(model, device) as dev:
        for sl in _batches(len(xt), batch_size):
            r = None if refs is None else refs[sl].to(dev)
            with warnings.catch_warnings():  # Captum announces its DeepLIFT hooks
                warnings.filterwarnings("ignore", message="Setting forward, backward")
                a = _gradient_method(model, method, xt[sl].to(dev), target, r, ig_steps)
            out[sl] = as_numpy(a.detach())
    return out
