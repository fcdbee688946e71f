"""``History``: what :func:`gdl_utils.training.fit` recorded, one row per epoch, and how
it is shown while training.

Used in: chapter 2 on.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field

import pandas as pd
from tqdm import tqdm

FIRST_COLUMNS = ["epoch", "train_loss", "val_loss", "val_metric"]


@dataclass
class History:
    """The record of one ``fit``: a dict per epoch, plus how it ran.

    Attributes
    ----------
    epochs : list of dict
        ``epoch`` (1-based), ``train_loss``, ``val_loss`` and ``val_metric`` (NaN when
        absent), every scalar the step logged as ``train_<name>`` / ``val_<name>``,
        ``lr`` (the first parameter group's learning rate at the end of the epoch), the
        columns ``on_epoch_end`` returned, and ``seconds``.
    device : str, e.g. "cpu", "cuda:0"
    precision : "bf16", "fp16" or "fp32" (``amp`` is True for the first two)
    stopped_early : bool, patience ran out

    ``best_epoch`` is the epoch with the lowest val_loss (train_loss without
    validation); ``to_frame()`` gives a DataFrame with the columns above (``seconds``
    last).

    Used in: chapter 2 on.
    """

    epochs: list[dict] = field(default_factory=list)
    device: str = "cpu"
    precision: str = "fp32"
    stopped_early: bool = False

    @property
    def amp(self) -> bool:
        return self.precision != "fp32"

    def to_frame(self) -> pd.DataFrame:
        cols = FIRST_COLUMNS + [k for row in self.epochs for k in row]
        cols = [c for c in dict.fromkeys(cols) if c != "seconds"] + ["seconds"]
        return pd.DataFrame(self.epochs, columns=cols).astype({"epoch": int})

    @property
    def best_epoch(self) -> int | None:
        if not self.epochs:
            return None
        has_val = not math.isnan(self.epochs[0].get("val_loss", math.nan))
        key = "val_loss" if has_val else "train_loss"
        return min(self.epochs, key=lambda row: row[key])["epoch"]


def epoch_reporter(progress, verbose: bool, main: bool, epochs: int):
    """``(report(row), close())`` for ``fit``'s output, on the main process only.

    ``progress=True``: a tqdm bar on a terminal outside CI, else one line per epoch;
    ``None``: one line per epoch if ``verbose``; ``False``: nothing.

    Used in: gdl_utils.training.fit.
    """
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    bar_on = main and progress is True and sys.stdout.isatty() and not ci
    printing = main and (progress is True or (progress is None and verbose))
    bar = tqdm(total=epochs, unit="epoch", file=sys.stdout, disable=not bar_on)

    def report(row: dict) -> None:
        if bar_on:
            bar.set_postfix(train_loss=f"{row['train_loss']:.4f}")
            bar.update()
        elif printing:
            shown = [
                f"{k} {v:.4f}" for k, v in row.items() if k not in ("epoch", "seconds")
            ]
            line = "  ".join(s for s in shown if not s.endswith("nan"))
            print(
                f"epoch {row['epoch']:>{len(str(epochs))}}/{epochs}  {line}"
                f"  ({row['seconds']:.1f} s)",
                flush=True,
            )

    return report, bar.close
