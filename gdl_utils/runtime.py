"""Where and how code runs: devices, seeds, CPU threads, numeric precision, and moving
batches to a device.

Everything that depends on the machine rather than on the model lives here, so that a
notebook, a test and a ``torchrun`` script make the same choices:

- :func:`get_device`: CUDA if present, else Apple MPS, else CPU (or the device you ask
  for, checked).
- :func:`set_seed`: one call seeds Python, NumPy and torch (CPU and every GPU).
- :func:`set_threads`: the number of intra-op CPU threads torch uses; the course's
  models are small, and on a CPU one thread per process is usually faster than several
  (``OMP_NUM_THREADS`` overrides).
- :func:`resolve_precision` and :func:`autocast`: the precision policy of
  :func:`gdl_utils.training.fit`: ``"bf16"`` autocast on CUDA devices that support
  bfloat16 (A100, H100, H200 ...), ``"fp16"`` autocast with a gradient scaler on older
  CUDA devices, ``"fp32"`` on CPU and MPS. Weights always stay float32.
- :func:`to_device`: move a nested batch (tensors inside tuples, lists, dicts, or
  objects with a ``.to`` method such as a graph) to a device.

The ``torchrun`` pieces (process group, rank 0) are in
:mod:`gdl_utils.training.distributed`.

Used in: chapter 1 on (``get_device``, ``set_seed``), chapters 2 on through ``fit``,
tests and benchmarks (``set_threads``).
"""

from __future__ import annotations

import contextlib
import os
import random

import numpy as np
import torch

__all__ = [
    "get_device",
    "set_seed",
    "seeded",
    "set_threads",
    "resolve_precision",
    "autocast",
    "to_device",
    "evaluating",
    "model_device",
    "PRECISIONS",
]

PRECISIONS = ("bf16", "fp16", "fp32")
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def _available() -> dict[str, bool]:
    mps = (
        getattr(torch.backends, "mps", None) is not None
        and torch.backends.mps.is_available()
    )
    return {"cuda": torch.cuda.is_available(), "mps": mps, "cpu": True}


def get_device(prefer: str | torch.device | None = None) -> torch.device:
    """CUDA if present, else Apple MPS, else CPU; ``prefer`` (e.g. "cpu", "cuda:1",
    "mps") forces one.

    Raises ``ValueError`` if ``prefer`` is not a device name or this machine lacks that
    device.

    Used in: chapter 1 on.
    """
    available = _available()
    if prefer is None:
        return torch.device(next(name for name, ok in available.items() if ok))
    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"get_device: {prefer!r} is not a device name (try 'cpu', 'cuda', 'mps')"
        ) from err
    cuda_index_ok = (
        device.type != "cuda" or (device.index or 0) < torch.cuda.device_count()
    )
    if not (available.get(device.type, False) and cuda_index_ok):
        have = [name for name, ok in available.items() if ok]
        raise ValueError(
            f"get_device: {prefer!r} requested but this machine only has {have}"
        )
    return device


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every CUDA
    device).

    This resets the global generators for the rest of the program; to build one
    model for one seed, use :func:`seeded` instead.

    Used in: chapter 1 on.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU and all CUDA generators


