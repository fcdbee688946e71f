"""One readable training loop for every chapter: devices, seeds, ``fit`` and ``predict``.

``fit`` reads top to bottom: per epoch, train on every batch (forward, loss, backward, optional clipping,
step), evaluate on the validation set, record, and stop early when the validation loss has not improved for
``patience`` epochs (restoring the best epoch's weights).

**Target rule.** A target ``y`` with as many elements as the output ``out`` (``BCEWithLogitsLoss`` on (N, 1)
or (N, T) logits, ``MSELoss``) is reshaped to ``out.shape`` and cast to float; otherwise (``out`` (N, C),
``y`` (N,), ``CrossEntropyLoss``) it is passed as int64 class indices.

**Precision.** On CUDA the forward pass runs under ``torch.autocast(float16)`` with a ``GradScaler``; on CPU
and MPS everything is float32 (``History.amp`` records which). Global torch settings are left alone.

**Output.** ``progress=None`` (default): one line per epoch if ``verbose``, else nothing. ``progress=True``:
a tqdm bar, falling back to one line per epoch when stdout is not a terminal or ``CI`` is set (executed
notebooks never store bar updates). ``progress=False``: silent.

Used in: chapters 2 and 3 (and every later chapter that trains a model).
"""
from __future__ import annotations

import copy
import math
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler, TensorDataset
from tqdm import tqdm

from .checkpoint import load_checkpoint, save_checkpoint

__all__ = ["get_device", "set_seed", "make_loader", "fit", "predict", "History", "save_checkpoint",
           "load_checkpoint"]
ACTIVATIONS = (None, "sigmoid", "softmax")


def _available() -> dict[str, bool]:
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    return {"cuda": torch.cuda.is_available(), "mps": mps, "cpu": True}


def get_device(prefer: str | torch.device | None = None) -> torch.device:
    """CUDA if present, else Apple MPS, else CPU; ``prefer`` (e.g. "cpu", "cuda:1", "mps") forces one.

    Raises ``ValueError`` if ``prefer`` is not a device name or this machine lacks that device.
    Used in: chapter 2 on.
    """
    available = _available()
    if prefer is None:
        return torch.device(next(name for name, ok in available.items() if ok))
    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"get_device: {prefer!r} is not a device name (try 'cpu', 'cuda', 'mps')") from err
    cuda_index_ok = device.type != "cuda" or (device.index or 0) < torch.cuda.device_count()
    if not (available.get(device.type, False) and cuda_index_ok):
        have = [name for name, ok in available.items() if ok]
        raise ValueError(f"get_device: {prefer!r} requested but this machine only has {have}")
    return device


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every CUDA device).

    Call it before building a model to get the same initial weights. Used in: chapter 2 on.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU and all CUDA generators


def _as_tensor(a, *, is_target: bool) -> torch.Tensor:
    """float -> float32; integer -> int64; bool -> float32 (inputs) or int64 (targets)."""
    t = a if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a))
    if t.is_floating_point():
        return t.float()
    return t.long() if (is_target or t.dtype != torch.bool) else t.float()


def make_loader(X, y=None, *, batch_size: int = 128, shuffle: bool = False, seed: int | None = None,
                pin_memory: bool = False) -> DataLoader:
    """A ``DataLoader`` over arrays/tensors yielding ``(x, y)`` batches (``(x,)`` when ``y`` is None).
    Used in: chapter 2 on.

    Parameters
    ----------
    X : (N, ...) array or tensor, e.g. (N, 4, L) one-hot DNA (float -> float32) or (N, L) token ids (-> int64)
    y : (N,) or (N, T) array or tensor, optional; float -> float32, integer/bool -> int64
    shuffle : reshuffle every epoch; ``seed`` seeds the loader's own generator (reproducible order)
    pin_memory : page-locked batches for asynchronous copies to a GPU
    """
    tensors = [_as_tensor(X, is_target=False)]
    if y is not None:
        tensors.append(_as_tensor(y, is_target=True))
        if len(tensors[0]) != len(tensors[1]):
            raise ValueError(f"make_loader: X has {len(tensors[0])} rows (shape {tuple(tensors[0].shape)}) "
                             f"but y has {len(tensors[1])} (shape {tuple(tensors[1].shape)})")
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    dataset = TensorDataset(*tensors)
    order = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
    # Index whole batches at once (tensor[list_of_indices]) instead of collating one sample at a time:
    # the same batches as DataLoader(shuffle=...) would make, several times faster for small models.
    return DataLoader(dataset, sampler=BatchSampler(order, batch_size, drop_last=False), batch_size=None,
                      generator=generator,
                      pin_memory=pin_memory and tensors[0].device.type == "cpu")


