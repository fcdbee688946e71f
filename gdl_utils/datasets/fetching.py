"""Fetch registry files: cache, then mirror(s), then the original URL; return verified
local paths.

For each file of a dataset (see :mod:`gdl_utils.datasets.registry`), in this order:

1. the cache ``<GDL_DATA_DIR>/<folder>/<file>``; a cached copy that fails verification
   (bytes, size or parsed records) is deleted, with a warning, and fetched again;
2. each mirror of ``GDL_DATA_MIRROR`` in turn (:mod:`gdl_utils.datasets.mirrors`): a
   local folder holding the same relative path ``<folder>/<file>``, or an
   ``http(s)://`` base URL; a mirror copy that fails verification is ignored (with a
   warning) and the next source is tried;
3. the original URL, unless offline (``GDL_OFFLINE=1``); entries without a URL
   (``source`` says where the file comes from) are mirror-only, and the error says how
   to get the file by hand.

Paths never leave the cache or mirror folders (symlinks included). Chapters read files
through :func:`dataset_path` (one file) or :func:`fetch_dataset` (all files of a
dataset).

Used in: ch. 1, 2, 3 (UCI loaders); setup page (``python -m gdl_utils.datasets fetch
--all``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from .config import settings
from .integrity import verify
from .mirrors import try_mirrors
from .registry import (
    DataIntegrityError,
    DataUnavailableError,
    check_inside,
    load_registry,
)
from .transfer import (
    DownloadError,
    clean_stale,
    install_from_url,
    make_folder,
)

__all__ = [
    "UnknownDatasetError",
    "fetch",
    "fetch_with_source",
    "fetch_dataset",
    "dataset_path",
    "cache_path",
]


class UnknownDatasetError(KeyError, ValueError):
    """A dataset name that is not in the registry.

    Used in: no notebook directly (raised by the data functions).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _dataset(name: str, registry) -> dict:
    entries = load_registry(registry)
    if name not in entries:
        raise UnknownDatasetError(
            f"{name!r} is not in the data registry; known: {sorted(entries)}"
        )
    return entries[name]


def _file_of(name: str, d: dict, file: str | None) -> str:
    files = list(d["files"])
    if file is None:
        if len(files) != 1:
            raise ValueError(
                f"dataset {name!r} has {len(files)} files: name one, e.g. "
                f"dataset_path({name!r}, {files[0]!r}), or use fetch_dataset({name!r})"
            )
        return files[0]
    if file not in d["files"]:
        shown = ", ".join(repr(f) for f in files[:5]) + (
            ", ..." if len(files) > 5 else ""
        )
        raise ValueError(f"dataset {name!r} has no file {file!r}; its files: {shown}")
    return file


def _store(d: dict, rel: str) -> str:
    return f"{d['folder']}/{rel}" if d["folder"] else rel


def _how_to(d: dict, entry: dict, store: str, final: Path) -> str:
    where = (
        f"Download {entry['url']}"
        if entry["url"]
        else f"Get it from {d.get('source', 'its source')}"
    )
    return (
        f"{where} by hand and save it as {final}, or set GDL_DATA_MIRROR to a folder "
        f"(or http URL) "
        f"holding {store!r}."
    )


def _fetch_file(name: str, d: dict, rel: str, s) -> tuple[Path, str]:
    entry, store = d["files"][rel], _store(d, rel)
    final = check_inside(s.cache, s.cache / store, name, "cache")
    if final.exists() and not final.is_file():
        what = "a directory" if final.is_dir() else "not a regular file"
        raise DataUnavailableError(
            f"{name!r} ({store}): the cache entry {final} is {what}, not a file;"
            " move it away (fetch never deletes it) or point GDL_DATA_DIR at another"
            " folder"
        )
    if final.is_file():
        try:
            verify(final, entry, f"cached file {final}")
            return final, "cache"
        except DataIntegrityError as exc:
            warnings.warn(
                f"{exc}; deleting it and fetching {name!r} again", stacklevel=3
            )
            final.unlink(missing_ok=True)
    make_folder(s.cache, final.parent)
    check_inside(s.cache, final.parent, name, "cache")
    clean_stale(final.parent)
    got = try_mirrors(name, entry, store, s, final)
    if isinstance(got, tuple):
        return got
    mirrors = "; ".join(got) if got else "GDL_DATA_MIRROR not set"
    url = entry["url"]
    if s.offline:
        raise DataUnavailableError(
            f"{name!r} ({store}) is not in the cache ({final}) and no mirror could "
            f"provide it "
            f"({mirrors}), and offline mode (GDL_OFFLINE=1) forbids downloading "
            f"{url or 'it (mirror-only entry)'}. {_how_to(d, entry, store, final)}"
        )
    if url is None:
        raise DataUnavailableError(
            f"{name!r} ({store}) is mirror-only (no direct URL: "
            f"{d.get('source', 'see registry')}) and no "
            f"mirror could provide it ({mirrors}). {_how_to(d, entry, store, final)}"
        )
    try:
        return install_from_url(url, final, s.cache, entry, s.deadline), f"url {url}"
    except DownloadError as exc:
        raise DataUnavailableError(
            f"could not download {name!r} ({store}) from {url}: {exc}. "
            f"{_how_to(d, entry, store, final)}"
        ) from exc


