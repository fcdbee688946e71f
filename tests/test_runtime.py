"""Tests for gdl_utils.runtime (devices, seeds, threads, precision, to_device) and
gdl_utils.training.distributed (torchrun environment, a real two-process run on the
CPU)."""

from __future__ import annotations

import collections
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from gdl_utils import runtime
from gdl_utils.runtime import (
    autocast,
    get_device,
    resolve_precision,
    set_seed,
    set_threads,
    to_device,
)
from gdl_utils.training import distributed, fit

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- devices and seeds
def test_get_device_default_and_prefer(device):
    assert get_device().type in {"cpu", "cuda", "mps"}
    assert get_device("cpu") == torch.device("cpu")
    assert get_device(device) == device  # a torch.device is accepted as is


@pytest.mark.parametrize("bad", ["banana", "tpu:0"])
def test_get_device_rejects_unknown(bad):
    with pytest.raises(ValueError, match="get_device"):
        get_device(bad)


def test_get_device_rejects_unavailable():
    missing = "cuda:64" if torch.cuda.is_available() else "cuda"
    with pytest.raises(ValueError, match="requested"):
        get_device(missing)
    if not runtime._available()["mps"]:
        with pytest.raises(ValueError, match="mps"):
            get_device("mps")


def test_get_device_prefers_cuda_then_mps(monkeypatch):
    only_mps = {"cuda": False, "mps": True, "cpu": True}
    monkeypatch.setattr(runtime, "_available", lambda: only_mps)
    assert get_device() == torch.device("mps")
    monkeypatch.setattr(runtime, "_available", lambda: {**only_mps, "cuda": True})
    assert get_device() == torch.device("cuda")


def test_set_seed_resets_all_generators():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    set_seed(7)
    first = draw()
    set_seed(7)
    assert draw() == first
    set_seed(8)
    assert draw() != first


# ---------------------------------------------------------------------------- threads
def test_set_threads_default_and_environment(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        assert set_threads() == 1 and torch.get_num_threads() == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        assert set_threads() == 2 and torch.get_num_threads() == 2
        assert set_threads(1) == 1 and torch.get_num_threads() == 1
        for bad in ("two", "0", "-1", "1.5"):
            monkeypatch.setenv("OMP_NUM_THREADS", bad)
            with pytest.raises(ValueError, match="OMP_NUM_THREADS must be a positive"):
                set_threads()
        for bad in (0, 2.0, True, "x"):
            with pytest.raises(ValueError, match="n must be a positive integer"):
                set_threads(bad)
    finally:
        torch.set_num_threads(before)


# -------------------------------------------------------------------------- precision
def test_resolve_precision_rules(monkeypatch):
    assert resolve_precision("cpu") == "fp32"
    assert resolve_precision("cpu", "bf16") == "bf16"
    assert resolve_precision("mps") == "fp32"
    with pytest.raises(ValueError, match="not available on mps"):
        resolve_precision("mps", "bf16")
    with pytest.raises(ValueError, match="fp16"):
        resolve_precision("cpu", "fp16")
    for supported, expected in ((True, "bf16"), (False, "fp16")):  # A100/H100 vs older
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda s=supported: s)
        assert resolve_precision("cuda") == expected
        assert resolve_precision("cuda", "fp32") == "fp32"
    with pytest.raises(ValueError, match="bf16.*not available"):
        resolve_precision("cuda", "bf16")  # is_bf16_supported is False here


def test_autocast_context(device):
    x = torch.ones(2, 3, device=device)
    layer = nn.Linear(3, 1).to(device)
    with autocast(device, "fp32"):
        assert layer(x).dtype == torch.float32
    if device.type in ("cpu", "cuda"):
        with autocast(device, "bf16"):
            assert layer(x).dtype == torch.bfloat16


# ---------------------------------------------------------------------------- batches
Pair = collections.namedtuple("Pair", "signal lengths")


class Graph:
    """A minimal graph object with its own ``.to``, as graph libraries have."""

    def __init__(self, x):
        self.x = x

    def to(self, device):
        return Graph(self.x.to(device))


