"""One pass of :func:`~gdl_utils.training.fit` over a data set: how a batch becomes a
loss (a step function, a model's hook, or the plain ``(x, y)`` path), the row-weighted
means of the loss and the logged scalars (summed over processes under ``torchrun``),
and the validation pass in eval mode. Every batch is checked as it comes: a step must
return a floating-point scalar loss (attached to the graph when training), and the plain
path checks its labels (BCE in [0, 1], class indices below the output's classes); the
errors name the step and the batch.

Used in: chapter 2 on (through ``fit``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..runtime import autocast, to_device
from . import distributed as dist
from .batches import batch_len, check_binary_labels, match_target

_BINARY = (nn.BCEWithLogitsLoss, nn.BCELoss)
_CLASSES = (nn.CrossEntropyLoss, nn.NLLLoss)


class _PlainStep:
    """The plain path ``(x, y) -> loss_fn(model(x), target)``; ``sink`` keeps scores.

    ``see(batch, where, first)`` runs before the batch moves to the device: labels of
    a BCE loss must lie in [0, 1], and the class indices of a cross-entropy / NLL loss
    are read on the CPU (no device sync), then compared with the output's classes after
    the forward pass. Targets already on an accelerator are checked on the first batch
    of each pass only.
    """

    def __init__(self, loss_fn: Callable, sink: list | None = None):
        self.loss_fn, self.sink = loss_fn, sink
        self.name = f"the (x, y) path with loss_fn={type(loss_fn).__name__}"
        self.where, self.range = "", None

    def see(self, batch, where: str, first: bool) -> None:
        self.where, self.range, loss_fn = where, None, self.loss_fn
        y = batch[1] if isinstance(batch, (tuple, list)) and len(batch) > 1 else None
        if not isinstance(y, torch.Tensor) or not (first or y.device.type == "cpu"):
            return
        if isinstance(loss_fn, _BINARY) and y.numel():
            low, high = torch.aminmax(y.detach())  # one pass; NaN fails both tests
            if not (low.item() >= 0 and high.item() <= 1):
                check_binary_labels(loss_fn, y, where)
        if isinstance(loss_fn, _CLASSES) and not y.is_floating_point():
            kept = y[y != loss_fn.ignore_index]
            self.range = (int(kept.min()), int(kept.max())) if kept.numel() else None

    def __call__(self, model, batch):
        y, out = batch[1], model(batch[0])
        if self.sink is not None:  # scores in the target's shape: (batch,) for (N, 1)
            score = out.float()
            self.sink.append(
                (y, score.reshape(y.shape) if y.numel() == out.numel() else score)
            )
        target = match_target(y, out)
        if self.range is not None and target.dtype == torch.long and out.dim() > 1:
            n, (low, high) = out.shape[1], self.range
            if low < 0 or high >= n:
                raise ValueError(
                    f"fit: {self.where}: {type(self.loss_fn).__name__} target"
                    f" {low if low < 0 else high} is out of range for {n} classes"
                    f" (output shape {tuple(out.shape)}); class indices must lie in"
                    f" [0, {n - 1}] (or be ignore_index={self.loss_fn.ignore_index})"
                )
        return self.loss_fn(out, target)


def _hook(model: nn.Module, name: str) -> Callable | None:
    """``model.<name>(batch)`` as a ``step(model, batch)`` function, if it exists."""
    method = getattr(model, name, None)
    if method is None:
        return None

    def step(_, batch):
        return method(batch)

    step.name = f"{type(model).__name__}.{name}"
    return step


def _step_name(step) -> str:
    """How a message names the step: ``step=f``, ``Net.training_step``, the plain
    path."""
    return getattr(step, "name", None) or "step=" + getattr(
        step, "__qualname__", type(step).__name__
    )


def _loss_and_logs(result, step, where: str, training: bool) -> tuple:
    """``(loss, logs)`` of a step's result; ``TypeError`` naming the step and batch for
    anything that is not a floating-point scalar loss (with a graph when training)."""
    loss, logs = (
        result if isinstance(result, tuple) and len(result) == 2 else (result, {})
    )
    if not (
        isinstance(loss, torch.Tensor)
        and (loss.dim() == 0 or isinstance(result, tuple) and loss.numel() == 1)
        and isinstance(logs, dict)
    ):
        shape = f" of shape {tuple(result.shape)}" if torch.is_tensor(result) else ""
        raise TypeError(
            f"fit: {_step_name(step)} in {where}: a step must return a scalar loss or"
            " (loss, logs), logs a dict of scalars; got"
            f" {type(result).__name__}{shape} (return the loss tensor, not .item())"
        )
    if not loss.is_floating_point():
        raise TypeError(
            f"fit: {_step_name(step)} returned an integer loss ({loss.dtype}) in"
            f" {where}; a loss is a float tensor computed from the model's output"
        )
    if training and not loss.requires_grad:
        raise TypeError(
            f"fit: {_step_name(step)} returned a loss that does not require grad in"
            f" {where}: it was detached (.detach(), .item(), torch.no_grad()) or"
            " computed from no trainable parameter; return the loss tensor itself"
        )
    return loss, logs


def _run_epoch(
    model, loader, compute, device, precision, opt=None, update=None, epoch=1
) -> dict:
    """Mean loss and logs over one pass of ``loader``; ``update(loss)`` trains."""
    sums, count = {"loss": torch.zeros((), device=device)}, 0
    context = autocast(device, precision)  # re-entered for every batch
    see, name = getattr(compute, "see", None), "val" if update is None else "train"
    for index, batch in enumerate(loader):
        where = f"{name} batch {index} of epoch {epoch}"
        if see is not None:
            see(batch, where, index == 0)
        batch = to_device(batch, device, non_blocking=True)
        if opt is not None:
            opt.zero_grad(set_to_none=True)
        with context:
            loss, logs = _loss_and_logs(
                compute(model, batch), compute, where, update is not None
            )
        if update is not None:
            update(loss)
        n = batch_len(batch)
        sums["loss"] += loss.detach().float().reshape(()) * n
        for key, value in logs.items():
            value = torch.as_tensor(value, device=device).detach().float()
            sums[key] = sums.get(key, 0.0) + value * n
        count += n
    if count == 0:
        raise ValueError(
            "fit: a data set yielded no batches (a generator runs only once: pass a"
            " list of batches or a DataLoader)"
        )
    not_scalar = [key for key, value in sums.items() if value.numel() != 1]
    if not_scalar:
        raise ValueError(f"fit: the step logged non-scalar values for {not_scalar}")
    totals = torch.stack([v.reshape(()) for v in sums.values()])
    if update is not None and dist.is_distributed():  # the mean over every shard
        totals = dist.all_reduce_sum(torch.cat([totals, totals.new_tensor([count])]))
        totals, count = totals[:-1], totals[-1].item()
    return {key: value / count for key, value in zip(sums, totals.tolist())}


def _validate(model, loader, step, loss_fn, metric, device, precision, epoch) -> dict:
    """``val_loss``, ``val_<log>`` and ``val_metric`` of one pass in eval mode."""
    model.eval()
    sink: list = []
    compute = step if metric is None else _PlainStep(loss_fn, sink)
    with torch.no_grad():
        logs = _run_epoch(model, loader, compute, device, precision, epoch=epoch)
    row = {"val_loss": logs.pop("loss")} | {f"val_{k}": v for k, v in logs.items()}
    if metric is not None:
        y, score = (torch.cat(parts).cpu().numpy() for parts in zip(*sink))
        row["val_metric"] = float(metric(y, score))
    return row
