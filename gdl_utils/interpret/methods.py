"""Attribution methods for one-hot DNA models, batched, on the model's device.

Every method takes a model mapping ``(N, 4, L)`` one-hot DNA to ``(N, n_outputs)``, a
batch ``x`` and the index ``target`` of the output to explain, and returns a float32
``(N, 4, L)`` numpy map:

- :func:`ism`: exact in-silico saturation mutagenesis (Alipanahi et al. 2015): the
  change of the output for every single-base substitution, 0 at the reference base;
  all ``4L`` variants of a sequence go through the model in batches.
- ``"saliency"``: the gradient of the output with respect to the input (Simonyan et
  al. 2014), signed; ``"grad_x_input"``: gradient times input;
  ``"integrated_gradients"``: the path integral of the gradient from a baseline
  (Sundararajan et al. 2017; the baseline here is 0.25 in every channel, "no base
  preferred"); ``"deeplift"`` / ``"deepliftshap"``: DeepLIFT's rescale rule
  (Shrikumar et al. 2017) against one, or the average over several,
  dinucleotide-shuffled copies of the sequence (the DeepSHAP estimate of Lundberg & Lee
  2017). All of these are Captum's (Kokhlikyan et al. 2020).

:func:`check_attribution_input` is the one validator every method calls first: a batch
that is not one-hot, a model whose output is not ``(N, n_outputs)``, or a target out of
range raise ``ValueError`` naming what is wrong.

Used in: chapter 8 (notebooks 08a, 08b, 08c).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from .._util import as_numpy, check_int, check_onehot

__all__ = [
    "METHODS",
    "attribute",
    "check_attribution_input",
    "dinucleotide_shuffle",
    "ism",
]

METHODS = (
    "ism",
    "saliency",
    "grad_x_input",
    "integrated_gradients",
    "deeplift",
    "deepliftshap",
)
"""Names accepted by :func:`attribute`."""


def _device_of(model: nn.Module, device=None) -> torch.device:
    if device is not None:
        return torch.device(device)
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _declared_outputs(model: nn.Module) -> int | None:
    """``n_outputs`` of the model or of the model it wraps (``RCAveraged``)."""
    inner = getattr(model, "model", None)
    return getattr(model, "n_outputs", getattr(inner, "n_outputs", None))


def check_attribution_input(
    model: nn.Module, x, target: int = 0, *, where: str = "attribute", device=None
) -> torch.Tensor:
    """Validate a request for attributions; return ``x`` as a float32 tensor.

    Parameters
    ----------
    model : maps (N, 4, L) one-hot DNA to (N, n_outputs); ``n_outputs`` is read from
        the model (or the model it wraps) when it declares one
    x : (N, 4, L) array or tensor; every column must hold exactly one 1 (A, C, G, T)
    target : index of the output to explain, ``0 <= target < n_outputs``
    where : name of the caller, for the messages

    Raises
    ------
    ValueError : ``x`` not (N, 4, L), or a column that is not one-hot (naming the
        sequence and position); a model output that is not (N, n_outputs); a target
        out of range.

    Used in: chapter 8 (every method of this module).
    """
    check_onehot(x, f"{where}: x", batched=True)
    xt = torch.as_tensor(as_numpy(x, dtype=np.float32))
    if xt.shape[0] == 0 or xt.shape[2] == 0:
        raise ValueError(f"{where}: x is empty, shape {tuple(xt.shape)}")
    bad = ((xt != 0) & (xt != 1)).any(dim=1) | (xt.sum(dim=1) != 1)  # (N, L)
    if bad.any():
        i, p = (int(v) for v in torch.nonzero(bad)[0])
        col = [round(float(v), 3) for v in xt[i, :, p]]
        raise ValueError(
            f"{where}: x is not one-hot: sequence {i}, position {p} has channel "
            f"values {col} (need exactly one 1 among A, C, G, T)"
        )
    target = check_int(target, f"{where}: target")
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(xt[:2].to(_device_of(model, device)))
    model.train(was_training)
    n_out = _declared_outputs(model)
    want = f"({min(2, len(xt))}, {n_out if n_out else 'n_outputs'})"
    if (
        not isinstance(out, torch.Tensor)
        or out.ndim != 2
        or out.shape[0] != min(2, len(xt))
        or (n_out is not None and out.shape[1] != n_out)
    ):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"{where}: the model's output has shape {got}, expected {want} "
            "(batch, n_outputs)"
        )
    if not 0 <= target < out.shape[1]:
        raise ValueError(
            f"{where}: target {target} is out of range for a model with "
            f"{out.shape[1]} outputs (0..{out.shape[1] - 1})"
        )
    return xt


def _batches(n: int, size: int):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def ism(
    model: nn.Module, x, target: int = 0, *, batch_size: int = 4096, device=None
) -> np.ndarray:
    """Exact in-silico saturation mutagenesis of a batch.

    Parameters
    ----------
    model, x, target : see :func:`check_attribution_input`; x (N, 4, L)
    batch_size : variants per forward pass (a sequence has 4L)

    Returns
    -------
    (N, 4, L) float32: ``[i, b, p] = f(x_i with base b at p) - f(x_i)`` for output
    ``target``; exactly 0 at the reference bases.

    Used in: chapter 8 (08a: the ISM row of the scoreboard).
    """
    xt = check_attribution_input(model, x, target, where="ism", device=device)
    dev = _device_of(model, device)
    n, _, length = xt.shape
    per = max(1, batch_size // (4 * length))  # sequences per forward pass
    eye = torch.eye(4, device=dev)
    ar = torch.arange(length, device=dev)
    out = np.empty((n, 4, length), dtype=np.float32)
    model.eval()
    with torch.no_grad():
        for sl in _batches(n, per):
            xc = xt[sl].to(dev)
            c = len(xc)
            ref = model(xc)[:, target]
            v = xc[:, None, None].expand(c, length, 4, 4, length).clone()
            v[:, ar, :, :, ar] = eye  # variant (p, b): column p set to base b
            pred = model(v.reshape(-1, 4, length))[:, target].reshape(c, length, 4)
            eff = (pred - ref[:, None, None]).transpose(1, 2)  # (c, 4, L)
            out[sl] = as_numpy(torch.where(xc.bool(), 0.0, eff))
    return out


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
    dev = _device_of(model, device)
    refs = None
    if method in ("deeplift", "deepliftshap"):
        k = 1 if method == "deeplift" else check_int(n_references, "n_references", 1)
        refs = torch.as_tensor(dinucleotide_shuffle(xt, k, seed=seed))
    was_training = model.training
    model.eval()
    out = np.empty(tuple(xt.shape), dtype=np.float32)
    try:
        for sl in _batches(len(xt), batch_size):
            r = None if refs is None else refs[sl].to(dev)
            with warnings.catch_warnings():  # Captum announces its DeepLIFT hooks
                warnings.filterwarnings("ignore", message="Setting forward, backward")
                a = _gradient_method(model, method, xt[sl].to(dev), target, r, ig_steps)
            out[sl] = as_numpy(a.detach())
    finally:
        model.train(was_training)
    return out
