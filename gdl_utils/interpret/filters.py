"""From first-layer convolution filters to motifs, and from motifs to filters.

A ``Conv1d(4, n, w)`` filter and a ``(4, w)`` position-weight matrix are the same
object: the filter's output at position ``p`` is the sum of the weights picked out by
the one-hot window ``x[:, :, p:p + w]``.

- :func:`conv_from_pwm`: put log-odds matrices into a ``Conv1d``; its output equals
  :func:`gdl_utils.motifs.scan_pwm` with ``both_strands=False``.
- :func:`conv_weight_to_pwm`: read a filter's weights back as a (centred) weight matrix
  for a logo.
- :func:`one_hot_weights`: the same for a dense first layer over flattened one-hot DNA
  (chapter 2's perceptron and MLP): one centred ``(4, L)`` matrix per unit.
- :func:`filter_pwms`: the Basset recipe (Kelley et al. 2016) for turning what a filter
  *responds to* into a position probability matrix: collect every window whose
  activation exceeds ``threshold`` times the filter's largest activation over the data
  set and count the bases. Unlike raw weights, the result is a PPM that can be compared
  with a motif database (:func:`gdl_utils.motifs.tomtom`).

Used in: chapter 2 (one_hot_weights), chapter 3.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._util import as_numpy, check_int
from .first_layer import _activation_fn, _batches, _first_conv

__all__ = [
    "conv_from_pwm",
    "conv_weight_to_pwm",
    "one_hot_weights",
    "filter_pwms",
]


def conv_from_pwm(
    log_odds, *, bias=None, dtype=torch.float32, device=None
) -> nn.Conv1d:
    """A ``Conv1d`` whose filters are the given position-weight matrices.

    Parameters
    ----------
    log_odds : (4, w) or (n, 4, w) array / tensor, rows A, C, G, T (e.g.
        ``Motif.log_odds()``)
    bias : None (no bias) or (n,) values added to each filter's output (e.g. minus a
        score threshold)
    dtype, device : of the layer's parameters

    Returns
    -------
    ``nn.Conv1d(4, n, w)``; for one-hot ``x`` (N, 4, L) its output (N, n, L - w + 1)
    equals ``scan_pwm(x, log_odds[i], both_strands=False)`` for filter ``i``.

    Used in: chapter 3 (notebook 03a: a convolution filter is a PWM scanner).
    """
    w = torch.as_tensor(
        np.asarray(
            log_odds.detach().cpu() if isinstance(log_odds, torch.Tensor) else log_odds,
            dtype=np.float64,
        )
    )
    if w.dim() == 2:
        w = w[None]
    if w.dim() != 3 or w.shape[1] != 4 or w.shape[2] < 1:
        raise ValueError(
            "conv_from_pwm: expected log-odds of shape (4, w) or (n, 4, w), "
            f"got {tuple(w.shape)}"
        )
    if not torch.isfinite(w).all():
        raise ValueError(
            "conv_from_pwm: log-odds contain inf or NaN "
            "(build the PPM with a pseudocount)"
        )
    conv = nn.Conv1d(
        4, w.shape[0], w.shape[2], bias=bias is not None, dtype=dtype, device=device
    )
    with torch.no_grad():
        conv.weight.copy_(w.to(dtype))
        if bias is not None:
            b = torch.as_tensor(np.asarray(bias, dtype=np.float64)).reshape(-1)
            if b.numel() != w.shape[0]:
                raise ValueError(
                    f"conv_from_pwm: bias has {b.numel()} values for "
                    f"{w.shape[0]} filters"
                )
            conv.bias.copy_(b.to(dtype))
    return conv


def conv_weight_to_pwm(model_or_conv) -> np.ndarray:
    """First-layer filter weights as weight matrices, centred per position.

    Centred means that each position's four weights sum to 0.

    With one-hot input exactly one base is present per position, so adding a constant to
    a position's four weights only shifts the output by that constant: centring removes
    this freedom and leaves what a "weight" logo (``plot_logo(kind="weight")``) can
    show.

    Parameters
    ----------
    model_or_conv : ``nn.Conv1d(4, n, w)`` or a model with ``first_layer`` (or any first
        ``Conv1d``)

    Returns
    -------
    (n, 4, w) float numpy array.

    Used in: chapter 3.
    """
    return _centre(_first_conv(model_or_conv).weight)


def _centre(weights) -> np.ndarray:
    """(n, 4, w) float64 weights, each position's four shifted to sum to 0."""
    w = as_numpy(weights).astype(np.float64)
    return w - w.mean(axis=1, keepdims=True)


