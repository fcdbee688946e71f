"""Learning-rate schedules for :func:`~gdl_utils.training.fit`.

A schedule is a plain function ``f(i) -> multiplier``: ``fit(lr_schedule=f)`` sets every
parameter group's learning rate to ``lr * f(i)`` before optimiser step ``i`` (0-based,
counted over the whole ``fit`` call; ``schedule_every="epoch"``: ``i`` is the 0-based
epoch and the rate is set once before each epoch). The same function works with
``torch.optim.lr_scheduler.LambdaLR(optimizer, f)``, which calls it the same way.

- :func:`warmup_cosine`: linear warm-up, then cosine decay to a floor (nanoGPT's
  ``get_lr``, ``train.py``);
- :func:`one_cycle`: the one-cycle policy of ``torch.optim.lr_scheduler.OneCycleLR``
  (cosine up from ``1 / div_factor``, cosine down to ``1 / (div_factor *
  final_div_factor)``), without the momentum cycle.

Used in: chapter 4 (through ``fit``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .._util import check_fraction, check_int

__all__ = ["one_cycle", "warmup_cosine"]
EVERY = ("batch", "epoch")


def warmup_cosine(
    warmup_steps: int, total_steps: int, final: float = 0.1
) -> Callable[[int], float]:
    """Linear warm-up to 1, then cosine decay to ``final`` (multipliers of ``lr``).

    Parameters
    ----------
    warmup_steps : steps ``i < warmup_steps`` get ``(i + 1) / (warmup_steps + 1)``
    total_steps : the decay ends here; ``i >= total_steps`` gets ``final``
    final : the floor, a fraction of ``lr`` in [0, 1]

    Returns
    -------
    ``f(i) -> float``, for ``fit(lr_schedule=f)`` (steps are batches) or ``LambdaLR``.
    Between the two: ``final + (1 - final) * (1 + cos(pi * t)) / 2`` with ``t`` going
    from 0 at ``warmup_steps`` to 1 at ``total_steps`` (nanoGPT's ``get_lr``).

    Used in: no notebook yet (a schedule for ``fit(lr_schedule=...)``).
    """
    warmup_steps = check_int(warmup_steps, "warmup_steps", minimum=0)
    total_steps = check_int(total_steps, "total_steps", minimum=warmup_steps + 1)
    final = check_fraction(final, "final")

    def schedule(i: int) -> float:
        if i < warmup_steps:
            return (i + 1) / (warmup_steps + 1)
        t = min(1.0, (i - warmup_steps) / (total_steps - warmup_steps))
        return final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * t))

    return schedule


def one_cycle(
    total_steps: int,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Callable[[int], float]:
    """The one-cycle policy as multipliers of the peak ``lr`` (Smith & Topin 2019).

    Parameters
    ----------
    total_steps : steps of the cycle; later steps keep the last value
    pct_start : fraction of the steps spent rising to the peak
    div_factor : the cycle starts at ``1 / div_factor``
    final_div_factor : and ends at ``1 / (div_factor * final_div_factor)``

    Returns
    -------
    ``f(i) -> float``: the learning rates of ``torch.optim.lr_scheduler.OneCycleLR``
    (cosine annealing, two phases) divided by its ``max_lr``; its momentum cycle is not
    reproduced.

    Used in: no notebook yet (a schedule for ``fit(lr_schedule=...)``).
    """
    total_steps = check_int(total_steps, "total_steps", minimum=2)
    pct_start = check_fraction(pct_start, "pct_start")
    if not (div_factor > 0 and final_div_factor > 0):
        raise ValueError(
            f"one_cycle: div_factor and final_div_factor must be > 0, got {div_factor}"
            f" and {final_div_factor}"
        )
    start, low = 1.0 / div_factor, 1.0 / (div_factor * final_div_factor)
    peak = float(pct_start * total_steps) - 1  # the step at the peak (OneCycleLR)

    def cos(a: float, b: float, t: float) -> float:
        return b + (a - b) / 2.0 * (math.cos(math.pi * t) + 1)

    def schedule(i: int) -> float:
        i = min(i, total_steps - 1)
        if 0 < peak and i <= peak:
            return cos(start, 1.0, i / peak)
        return cos(1.0, low, (i - peak) / (total_steps - 1 - peak))

    return schedule


class LearningRates:
    """What ``fit`` does with ``lr_schedule``: each group's rate as ``fit`` found it
    (``base``) times ``lr_schedule(i)``, set per batch or per epoch; ``lr`` is the first
    group's current rate (the History column) and ``restore()`` puts the bases back.

    Used in: gdl_utils.training.fit.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, schedule, every: str):
        if schedule is not None and not callable(schedule):
            raise TypeError(
                "fit: lr_schedule must be a function step -> multiplier of lr (e.g."
                f" warmup_cosine(...)), got {type(schedule).__name__}"
            )
        if every not in EVERY:
            raise ValueError(
                f"fit: schedule_every must be one of {EVERY}, got {every!r}"
            )
        self.groups, self.schedule = optimizer.param_groups, schedule
        self.base = [group["lr"] for group in self.groups]
        self.per_batch = schedule is not None and every == "batch"
        self.per_epoch = schedule is not None and every == "epoch"
        self.steps = 0

    def set(self, i: int) -> None:
        """Set every group's rate to its base times ``schedule(i)``."""
        factor = float(self.schedule(i))
        if not 0.0 <= factor < math.inf:
            raise ValueError(f"fit: lr_schedule({i}) = {factor}, not a finite >= 0")
        for group, base in zip(self.groups, self.base):
            group["lr"] = base * factor

    def batch(self) -> None:
        """Before an optimiser step (per-batch schedules)."""
        self.set(self.steps)
        self.steps += 1

    @property
    def lr(self) -> float:
        return float(self.groups[0]["lr"])

    def restore(self) -> None:
        for group, base in zip(self.groups, self.base):
            group["lr"] = base