def _to_loader(data, name: str, batch_size: int, shuffle: bool, seed, pin: bool) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return make_loader(*data, batch_size=batch_size, shuffle=shuffle, seed=seed, pin_memory=pin)
    raise ValueError(f"fit: {name} must be an (X, y) tuple or a DataLoader, got {type(data).__name__}")


def _match_target(y: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The target rule of the module docstring."""
    if y.numel() == out.numel():
        return y.reshape(out.shape).to(torch.promote_types(out.dtype, torch.float32))
    return y.long()


@dataclass
class History:
    """What ``fit`` recorded: one dict per epoch (epoch, train_loss, val_loss, val_metric, seconds).

    ``best_epoch``: 1-based epoch with the lowest val_loss (train_loss without validation); ``amp``: mixed
    precision used; ``stopped_early``: patience ran out. Used in: chapter 2 on.
    """
    epochs: list[dict] = field(default_factory=list)
    device: str = "cpu"
    amp: bool = False
    stopped_early: bool = False

    def to_frame(self) -> pd.DataFrame:
        cols = ["epoch", "train_loss", "val_loss", "val_metric", "seconds"]
        return pd.DataFrame(self.epochs, columns=cols).astype({"epoch": int})

    @property
    def best_epoch(self) -> int | None:
        if not self.epochs:
            return None
        key = "train_loss" if math.isnan(self.epochs[0]["val_loss"]) else "val_loss"
        return min(self.epochs, key=lambda row: row[key])["epoch"]


def _make_optimizer(model: nn.Module, optimizer, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    choices = {"adamw": (torch.optim.AdamW, {}), "adam": (torch.optim.Adam, {}),
               "sgd": (torch.optim.SGD, {"momentum": 0.9})}
    if optimizer not in choices:
        raise ValueError(f"fit: optimizer must be 'adamw', 'adam', 'sgd' or a torch optimizer, "
                         f"got {optimizer!r}")
    cls, extra = choices[optimizer]
    return cls(model.parameters(), lr=lr, weight_decay=weight_decay, **extra)


def _show_bar(progress) -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return progress is True and sys.stdout.isatty() and not ci


def _epoch_line(row: dict, epochs: int) -> str:
    line = f"epoch {row['epoch']:>{len(str(epochs))}}/{epochs}  train_loss {row['train_loss']:.4f}"
    for key in ("val_loss", "val_metric"):
        line += "" if math.isnan(row[key]) else f"  {key} {row[key]:.4f}"
    return line + f"  ({row['seconds']:.1f} s)"


def _evaluate(model, loader, loss_fn, device, use_amp, metric) -> tuple[float, float]:
    """Mean loss over a loader and, if given, ``metric(y_true, raw outputs)``."""
    model.eval()
    total, count, ys, outs = torch.zeros((), device=device), 0, [], []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                out = model(x)
                loss = loss_fn(out, _match_target(y, out))
            total += loss.detach().float() * len(x)
            count += len(x)
            if metric is not None:  # scores in the target's shape, e.g. (batch,) for a (batch, 1) output
                ys.append(y)
                outs.append(out.float().reshape(y.shape) if y.numel() == out.numel() else out.float())
    value = math.nan
    if metric is not None:
        value = float(metric(torch.cat(ys).cpu().numpy(), torch.cat(outs).cpu().numpy()))
    return total.item() / count, value


def fit(model: nn.Module, train, val=None, *, loss_fn: Callable, epochs: int = 20, lr: float = 1e-3,
        weight_decay: float = 0.0, optimizer="adamw", batch_size: int = 128, patience: int | None = None,
        device=None, amp: bool | None = None, metric: Callable | None = None, progress: bool | None = None,
        seed: int | None = None, clip_grad_norm: float | None = None, verbose: bool = True) -> History:
    """Train ``model`` in place; return its :class:`History`.

    Parameters
    ----------
    model : nn.Module mapping a batch x to outputs (batch, ...); moved to ``device``
    train, val : (X, y) tuples (X (N, ...) e.g. (N, 4, L) one-hot DNA, y (N,) or (N, T)) or DataLoaders;
        tuples go through :func:`make_loader` (train shuffled). ``val`` is evaluated after every epoch.
    loss_fn : callable ``loss_fn(out, target)`` with mean reduction, e.g. ``nn.BCEWithLogitsLoss()``,
        ``nn.CrossEntropyLoss()``, ``nn.MSELoss()``; targets follow the module's target rule.
    optimizer : "adamw", "adam", "sgd" (momentum 0.9) or a ready torch optimizer (then lr/weight_decay unused)
    patience : stop after this many epochs without a lower val_loss and restore the best epoch's weights
        (needs ``val``); None runs all epochs and keeps the last weights.
    device : default :func:`get_device` (CUDA > MPS > CPU)
    amp : float16 mixed precision; None = on exactly when the device is CUDA
    metric : ``metric(y_true, y_score) -> float`` on the validation set, numpy arrays; ``y_score`` is the raw
        output (logits: fine for ROC/PR-AUC; apply sigmoid/argmax inside ``metric`` otherwise)
    progress, verbose : see the module docstring
    seed : calls :func:`set_seed` and fixes the shuffling order (batch order and dropout reproducible)
    clip_grad_norm : clip the global gradient norm to this value before each step. Used in: chapter 2 on.
    """
    device = get_device(device)
    use_amp = device.type == "cuda" if amp is None else bool(amp)
    if use_amp and device.type != "cuda":
        raise ValueError(f"fit: amp=True needs a CUDA device, got {device}")
    if patience is not None and val is None:
        raise ValueError("fit: patience (early stopping) needs a validation set `val`")
    if seed is not None:
        set_seed(seed)
    model.to(device)
    pin = device.type == "cuda"
    train_loader = _to_loader(train, "train", batch_size, True, seed, pin)
    val_loader = None if val is None else _to_loader(val, "val", batch_size, False, None, pin)
    opt = _make_optimizer(model, optimizer, lr, weight_decay)
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)  # loss scaling only for CUDA float16
    history = History(device=str(device), amp=use_amp)
    best_loss, best_state, waited = math.inf, None, 0
    bar_on, printing = _show_bar(progress), progress is True or (progress is None and verbose)
    bar = tqdm(total=epochs, unit="epoch", file=sys.stdout, disable=not bar_on)

    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        total, count = torch.zeros((), device=device), 0
        for x, y in train_loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                out = model(x)
                loss = loss_fn(out, _match_target(y, out))
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()  # without AMP the scaler passes everything through unchanged
            if clip_grad_norm is not None:
                scaler.unscale_(opt)  # clipping must see the true gradients
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
            scaler.step(opt)
            scaler.update()
            total += loss.detach().float() * len(x)
            count += len(x)
        train_loss = total.item() / count
        if not math.isfinite(train_loss):
            raise FloatingPointError(f"fit: training loss is {train_loss} in epoch {epoch}; try a lower lr")

        val_loss, val_metric = math.nan, math.nan
        if val_loader is not None:
            val_loss, val_metric = _evaluate(model, val_loader, loss_fn, device, use_amp, metric)
        row = dict(epoch=epoch, train_loss=train_loss, val_loss=val_loss, val_metric=val_metric,
                   seconds=time.perf_counter() - start)
        history.epochs.append(row)
        if bar_on:
            bar.set_postfix(train_loss=f"{train_loss:.4f}", val_loss=f"{val_loss:.4f}")
            bar.update()
        elif printing:
            print(_epoch_line(row, epochs), flush=True)

        if patience is not None:  # early stopping on the validation loss
            if val_loss < best_loss:
                best_loss, best_state, waited = val_loss, copy.deepcopy(model.state_dict()), 0
            else:
                waited += 1
                if waited >= patience:
                    history.stopped_early = True
                    break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def predict(model: nn.Module, X, *, batch_size: int = 512, device=None, activation: str | None = None
            ) -> np.ndarray:
    """Outputs of ``model`` for ``X`` (eval mode, no gradients, train/eval mode restored afterwards).

    Parameters
    ----------
    X : (N, ...) array or tensor (e.g. (N, 4, L) one-hot DNA), or a DataLoader of ``x`` / ``(x, ...)``
    device : default: the device the model is on
    activation : None (logits), "sigmoid" (per-output probabilities) or "softmax" (over dimension 1)

    Returns float32 array (N, ...) of the model's output shape, e.g. (N, 1), (N, C) or (N, T).
    Used in: chapter 2 on.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"predict: activation must be one of {ACTIVATIONS}, got {activation!r}")
    if device is None:
        first = next(iter(model.parameters()), None)
        device = first.device if first is not None else None
    device = get_device(device)
    model.to(device)
    loader = X if isinstance(X, DataLoader) else make_loader(X, batch_size=batch_size)
    was_training, outs = model.training, []
    model.eval()
    with torch.no_grad():
        for batch in loader:
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            out = model(x.to(device, non_blocking=True)).float()
            if activation == "sigmoid":
                out = torch.sigmoid(out)
            elif activation == "softmax":
                out = torch.softmax(out, dim=1)
            outs.append(out.cpu())
    model.train(was_training)
    return torch.cat(outs).numpy()