def one_hot_weights(weights, length: int) -> np.ndarray:
    """First-layer weights over flattened one-hot DNA as centred ``(n, 4, L)`` matrices.

    A dense layer on ``x.flatten(1)`` of one-hot ``(N, 4, L)`` DNA (channel-major: the
    first ``L`` features are the A channel) holds, for each unit, one weight per (base,
    position): a weight matrix. It is centred exactly as :func:`conv_weight_to_pwm`
    centres a filter (adding a constant to a position's four weights only shifts the
    bias).

    Parameters
    ----------
    weights : (n_units, 4 * length) or (4 * length,) array / tensor, or a module whose
        first ``nn.Linear`` is used (e.g. :class:`~gdl_utils.models.Perceptron`,
        :class:`~gdl_utils.models.MLP`)
    length : int, the sequence length ``L``

    Returns
    -------
    (n_units, 4, length) numpy array; each column sums to zero.

    Used in: chapter 2 (02a, 02b: drawing a perceptron's and an MLP's weights as logos).
    """
    length = check_int(length, "one_hot_weights: length", 1)
    if isinstance(weights, nn.Module):
        first = next((m for m in weights.modules() if isinstance(m, nn.Linear)), None)
        if first is None:
            raise ValueError(
                f"one_hot_weights: {type(weights).__name__} has no nn.Linear layer"
            )
        weights = first.weight
    w = as_numpy(weights).astype(np.float64)
    w = w[None] if w.ndim == 1 else w
    if w.ndim != 2 or w.shape[1] != 4 * length:
        raise ValueError(
            f"one_hot_weights: expected (n_units, {4 * length}) weights for length "
            f"{length}, got shape {w.shape}"
        )
    return _centre(w.reshape(len(w), 4, length))


def filter_pwms(
    model_or_conv,
    x,
    *,
    threshold: float = 0.5,
    weighted: bool = False,
    batch_size: int = 512,
    pseudocount: float = 0.0,
):
    """Basset-style position probability matrices of what first-layer filters detect.

    For filter ``f`` let ``M_f`` be its largest activation over all of ``x``. Every
    window ``x[n, :, p:p + w]`` with activation ``a[n, f, p] > threshold * M_f`` (and
    ``> 0``) is a *site* of the filter; the filter's PPM is the base frequency at each
    of the ``w`` positions over its sites (each site weighted by its activation when
    ``weighted``). Activations are those of ``model.first_layer_activations`` (after
    batch norm and ReLU in :class:`MultiTaskCNN`), or the ReLU of the convolution when a
    bare ``Conv1d`` is given.

    Parameters
    ----------
    model_or_conv : model with ``first_layer`` (and ``first_layer_activations``), or
        ``nn.Conv1d(4, n, w)`` without padding and with stride 1.
    x : (N, 4, L) one-hot DNA (numpy or torch), e.g. the test sequences
    threshold : fraction of each filter's maximum activation, in [0, 1)
    weighted : weight each site by its activation instead of counting it once
    batch_size : sequences per forward pass (memory is ``batch_size * n * L`` floats)
    pseudocount : added to every count before normalising; filters without sites get
        uniform columns

    Returns
    -------
    ppms : (n_filters, 4, w) numpy array, columns summing to 1
    n_sites : (n_filters,) int numpy array, number of windows above the threshold

    Used in: chapters 3 (03a, 03b) and 4 (04b).
    """
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"filter_pwms: threshold must be in [0, 1), got {threshold}")
    if pseudocount < 0:
        raise ValueError(f"filter_pwms: pseudocount must be >= 0, got {pseudocount}")
    act, w = _activation_fn(model_or_conv)
    n_filters = _first_conv(model_or_conv).out_channels
    max_act = torch.zeros(n_filters)
    for _, a in _batches(
        act, model_or_conv, x, batch_size
    ):  # pass 1: each filter's maximum
        max_act = torch.maximum(max_act, a.amax(dim=(0, 2)).cpu())
    counts = torch.zeros(n_filters, 4, w, dtype=torch.float64)
    n_sites = torch.zeros(n_filters, dtype=torch.long)
    for xb, a in _batches(
        act, model_or_conv, x, batch_size
    ):  # pass 2: count bases in the sites
        cut = (threshold * max_act).to(a.device)[None, :, None]
        b, f, p = torch.nonzero((a > cut) & (a > 0), as_tuple=True)
        windows = xb.float().unfold(2, w, 1)[b, :, p, :]  # (sites, 4, w)
        weights = a[b, f, p] if weighted else torch.ones_like(b, dtype=torch.float32)
        counts.index_add_(0, f.cpu(), (windows * weights[:, None, None]).double().cpu())
        n_sites += torch.bincount(f.cpu(), minlength=n_filters)
    counts = counts.numpy() + pseudocount
    totals = counts.sum(axis=1, keepdims=True)
    ppms = np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), 0.25)
    return ppms, n_sites.numpy()