def test_to_device_keeps_nested_structure(device):
    batch = {
        "ids": torch.zeros(2, 3, dtype=torch.long),
        "ctc": (torch.ones(2, 5), torch.tensor([1, 2]), [torch.tensor(4)], 7, "name"),
        "pair": Pair(torch.ones(1), torch.ones(2)),
        "graph": Graph(torch.ones(4, 2)),
        "none": None,
    }
    moved = to_device(batch, device)
    assert set(moved) == set(batch) and isinstance(moved["pair"], Pair)
    assert moved["ids"].device.type == device.type and moved["ids"].dtype == torch.long
    signal, lengths, listed, number, name = moved["ctc"]
    assert (
        signal.device.type
        == lengths.device.type
        == listed[0].device.type
        == device.type
    )
    assert (number, name, moved["none"]) == (7, "name", None)
    assert moved["graph"].x.device.type == device.type
    assert moved["pair"].lengths.device.type == device.type


# ------------------------------------------------------------------------ distributed
def test_single_process_is_rank_zero_of_one(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    info = distributed.init_distributed()
    assert (info.rank, info.world_size, info.local_rank) == (0, 1, 0)
    assert info.device == get_device()
    assert distributed.is_main_process() and not distributed.is_distributed()
    assert distributed.world_size() == 1
    t = torch.ones(3)
    assert distributed.all_reduce_sum(t) is t
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "2")
    with pytest.raises(ValueError, match="RANK=2 must be below WORLD_SIZE=2"):
        distributed.init_distributed()
    monkeypatch.setenv("RANK", "one")
    with pytest.raises(ValueError, match="RANK='one'"):
        distributed.init_distributed()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DIST_VARS = ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE")


