"""Shared pytest fixtures.

``device`` parametrises a test over every device this machine has (CPU always, CUDA and
MPS when available), so the same unit tests exercise the GPU code paths on a GPU
machine.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdl_utils.runtime import set_threads

# One intra-op thread per test process (or OMP_NUM_THREADS): the test models are tiny,
# and under pytest-xdist the workers share the machine's cores; oversubscription makes
# small CPU kernels (e.g. BCE losses) many times slower.
set_threads()


def available_devices() -> list[str]:
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    if (
        getattr(torch.backends, "mps", None) is not None
        and torch.backends.mps.is_available()
    ):
        devices.append("mps")
    return devices


@pytest.fixture(params=available_devices())
def device(request) -> torch.device:
    """Each available device in turn: ``cpu``, then ``cuda`` / ``mps`` where present."""
    return torch.device(request.param)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
