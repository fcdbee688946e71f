"""The registry of remote data: entries, settings and verification (no I/O beyond reading files).

Every remote file the course uses is listed once in ``gdl_utils/datasets/registry.json``. An entry is a
*dataset*: one file (``url`` + ``filename``, the UCI sets) or many files under one folder (``folder`` +
``base_url`` + ``files``, e.g. the 50 nanopore reads). Each file pins its content: a ``sha256`` of its bytes,
or, where the bytes are not known, a ``records_sha256`` of the records its ``format`` parser reads (see
:func:`records_sha256`). A file's place in the cache and in a mirror is the same relative path,
``<folder>/<file>``; that path may never leave the cache or mirror folder (``..``, absolute paths and
symlinks out are a ``ValueError`` naming the entry).

Settings come from arguments or the environment: ``GDL_DATA_DIR`` (cache), ``GDL_DATA_MIRROR`` (one
``http(s)://`` base URL, or local folders separated by ``os.pathsep``), ``GDL_OFFLINE`` (1/0, true/false,
yes/no, on/off) and ``GDL_DOWNLOAD_DEADLINE`` (seconds one download may take in all, default 900).
:mod:`gdl_utils.datasets.fetching` uses them to fetch files.

Used in: ch. 1, 2, 3 (through the UCI loaders); setup page (``python -m gdl_utils.datasets``).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Callable, NamedTuple

import pandas as pd

__all__ = [
    "DataUnavailableError", "DataIntegrityError", "Settings", "load_registry", "list_datasets",
    "check_content", "register_format", "sha256_of", "records_sha256", "settings", "verify",
    "check_inside",
]

_FORMATS: dict[str, Callable[[Path], pd.DataFrame]] = {}
_HEX64 = re.compile(r"[0-9a-f]{64}")
_BOOL = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
         "off": False}
DEFAULT_DEADLINE_S = 900.0


class DataUnavailableError(RuntimeError):
    """A registry file could not be obtained from the cache, the mirror or its URL."""


class DataIntegrityError(DataUnavailableError, ValueError):
    """A file's bytes or content do not match its registry entry (hash, size or content checks)."""


def register_format(name: str):
    """Decorator registering ``parser(path) -> DataFrame`` used to check files of format ``name``.

    The parser returns a frame with columns ``label`` and ``sequence`` indexed by 1-based line number.
    """
    def decorate(parser):
        _FORMATS[name] = parser
        return parser
    return decorate


