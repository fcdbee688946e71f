"""``python -m gdl_utils.lm`` under torchrun: two CPU processes (Gloo) with half the
batch each take the same steps as one process with the whole global batch (losses equal
to float rounding; Adam turns rounding-level gradient differences into weight
differences far below one step of size lr), and end with identical weights on every
rank."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gdl_utils.dna import write_fasta
from gdl_utils.lm.__main__ import main

SETTINGS = (
    "--held-out 9000:10000 --window 32 --windows-per-epoch 128 --batch-size 32"
    " --epochs 2 --d-model 32 --n-layers 1 --n-heads 2 --lr 3e-3 --rank-files"
).split()


def run(cmd, out: Path, fasta: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # no PYTHONPATH: the installed package
    args = ["--out", str(out), "--fasta", str(fasta), *SETTINGS]
    done = subprocess.run(
        [*cmd, "-m", "gdl_utils.lm", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "summary.json").read_text())


def test_two_processes_match_one(tmp_path):
    rng = np.random.default_rng(0)
    # a sequence with structure: a repeated 7-mer with 10 % random substitutions
    seq = np.tile(rng.integers(0, 4, 7), 1500)
    noisy = rng.random(seq.size) < 0.1
    seq[noisy] = rng.integers(0, 4, noisy.sum())
    fasta = tmp_path / "toy.fa"
    write_fasta({"toy": "".join("ACGT"[i] for i in seq)}, fasta)

    args = ["--out", str(tmp_path / "one"), "--fasta", str(fasta), *SETTINGS]
    one = main(args)  # the single process runs in this one
    torchrun = [sys.executable, "-m", "torch.distributed.run"]  # the torchrun command
    two = run(
        [*torchrun, "--standalone", "--nproc_per_node", "2"], tmp_path / "two", fasta
    )
    assert (one["world_size"], two["world_size"]) == (1, 2)
    np.testing.assert_allclose(two["train_loss"], one["train_loss"], rtol=1e-5)
    np.testing.assert_allclose(two["val_loss"], one["val_loss"], rtol=1e-5)
    assert two["held_out_bits_per_base"] == pytest.approx(
        one["held_out_bits_per_base"], rel=1e-5
    )
    assert one["train_loss"][-1] < 0.9 * one["train_loss"][0]  # it learned something
    w0, w1 = (torch.load(tmp_path / "two" / f"rank{r}.pt") for r in (0, 1))
    ws = torch.load(tmp_path / "one" / "rank0.pt")
    for name in w0:
        assert torch.equal(w0[name], w1[name]), name  # identical on every rank
        torch.testing.assert_close(w0[name], ws[name], rtol=0, atol=5e-4)
    assert (tmp_path / "two" / "lm.pt").exists()
    assert not (tmp_path / "two" / "rank2.pt").exists()
