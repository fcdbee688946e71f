"""Section 4.3 at scale: larger CTC basecallers, longer schedules, several seeds, on
the held-out region of notebook 04c; the test identity is measured during training so
a page can plot identity against training time and model size.

Used in: no notebook directly (``python -m gdl_utils.scale 4.3``).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ..basecalling import (
    assert_no_leakage,
    chunk_reads,
    ctc,
    ctc_batches,
    region_split,
)
from ..models import Basecaller, count_parameters
from ..runtime import get_device, seeded
from ..training import fit, predict

__all__ = ["run_basecaller"]


def _median_identity(net, batches, sequences) -> tuple[float, np.ndarray]:
    log_probs = predict(net, batches)  # (chunks, steps, 5) float32
    ids = np.asarray(ctc.identities(map(ctc.greedy_decode, log_probs), sequences))
    return float(np.median(ids)), ids


def _one_run(p, arch, seed: int, data: dict, device) -> dict:
    """Train one model for one seed; the curve and the final test scores."""
    name, conv_channels, hidden = arch
    with seeded(seed):  # the seed alone names the initial weights
        model = Basecaller(conv_channels=tuple(conv_channels), hidden=hidden)
    steps = int(model.output_lengths(torch.tensor(p.chunk_len)))
    train, val = (
        c.subset(c.ctc_steps() <= steps) for c in (data["train"], data["val"])
    )
    train_batches = ctc_batches(train, p.batch_size, seed=seed)
    val_batches = ctc_batches(val, 128)
    test, test_batches = data["test"], data["test_batches"]
    lrs = list(p.epoch_lrs)
    clock = {"start": time.perf_counter(), "cpu": time.process_time()}
    clock.update(eval=0.0, eval_cpu=0.0)

    def measure(net, row):
        epoch = int(row["epoch"])  # 1-based
        train_s = time.perf_counter() - clock["start"] - clock["eval"]
        cpu_s = time.process_time() - clock["cpu"] - clock["eval_cpu"]
        tic, cpu_tic = time.perf_counter(), time.process_time()
        out = {"train_seconds": train_s, "val_identity": _median_identity(
            net, val_batches, val.sequences)[0]}  # fmt: skip
        if epoch % p.eval_every == 0 or epoch == len(lrs):
            test_id, _ = _median_identity(net, test_batches, test.sequences)
            out["test_identity"] = test_id
        out["train_cpu_seconds"] = cpu_s
        clock["eval"] += time.perf_counter() - tic
        clock["eval_cpu"] += time.process_time() - cpu_tic
        return out

    history = fit(
        model, train_batches, val_batches, optimizer="adam", lr=lrs[0],
        lr_schedule=lambda epoch: lrs[epoch] / lrs[0], schedule_every="epoch",
        on_epoch_end=measure, epochs=len(lrs), seed=seed, device=device,
        clip_grad_norm=p.clip_grad_norm, verbose=False,
    )  # fmt: skip
    frame = history.to_frame()
    cols = ["epoch", "lr", "train_loss", "val_loss", "val_identity", "train_seconds"]
    cols.append("train_cpu_seconds")
    curve = frame[[*cols, "test_identity"]].astype(float).round(5)
    curve = curve.astype(object).where(curve.notna(), None)
    log_probs = predict(model, test_batches)
    greedy = np.asarray(
        ctc.identities(map(ctc.greedy_decode, log_probs), test.sequences)
    )
    beam = np.asarray(ctc.identities(
        (ctc.beam_decode(x, beam_size=p.beam_size) for x in log_probs), test.sequences
    ))  # fmt: skip
    print(
        f"4.3 {name} seed {seed}: greedy {np.median(greedy):.4f}, beam"
        f" {np.median(beam):.4f}, {frame['train_seconds'].iloc[-1]:.0f} s",
        flush=True,
    )
    return {
        "model": name,
        "seed": seed,
        "n_parameters": count_parameters(model),
        "n_train_chunks": len(train),
        "steps_per_epoch": len(train_batches),
        "precision": history.precision,
        "train_seconds": round(float(frame["train_seconds"].iloc[-1]), 1),
        "train_cpu_seconds": round(float(frame["train_cpu_seconds"].iloc[-1]), 1),
        "identity_greedy": round(float(np.median(greedy)), 5),
        "identity_beam": round(float(np.median(beam)), 5),
        "identities_greedy": np.round(greedy, 4).tolist(),
        "curve": curve.to_dict(orient="list"),
    }


def run_basecaller(p, *, device=None) -> dict:
    """Run preset ``p`` (a :class:`~gdl_utils.scale.presets.BasecallerPreset`).

    Returns ``{"seeds", "device", "precision", "wall_time_s", "cpu_time_s",
    "results"}``; ``results`` holds ``runs`` (one per model and seed: parameters,
    final greedy and beam median identity, per-chunk greedy identities, and the curve
    per epoch with ``train_seconds`` (wall clock) and ``train_cpu_seconds`` (this
    process's CPU time), both without the measurements, ``val_identity`` and, every
    ``eval_every``
    epochs, ``test_identity``), ``summary`` (per model: median over seeds of the
    final greedy and beam identities, parameters, mean training seconds), the Guppy
    median on the same test chunks and the sizes of the split.

    Used in: no notebook directly (``python -m gdl_utils.scale 4.3``).
    """
    from ..datasets import load_lambda_reference, load_nanopore_reads

    wall, cpu = time.perf_counter(), time.process_time()
    device = get_device(device)
    reads = load_nanopore_reads()
    chunks, _ = chunk_reads(reads, p.chunk_len)
    train, val, test = region_split(
        chunks, test_start=p.test_start, train_end=p.train_end, val=tuple(p.val_region)
    )
    assert_no_leakage(train, test)
    if p.max_train_chunks is not None:
        train = train.subset(np.arange(min(p.max_train_chunks, len(train))))
    data = {"train": train, "val": val, "test": test}
    data["test_batches"] = ctc_batches(test, 128)
    guppy = ctc.basecall_identities(reads, test, load_lambda_reference())
    runs = [
        _one_run(p, (name, conv, hidden), seed, data, device)
        for name, conv, hidden, seeds in p.models
        for seed in seeds
    ]
    summary = {}
    for name, _, _, seeds in p.models:
        mine = [r for r in runs if r["model"] == name]
        summary[name] = {
            "n_parameters": mine[0]["n_parameters"],
            "seeds": list(seeds),
            "identity_greedy_per_seed": [r["identity_greedy"] for r in mine],
            "identity_beam_per_seed": [r["identity_beam"] for r in mine],
            "identity_greedy_median": float(
                np.median([r["identity_greedy"] for r in mine])
            ),
            "identity_beam_median": float(
                np.median([r["identity_beam"] for r in mine])
            ),
            "train_seconds_mean": float(np.mean([r["train_seconds"] for r in mine])),
        }
    results = {
        "n_chunks": {"train": len(train), "val": len(val), "test": len(test)},
        "train_kb": sum(map(len, train.sequences)) / 1000,
        "identity_guppy": round(float(np.nanmedian(guppy)), 5),
        "summary": summary,
        "runs": runs,
    }
    return {
        "seeds": sorted({s for *_, seeds in p.models for s in seeds}),
        "device": str(device),
        "precision": runs[0]["precision"],
        "wall_time_s": time.perf_counter() - wall,
        "cpu_time_s": time.process_time() - cpu,
        "results": results,
    }
