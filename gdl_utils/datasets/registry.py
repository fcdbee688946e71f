"""Registry of remote data files: download once, verify, cache, work offline.

Every remote file the course uses is listed once in ``gdl_utils/datasets/registry.json`` with its URL,
its sha256 (``null`` where the byte hash is not known), its size and content checks (record count,
class counts, sequence length) that the file's parser verifies. :func:`fetch` returns a verified local
copy, looking in this order:

1. the cache folder (``GDL_DATA_DIR``, default ``pooch.os_cache("gdl_utils")``); a cached file that fails
   verification is deleted and fetched again;
2. the mirror ``GDL_DATA_MIRROR`` (a local folder or an ``http(s)://`` base URL) holding the file under
   its registry file name;
3. the original URL, unless ``GDL_OFFLINE=1``.

A new file is written to a temporary name inside the cache folder, verified, and only then renamed into
place (``os.replace``), so the cache never holds a partial or corrupted file.

Used in: ch. 1 (UCI splice junctions), ch. 2 (UCI promoters), ch. 3.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from importlib import resources
from pathlib import Path
from typing import Callable

import pandas as pd

with warnings.catch_warnings():  # pooch imports tqdm.auto, which warns in Jupyter without ipywidgets
    warnings.filterwarnings("ignore", message="IProgress not found")
    import pooch
    import requests  # a dependency of pooch

__all__ = [
    "DataUnavailableError", "DataIntegrityError", "fetch", "fetch_with_source", "load_registry",
    "list_datasets", "cache_path", "check_content", "register_format", "sha256_of",
]

_FORMATS: dict[str, Callable[[Path], pd.DataFrame]] = {}


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


def load_registry(registry: dict | str | os.PathLike | None = None) -> dict[str, dict]:
    """The registry as ``{name: entry}``: the packaged JSON, a JSON file, or a dict (copied).

    Each entry gets a ``filename`` (default: the last part of its ``url``). Used in: ch. 1 (setup).
    """
    if registry is None:
        text = resources.files("gdl_utils.datasets").joinpath("registry.json").read_text("utf-8")
        registry = json.loads(text)
    elif isinstance(registry, (str, os.PathLike)):
        registry = json.loads(Path(registry).read_text("utf-8"))
    entries = {}
    for name, entry in registry.items():
        if not isinstance(entry, dict) or not entry.get("url"):
            raise ValueError(f"registry entry {name!r} needs a 'url' (got {entry!r})")
        entry = dict(entry)
        entry.setdefault("filename", entry["url"].rstrip("/").rsplit("/", 1)[-1])
        entries[name] = entry
    return entries


def list_datasets(registry=None) -> pd.DataFrame:
    """One row per registry entry: name, filename, size, sha256, description. Used in: ch. 1."""
    rows = [{"name": n, "filename": e["filename"], "size": e.get("size"), "sha256": e.get("sha256"),
             "description": e.get("description", "")} for n, e in load_registry(registry).items()]
    return pd.DataFrame(rows).astype({"size": "Int64"})


def _settings(cache_dir, mirror, offline) -> tuple[Path, str | None, bool]:
    if cache_dir is None:
        cache_dir = os.environ.get("GDL_DATA_DIR") or pooch.os_cache("gdl_utils")
    if mirror is None:
        mirror = os.environ.get("GDL_DATA_MIRROR") or None
    if offline is None:
        offline = os.environ.get("GDL_OFFLINE", "0").strip().lower() in {"1", "true", "yes", "on"}
    return Path(cache_dir).expanduser(), (str(mirror) if mirror else None), bool(offline)


def _entry(name: str, registry) -> dict:
    entries = load_registry(registry)
    if name not in entries:
        raise KeyError(f"{name!r} is not in the data registry; known: {sorted(entries)}")
    return entries[name]


def cache_path(name: str, *, cache_dir=None, registry=None) -> Path:
    """Where :func:`fetch` keeps file ``name`` (it may not exist yet). Used in: setup page."""
    return _settings(cache_dir, None, False)[0] / _entry(name, registry)["filename"]


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB blocks). Used in: ch. 1 (checking a download)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _verify(path: Path, entry: dict, source: str) -> None:
    """Raise :class:`DataIntegrityError` unless ``path`` matches the entry's size, sha256 and checks."""
    size = entry.get("size")
    if size is not None and path.stat().st_size != size:
        raise DataIntegrityError(f"{source}: size {path.stat().st_size} bytes, expected {size}")
    expected = entry.get("sha256")
    if expected:
        actual = sha256_of(path)
        if actual != expected.lower():
            raise DataIntegrityError(f"{source}: sha256 mismatch: expected {expected}, actual {actual}")
    fmt = entry.get("format")
    if fmt and entry.get("checks"):
        if fmt not in _FORMATS:
            raise ValueError(f"no parser registered for format {fmt!r} (import gdl_utils.datasets)")
        try:
            parsed = _FORMATS[fmt](path)
        except DataIntegrityError:
            raise
        except ValueError as exc:
            raise DataIntegrityError(f"{source}: {exc}") from exc
        check_content(parsed, entry["checks"], source)


