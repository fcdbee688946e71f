"""Where the course's shared data mirror lives (``../shared/data`` next to the project),
for data tests, and the random inputs several test files share.

``UCI`` holds the UCI files flat (``splice.data``); ``MIRROR`` holds the chapter 4-10
datasets in subfolders (``nanopore_lambda/fast5/...``). Both are laid out like the
cache, so ``MIRRORS`` (both) is a valid ``mirror=`` argument. Tests that need them are
skipped when they are absent.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch

SHARED = Path(__file__).resolve().parents[1].parent / "shared/data"
UCI, MIRROR = SHARED / "uci", SHARED / "mirror"
MIRRORS = [str(UCI), str(MIRROR)]
needs_uci = pytest.mark.skipif(
    not (UCI / "splice.data").is_file(), reason=f"UCI mirror not found at {UCI}"
)
needs_mirror = pytest.mark.skipif(
    not (MIRROR / "SHA256SUMS").is_file(),
    reason=f"shared data mirror not found at {MIRROR}",
)


def mirror_sums() -> dict[str, str]:
    """``{"<dataset>/<file>": sha256}`` from the mirror's SHA256SUMS."""
    sums = {}
    for line in (MIRROR / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split(None, 1)
        sums[path.removeprefix("./")] = digest
    return sums


def random_one_hot(rng, n: int, length: int, *, tensor: bool = False):
    """(n, 4, length) float32 one-hot DNA with uniform random bases (numpy, or a torch
    tensor with ``tensor=True``)."""
    idx = rng.integers(0, 4, size=(n, length))
    x = np.zeros((n, 4, length), dtype=np.float32)
    x[np.arange(n)[:, None], idx, np.arange(length)[None, :]] = 1.0
    return torch.from_numpy(x) if tensor else x


def peak_bytes(func):
    """``func()`` and the peak bytes allocated while it ran (numpy reports its buffers
    to tracemalloc), for memory-ceiling tests."""
    tracemalloc.start()
    try:
        out = func()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def random_dna(n: int, letters: bytes, seed: int) -> str:
    """A random string of ``n`` characters drawn from ``letters``."""
    idx = np.random.default_rng(seed).integers(0, len(letters), n)
    return np.frombuffer(letters, np.uint8)[idx].tobytes().decode()