def fetch_with_source(
    name: str, *, cache_dir=None, mirror=None, offline=None, registry=None
) -> tuple[Path, str]:
    """Like :func:`fetch`, also saying where the file came from.

    Returns
    -------
    path : pathlib.Path
        Verified local copy in the cache folder.
    source : str
        ``"cache"``, ``"mirror <folder file or URL>"`` or ``"url <URL>"``.

    Used in: no notebook directly (``python -m gdl_utils.datasets`` reports the source).
    """
    d = _dataset(name, registry)
    return _fetch_file(
        name, d, _file_of(name, d, None), settings(cache_dir, mirror, offline)
    )


def fetch(
    name: str, *, cache_dir=None, mirror=None, offline=None, registry=None
) -> Path:
    """Verified local path of the one-file registry entry ``name`` (cache, then mirror,
    then URL).

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"uci_splice"`` (see
        :func:`gdl_utils.datasets.list_datasets`). For a dataset of several files use
        :func:`dataset_path` or :func:`fetch_dataset`.
    cache_dir : path, optional
        Cache folder; default ``GDL_DATA_DIR`` or
        ``platformdirs.user_cache_dir("gdl_utils")``.
    mirror : str, path or list, optional
        Folders (or one ``http(s)://`` base URL) consulted before the original URL;
        default ``GDL_DATA_MIRROR`` (folders separated by ``os.pathsep``).
    offline : bool, optional
        Never use the network (default: ``GDL_OFFLINE``). An ``http`` mirror counts as
        network.
    registry : dict or path, optional
        Registry to use instead of the packaged one.

    Raises
    ------
    DataUnavailableError
        In neither cache nor mirror and cannot be downloaded (or the cache folder is not
        writable, cannot hold a file that large, or has a folder where the file
        belongs); the message says where to put the file by hand, or names the path
        and ``GDL_DATA_DIR``.
    DataIntegrityError
        The file from the URL fails its sha256, size or content checks; nothing is
        cached.
    ValueError
        Unknown name (:class:`UnknownDatasetError`), a dataset of several files, or a
        path that would leave the cache or mirror folder.

    Used in: ch. 1, 2, 3 (through the UCI loaders).
    """
    return fetch_with_source(
        name, cache_dir=cache_dir, mirror=mirror, offline=offline, registry=registry
    )[0]


def dataset_path(
    name: str,
    file: str | None = None,
    *,
    cache_dir=None,
    mirror=None,
    offline=None,
    registry=None,
) -> Path:
    """Verified local path of one file of dataset ``name``, fetched if needed.

    ``file`` is the path inside the dataset as listed in the registry, e.g.
    ``dataset_path("pum2_eclip", "PUM2_train.csv")``; it may be left out for one-file
    datasets. Other arguments as in :func:`fetch`. Used in: planned for ch. 4-10 (none
    yet).
    """
    d = _dataset(name, registry)
    return _fetch_file(
        name, d, _file_of(name, d, file), settings(cache_dir, mirror, offline)
    )[0]


def fetch_dataset(
    name: str,
    *,
    cache_dir=None,
    mirror=None,
    offline=None,
    registry=None,
    with_sources: bool = False,
) -> dict[str, Path] | dict[str, tuple[Path, str]]:
    """Fetch every file of dataset ``name``; ``{file: local path}`` in registry order.

    With ``with_sources=True`` the values are ``(path, source)`` pairs (see
    :func:`fetch_with_source`). Other arguments as in :func:`fetch`. Used in: setup page
    (``fetch --all``); planned for ch. 4-10.
    """
    d, s = _dataset(name, registry), settings(cache_dir, mirror, offline)
    out = {rel: _fetch_file(name, d, rel, s) for rel in d["files"]}
    return out if with_sources else {rel: path for rel, (path, _) in out.items()}


def cache_path(
    name: str, file: str | None = None, *, cache_dir=None, registry=None
) -> Path:
    """Where file ``file`` of ``name`` is cached (may not exist yet); a many-file
    dataset's folder if no file.

    Used in: setup page.
    """
    d, cache = _dataset(name, registry), settings(cache_dir, None, False).cache
    if file is None and len(d["files"]) > 1:
        return cache / d["folder"]
    return cache / _store(d, _file_of(name, d, file))