def _install(tmp: Path, final: Path, entry: dict, source: str) -> Path:
    """Verify ``tmp`` and rename it to ``final``; delete it if verification fails."""
    try:
        _verify(tmp, entry, source)
        os.chmod(tmp, 0o644)  # temporaries are created 0600; a shared cache should stay readable
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def _from_folder(folder: Path, entry: dict, final: Path) -> Path | None:
    src = folder.expanduser() / entry["filename"]
    if not src.is_file():
        if not folder.expanduser().is_dir():
            warnings.warn(f"GDL_DATA_MIRROR folder {folder} does not exist", stacklevel=3)
        return None
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    tmp = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
            shutil.copyfileobj(fh, out)
    except BaseException:  # interrupted or failed copy: leave nothing behind
        tmp.unlink(missing_ok=True)
        raise
    return _install(tmp, final, entry, f"mirror file {src}")


def _from_http(url: str, entry: dict, final: Path) -> Path:
    """Download with pooch into a private temporary folder next to ``final``, verify, rename."""
    tmpdir = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".download"))
    try:
        known = f"sha256:{entry['sha256']}" if entry.get("sha256") else None
        try:
            got = pooch.retrieve(url, known_hash=known, fname=final.name, path=tmpdir, progressbar=False)
        except ValueError as exc:  # pooch: hash mismatch (message has expected and actual hashes)
            if "hash" not in str(exc).lower():
                raise
            raise DataIntegrityError(f"download from {url}: {exc}") from exc
        return _install(Path(got), final, entry, f"download from {url}")
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _how_to(entry: dict, final: Path) -> str:
    return (f"Download {entry['url']} by hand and save it as {final}, or set GDL_DATA_MIRROR to a folder "
            f"(or http URL) holding {entry['filename']!r}.")


def fetch_with_source(name: str, *, cache_dir=None, mirror=None, offline=None,
                      registry=None) -> tuple[Path, str]:
    """Like :func:`fetch`, also saying where the file came from.

    Returns
    -------
    path : pathlib.Path
        Verified local copy in the cache folder.
    source : str
        ``"cache"``, ``"mirror <folder or URL>"`` or ``"url <URL>"``.
    """
    entry = _entry(name, registry)
    cache, mirror, offline = _settings(cache_dir, mirror, offline)
    final = cache / entry["filename"]
    if final.is_file():
        try:
            _verify(final, entry, f"cached file {final}")
            return final, "cache"
        except DataIntegrityError as exc:
            warnings.warn(f"{exc}; deleting it and fetching {name!r} again", stacklevel=2)
            final.unlink(missing_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    if mirror and mirror.startswith(("http://", "https://")):
        if not offline:
            url = f"{mirror.rstrip('/')}/{entry['filename']}"
            try:
                return _from_http(url, entry, final), f"mirror {url}"
            except DataIntegrityError:
                raise
            except requests.exceptions.RequestException as exc:
                warnings.warn(f"mirror {url} failed ({exc}); trying {entry['url']}", stacklevel=2)
    elif mirror:
        if _from_folder(Path(mirror), entry, final) is not None:
            return final, f"mirror {Path(mirror) / entry['filename']}"
    if offline:
        raise DataUnavailableError(
            f"{name!r} ({entry['filename']}) is not in the cache ({final}) nor in the mirror "
            f"({mirror or 'GDL_DATA_MIRROR not set'}) and GDL_OFFLINE=1 forbids downloading "
            f"{entry['url']}. {_how_to(entry, final)}")
    try:
        return _from_http(entry["url"], entry, final), f"url {entry['url']}"
    except DataIntegrityError:
        raise
    except requests.exceptions.RequestException as exc:
        raise DataUnavailableError(f"could not download {name!r} ({entry['filename']}) from "
                                   f"{entry['url']}: {exc}. {_how_to(entry, final)}") from exc


def fetch(name: str, *, cache_dir=None, mirror=None, offline=None, registry=None) -> Path:
    """Verified local path of registry file ``name`` (cache, then mirror, then URL).

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"uci_splice"`` (see :func:`list_datasets`).
    cache_dir : path, optional
        Cache folder; default ``GDL_DATA_DIR`` or ``pooch.os_cache("gdl_utils")``.
    mirror : str or path, optional
        Folder or ``http(s)://`` base URL consulted before the original URL; default ``GDL_DATA_MIRROR``.
    offline : bool, optional
        Never use the network (default: ``GDL_OFFLINE=1``). An ``http`` mirror counts as network.
    registry : dict or path, optional
        Registry to use instead of the packaged one.

    Raises
    ------
    DataUnavailableError
        The file is in neither cache nor mirror and cannot be downloaded; the message says where to
        put it by hand.
    DataIntegrityError
        The file from the mirror or URL fails its sha256, size or content checks; nothing is cached.

    Used in: ch. 1, 2, 3.
    """
    return fetch_with_source(name, cache_dir=cache_dir, mirror=mirror, offline=offline,
                             registry=registry)[0]
