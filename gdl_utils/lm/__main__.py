"""Pretrain a small causal (or masked) DNA language model on a genome.

The same command runs on one CPU, one GPU, or several GPUs on several machines, from a
source checkout or a pip install:

    python -m gdl_utils.lm --out runs/lm                                 # one process
    torchrun --standalone --nproc_per_node 4 -m gdl_utils.lm --out runs/lm
    torchrun --nnodes 2 --nproc_per_node 8 --rdzv_backend c10d \\
        --rdzv_endpoint HOST:29500 --rdzv_id lm1 -m gdl_utils.lm --out runs/lm

Every process builds the same model (``seeded(--seed)``), draws the same windows (one
seed) and reads its own shard of each batch (``--batch-size`` is the global batch);
``DistributedDataParallel`` averages the gradients (NCCL on GPUs, Gloo on CPUs); ``fit``
picks bf16 autocast on GPUs that support it. Rank 0 alone prints, writes the checkpoint
``OUT/lm.pt`` (weights + config, ``gdl_utils.training.load_model`` rebuilds it) and
``OUT/summary.json`` (settings, loss curve, held-out bits per base, tokens per second).
``--rank-files`` makes every rank write its final weights to ``OUT/rank<r>.pt`` (the
test compares them).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from ..dna import read_fasta
from ..models import CausalLM, MaskedLM, TransformerConfig, lm_step
from ..runtime import seeded
from ..training import distributed as dist
from ..training import fit, make_loader
from .bits import causal_bits_per_base
from .pretrain import GenomeWindows, causal_lm_batch, region_mask
from .tokenizers import NucleotideTokenizer


def _parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m gdl_utils.lm", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--fasta", type=Path, help="genome FASTA (default: E. coli K-12)")
    p.add_argument("--held-out", default="4000000:4050000", help="START:STOP (bp)")
    p.add_argument("--window", type=int, default=64, help="tokens per window")
    p.add_argument("--windows-per-epoch", type=int, default=9600)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=64, help="global batch")
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--n-layers", type=int, default=2)
    p.add_argument("--n-heads", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--objective", choices=["causal", "mlm"], default="causal")
    p.add_argument("--precision", default=None, help="bf16/fp16/fp32 (default: auto)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rank-files", action="store_true", help="every rank saves weights")
    return p.parse_args(argv)


def _load_tokens(fasta: Path | None) -> np.ndarray:
    """Nucleotide token ids (base code + 4) of the genome's first record."""
    if fasta is None:
        from ..datasets import load_ecoli_genome

        seq = load_ecoli_genome()
    else:
        seq = read_fasta(fasta)[0][1]
    return NucleotideTokenizer().encode(seq)


def main(argv: list[str] | None = None) -> dict:
    """Pretrain with the command-line arguments ``argv``; the summary (rank 0) or {}.

    Used in: no notebook directly (``python -m gdl_utils.lm``, which the pretraining
    notebook runs, and its torchrun test).
    """
    args = _parse_args(argv)
    info = dist.init_distributed()
    tokens = _load_tokens(args.fasta)
    start, stop = (int(v) for v in args.held_out.split(":"))
    exclude = region_mask(len(tokens), [(start, stop)])
    windows = GenomeWindows(
        tokens, args.windows_per_epoch, args.window, args.batch_size,
        exclude=exclude, objective=args.objective, vocab_size=8, seed=args.seed,
    )  # fmt: skip
    tiles = tokens[start : stop - (stop - start) % args.window]
    val = causal_lm_batch(tiles.reshape(-1, args.window))
    val = [
        {"input_ids": x, "labels": y}
        for x, y in make_loader(
            val["input_ids"], val["labels"], batch_size=256, distributed=False
        )
    ]
    causal = args.objective == "causal"
    config = TransformerConfig(
        vocab_size=8, max_len=args.window, d_model=args.d_model,
        n_heads=args.n_heads, n_layers=args.n_layers, dropout=0.0, causal=causal,
    )  # fmt: skip
    with seeded(args.seed):  # the same initial weights on every process
        model = (CausalLM if causal else MaskedLM)(config).to(info.device)
    net = model
    if dist.is_distributed():
        ids = [info.device.index] if info.device.type == "cuda" else None
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
    args.out.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    history = fit(  # lm_step calls net(...): DDP sees the forward pass
        net, windows, val if causal else None, step=lm_step,
        epochs=args.epochs, lr=args.lr, device=info.device, seed=args.seed,
        precision=args.precision, clip_grad_norm=1.0, checkpoint=args.out / "lm.pt",
    )  # fmt: skip
    seconds = time.perf_counter() - clock
    if args.rank_files:
        torch.save(model.state_dict(), args.out / f"rank{info.rank}.pt")
    summary = {}
    if dist.is_main_process():
        n_tokens = args.epochs * args.windows_per_epoch * args.window
        frame = history.to_frame()
        summary = {
            "settings": {k: str(v) for k, v in vars(args).items()},
            "world_size": info.world_size,
            "device": str(info.device),
            "precision": history.precision,
            "train_loss": frame["train_loss"].tolist(),
            "val_loss": frame["val_loss"].tolist() if causal else [],
            "tokens_per_second": n_tokens / seconds,
        }
        if causal:
            summary["held_out_bits_per_base"] = causal_bits_per_base(
                model, tokens[start:stop], window=args.window, device=info.device
            )
        (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
        print(json.dumps({k: v for k, v in summary.items() if k != "settings"}))
    dist.cleanup_distributed()
    return summary


if __name__ == "__main__":
    main()
