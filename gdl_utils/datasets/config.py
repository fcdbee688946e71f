"""Data settings from arguments or the environment, each value checked.

- ``GDL_DATA_DIR``: the cache folder (default: the user cache folder from
  ``platformdirs.user_cache_dir("gdl_utils")``);
- ``GDL_DATA_MIRROR``: one ``http(s)://`` base URL, or local folders separated by
  ``os.pathsep`` (``:`` on Linux/macOS), each laid out like the cache;
- ``GDL_OFFLINE``: 1/0, true/false, yes/no, on/off (any case); anything else is a
  ``ValueError`` naming the variable;
- ``GDL_DOWNLOAD_DEADLINE``: seconds one download may take in all (default 900).

Used in: ch. 1, 2, 3 (through :func:`gdl_utils.datasets.fetch`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

__all__ = ["Settings", "settings", "parse_offline", "parse_mirrors"]

_BOOL = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}
DEFAULT_DEADLINE_S = 900.0


class Settings(NamedTuple):
    """Where data comes from: cache folder, mirrors, offline flag, deadline (seconds).

    Used in: no notebook directly (the data functions read it through ``settings()``).
    """

    cache: Path
    mirrors: tuple[str, ...]
    offline: bool
    deadline: float


def _env_float(var: str, default: float) -> float:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{var}={raw!r} must be a positive number of seconds")
    return value


def parse_offline(value) -> bool:
    """``GDL_OFFLINE`` as a bool: 1/0, true/false, yes/no, on/off (any case).

    Used in: no notebook directly (``settings()`` calls it).
    """
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in _BOOL:
        raise ValueError(
            f"GDL_OFFLINE={value!r} is not a clear value: use 1/0, true/false, "
            f"yes/no or "
            f"on/off"
        )
    return _BOOL[text]


def parse_mirrors(mirror) -> tuple[str, ...]:
    """``GDL_DATA_MIRROR`` as a tuple: one http(s) URL, or folders (``os.pathsep``).

    Used in: no notebook directly (``settings()`` calls it).
    """
    if not mirror:
        return ()
    if isinstance(mirror, (list, tuple)):
        return tuple(m for item in mirror for m in parse_mirrors(item))
    text = str(mirror).strip()
    if text.startswith(("http://", "https://")):
        return (text.rstrip("/"),)
    return tuple(str(Path(p).expanduser()) for p in text.split(os.pathsep) if p.strip())


def settings(cache_dir=None, mirror=None, offline=None) -> Settings:
    """Arguments, else the environment (``GDL_DATA_DIR``, ``GDL_DATA_MIRROR``, ...).

    Used in: no notebook directly (every fetch calls it).
    """
    if cache_dir is None:
        cache_dir = os.environ.get("GDL_DATA_DIR") or None
    if cache_dir is None:
        import platformdirs

        cache_dir = platformdirs.user_cache_dir("gdl_utils")
    if mirror is None:
        mirror = os.environ.get("GDL_DATA_MIRROR") or None
    if offline is None:
        offline = os.environ.get("GDL_OFFLINE", "").strip() or "0"
    return Settings(
        Path(cache_dir).expanduser(),
        parse_mirrors(mirror),
        parse_offline(offline),
        _env_float("GDL_DOWNLOAD_DEADLINE", DEFAULT_DEADLINE_S),
    )
