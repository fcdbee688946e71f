"""Section 7.3 at scale: causal transformers of several sizes pretrained on the E. coli
genome, held-out bits per base after several training budgets (a small scaling
study), and the largest model saved as a course checkpoint.

Used in: no notebook directly (``python -m gdl_utils.scale 7.3``).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np

from ..lm import (
    N_SPECIAL,
    GenomeWindows,
    NucleotideTokenizer,
    causal_log2_probs,
    markov_bits_per_base,
    region_mask,
)
from ..models import CausalLM, TransformerConfig, count_parameters
from ..runtime import get_device, seeded
from ..training import fit, save_checkpoint

__all__ = ["run_pretraining", "checkpoint_path", "held_out_bits"]


def checkpoint_path(preset: str, root) -> Path:
    """``<root>/7.3-<preset>-lm.pt``: the largest model of a 7.3 run.

    Used in: no notebook directly (``python -m gdl_utils.scale 7.3``).
    """
    return Path(root) / f"7.3-{preset}-lm.pt"


def held_out_bits(model, region, *, window: int, block: int, device=None) -> dict:
    """Bits per base of a causal LM on ``region`` ((L,) token ids 4..7), and the mean
    per block of ``block`` bases (block ``i`` covers region positions ``[i * block,
    (i + 1) * block)``; positions before ``window // 2`` are not scored, so the first
    blocks count fewer positions, given in ``block_counts``).

    Used in: no notebook directly (``python -m gdl_utils.scale 7.3``).
    """
    region = np.asarray(region, dtype=np.int64)
    half = window // 2
    log2p = causal_log2_probs(model, region, window=window, device=device)
    truth = region[half:] - N_SPECIAL
    bits = np.full(len(region), np.nan)
    bits[half:] = -log2p[np.arange(len(truth)), truth]
    n_blocks = -(-len(region) // block)
    padded = np.full(n_blocks * block, np.nan)
    padded[: len(bits)] = bits
    blocks = padded.reshape(n_blocks, block)
    counts = np.isfinite(blocks).sum(1)
    sums = np.nansum(blocks, 1)
    means = np.divide(sums, counts, out=np.full(n_blocks, np.nan), where=counts > 0)
    return {
        "bits_per_base": float(np.nanmean(bits)),
        "block_bits": [
            None if not np.isfinite(v) else round(float(v), 4) for v in means
        ],
        "block_counts": counts.tolist(),
    }


def run_pretraining(p, *, device=None, out_dir=None, preset: str = "cpu-long") -> dict:
    """Run preset ``p`` (a :class:`~gdl_utils.scale.presets.PretrainPreset`).

    Returns ``{"seeds", "device", "precision", "wall_time_s", "cpu_time_s",
    "results"}``; ``results`` holds ``runs`` (one per size: parameters, learning rate,
    and per budget the epochs, training bases, training seconds and held-out bits per
    base with per-block means), ``grid`` (``{size: {epochs: bits}}``), the Markov
    orders of notebook 07c on the same positions and, with ``p.checkpoint``, the
    checkpoint of the largest size (file name, bytes, sha256, bits per base).

    Used in: no notebook directly (``python -m gdl_utils.scale 7.3``).
    """
    from ..datasets import load_ecoli_genome

    wall, cpu = time.perf_counter(), time.process_time()
    device = get_device(device)
    genome = load_ecoli_genome()
    tokens = NucleotideTokenizer().encode(genome)
    lo, hi = p.held_out
    held_out = region_mask(len(tokens), [(lo, hi)])
    region = tokens[lo:hi]
    budgets = sorted(p.epochs)
    runs, precision, largest = [], None, None
    for name, d_model, n_layers, n_heads, lr in p.sizes:
        config = TransformerConfig(
            vocab_size=8, max_len=p.window, d_model=d_model, n_heads=n_heads,
            n_layers=n_layers, dropout=0.0, causal=True,
        )  # fmt: skip
        with seeded(p.seed):  # the seed alone names the initial weights
            lm = CausalLM(config)
        windows = GenomeWindows(
            tokens, p.windows_per_epoch, p.window, p.batch_size, exclude=held_out,
            seed=p.seed,
        )  # fmt: skip
        clock = {"start": time.perf_counter(), "cpu": time.process_time()}
        clock.update(eval=0.0, eval_cpu=0.0)
        points = []

        def measure(model, row, clock=clock, points=points, name=name):
            epoch = int(row["epoch"])
            if epoch not in budgets:
                return None
            train_s = time.perf_counter() - clock["start"] - clock["eval"]
            cpu_s = time.process_time() - clock["cpu"] - clock["eval_cpu"]
            tic, cpu_tic = time.perf_counter(), time.process_time()
            scores = held_out_bits(
                model, region, window=p.window, block=p.block, device=device
            )
            clock["eval"] += time.perf_counter() - tic
            clock["eval_cpu"] += time.process_time() - cpu_tic
            n_bases = epoch * p.windows_per_epoch * p.window
            points.append({"epochs": epoch, "train_bases": n_bases,
                           "train_seconds": round(train_s, 1),
                           "train_cpu_seconds": round(cpu_s, 1), **scores})  # fmt: skip
            print(
                f"7.3 {name} epoch {epoch}: {scores['bits_per_base']:.4f} bits/base,"
                f" {train_s:.0f} s",
                flush=True,
            )
            return {"held_out_bits": scores["bits_per_base"]}

        history = fit(
            lm, windows, epochs=budgets[-1], lr=lr, seed=p.seed, device=device,
            clip_grad_norm=p.clip_grad_norm, on_epoch_end=measure, verbose=False,
        )  # fmt: skip
        precision = history.precision
        frame = history.to_frame()
        runs.append({
            "size": name, "d_model": d_model, "n_layers": n_layers,
            "n_heads": n_heads, "lr": lr, "n_parameters": count_parameters(lm),
            "train_loss": frame["train_loss"].round(5).tolist(), "budgets": points,
        })  # fmt: skip
        largest = lm
    grid = {
        r["size"]: {
            str(b["epochs"]): round(b["bits_per_base"], 5) for b in r["budgets"]
        }
        for r in runs
    }
    train_parts = [genome[:lo], genome[hi:]]
    markov = markov_bits_per_base(
        train_parts, genome[lo:hi], range(9), start=p.window // 2
    )
    results = {
        "held_out": list(p.held_out),
        "scored_from": p.window // 2,
        "grid": grid,
        "markov_bits": {str(k): round(float(v), 5) for k, v in markov.items()},
        "runs": runs,
    }
    if p.checkpoint and out_dir is not None:
        big = runs[-1]
        path = checkpoint_path(preset, out_dir)
        save_checkpoint(
            largest, path, seed=p.seed, size=big["size"], epochs=budgets[-1],
            held_out=list(p.held_out), window=p.window,
            bits_per_base=big["budgets"][-1]["bits_per_base"],
        )  # fmt: skip
        data = path.read_bytes()
        results["checkpoint"] = {
            "file": path.name,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": big["size"],
            "bits_per_base": big["budgets"][-1]["bits_per_base"],
        }
    return {
        "seeds": [p.seed],
        "device": str(device),
        "precision": precision,
        "wall_time_s": time.perf_counter() - wall,
        "cpu_time_s": time.process_time() - cpu,
        "results": results,
    }