@pytest.mark.parametrize("rank", [0, 1])
def test_init_distributed_without_a_peer_times_out_naming_the_variables(rank):
    """WORLD_SIZE=2 and no second process: rank 0 waits for a peer, rank 1 for a master.
    Both used to block for torch's default (30 minutes); a short timeout (argument
    here) must end it with a message naming the environment. The test runs it in a
    subprocess with a hard limit, so it can never hang the suite."""
    port = _free_port()
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT),
        "WORLD_SIZE": "2",
        "RANK": str(rank),
        "LOCAL_RANK": "0",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
    }
    code = (
        "from gdl_utils.training.distributed import init_distributed\n"
        "init_distributed(backend='gloo', timeout=2)\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("init_distributed(timeout=2) still blocked after 90 s")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("TimeoutError: init_distributed:"), done.stderr[-2000:]
    for name, value in zip(DIST_VARS, ("127.0.0.1", str(port), str(rank), "2")):
        assert f"{name}={value}" in last, last
    assert "2.0 s" in last and "GDL_DIST_TIMEOUT" in last, last


def test_init_distributed_timeout_from_argument_or_environment(monkeypatch):
    """The timeout reaches init_process_group (GDL_DIST_TIMEOUT, default 300 s); bad
    values and a missing MASTER_ADDR are named."""
    import datetime

    seen = []

    def fake_init(*args, **kwargs):
        seen.append(kwargs.get("timeout"))
        raise RuntimeError("Connection refused")

    monkeypatch.setattr(distributed.dist, "init_process_group", fake_init)
    monkeypatch.setattr(distributed.dist, "is_initialized", lambda: False)
    for name, value in zip(DIST_VARS, ("127.0.0.1", "29511", "0", "2")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GDL_DIST_TIMEOUT", raising=False)
    with pytest.raises(RuntimeError, match="MASTER_PORT=29511.*Connection refused"):
        distributed.init_distributed(backend="gloo")
    monkeypatch.setenv("GDL_DIST_TIMEOUT", "7.5")
    with pytest.raises(RuntimeError):
        distributed.init_distributed(backend="gloo")
    with pytest.raises(RuntimeError):
        distributed.init_distributed(backend="gloo", timeout=3)
    assert seen == [datetime.timedelta(seconds=s) for s in (300, 7.5, 3)]
    for bad in ("soon", "0", "-1", "nan"):
        monkeypatch.setenv("GDL_DIST_TIMEOUT", bad)
        with pytest.raises(ValueError, match=f"GDL_DIST_TIMEOUT={bad!r}"):
            distributed.init_distributed(backend="gloo")
    monkeypatch.delenv("GDL_DIST_TIMEOUT")
    with pytest.raises(ValueError, match="timeout must be a number of seconds > 0"):
        distributed.init_distributed(backend="gloo", timeout=0)
    monkeypatch.delenv("MASTER_ADDR")
    with pytest.raises(ValueError, match="MASTER_ADDR is not set.*WORLD_SIZE=2"):
        distributed.init_distributed(backend="gloo")
    assert len(seen) == 3


def test_fit_under_torchrun_matches_one_process(tmp_path):
    """Two CPU processes (Gloo) with 32 rows each take the same steps as one process
    with all 64 rows in one batch; only rank 0 prints and saves."""
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    if torchrun is None:
        pytest.skip("torchrun is not installed next to this Python")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [
        torchrun,
        "--standalone",
        "--nproc_per_node",
        "2",
        str(ROOT / "tests" / "distributed_worker.py"),
        str(tmp_path),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["main"] for r in ranks] == [True, False]
    assert {r["world_size"] for r in ranks} == {2}
    shards = [set(r["shard"]) for r in ranks]
    assert len(shards[0]) == len(shards[1]) == 32
    assert shards[0] | shards[1] == set(range(64))
    assert ranks[0]["weight"] == ranks[1]["weight"]
    assert ranks[0]["bias"] == ranks[1]["bias"]
    for r in ranks:  # a DistributedDataParallel wrapper takes the same steps
        np.testing.assert_allclose(r["ddp_weight"], ranks[0]["weight"], atol=1e-6)
    assert ranks[0]["train_loss"] == ranks[1]["train_loss"]
    assert ranks[0]["saves"] and not ranks[1]["saves"]  # only rank 0 writes checkpoints
    lines = (tmp_path / "rank0.log").read_text().splitlines()
    assert len(lines) == 5 and (tmp_path / "rank1.log").read_text() == ""

    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from distributed_worker import data
    finally:
        sys.path.pop(0)
    X, y = data()
    torch.manual_seed(100)  # rank 0's initial weights, which fit broadcast to rank 1
    model = nn.Linear(3, 1)
    hist = fit(
        model,
        (X, y),
        (X, y),
        loss_fn=nn.BCEWithLogitsLoss(),
        epochs=5,
        lr=0.5,
        optimizer="sgd",
        batch_size=64,
        device="cpu",
        verbose=False,
    )
    np.testing.assert_allclose(
        ranks[0]["weight"], model.weight.detach().ravel(), atol=1e-5
    )
    assert ranks[0]["bias"] == pytest.approx(model.bias.item(), abs=1e-5)
    np.testing.assert_allclose(
        ranks[0]["train_loss"], hist.to_frame()["train_loss"], atol=1e-5
    )
    assert ranks[0]["train_loss"][-1] < 0.5 * ranks[0]["train_loss"][0]  # it learned


def test_seeded_names_the_weights_and_leaves_the_global_state_alone():
    from gdl_utils.runtime import seeded

    def build():
        return torch.nn.Linear(5, 3).weight.detach().clone()

    with seeded(7):
        first = build()
    torch.rand(100)  # any amount of global randomness in between
    np.random.rand(10)
    before = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    with seeded(7):
        again = build()
        drawn_inside = np.random.rand()
    after = torch.random.get_rng_state(), np.random.get_state()[1]
    assert torch.equal(first, again)
    assert torch.equal(before[0], after[0]) and np.array_equal(before[1], after[1])
    with seeded(8):
        other = build()
    assert not torch.equal(first, other)  # the seed matters
    with seeded(7):
        assert np.random.rand() == drawn_inside
