"""Several tasks on one trunk: a masked multi-head loss, and the angle between the
tasks' gradients on the shared parameters.

When the tasks' examples differ (a σ54 promoter is labelled only for the σ54 head, a
PUM2 window only for the PUM2 head), each example carries a **mask** of the outputs it
has a label for, and the loss averages the binary cross-entropy over the observed
entries only (DeepSEA and Basset had every label for every example and needed none).
``task_weights`` scales each task's share (down-weighting an unrelated task).

:func:`gradient_cosine` compares what two tasks ask of the shared trunk: the cosine
between their loss gradients on the shared parameters. A negative cosine is a
conflict (Yu et al. 2020, PCGrad): a step for one task undoes part of the other's.

Used in: chapter 9 (09b).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

__all__ = [
    "MaskedBatch",
    "MaskedStep",
    "gradient_cosine",
    "masked_bce",
    "masked_loader",
    "task_gradients",
]


class MaskedBatch(NamedTuple):
    """A multi-task batch: ``x`` (B, 4, L) one-hot DNA, ``y`` (B, T) 0/1 labels,
    ``mask`` (B, T) 1 where the label is observed, 0 where it is not.

    Used in: chapter 9 (09b).
    """

    x: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor


def masked_bce(logits, y, mask, task_weights=None) -> torch.Tensor:
    """Binary cross-entropy averaged over the observed entries.

    Parameters
    ----------
    logits, y, mask : (B, T); ``y`` 0/1 (any value where ``mask`` is 0), ``mask`` 0/1
    task_weights : (T,) non-negative weights, default all 1: the loss is
        ``sum(w_t * m * bce) / sum(w_t * m)`` over observed entries, so a task's
        weight is its share relative to the others

    Returns
    -------
    scalar tensor; a masked entry contributes nothing, whatever its label or logit.

    Used in: chapter 9 (09b).
    """
    if logits.shape != y.shape or y.shape != mask.shape:
        raise ValueError(
            "masked_bce: logits, y and mask need one shape (B, T), got"
            f" {tuple(logits.shape)}, {tuple(y.shape)}, {tuple(mask.shape)}"
        )
    m = mask.float()
    if task_weights is not None:
        w = torch.as_tensor(task_weights, dtype=m.dtype, device=m.device)
        if w.shape != (m.shape[1],) or (w < 0).any():
            raise ValueError(
                f"masked_bce: task_weights must be ({m.shape[1]},) and >= 0, got"
                f" {tuple(w.shape)}"
            )
        m = m * w
    target = torch.where(mask.bool(), y.float(), torch.zeros_like(logits))
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (bce * m).sum() / m.sum().clamp_min(1e-12)


class MaskedStep:
    """``fit(step=MaskedStep(weights))``: the masked loss of a :class:`MaskedBatch`.

    Used in: chapter 9 (09b).
    """

    def __init__(self, task_weights=None):
        self.task_weights = task_weights

    def __call__(self, model: nn.Module, batch: MaskedBatch) -> torch.Tensor:
        return masked_bce(model(batch.x), batch.y, batch.mask, self.task_weights)


def _collate(rows) -> MaskedBatch:
    x, y, m = (torch.stack(t) for t in zip(*rows))
    return MaskedBatch(x.float(), y, m)


def masked_loader(x, y, mask, *, batch_size=128, shuffle=True, seed=None):
    """A ``DataLoader`` of :class:`MaskedBatch` over ``x`` (N, 4, L), ``y`` and
    ``mask`` (N, T); shuffled with ``seed`` (each epoch a new order, the same for the
    same seed).

    Used in: chapter 9 (09b).
    """
    tensors = [torch.as_tensor(a) for a in (x, y, mask)]
    if not tensors[0].shape[0] == tensors[1].shape[0] == tensors[2].shape[0]:
        raise ValueError("masked_loader: x, y and mask need the same number of rows")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    return DataLoader(
        TensorDataset(*tensors),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=gen,
        collate_fn=_collate,
    )


def task_gradients(model: nn.Module, batch: MaskedBatch, params) -> torch.Tensor:
    """(T, P) gradient of each task's masked loss with respect to ``params`` (P
    numbers in all), one task at a time; a task with no observed entry in the batch
    gets a zero row. The model is put in eval mode (no dropout) and restored.

    Used in: chapter 9 (09b).
    """
    params = list(params)
    was = model.training
    model.eval()
    try:
        out = model(batch.x.float())
        rows = []
        for t in range(out.shape[1]):
            m = torch.zeros_like(batch.mask, dtype=torch.float32)
            m[:, t] = batch.mask[:, t].float()
            if m.sum() == 0:
                rows.append(torch.zeros(sum(p.numel() for p in params)))
                continue
            loss = masked_bce(out, batch.y, m)
            grads = torch.autograd.grad(loss, params, retain_graph=True)
            rows.append(torch.cat([g.reshape(-1) for g in grads]))
    finally:
        model.train(was)
    return torch.stack(rows)


def gradient_cosine(model: nn.Module, batch: MaskedBatch, params) -> torch.Tensor:
    """(T, T) cosine between the tasks' gradients on the shared ``params`` (see
    :func:`task_gradients`); 0 for a task without labels in the batch.

    Used in: chapter 9 (09b).
    """
    g = task_gradients(model, batch, params)
    g = g / g.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return g @ g.T
