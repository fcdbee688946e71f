"""Section 4.2 at scale: CNN, DanQ and BiLSTM on PUM2 trained to convergence (early
stopping on the validation loss) on several seeds: which wins when none is starved?

Used in: no notebook directly (``python -m gdl_utils.scale 4.2``).
"""

from __future__ import annotations

import time

import numpy as np
from torch import nn

from ..dna import one_hot
from ..evaluate import pr_auc, roc_auc
from ..models import DanQ, DeepBind, RecurrentClassifier, count_parameters
from ..runtime import get_device, seeded
from ..training import fit, predict

__all__ = ["run_pum2", "build_pum2_model"]


def build_pum2_model(name: str, p):
    """Notebook 04b's model ``name`` ("CNN", "DanQ", "BiLSTM") at preset ``p``'s sizes.

    Used in: no notebook directly (``python -m gdl_utils.scale 4.2``).
    """
    if name == "CNN":
        return DeepBind(
            n_filters=p.n_filters, kernel_size=p.kernel_size, hidden=p.cnn_hidden
        )
    if name == "BiLSTM":
        return RecurrentClassifier(hidden=p.hidden, cell="lstm")
    if name == "DanQ":
        return DanQ(
            n_filters=p.n_filters, kernel_size=p.kernel_size, pool_size=p.pool_size,
            hidden=p.hidden,
        )  # fmt: skip
    raise ValueError(f"build_pum2_model: unknown model {name!r}; CNN, DanQ or BiLSTM")


def run_pum2(p, *, device=None) -> dict:
    """Run preset ``p`` (a :class:`~gdl_utils.scale.presets.PUM2Preset`).

    Returns ``{"seeds", "device", "precision", "wall_time_s", "cpu_time_s",
    "results"}``; ``results`` holds ``runs`` (per model and seed: epochs run, best
    epoch, validation PR-AUC at the best epoch and per epoch, test AUROC and PR-AUC,
    training seconds) and ``summary`` (per model: mean and sd over seeds, parameters).

    Used in: no notebook directly (``python -m gdl_utils.scale 4.2``).
    """
    from ..datasets import load_pum2

    wall, cpu = time.perf_counter(), time.process_time()
    device = get_device(device)
    frames = {s: load_pum2(s) for s in ("train", "valid", "test")}
    if p.max_train is not None:
        frames["train"] = frames["train"].iloc[: p.max_train]
    X = {s: one_hot(df["seq"].tolist()) for s, df in frames.items()}
    y = {s: df["label"].to_numpy(copy=True) for s, df in frames.items()}
    runs, precision = [], None
    for name in p.models:
        for seed in p.seeds:
            with seeded(seed):  # the seed alone names the initial weights
                net = build_pum2_model(name, p)
            tic = time.perf_counter()
            history = fit(
                net, (X["train"], y["train"]), (X["valid"], y["valid"]),
                loss_fn=nn.BCEWithLogitsLoss(), epochs=p.max_epochs, lr=p.lr,
                batch_size=p.batch_size, patience=p.patience, metric=pr_auc,
                seed=seed, device=device, verbose=False,
            )  # fmt: skip
            seconds = time.perf_counter() - tic
            precision = history.precision
            s = predict(net, X["test"], device=device)[:, 0]
            best = min(history.epochs, key=lambda r: r["val_loss"])
            run = {
                "model": name, "seed": seed, "n_parameters": count_parameters(net),
                "epochs": len(history.epochs), "best_epoch": int(best["epoch"]),
                "stopped_early": len(history.epochs) < p.max_epochs,
                "val_prauc_best": round(float(best["val_metric"]), 5),
                "val_prauc_curve": [round(float(r["val_metric"]), 5)
                                    for r in history.epochs],
                "test_auroc": round(float(roc_auc(y["test"], s)), 5),
                "test_prauc": round(float(pr_auc(y["test"], s)), 5),
                "train_seconds": round(seconds, 1),
            }  # fmt: skip
            print(
                f"4.2 {name} seed {seed}: {run['epochs']} epochs (best"
                f" {run['best_epoch']}), test PR-AUC {run['test_prauc']:.4f}",
                flush=True,
            )
            runs.append(run)
    summary = {}
    for name in p.models:
        mine = [r for r in runs if r["model"] == name]
        summary[name] = {"n_parameters": mine[0]["n_parameters"]}
        for key in ("test_auroc", "test_prauc", "val_prauc_best", "epochs"):
            v = np.array([r[key] for r in mine], dtype=float)
            summary[name][f"{key}_mean"] = round(float(v.mean()), 5)
            summary[name][f"{key}_sd"] = (
                round(float(v.std(ddof=1)), 5) if len(v) > 1 else 0.0
            )
    return {
        "seeds": list(p.seeds),
        "device": str(device),
        "precision": precision,
        "wall_time_s": time.perf_counter() - wall,
        "cpu_time_s": time.process_time() - cpu,
        "results": {
            "n": {s: len(df) for s, df in frames.items()},
            "summary": summary,
            "runs": runs,
        },
    }
