"""The pieces a training script needs to run on several processes under ``torchrun``.

``torchrun --nproc_per_node 4 script.py`` starts four copies of ``script.py`` and tells
each its place in the environment: ``RANK`` (0..3 over all machines), ``LOCAL_RANK``
(which GPU on this machine) and ``WORLD_SIZE`` (4). The pattern, as in nanoGPT's
``train.py``:

1. :func:`init_distributed` joins the process group (NCCL on GPUs, Gloo on CPUs) and
   picks this process's device. In a plain single process (a notebook, ``python
   script.py``) it does nothing and returns rank 0 of 1, so the same script runs
   everywhere.
2. Each process trains on its own shard of the data
   (:func:`gdl_utils.training.make_loader` uses a ``DistributedSampler`` when a process
   group is running).
3. After every backward pass the gradients are averaged over all processes
   (:func:`average_gradients`, or a model wrapped in ``DistributedDataParallel``), so
   every copy of the model takes the same step.
4. Only the main process (rank 0, :func:`is_main_process`) prints and writes
   checkpoints.

Used in: chapter 7 (pretraining a DNA language model on several GPUs), and by ``fit``
(where it is a no-op in a single process).
"""

from __future__ import annotations

import datetime
import math
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from ..runtime import get_device

__all__ = [
    "DistInfo",
    "init_distributed",
    "is_distributed",
    "is_main_process",
    "world_size",
    "average_gradients",
    "broadcast_parameters",
    "all_reduce_sum",
    "cleanup_distributed",
]
DEFAULT_TIMEOUT = 300.0
"""Seconds :func:`init_distributed` waits for the other processes by default."""


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands: ``rank`` of ``world_size`` processes, ``local_rank``
    on this machine, and the ``device`` it should use.

    Used in: chapter 7.
    """

    rank: int
    local_rank: int
    world_size: int
    device: torch.device


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(
            f"init_distributed: environment variable {name}={raw!r} is not a"
            " non-negative integer"
        )
    return int(raw)


def _timeout(timeout: float | None) -> float:
    """Seconds to wait for the other processes: ``timeout``, else ``GDL_DIST_TIMEOUT``,
    else :data:`DEFAULT_TIMEOUT`."""
    raw = os.environ.get("GDL_DIST_TIMEOUT", "").strip()
    where = "timeout"
    if timeout is None and raw:
        where = f"environment variable GDL_DIST_TIMEOUT={raw!r}"
        try:
            timeout = float(raw)
        except ValueError:
            timeout = math.nan
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if isinstance(timeout, bool) or not (
        isinstance(timeout, (int, float)) and 0 < timeout < math.inf
    ):
        raise ValueError(
            f"init_distributed: {where} must be a number of seconds > 0,"
            f" got {timeout!r}"
        )
    return float(timeout)


def init_distributed(
    backend: str | None = None, timeout: float | None = None
) -> DistInfo:
    """Join the process group described by ``RANK``/``LOCAL_RANK``/``WORLD_SIZE`` (set
    by ``torchrun``).

    Parameters
    ----------
    backend : "nccl" or "gloo"; default NCCL when CUDA is available, else Gloo
    timeout : seconds to wait for the other processes to join (and, later, for each
        collective); default the environment variable ``GDL_DIST_TIMEOUT``, else
        :data:`DEFAULT_TIMEOUT` (300)

    Returns
    -------
    DistInfo with the rank, local rank, world size and device (``cuda:LOCAL_RANK`` on
    GPUs). Without ``WORLD_SIZE`` (or with ``WORLD_SIZE=1``) nothing is initialised:
    rank 0 of 1 on :func:`get_device`. Calling it again in a process that has already
    joined returns the same information.

    Raises ``ValueError`` for a malformed environment (for example ``RANK >=
    WORLD_SIZE``, no ``MASTER_ADDR``) or timeout, ``TimeoutError`` when the group does
    not form within ``timeout`` (a peer that never started), ``RuntimeError`` for any
    other failure to join; both name ``MASTER_ADDR``, ``MASTER_PORT``, ``RANK`` and
    ``WORLD_SIZE``.

    Used in: chapter 7.
    """
    size = _env_int("WORLD_SIZE", 1)
    rank, local_rank = _env_int("RANK", 0), _env_int("LOCAL_RANK", 0)
    if size < 1 or rank >= size:
        raise ValueError(
            f"init_distributed: RANK={rank} must be below WORLD_SIZE={size} (>= 1)"
        )
    if size == 1:
        return DistInfo(0, 0, 1, get_device())
    seconds = _timeout(timeout)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        env = " ".join(
            f"{name}={os.environ.get(name, '(unset)')}"
            for name in ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE")
        )
        for name in ("MASTER_ADDR", "MASTER_PORT"):
            if not os.environ.get(name, "").strip():
                raise ValueError(
                    f"init_distributed: {name} is not set ({env}); torchrun sets it,"
                    " by hand set MASTER_ADDR and MASTER_PORT (e.g. 127.0.0.1, 29500)"
                )
        try:
            dist.init_process_group(
                backend or ("nccl" if cuda else "gloo"),
                init_method="env://",
                timeout=datetime.timedelta(seconds=seconds),
            )
        except Exception as err:
            why = " ".join(str(err).split())[:300]
            late = isinstance(err, TimeoutError) or "timed out" in why.lower()
            raise (TimeoutError if late else RuntimeError)(
                f"init_distributed: the process group did not form ({env};"
                f" timeout {seconds} s, set by timeout= or GDL_DIST_TIMEOUT): did every"
                f" rank start, with the same MASTER_ADDR and MASTER_PORT? {why}"
            ) from err
    return DistInfo(dist.get_rank(), local_rank, dist.get_world_size(), device)


def is_distributed() -> bool:
    """True inside an initialised process group of more than one process.

    Used in: chapter 7; internally by ``fit``.
    """
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def world_size() -> int:
    """Number of processes (1 outside a process group).

    Used in: chapter 7.
    """
    return dist.get_world_size() if is_distributed() else 1


def is_main_process() -> bool:
    """True on rank 0, and in a plain single process: the one process that prints and
    saves.

    Used in: chapter 7; internally by ``fit`` (logging and checkpoints).
    """
    return not is_distributed() or dist.get_rank() == 0


def average_gradients(model: nn.Module) -> None:
    """Replace every parameter's ``.grad`` by its mean over all processes (no-op in a
    single process).

    This is what ``DistributedDataParallel`` does during the backward pass (it also
    overlaps the communication with the computation); with equal-sized shards the result
    is the gradient of the loss on the union of all processes' batches.

    Used in: chapter 7; internally by ``fit``.
    """
    if not is_distributed():
        return
    n = dist.get_world_size()
    for p in model.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad.div_(n)


def broadcast_parameters(model: nn.Module, src: int = 0) -> None:
    """Copy rank ``src``'s parameters and buffers to every process, so all copies start
    equal.

    Used in: chapter 7; internally by ``fit``.
    """
    if not is_distributed():
        return
    with torch.no_grad():
        for t in list(model.parameters()) + list(model.buffers()):
            dist.broadcast(t.data, src=src)


def all_reduce_sum(t: torch.Tensor) -> torch.Tensor:
    """Sum of ``t`` over all processes (``t`` itself in a single process).

    Used in: chapter 7; internally by ``fit``.
    """
    if is_distributed():
        t = t.clone()
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def cleanup_distributed() -> None:
    """Leave the process group at the end of a ``torchrun`` script (no-op otherwise).

    Used in: chapter 7.
    """
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
