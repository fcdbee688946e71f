"""One pass of :func:`~gdl_utils.training.fit` over a data set: how a batch becomes a
loss (a step function, a model's hook, or the plain ``(x, y)`` path), the row-weighted
means of the loss and the logged scalars (summed over processes under ``torchrun``),
and the validation pass in eval mode.

Used in: chapter 2 on (through ``fit``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..runtime import autocast, to_device
from . import distributed as dist
from .batches import batch_len, match_target


def _plain_step(loss_fn: Callable, sink: list | None = None) -> Callable:
    """The plain path ``(x, y) -> loss_fn(model(x), target)``; ``sink`` keeps scores."""

    def step(model, batch):
        y, out = batch[1], model(batch[0])
        if (
            sink is not None
        ):  # scores in the target's shape, e.g. (batch,) for (batch, 1)
            score = out.float()
            sink.append(
                (y, score.reshape(y.shape) if y.numel() == out.numel() else score)
            )
        return loss_fn(out, match_target(y, out))

    return step


def _hook(model: nn.Module, name: str) -> Callable | None:
    """``model.<name>(batch)`` as a ``step(model, batch)`` function, if it exists."""
    method = getattr(model, name, None)
    return None if method is None else (lambda _, batch: method(batch))


def _loss_and_logs(result) -> tuple[torch.Tensor, dict]:
    if isinstance(result, torch.Tensor) and result.dim() == 0:
        return result, {}
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
        return result
    raise TypeError(
        "fit: a step must return a scalar loss or (loss, logs), logs a dict of scalars;"
        f" got {type(result).__name__}"
        + (
            f" of shape {tuple(result.shape)}"
            if isinstance(result, torch.Tensor)
            else ""
        )
    )


def _run_epoch(
    model, loader, compute, device, precision, opt=None, update=None
) -> dict:
    """Mean loss and logs over one pass of ``loader``; ``update(loss)`` trains."""
    sums, count = {"loss": torch.zeros((), device=device)}, 0
    context = autocast(device, precision)  # re-entered for every batch
    for batch in loader:
        batch = to_device(batch, device, non_blocking=True)
        if opt is not None:
            opt.zero_grad(set_to_none=True)
        with context:
            loss, logs = _loss_and_logs(compute(model, batch))
        if update is not None:
            update(loss)
        n = batch_len(batch)
        sums["loss"] += loss.detach().float() * n
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


def _validate(model, loader, step, loss_fn, metric, device, precision) -> dict:
    """``val_loss``, ``val_<log>`` and ``val_metric`` of one pass in eval mode."""
    model.eval()
    sink: list = []
    compute = step if metric is None else _plain_step(loss_fn, sink)
    with torch.no_grad():
        logs = _run_epoch(model, loader, compute, device, precision)
    row = {"val_loss": logs.pop("loss")} | {f"val_{k}": v for k, v in logs.items()}
    if metric is not None:
        y, score = (torch.cat(parts).cpu().numpy() for parts in zip(*sink))
        row["val_metric"] = float(metric(y, score))
    return row
