"""One-hot encoding throughput (Mbp/s) of gdl_utils.one_hot against what users would
otherwise write.

Usage::

    .venv/bin/python benchmarks/bench_one_hot.py --mbp 50 --out
    benchmarks/results/one_hot.md

Every method encodes the same seeded random DNA into a (4, L) int8 array (A, C, G, T
rows); the time is the best of ``--repeats`` rounds; each round times every method once,
in turn, so that background load affects all of them alike. Methods:

* ``gdl_utils.one_hot(s, dtype=np.int8)`` on the whole string;
* ``gdl_utils.one_hot(s)`` (default float32), for reference;
* a per-character Python loop (timed on a ``--loop-mbp`` slice, since it is 50-200x
  slower);
* Biopython: ``Seq(s).upper()``, ``bytes(seq)``, ``numpy.frombuffer`` and a comparison
  with ``b"ACGT"`` (the vectorised path a numpy-literate Biopython user would write);
* tangermeme's numba ``one_hot_encode`` if importable here, or from ``--peer-python``
  (the interpreter of a separate environment where tangermeme is installed; one fresh
  process per round regenerates the same seeded sequence). Its first call (numba
  compilation) is excluded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def random_dna(n_bp: int, seed: int) -> str:
    """Uniform random A/C/G/T string of length ``n_bp`` from
    ``numpy.random.default_rng(seed)``."""
    return (
        BASES[np.random.default_rng(seed).integers(0, 4, n_bp)]
        .tobytes()
        .decode("ascii")
    )


def time_once(fn, seq: str) -> float:
    """Wall-clock seconds of one call ``fn(seq)``."""
    start = time.perf_counter()
    fn(seq)
    return time.perf_counter() - start


def python_loop(seq: str) -> np.ndarray:
    index = {"A": 0, "C": 1, "G": 2, "T": 3}
    out = np.zeros((4, len(seq)), dtype=np.int8)
    for j, base in enumerate(seq):
        out[index[base], j] = 1
    return out


def biopython_seq(seq: str) -> np.ndarray:
    from Bio.Seq import Seq

    raw = np.frombuffer(bytes(Seq(seq).upper()), dtype=np.uint8)
    return (raw[None, :] == BASES[:, None]).astype(np.int8)


PEER_SNIPPET = """
import json, sys, time, numpy as np, torch from tangermeme.utils import one_hot_encode
import tangermeme n_bp, seed, repeats = int(sys.argv[1]), int(sys.argv[2]),
int(sys.argv[3]) torch.set_num_threads(1) seq = np.frombuffer(b"ACGT",
np.uint8)[np.random.default_rng(seed).integers(0, 4, n_bp)].tobytes().decode()
one_hot_encode(seq[:1000])  # numba compilation, not timed best = float("inf") for _ in
range(repeats):
    t = time.perf_counter(); x = one_hot_encode(seq); best = min(best,
    time.perf_counter() - t)
codes = np.searchsorted(np.frombuffer(b"ACGT", np.uint8), np.frombuffer(seq.encode(),
np.uint8)) ok = bool(tuple(x.shape) == (4, n_bp) and (x.numpy().argmax(0) ==
codes).all() and int(x.sum()) == n_bp) print(json.dumps({"seconds": best, "version":
tangermeme.__version__, "correct": ok}))
"""


def tangermeme_time(
    n_bp: int, seed: int, repeats: int, peer_python: str | None
) -> dict | None:
    """Time tangermeme in this interpreter if importable, else in ``peer_python``; None
    if neither works."""
    python = sys.executable
    try:
        import tangermeme  # noqa: F401
    except ImportError:
        if not peer_python:
            return None
        python = peer_python
    proc = subprocess.run(
        [python, "-c", PEER_SNIPPET, str(n_bp), str(seed), str(repeats)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(f"tangermeme run failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine_info() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = [
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (
        f"CPU: {cpu}; {os.cpu_count()} logical CPUs; Python "
        f"{platform.python_version()}; "
        f"numpy {np.__version__}; {platform.system()} {platform.release()}"
    )


def run(
    mbp: float, loop_mbp: float, repeats: int, seed: int, peer_python: str | None
) -> str:
    from gdl_utils.dna.sequence import one_hot

    n_bp, n_loop = int(mbp * 1e6), int(loop_mbp * 1e6)
    seq = random_dna(n_bp, seed)
    reference = one_hot(seq[:100_000], dtype=np.int8)
    for name, fn in [
        ("loop", python_loop),
        ("biopython", biopython_seq),
    ]:  # all methods agree
        assert np.array_equal(fn(seq[:100_000]), reference), name
    methods = [
        (
            "`gdl_utils.one_hot(s, dtype=np.int8)`",
            seq,
            lambda s: one_hot(s, dtype=np.int8),
        ),
        ("`gdl_utils.one_hot(s)` (float32)", seq, one_hot),
        ("Biopython `Seq` -> bytes -> numpy compare", seq, biopython_seq),
        (
            f"per-character Python loop (timed on {loop_mbp:g} Mbp)",
            seq[:n_loop],
            python_loop,
        ),
    ]
    best = {name: float("inf") for name, _, _ in methods}
    peer = None
    for _ in range(
        repeats
    ):  # round robin, so that background load hits every method alike
        for name, data, fn in methods:
            best[name] = min(best[name], time_once(fn, data))
        result = tangermeme_time(n_bp, seed, 1, peer_python)
        if result is not None and (peer is None or result["seconds"] < peer["seconds"]):
            peer = result
    rows = [(name, len(data), best[name]) for name, data, _ in methods]
    if peer is not None:
        rows.insert(
            1,
            (
                f"tangermeme {peer['version']} `one_hot_encode` (numba, int8 tensor)"
                + ("" if peer["correct"] else " **wrong output**"),
                n_bp,
                peer["seconds"],
            ),
        )
    reference_rate = rows[0][1] / rows[0][2] / 1e6
    lines = [
        f"Random DNA, seed {seed}, {mbp:g} Mbp, best of {repeats} rounds, (4, L) int8 "
        "output unless "
        "noted.",
        "",
        "| method | bp encoded | best time (s) | Mbp/s | relative to gdl_utils |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, bp, sec in rows:
        rate = bp / sec / 1e6
        lines.append(
            f"| {name} | {bp:,} | {sec:.4f} | {rate:,.1f} | "
            f"{rate / reference_rate:.3g}x |"
        )
    if peer is None:
        lines += [
            "",
            "tangermeme: not importable here and no `--peer-python` given; not "
            "measured.",
        ]
    lines += ["", machine_info()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mbp", type=float, default=50.0, help="length of the random sequence (Mbp)"
    )
    parser.add_argument(
        "--loop-mbp", type=float, default=2.0, help="slice for the per-character loop"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--peer-python",
        default=None,
        help=(
            "python of an environment with tangermeme installed, e.g. "
            "/tmp/tgm/bin/python"
        ),
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="also write the markdown table here"
    )
    args = parser.parse_args(argv)
    table = run(args.mbp, args.loop_mbp, args.repeats, args.seed, args.peer_python)
    print(table)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table)


if __name__ == "__main__":
    main()