@contextlib.contextmanager
def seeded(seed: int):
    """Build (or sample) under ``seed``, leaving every global generator as it was.

    The course's one seeding rule: a model made for seed ``s`` is built inside
    ``with seeded(s):``, so ``s`` alone names its initial weights, whatever ran before
    (``fit(seed=s)`` then fixes batch order and dropout, not the weights). Python's
    ``random``, NumPy's global generator and torch's CPU and CUDA generators are
    seeded on entry and restored on exit (as ``torch.random.fork_rng`` does).

    Used in: chapters 5 (05a, 05b), 6 (06a, 06b, 06c) and 7 (07a, 07c, 07d).
    Also chapters 9 (09a, 09b, 09c), 10 (10a, 10b, 10c) and 11 (11a, 11b).
    """
    state = random.getstate(), np.random.get_state()
    devices = (
        list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    )
    with torch.random.fork_rng(devices=devices):
        set_seed(seed)
        try:
            yield
        finally:
            random.setstate(state[0])
            np.random.set_state(state[1])


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op CPU thread count and return it.

    Parameters
    ----------
    n : int, optional
        Number of threads (>= 1). Default: the environment variable ``OMP_NUM_THREADS``
        if set, else 1. Small models run faster on one thread per process than on
        several threads that wait for each other; raise it on a big machine with large
        models.

    Raises ``ValueError`` if ``n`` (or ``OMP_NUM_THREADS``) is not a positive integer.

    Used in: chapters 2 (02a, 02b), 5 (05a, 05b), 6 (06a, 06b, 06c) and 7 (07b, 07c,
    07d).
    """
    source = "n"
    if n is None:
        source, n = (
            "OMP_NUM_THREADS",
            os.environ.get("OMP_NUM_THREADS", "").strip() or 1,
        )
    if isinstance(n, str) and n.isdigit():
        n = int(n)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_threads: {source} must be a positive integer, got {n!r}")
    value = n
    torch.set_num_threads(value)
    return value


def resolve_precision(device: torch.device | str, precision: str | None = None) -> str:
    """The precision :func:`gdl_utils.training.fit` uses on ``device``: "bf16", "fp16"
    or "fp32".

    ``precision=None`` picks the default: "bf16" on a CUDA device that supports bfloat16
    (``torch.cuda.is_bf16_supported()``), "fp16" on other CUDA devices, "fp32" on CPU
    and MPS. An explicit choice is checked: "fp16" needs CUDA (its gradient scaler is
    CUDA-only), "bf16" needs CUDA with bfloat16 support or the CPU, MPS runs "fp32"
    only.

    Used in: chapter 2 on (through ``fit``), chapter 7 (pretraining).
    """
    device = torch.device(device)
    cuda = device.type == "cuda"
    bf16_ok = (cuda and torch.cuda.is_bf16_supported()) or device.type == "cpu"
    if precision is None:
        return ("bf16" if bf16_ok else "fp16") if cuda else "fp32"
    if precision not in PRECISIONS:
        raise ValueError(
            f"precision must be one of {PRECISIONS} or None, got {precision!r}"
        )
    if (precision == "fp16" and not cuda) or (precision == "bf16" and not bf16_ok):
        raise ValueError(
            f"precision={precision!r} is not available on {device} "
            f"(fp16 needs CUDA; bf16 needs a CUDA device that supports it, or the CPU)"
        )
    return precision


def autocast(device: torch.device | str, precision: str):
    """Context manager for the forward pass: ``torch.autocast`` in bf16/fp16, nothing at
    all in fp32.

    Used in: internally by ``fit``; chapter 7 (pretraining).
    """
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(
        device_type=torch.device(device).type, dtype=_DTYPES[precision]
    )


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of the model's first parameter or buffer (CPU if it has none).

    Used in: inside the package (``predict``, attributions, checkpoints).
    """
    for tensor in list(model.parameters()) + list(model.buffers()):
        return tensor.device
    return torch.device("cpu")


@contextlib.contextmanager
def evaluating(model: torch.nn.Module, device: torch.device | str | None = None):
    """Run a block with ``model`` in eval mode (on ``device`` if given), then put back
    its mode and device, even if the block raises.

    The one place where reading a model (``predict``, attributions, filter
    activations, bits per base) switches off dropout and batch statistics. Gradients
    stay on: wrap the block in ``torch.no_grad()`` where none are needed. Yields the
    device the model is on inside the block.

    Used in: inside the package (``predict``, ``attribute``, ``ism``,
    ``filter_activations``).
    """
    home, was_training = model_device(model), model.training
    target = torch.device(device) if device is not None else home
    model.to(target).eval()
    try:
        yield target
    finally:
        model.train(was_training).to(home)


def to_device(batch, device: torch.device | str, non_blocking: bool = False):
    """Move every tensor in a nested batch to ``device``; the structure is kept.

    Parameters
    ----------
    batch : a tensor; a tuple (named tuples too), list or dict of batches; an object
        with a ``.to(device)`` method (e.g. a graph); anything else (numbers, strings,
        None) is returned as is.
    non_blocking : asynchronous copies from page-locked memory

    Examples: ``(x, y)``, ``{"input_ids": (B, L), "mask": (B, L)}``, CTC's
    ``(signal (B, T), targets (S,), input_lengths (B,), target_lengths (B,))``.

    Used in: chapter 2 on (through ``fit`` and ``predict``), chapters 4 to 7 (custom
    batches).
    """
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=non_blocking)
    if isinstance(batch, tuple):
        moved = [to_device(b, device, non_blocking) for b in batch]
        return type(batch)(*moved) if hasattr(batch, "_fields") else tuple(moved)
    if isinstance(batch, list):
        return [to_device(b, device, non_blocking) for b in batch]
    if isinstance(batch, dict):
        return {k: to_device(v, device, non_blocking) for k, v in batch.items()}
    if callable(getattr(batch, "to", None)):
        return batch.to(device)
    return batch
