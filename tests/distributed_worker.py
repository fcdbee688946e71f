"""Worker for tests/test_runtime.py::test_fit_under_torchrun_matches_one_process.

Run as ``torchrun --standalone --nproc_per_node 2 tests/distributed_worker.py OUT``:
every process trains the same logistic regression through ``fit`` on its shard of 64
rows, each starting from different random weights (``fit`` must broadcast rank 0's), and
writes what it saw to ``OUT/rank<r>.json``; its printed output goes to
``OUT/rank<r>.log``.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

import gdl_utils.training.loop as loop
from gdl_utils.runtime import set_threads
from gdl_utils.training import fit, make_loader
from gdl_utils.training.distributed import (
    cleanup_distributed,
    init_distributed,
    is_main_process,
)


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -1.0, 0.5]) > 0).astype(np.float32)
    return X, y


def main(out: Path) -> None:
    set_threads(1)
    info = init_distributed()
    saves = []
    real_save = loop.save_checkpoint
    loop.save_checkpoint = lambda *a, **kw: (
        saves.append(kw["epoch"]) or real_save(*a, **kw)
    )
    X, y = data()
    torch.manual_seed(100 + info.rank)  # a different start on every process
    model = nn.Linear(3, 1)
    loader = make_loader(
        X, y, batch_size=32, shuffle=True, seed=0
    )  # 32 rows per process
    shard = list(loader.sampler.sampler)
    with (
        open(out / f"rank{info.rank}.log", "w") as log,
        contextlib.redirect_stdout(log),
    ):
        hist = fit(
            model,
            loader,
            (X, y),
            loss_fn=nn.BCEWithLogitsLoss(),
            epochs=5,
            lr=0.5,
            optimizer="sgd",
            device=info.device,
            checkpoint=out / "best.pt",
        )
    # The same run with the model wrapped in DistributedDataParallel, which broadcasts
    # rank 0's weights (the same start as above) and averages the gradients itself.
    torch.manual_seed(100 + info.rank)
    wrapped = nn.parallel.DistributedDataParallel(nn.Linear(3, 1))
    fit(
        wrapped,
        loader,
        loss_fn=nn.BCEWithLogitsLoss(),
        epochs=5,
        lr=0.5,
        optimizer="sgd",
        device=info.device,
        verbose=False,
    )
    result = dict(
        ddp_weight=wrapped.module.weight.detach().ravel().tolist(),
        rank=info.rank,
        world_size=info.world_size,
        main=is_main_process(),
        shard=shard,
        saves=saves,
        weight=model.weight.detach().ravel().tolist(),
        bias=model.bias.item(),
        train_loss=hist.to_frame()["train_loss"].tolist(),
        val_loss=hist.to_frame()["val_loss"].tolist(),
    )
    (out / f"rank{info.rank}.json").write_text(json.dumps(result))
    cleanup_distributed()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