def _safe_relpath(value, name: str, what: str) -> str:
    """``value`` as a normalised relative POSIX path that cannot leave its base folder, else ValueError."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"registry entry {name!r}: {what} must be a non-empty string, got {value!r}")
    path = PurePosixPath(value)
    if path.is_absolute() or "\\" in value or ":" in value or value.startswith("~"):
        raise ValueError(f"registry entry {name!r}: {what} {value!r} must be a relative path inside the "
                         f"cache/mirror folder (no absolute path, drive, '~' or backslash)")
    if any(part in ("..", ".") for part in path.parts) or "//" in value:
        raise ValueError(f"registry entry {name!r}: {what} {value!r} must not contain '..', '.' or "
                         f"empty parts: it would leave the cache/mirror folder")
    return str(path)


def _file_entry(name: str, rel: str, spec: dict, url) -> dict:
    if not isinstance(spec, dict):
        raise ValueError(f"registry entry {name!r}, file {rel!r}: expected an object, got {spec!r}")
    out = {"url": spec.get("url", url), "sha256": spec.get("sha256"), "size": spec.get("size"),
           "format": spec.get("format"), "checks": spec.get("checks"),
           "records_sha256": spec.get("records_sha256")}
    for key in ("sha256", "records_sha256"):
        if out[key] is not None and not _HEX64.fullmatch(str(out[key])):
            raise ValueError(f"registry entry {name!r}, file {rel!r}: {key} must be 64 lower-case hex "
                             f"digits, got {out[key]!r}")
    if not out["sha256"] and not (out["format"] and out["records_sha256"]):
        raise ValueError(f"registry entry {name!r}, file {rel!r} does not pin its content: give its "
                         f"'sha256', or a 'format' and the 'records_sha256' of its parsed records")
    return out


def _normalise(name: str, entry) -> dict:
    """One dataset as ``{..metadata, "folder": str, "files": {relpath: file entry}}``."""
    if not isinstance(entry, dict) or not (entry.get("url") or entry.get("files")):
        raise ValueError(f"registry entry {name!r} needs a 'url' (one file) or 'files' (a dataset of "
                         f"several files) (got {entry!r})")
    out = {k: v for k, v in entry.items() if k not in ("files", "url", "sha256", "size", "format",
                                                         "checks", "records_sha256")}
    folder = entry.get("folder")
    out["folder"] = _safe_relpath(folder, name, "folder") if folder else ""
    if entry.get("files"):
        base = entry.get("base_url")
        files = {}
        for rel, spec in entry["files"].items():
            rel = _safe_relpath(rel, name, "file name")
            files[rel] = _file_entry(name, rel, spec, f"{base.rstrip('/')}/{rel}" if base else None)
    else:
        filename = entry.get("filename") or entry["url"].rstrip("/").rsplit("/", 1)[-1]
        rel = _safe_relpath(filename, name, "file name")
        files = {rel: _file_entry(name, rel, entry, entry["url"])}
        out["filename"], out["url"] = rel, entry["url"]
    out["files"] = files
    return out


def load_registry(registry: dict | str | os.PathLike | None = None) -> dict[str, dict]:
    """The registry as ``{name: dataset}``: the packaged JSON, a JSON file, or a dict (copied).

    Each dataset has ``folder`` (``""`` for the flat UCI files) and ``files``: ``{relative path: {url,
    sha256, size, format, checks, records_sha256}}``; a one-file entry also keeps ``filename`` and ``url``.
    Raises ``ValueError`` naming the entry when a path could leave the cache or a file pins no content.
    Used in: setup page (``python -m gdl_utils.datasets list``).
    """
    if registry is None:
        text = resources.files("gdl_utils.datasets").joinpath("registry.json").read_text("utf-8")
        registry = json.loads(text)
    elif isinstance(registry, (str, os.PathLike)):
        registry = json.loads(Path(registry).read_text("utf-8"))
    return {name: _normalise(name, entry) for name, entry in registry.items()}


def list_datasets(registry=None) -> pd.DataFrame:
    """One row per dataset: name, path (file or folder), files, size (bytes), license, description.

    Used in: setup page (``python -m gdl_utils.datasets list``).
    """
    rows = []
    for name, d in load_registry(registry).items():
        sizes = [f["size"] for f in d["files"].values()]
        rows.append({"name": name, "path": d.get("filename") or d["folder"] + "/",
                     "files": len(d["files"]), "size": None if None in sizes else sum(sizes),
                     "license": d.get("license", ""), "description": d.get("description", "")})
    return pd.DataFrame(rows).astype({"size": "Int64"})


class Settings(NamedTuple):
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
    """``GDL_OFFLINE`` as a bool: 1/0, true/false, yes/no, on/off (any case); anything else ValueError."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in _BOOL:
        raise ValueError(f"GDL_OFFLINE={value!r} is not a clear value: use 1/0, true/false, yes/no or "
                         f"on/off")
    return _BOOL[text]


def parse_mirrors(mirror) -> tuple[str, ...]:
    """``GDL_DATA_MIRROR`` as a tuple: one http(s) URL, or folders separated by ``os.pathsep``."""
    if not mirror:
        return ()
    if isinstance(mirror, (list, tuple)):
        return tuple(m for item in mirror for m in parse_mirrors(item))
    text = str(mirror).strip()
    if text.startswith(("http://", "https://")):
        return (text.rstrip("/"),)
    return tuple(str(Path(p).expanduser()) for p in text.split(os.pathsep) if p.strip())


