"""The registry of remote data: its entries, their paths, and the data errors.

Every remote file the course uses is listed once in ``registry.json`` (shipped inside
the package). An entry is a *dataset*: one file (``url`` + ``filename``, the UCI sets)
or many files under one folder (``folder`` + ``base_url`` + ``files``, e.g. the 50
nanopore reads). Each file pins its content: the ``sha256`` of its bytes or, where the
bytes are not known, a ``format`` and the ``records_sha256`` of its parsed records (see
:mod:`gdl_utils.datasets.integrity`). A file lives at the same relative path
``<folder>/<file>`` in the cache and in a mirror; that path may never leave the cache or
mirror folder (``..``, absolute paths and symlinks out are a ``ValueError`` naming the
entry).

Used in: ch. 1, 2, 3 (through the UCI loaders); setup page (``python -m
gdl_utils.datasets list``).
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Callable

import pandas as pd

__all__ = [
    "DataUnavailableError",
    "DataIntegrityError",
    "load_registry",
    "list_datasets",
    "register_format",
    "get_format",
    "check_inside",
]

_FORMATS: dict[str, Callable[[Path], pd.DataFrame]] = {}
_HEX64 = re.compile(r"[0-9a-f]{64}")


class DataUnavailableError(RuntimeError):
    """A registry file could not be obtained from the cache, the mirror or its URL.

    Used in: no notebook directly (raised by the data functions).
    """


class DataIntegrityError(DataUnavailableError, ValueError):
    """A file's bytes or content do not match its registry entry (hash, size...).

    Used in: no notebook directly (raised by the data functions).
    """


def register_format(name: str):
    """Decorator registering ``parser(path) -> DataFrame`` used to check files of format
    ``name``.

    The parser returns a frame with columns ``label`` and ``sequence`` indexed by
    1-based line number.

    Used in: no notebook directly (the loaders register their parsers).
    """

    def decorate(parser):
        _FORMATS[name] = parser
        return parser

    return decorate


def get_format(name: str) -> Callable[[Path], pd.DataFrame]:
    """The parser registered for format ``name``; ValueError if there is none.

    Used in: no notebook directly (``verify`` calls it).
    """
    if name not in _FORMATS:
        raise ValueError(
            f"no parser registered for format {name!r} (known: {sorted(_FORMATS)}; "
            f"import gdl_utils.datasets)"
        )
    return _FORMATS[name]


def _safe_relpath(value, name: str, what: str) -> str:
    """``value`` as a relative path that cannot leave its folder; else ValueError."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f"registry entry {name!r}: {what} must be a non-empty string, got {value!r}"
        )
    path = PurePosixPath(value)
    if path.is_absolute() or "\\" in value or ":" in value or value.startswith("~"):
        raise ValueError(
            f"registry entry {name!r}: {what} {value!r} must be a relative path "
            f"inside the "
            f"cache/mirror folder (no absolute path, drive, '~' or backslash)"
        )
    if any(part in ("..", ".") for part in path.parts) or "//" in value:
        raise ValueError(
            f"registry entry {name!r}: {what} {value!r} must not contain '..', '.' or "
            f"empty parts: it would leave the cache/mirror folder"
        )
    return str(path)


def _file_entry(name: str, rel: str, spec: dict, url) -> dict:
    if not isinstance(spec, dict):
        raise ValueError(
            f"registry entry {name!r}, file {rel!r}: expected an object, got {spec!r}"
        )
    out = {
        "url": spec.get("url", url),
        "sha256": spec.get("sha256"),
        "size": spec.get("size"),
        "format": spec.get("format"),
        "checks": spec.get("checks"),
        "records_sha256": spec.get("records_sha256"),
    }
    for key in ("sha256", "records_sha256"):
        if out[key] is not None and not _HEX64.fullmatch(str(out[key])):
            raise ValueError(
                f"registry entry {name!r}, file {rel!r}: {key} must be 64 lower-case "
                f"hex "
                f"digits, got {out[key]!r}"
            )
    if not out["sha256"] and not (out["format"] and out["records_sha256"]):
        raise ValueError(
            f"registry entry {name!r}, file {rel!r} does not pin its content: give its "
            f"'sha256', or a 'format' and the 'records_sha256' of its parsed records"
        )
    return out


def _normalise(name: str, entry) -> dict:
    """One dataset as ``{..metadata, "folder": str, "files": {relpath: entry}}``."""
    if not isinstance(entry, dict) or not (entry.get("url") or entry.get("files")):
        raise ValueError(
            f"registry entry {name!r} needs a 'url' (one file) or 'files' "
            f"(a dataset of "
            f"several files) (got {entry!r})"
        )
    out = {
        k: v
        for k, v in entry.items()
        if k
        not in ("files", "url", "sha256", "size", "format", "checks", "records_sha256")
    }
    folder = entry.get("folder")
    out["folder"] = _safe_relpath(folder, name, "folder") if folder else ""
    if entry.get("files"):
        base = entry.get("base_url")
        files = {}
        for rel, spec in entry["files"].items():
            rel = _safe_relpath(rel, name, "file name")
            files[rel] = _file_entry(
                name, rel, spec, f"{base.rstrip('/')}/{rel}" if base else None
            )
    else:
        filename = entry.get("filename") or entry["url"].rstrip("/").rsplit("/", 1)[-1]
        rel = _safe_relpath(filename, name, "file name")
        files = {rel: _file_entry(name, rel, entry, entry["url"])}
        out["filename"], out["url"] = rel, entry["url"]
    out["files"] = files
    return out


def load_registry(registry: dict | str | os.PathLike | None = None) -> dict[str, dict]:
    """The registry as ``{name: dataset}``: the packaged JSON, a JSON file, or a dict
    (copied).

    Each dataset has ``folder`` (``""`` for the flat UCI files) and ``files``:
    ``{relative path: {url, sha256, size, format, checks, records_sha256}}``; a one-file
    entry also keeps ``filename`` and ``url``. Raises ``ValueError`` naming the entry
    when a path could leave the cache or a file pins no content. Used in: setup page
    (``python -m gdl_utils.datasets list``).
    """
    if registry is None:
        text = (
            resources.files("gdl_utils.datasets")
            .joinpath("registry.json")
            .read_text("utf-8")
        )
        registry = json.loads(text)
    elif isinstance(registry, (str, os.PathLike)):
        registry = json.loads(Path(registry).read_text("utf-8"))
    return {name: _normalise(name, entry) for name, entry in registry.items()}


def list_datasets(registry=None) -> pd.DataFrame:
    """One row per dataset: name, path (file or folder), files, size (bytes), license,
    description.

    Used in: setup page (``python -m gdl_utils.datasets list``).
    """
    rows = []
    for name, d in load_registry(registry).items():
        sizes = [f["size"] for f in d["files"].values()]
        rows.append(
            {
                "name": name,
                "path": d.get("filename") or d["folder"] + "/",
                "files": len(d["files"]),
                "size": None if None in sizes else sum(sizes),
                "license": d.get("license", ""),
                "description": d.get("description", ""),
            }
        )
    return pd.DataFrame(rows).astype({"size": "Int64"})


def check_inside(root: Path, path: Path, name: str, what: str) -> Path:
    """``path`` if it resolves (symlinks followed) inside ``root``; else ValueError.

    Used in: no notebook directly (every cache and mirror path goes through it).
    """
    resolved, base = path.resolve(), root.resolve()
    if resolved != base and base not in resolved.parents:
        raise ValueError(
            f"registry entry {name!r}: {what} path {path} resolves to {resolved}, "
            f"outside "
            f"the {what} folder {base} (a symlink pointing out?)"
        )
    return path
