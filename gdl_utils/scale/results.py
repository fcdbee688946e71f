"""Stored results of the scale runs: write them with their provenance, read them back
only while they still match the preset in the code.

A result file ``gdl_utils/scale/stored/<section>-<preset>.json`` holds ``section``,
``preset``, ``settings`` (the preset's values), ``seeds``, ``device``, ``precision``,
``wall_time_s``, ``cpu_time_s``, ``package_version``, ``torch_version``,
``python_version``, ``finished`` (UTC) and ``results`` (the section's numbers).

Used in: chapters 4 (04b, 04c) and 7 (07c, 07d), through ``load_result``.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
from datetime import datetime, timezone
from pathlib import Path

import torch

from .presets import preset_settings

__all__ = [
    "REQUIRED_KEYS",
    "StaleResultError",
    "results_dir",
    "result_path",
    "write_result",
    "load_result",
]

REQUIRED_KEYS = (
    "section", "preset", "settings", "seeds", "device", "precision", "wall_time_s",
    "cpu_time_s", "package_version", "torch_version", "python_version", "finished",
    "results",
)  # fmt: skip


class StaleResultError(ValueError):
    """A stored result whose settings differ from the preset in the code.

    Used in: no notebook directly (raised by ``load_result``).
    """


def results_dir() -> Path:
    """The folder of the stored results: ``$GDL_SCALE_RESULTS`` if set, else
    ``stored/`` next to this module: the results ship with the package (package
    data), so a pip install (Colab) shows the same stored runs as the book.

    Used in: no notebook directly (``load_result``, ``python -m gdl_utils.scale``).
    """
    env = os.environ.get("GDL_SCALE_RESULTS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent / "stored"


def result_path(section: str, preset: str, root=None) -> Path:
    """``<root>/<section>-<preset>.json`` (default root: :func:`results_dir`).

    Used in: no notebook directly (``load_result``, ``python -m gdl_utils.scale``).
    """
    return Path(root or results_dir()) / f"{section}-{preset}.json"


def write_result(section: str, preset: str, run: dict, root=None) -> Path:
    """Write a runner's output ``run`` (``seeds``, ``device``, ``precision``,
    ``wall_time_s``, ``cpu_time_s``, ``results``) with the preset's settings and the
    versions; return the path written.

    Used in: no notebook directly (``python -m gdl_utils.scale``).
    """
    # the package's version, read without importing the package's top level (the
    # layers rule: a folder imports folders, not gdl_utils/__init__.py)
    version = importlib.import_module(__package__.split(".")[0]).__version__
    record = {
        "section": section,
        "preset": preset,
        "settings": preset_settings(section, preset),
        "seeds": list(run["seeds"]),
        "device": run["device"],
        "precision": run["precision"],
        "wall_time_s": round(float(run["wall_time_s"]), 1),
        "cpu_time_s": round(float(run["cpu_time_s"]), 1),
        "package_version": version,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "results": run["results"],
    }
    path = result_path(section, preset, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def load_result(section: str, preset: str = "cpu-long", root=None) -> dict:
    """The stored result of ``section`` at ``preset``, checked against the code.

    Parameters
    ----------
    section : "4.2", "4.3", "7.3" or "7.4"
    preset : "cpu-long", "gpu" or "smoke"
    root : folder of the result files (default :func:`results_dir`)

    Returns the whole record (a dict with :data:`REQUIRED_KEYS`); the numbers are in
    ``record["results"]``.

    Raises
    ------
    FileNotFoundError
        No stored result (never run at this preset: a page says "not measured").
    StaleResultError
        The stored settings differ from the preset in the code (names the values);
        rerun ``python -m gdl_utils.scale SECTION --preset PRESET``.
    ValueError
        A key of :data:`REQUIRED_KEYS` is missing.
    KeyError
        No such section or preset in :data:`~gdl_utils.scale.PRESETS`.

    Used in: chapters 4 (04b, 04c) and 7 (07c, 07d): the stored runs beside each page's
    default run.
    """
    expected = preset_settings(section, preset)  # KeyError for an unknown preset
    path = result_path(section, preset, root)
    if not path.exists():
        raise FileNotFoundError(
            f"load_result: no stored result {path.name} in {path.parent}; run"
            f" python -m gdl_utils.scale {section} --preset {preset}"
        )
    record = json.loads(path.read_text())
    missing = [k for k in REQUIRED_KEYS if k not in record]
    if missing:
        raise ValueError(f"load_result: {path.name} lacks the keys {missing}")
    if record["settings"] != expected:
        keys = sorted(set(expected) | set(record["settings"]))
        diff = {
            k: (record["settings"].get(k), expected.get(k))
            for k in keys
            if record["settings"].get(k) != expected.get(k)
        }
        raise StaleResultError(
            f"load_result: {path.name} is stale, its settings differ from preset"
            f" {preset!r} of section {section} (stored, code): {diff}; rerun"
            f" python -m gdl_utils.scale {section} --preset {preset}"
        )
    return record
