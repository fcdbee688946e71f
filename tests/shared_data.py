"""Where the course's shared data mirror lives (``../shared/data`` next to the project),
for data tests.

``UCI`` holds the UCI files flat (``splice.data``); ``MIRROR`` holds the chapter 4-10
datasets in subfolders (``nanopore_lambda/fast5/...``). Both are laid out like the
cache, so ``MIRRORS`` (both) is a valid ``mirror=`` argument. Tests that need them are
skipped when they are absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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
