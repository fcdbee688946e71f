"""``fit``: one readable training loop for every model family.

Per epoch: turn every batch into a loss and step, evaluate the validation set, record,
and stop early when the validation loss has not improved for ``patience`` epochs
(restoring the best epoch's weights). **How a batch becomes a loss** (d2l's
``training_step``, nanoGPT's ``forward -> (logits, loss)``):

1. ``step(model, batch)`` if given, else ``model.training_step(batch)`` if the model has
   one. The batch may be anything :func:`gdl_utils.runtime.to_device` can move: a tuple,
   a named tuple (CTC's ``CTCBatch(signal, targets, input_lengths, target_lengths)``),
   a dict, a graph. The step returns the loss, or ``(loss, logs)`` with ``logs`` a dict
   of scalars (for a VAE ``{"recon": ..., "kl": ...}``) that ``History`` records as
   ``train_recon``, ``val_recon``, ... The validation set goes through the same
   function (or a model's ``validation_step``) under ``model.eval()`` and
   ``torch.no_grad()``.
2. Otherwise the plain path: batches ``(x, y)``, loss ``loss_fn(model(x), target)`` with
   the target rule of :func:`~gdl_utils.training.batches.match_target`.

**Precision** (:func:`gdl_utils.runtime.resolve_precision`): bf16 autocast on CUDA
devices that support it, fp16 autocast with a ``GradScaler`` on other CUDA devices,
float32 on CPU and MPS; ``History.precision`` records it. **Learning rate**:
``lr_schedule(i)`` multiplies ``lr`` per batch or per epoch
(:mod:`~gdl_utils.training.schedules`); the ``lr`` column of ``History`` records the
rate at the end of each epoch. **Per-epoch hook**: ``on_epoch_end(model, row)`` returns
extra columns (e.g. a validation identity). **Output**: ``progress=None``
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

from .._util import check_int
from ..runtime import get_device, resolve_precision, set_seed
from . import distributed as dist
from .batches import as_loader
from .checkpoint import save_checkpoint
from .epoch import _hook, _PlainStep, _run_epoch, _validate
from .history import History, epoch_reporter
from .schedules import LearningRates

__all__ = ["fit"]
OPTIMIZERS = {
    "adamw": (torch.optim.AdamW, {}),
    "adam": (torch.optim.Adam, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
}


def _optimizer(model: nn.Module, optimizer, lr: float, weight_decay: float):
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"fit: optimizer must be one of {list(OPTIMIZERS)} or a torch optimizer,"
            f" got {optimizer!r}"
        )
    cls, extra = OPTIMIZERS[optimizer]
    params = [p for p in model.parameters() if p.requires_grad]
    if cls is not torch.optim.SGD and _can_fuse(params):
        # One fused kernel per step instead of a dozen small ops per tensor: the same
        # update rule, 2x faster steps for the course's small models on a CPU.
        extra = {**extra, "fused": True}
    return cls(model.parameters(), lr=lr, weight_decay=weight_decay, **extra)


def _can_fuse(params: list) -> bool:
    """Whether torch's fused Adam/AdamW kernel takes these parameters."""
    return bool(params) and all(
        p.device.type in ("cpu", "cuda") and p.dtype in _FUSED_DTYPES for p in params
    )


_FUSED_DTYPES = (torch.float32, torch.float16, torch.bfloat16, torch.float64)


