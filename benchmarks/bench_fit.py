"""Speed of ``gdl_utils.training.fit`` against a bare PyTorch loop on the same batches.

Usage::

    .venv/bin/python benchmarks/bench_fit.py --out benchmarks/results/fit.md

For each model (a chapter-2 MLP on flattened one-hot DNA and a chapter-3 DeepBind CNN),
both loops train a copy of the same initial weights on the same seeded batches (one
``make_loader``, re-created with the same seed for every run) with AdamW and a BCE loss,
and compute the same per-epoch mean training loss. Times are CPU seconds of this process
(``time.process_time``, one torch thread by default), which other processes on a shared
machine disturb far less than wall-clock time. The bare loop is what one writes by
hand::

    for x, y in loader:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y.view(-1, 1))
        loss.backward()
        opt.step()
        total += loss.detach() * len(x)

``fit`` adds what it does for every chapter: batch-to-device for any batch structure,
the target rule, logged scalars, the precision policy, the history, the checks. Each
round times both loops once, in turn; the table reports the best of ``--repeats`` rounds
and the ratio bare seconds / fit seconds (1.0: no overhead; the course keeps it >=
0.95). The final weights of the two loops are checked to be identical before timing.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gdl_utils.models import MLP, DeepBind
from gdl_utils.runtime import set_seed, set_threads
from gdl_utils.training import fit, make_loader

CASES = {  # name: (model factory, rows, sequence length, batch size)
    "MLP (ch. 2), 3,000 x 4 x 60, batch 64": (
        lambda: MLP(4 * 60, hidden_sizes=(64,), dropout=0.3),
        3000,
        60,
        64,
    ),
    "DeepBind (ch. 3), 2,000 x 4 x 101, batch 128": (
        lambda: DeepBind(n_filters=16, kernel_size=12, hidden=32),
        2000,
        101,
        128,
    ),
}


def data(rows: int, length: int, seed: int = 0):
    """Random one-hot DNA (rows, 4, length) float32 and 0/1 labels (rows,) float32."""
    rng = np.random.default_rng(seed)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (rows, length))]
    return x.transpose(0, 2, 1).copy(), rng.integers(0, 2, rows).astype(np.float32)


def bare_loop(model, loader, epochs: int, lr: float) -> list[float]:
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(epochs):
        model.train()
        total, count = torch.zeros(()), 0
        for x, y in loader:
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y.view(-1, 1))
            loss.backward()
            opt.step()
            total += loss.detach() * len(x)
            count += len(x)
        losses.append(total.item() / count)
    return losses


def with_fit(model, loader, epochs: int, lr: float) -> list[float]:
    hist = fit(
        model,
        loader,
        loss_fn=nn.BCEWithLogitsLoss(),
        epochs=epochs,
        lr=lr,
        device="cpu",
        verbose=False,
    )
    return hist.to_frame()["train_loss"].tolist()


def run_once(loop, make, x, y, batch_size: int, epochs: int):
    set_seed(0)
    model = make()
    loader = make_loader(x, y, batch_size=batch_size, shuffle=True, seed=0)
    start = time.process_time()
    losses = loop(model, loader, epochs, 1e-3)
    return time.process_time() - start, losses, model


def bench(epochs: int, repeats: int) -> str:
    rows = []
    for name, (make, n, length, batch_size) in CASES.items():
        x, y = data(n, length)
        _, bare_losses, bare_model = run_once(bare_loop, make, x, y, batch_size, 1)
        _, fit_losses, fit_model = run_once(with_fit, make, x, y, batch_size, 1)
        same = all(
            torch.equal(a, b)
            for a, b in zip(
                bare_model.state_dict().values(), fit_model.state_dict().values()
            )
        )
        if not same or bare_losses != fit_losses:
            raise SystemExit(f"{name}: fit and the bare loop disagree; timing is moot")
        times = {"bare": [], "fit": []}
        for _ in range(repeats):
            times["bare"].append(run_once(bare_loop, make, x, y, batch_size, epochs)[0])
            times["fit"].append(run_once(with_fit, make, x, y, batch_size, epochs)[0])
        bare, fitted = min(times["bare"]), min(times["fit"])
        steps = epochs * -(-n // batch_size)
        rows.append(
            f"| {name} | {steps} | {bare:.2f} | {fitted:.2f} | "
            f"{1e6 * (fitted - bare) / steps:+.0f} | {bare / fitted:.3f} |"
        )
    head = (
        "| model, data, batch | steps | bare loop (CPU s) | fit (CPU s) | "
        "overhead per step (µs) | bare / fit |\n|---|---|---|---|---|---|"
    )
    info = (
        f"CPU: {platform.processor() or platform.machine()}, torch "
        f"{torch.__version__}, {torch.get_num_threads()} thread(s); {epochs} epochs, "
        f"best of {repeats} rounds"
    )
    return "\n".join([head, *rows, "", info])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: OMP_NUM_THREADS, else 1)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="also write the table here"
    )
    args = parser.parse_args(argv)
    set_threads(args.threads)
    table = bench(args.epochs, args.repeats)
    print(table)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