def settings(cache_dir=None, mirror=None, offline=None) -> Settings:
    """Arguments, else ``GDL_DATA_DIR``, ``GDL_DATA_MIRROR``, ``GDL_OFFLINE``, ``GDL_DOWNLOAD_DEADLINE``."""
    if cache_dir is None:
        cache_dir = os.environ.get("GDL_DATA_DIR") or None
    if cache_dir is None:
        import pooch  # imported here: pooch pulls in requests and tqdm
        cache_dir = pooch.os_cache("gdl_utils")
    if mirror is None:
        mirror = os.environ.get("GDL_DATA_MIRROR") or None
    if offline is None:
        offline = os.environ.get("GDL_OFFLINE", "").strip() or "0"
    return Settings(Path(cache_dir).expanduser(), parse_mirrors(mirror), parse_offline(offline),
                    _env_float("GDL_DOWNLOAD_DEADLINE", DEFAULT_DEADLINE_S))


def check_inside(root: Path, path: Path, name: str, what: str) -> Path:
    """``path`` if it resolves (symlinks followed) inside ``root``; else ValueError naming entry ``name``."""
    resolved, base = path.resolve(), root.resolve()
    if resolved != base and base not in resolved.parents:
        raise ValueError(f"registry entry {name!r}: {what} path {path} resolves to {resolved}, outside "
                         f"the {what} folder {base} (a symlink pointing out?)")
    return path


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB blocks). Used in: setup page (checking a download)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def records_sha256(df: pd.DataFrame) -> str:
    """sha256 of a parsed frame's records: column names, then one tab-joined line per row (index ignored).

    Pins the content of a file whose exact bytes are not known (e.g. UCI ``promoters.data``): padding and
    letter case may differ, but a changed label, name or base changes the hash.
    """
    lines = ["\t".join(map(str, df.columns))]
    lines += ["\t".join(map(str, row)) for row in df.itertuples(index=False, name=None)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def check_content(df: pd.DataFrame, checks: dict | None, source: str) -> None:
    """Compare a parsed frame (index = line number) with ``checks``; raise :class:`DataIntegrityError`.

    checks : ``{"records": int, "classes": {label: count}, "length": int}``, each key optional.
    """
    checks = checks or {}
    if "records" in checks and len(df) != checks["records"]:
        raise DataIntegrityError(f"{source}: {len(df)} records, expected {checks['records']}")
    if "classes" in checks:
        found = {str(k): int(v) for k, v in df["label"].value_counts().items()}
        if found != {str(k): int(v) for k, v in checks["classes"].items()}:
            raise DataIntegrityError(f"{source}: class counts {found}, expected {checks['classes']}")
    if "length" in checks:
        bad = df["sequence"].str.len() != checks["length"]
        if bad.any():
            line = df.index[bad.to_numpy().argmax()]
            raise DataIntegrityError(f"{source}, line {line}: sequence of length "
                                     f"{len(df['sequence'][line])}, expected {checks['length']}")


def verify(path: Path, entry: dict, source: str) -> None:
    """Raise :class:`DataIntegrityError` unless ``path`` matches the file entry's size, hashes and checks."""
    size = entry.get("size")
    if size is not None and path.stat().st_size != size:
        raise DataIntegrityError(f"{source}: size {path.stat().st_size} bytes, expected {size}")
    expected = entry.get("sha256")
    if expected:
        actual = sha256_of(path)
        if actual != expected.lower():
            raise DataIntegrityError(f"{source}: sha256 mismatch: expected {expected}, actual {actual}")
    fmt = entry.get("format")
    if fmt and (entry.get("checks") or entry.get("records_sha256")):
        if fmt not in _FORMATS:
            raise ValueError(f"no parser registered for format {fmt!r} (import gdl_utils.datasets)")
        try:
            parsed = _FORMATS[fmt](path)
        except DataIntegrityError:
            raise
        except ValueError as exc:
            raise DataIntegrityError(f"{source}: {exc}") from exc
        check_content(parsed, entry.get("checks"), source)
        pinned = entry.get("records_sha256")
        if pinned and records_sha256(parsed) != pinned:
            raise DataIntegrityError(f"{source}: the parsed records differ from the registry's "
                                     f"(records_sha256 expected {pinned}, actual {records_sha256(parsed)}): "
                                     f"a label, name or base has changed")
