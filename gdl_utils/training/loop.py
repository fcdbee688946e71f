"""``fit``: one readable training loop for every model family.

Per epoch: turn every batch into a loss and step, evaluate the validation set, record,
and stop early when the validation loss has not improved for ``patience`` epochs
(restoring the best epoch's weights). **How a batch becomes a loss** (d2l's
``training_step``, nanoGPT's ``forward -> (logits, loss)``):

1. ``step(model, batch)`` if given, else ``model.training_step(batch)`` if the model has
   one. The batch may be anything :func:`gdl_utils.runtime.to_device` can move: a tuple,
   a dict, a graph, CTC's ``(signal, targets, input_lengths, target_lengths)``. The step
   returns the loss, or ``(loss, logs)`` with ``logs`` a dict of scalars (for a VAE
   ``{"recon": ..., "kl": ...}``) that ``History`` records as ``train_recon``,
   ``val_recon``, ... The validation set goes through the same function (or a model's
   ``validation_step``) under ``model.eval()`` and ``torch.no_grad()``.
2. Otherwise the plain path: batches ``(x, y)``, loss ``loss_fn(model(x), target)`` with
   the target rule of :func:`~gdl_utils.training.batches.match_target`.

**Precision** (:func:`gdl_utils.runtime.resolve_precision`): bf16 autocast on CUDA
devices that support it, fp16 autocast with a ``GradScaler`` on other CUDA devices,
float32 on CPU and MPS; ``History.precision`` records it. **Output**: ``progress=None``
(default) prints one line per epoch if ``verbose``; ``True`` shows a tqdm bar on a
terminal outside CI (plain lines otherwise, so executed notebooks store no bar updates);
``False`` is silent. **torchrun**: in a process group
(:mod:`gdl_utils.training.distributed`)
each process trains on its shard, gradients are averaged after every backward pass (a
model wrapped in ``DistributedDataParallel`` does that itself; its step must call
``model(...)``), every process evaluates the whole validation set, and only rank 0
prints and saves.

Used in: chapters 2 and 3 (and every later chapter that trains a model).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.utils.data.distributed import DistributedSampler

from ..runtime import autocast, get_device, resolve_precision, set_seed, to_device
from . import distributed as dist
from .batches import as_loader, batch_len, match_target
from .checkpoint import save_checkpoint
from .history import History, epoch_reporter

__all__ = ["fit"]
OPTIMIZERS = {
    "adamw": (torch.optim.AdamW, {}),
    "adam": (torch.optim.Adam, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
}


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


def _optimizer(model: nn.Module, optimizer, lr: float, weight_decay: float):
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"fit: optimizer must be one of {list(OPTIMIZERS)} or a torch optimizer,"
            f" got {optimizer!r}"
        )
    cls, extra = OPTIMIZERS[optimizer]
    return cls(model.parameters(), lr=lr, weight_decay=weight_decay, **extra)


def fit(
    model: nn.Module,
    train,
    val=None,
    *,
    loss_fn: Callable | None = None,
    step: Callable | None = None,
    epochs: int = 20,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    optimizer="adamw",
    batch_size: int = 128,
    patience: int | None = None,
    device=None,
    precision: str | None = None,
    metric: Callable | None = None,
    progress: bool | None = None,
    seed: int | None = None,
    clip_grad_norm: float | None = None,
    checkpoint=None,
    verbose: bool = True,
) -> History:
    """Train ``model`` in place; return its :class:`~gdl_utils.training.History`.

    Parameters
    ----------
    model : nn.Module (or a ``DistributedDataParallel`` wrapper); moved to ``device``
    train, val : ``(X, y)`` arrays (X (N, ...) e.g. (N, 4, L) one-hot DNA, float or
        int8/uint8/bool; y (N,) or (N, T)) through ``make_loader`` (train shuffled), or
        a DataLoader / list of batches of any structure; ``val`` is evaluated every
        epoch
    loss_fn : plain path: ``loss_fn(out, target)``, mean reduction, e.g.
        ``nn.BCEWithLogitsLoss()`` (labels must lie in [0, 1]),
        ``nn.CrossEntropyLoss()``
    step : ``step(model, batch) -> loss | (loss, logs)``, see the module docstring
    optimizer : "adamw", "adam", "sgd" (momentum 0.9) or a torch optimizer (then ``lr``
        and ``weight_decay`` are unused)
    patience : stop after this many epochs without a lower val_loss; restore the best
    device : default :func:`~gdl_utils.runtime.get_device` (CUDA > MPS > CPU)
    precision : "bf16", "fp16", "fp32" or None (the device's default)
    metric : plain path: ``metric(y_true, y_score) -> float`` on the validation set
        (numpy; raw outputs in the target's shape); a step returns it in its logs
        instead
    seed : calls ``set_seed`` and fixes the shuffling (batch order and dropout)
    clip_grad_norm : clip the global gradient norm to this value before each step
    checkpoint : path; rank 0 saves the best weights so far there (lowest val_loss, or
        train_loss without ``val``), with the epoch's row as metadata

    Losses and logs are averaged over batches weighted by their rows (first dimension).

    Used in: chapter 2 on.
    """
    device = get_device(device)
    precision = resolve_precision(device, precision)
    if patience is not None and val is None:
        raise ValueError("fit: patience (early stopping) needs a validation set `val`")
    ddp = isinstance(model, nn.parallel.DistributedDataParallel)
    net = model.module if ddp else model  # for hooks, early stopping and checkpoints
    val_step = step or _hook(net, "validation_step")  # an explicit step does both
    step = step or _hook(net, "training_step")
    if step is None and loss_fn is None:
        raise ValueError(
            "fit: give loss_fn (batches (x, y)), step=step(model, batch), or a model"
            " with a training_step(batch) method"
        )
    if step is not None and metric is not None:
        raise ValueError(
            "fit: metric needs the (x, y) path; log it in the step instead"
        )
    if seed is not None:
        set_seed(seed)
    model.to(device)
    pin, main, labels = device.type == "cuda", dist.is_main_process(), not step
    kw = dict(
        model=net, loss_fn=loss_fn if labels else None, batch_size=batch_size, pin=pin
    )
    train_loader = as_loader(
        train, "train", shuffle=True, seed=seed, distributed=None, **kw
    )
    if val is not None:
        val = as_loader(val, "val", shuffle=False, seed=None, distributed=False, **kw)
    step = step or _plain_step(loss_fn)
    val_step = val_step or step
    sync = dist.is_distributed() and not ddp
    if sync:
        dist.broadcast_parameters(model)
    opt = _optimizer(model, optimizer, lr, weight_decay)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None

    def update(loss: torch.Tensor) -> None:
        (scaler.scale(loss) if scaler else loss).backward()
        if sync:
            dist.average_gradients(model)
        if scaler:
            scaler.unscale_(opt)  # clipping must see the true gradients
        if clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        if scaler:
            scaler.step(opt)
            scaler.update()
        else:
            opt.step()

    history = History(device=str(device), precision=precision)
    best, best_state, waited = math.inf, None, 0
    report, close = epoch_reporter(progress, verbose, main, epochs)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        sampler = getattr(getattr(train_loader, "sampler", None), "sampler", None)
        if isinstance(sampler, DistributedSampler):
            sampler.set_epoch(
                epoch
            )  # a new shuffle each epoch, the same on every process
        model.train()
        logs = _run_epoch(model, train_loader, step, device, precision, opt, update)
        if not math.isfinite(logs["loss"]):
            raise FloatingPointError(
                f"fit: training loss is {logs['loss']} in epoch {epoch}; try a lower lr"
            )
        row = {"epoch": epoch, "train_loss": logs.pop("loss"), "val_loss": math.nan}
        row |= {"val_metric": math.nan} | {f"train_{k}": v for k, v in logs.items()}
        if val is not None:
            row |= _validate(model, val, val_step, loss_fn, metric, device, precision)
        row["seconds"] = time.perf_counter() - start
        history.epochs.append(row)
        report(row)
        monitored = row["train_loss" if val is None else "val_loss"]
        if monitored < best:
            best, waited = monitored, 0
            if patience is not None:
                best_state = copy.deepcopy(net.state_dict())
            if checkpoint is not None and main:
                save_checkpoint(net, checkpoint, **row)
        elif patience is not None:
            waited += 1
            if waited >= patience:
                history.stopped_early = True
                break
    close()
    if best_state is not None:
        net.load_state_dict(best_state)
    return history