def _extra_columns(on_epoch_end: Callable, model: nn.Module, row: dict) -> dict:
    """``on_epoch_end(model, row)`` as new float columns of the epoch's row."""
    extra = on_epoch_end(model, dict(row)) or {}
    clash = sorted(set(extra) & (set(row) | {"seconds"}))
    if clash:
        raise ValueError(f"fit: on_epoch_end returned columns fit owns: {clash}")
    return {key: float(value) for key, value in extra.items()}


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
    lr_schedule: Callable[[int], float] | None = None,
    schedule_every: str = "batch",
    on_epoch_end: Callable | None = None,
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
    epochs : passes over ``train``, an integer >= 1
    optimizer : "adamw", "adam", "sgd" (momentum 0.9) or a torch optimizer (then ``lr``
        and ``weight_decay`` are unused)
    patience : stop after this many epochs without a lower val_loss; restore the best
    device : default :func:`~gdl_utils.runtime.get_device` (CUDA > MPS > CPU)
    precision : "bf16", "fp16", "fp32" or None (the device's default)
    metric : plain path: ``metric(y_true, y_score) -> float`` on the validation set
        (numpy; raw outputs in the target's shape); a step returns it in its logs
        instead
    seed : calls ``set_seed``: fixes batch order and dropout, not the initial weights
        (build the model inside ``with runtime.seeded(seed):`` for those)
    clip_grad_norm : clip the global gradient norm to this value before each step
    checkpoint : path; rank 0 saves the best weights so far there (lowest val_loss, or
        train_loss without ``val``), with the epoch's row as metadata
    lr_schedule : ``f(i) -> multiplier``: before optimiser step ``i`` (0-based, over
        this call) every parameter group's rate is its rate at the start times
        ``f(i)``; e.g. :func:`~gdl_utils.training.warmup_cosine`. The rates are
        restored when ``fit`` returns
    schedule_every : "batch" (``i`` counts steps) or "epoch" (``i`` is the 0-based
        epoch; the rate is set before each epoch)
    on_epoch_end : ``f(model, row) -> dict | None``, called on rank 0 after validation
        with the model in eval mode; its scalars become extra ``History`` columns

    Losses and logs are averaged over batches weighted by their rows (first dimension).
    Errors name the step and the batch (``train batch 3 of epoch 2``): a loss that is
    not a floating-point scalar, or (training) does not require grad; on the plain
    path, BCE labels outside [0, 1] and cross-entropy / NLL class indices outside
    ``[0, n_outputs - 1]`` (read on the CPU before each batch moves to the device);
    ``FloatingPointError`` for a non-finite training or validation loss.

    Used in: chapter 2 on.
    """
    epochs = check_int(epochs, "fit: epochs", minimum=1)
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
    step = step or _PlainStep(loss_fn)
    val_step = val_step or step
    sync = dist.is_distributed() and not ddp
    if sync:
        dist.broadcast_parameters(model)
    opt = _optimizer(model, optimizer, lr, weight_decay)
    rates = LearningRates(opt, lr_schedule, schedule_every)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None

    def update(loss: torch.Tensor) -> None:
        if rates.per_batch:
            rates.batch()
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
        if rates.per_epoch:
            rates.set(epoch - 1)
        model.train()
        logs = _run_epoch(
            model, train_loader, step, device, precision, opt, update, epoch
        )
        if not math.isfinite(logs["loss"]):
            raise FloatingPointError(
                f"fit: training loss is {logs['loss']} in epoch {epoch}; try a lower lr"
            )
        row = {"epoch": epoch, "train_loss": logs.pop("loss"), "val_loss": math.nan}
        row |= {"val_metric": math.nan} | {f"train_{k}": v for k, v in logs.items()}
        if val is not None:
            row |= _validate(
                model, val, val_step, loss_fn, metric, device, precision, epoch
            )
            if not math.isfinite(row["val_loss"]):  # never "no improvement"
                raise FloatingPointError(
                    f"fit: validation loss is {row['val_loss']} in epoch {epoch}"
                    f" (train_loss {row['train_loss']:.4g}); look for NaN or inf in"
                    " the validation inputs and labels, or try a lower lr"
                )
        row["lr"] = rates.lr
        if on_epoch_end is not None and main:
            row |= _extra_columns(on_epoch_end, net.eval(), row)
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
    rates.restore()
    if best_state is not None:
        net.load_state_dict(best_state)
    return history
