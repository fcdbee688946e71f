"""Moving bytes into the cache safely: temporaries, stale-temporary cleanup, folder
copy, HTTP download.

Every new file is written to a temporary ``.<name>.<host>.<pid>.<random>.part`` next to
its final place, verified, and renamed into place (``os.replace``), so the cache never
holds a partial file. A temporary is deleted on any exception; one left by a killed
process is deleted by the next fetch into that folder (its process is gone, or it has
not changed for a day). Writing errors of the cache folder (read-only, disk full, no
permission, a file too large for the file system, a folder where the file belongs)
become a :class:`DataUnavailableError` that names the file and ``GDL_DATA_DIR``.

HTTP uses ``requests`` directly rather than ``pooch.retrieve``: pooch (like requests)
only bounds each socket read, so a server that sends one byte every few seconds is never
given up on. Here the body is read with ``read1`` (returns whatever has arrived) and the
whole download has a deadline (``GDL_DOWNLOAD_DEADLINE``, seconds), overrun by at most
one read timeout.

Used in: ch. 1, 2, 3 (through :func:`gdl_utils.datasets.fetch`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import socket
import time
import warnings
from pathlib import Path

from .integrity import verify
from .registry import DataUnavailableError

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="IProgress not found")
    import requests
    import urllib3

__all__ = [
    "DownloadError",
    "install_from_folder",
    "install_from_url",
    "make_folder",
    "clean_stale",
]

READ_TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 30.0
STALE_AFTER_S = 24 * 3600
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"
_TEMP = re.compile(
    r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.part$"
)
_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}
_HINTS = {  # errno -> what to do, for errors that are not "read-only or full"
    errno.EFBIG: (
        "the file is larger than the file size limit of this file system (FAT32: 4"
        " GiB) or of this process (ulimit -f). Point GDL_DATA_DIR at a folder on a"
        " file system that can hold it."
    ),
    errno.EISDIR: (
        "a directory stands where the file belongs; move it away (fetch never"
        " deletes a folder) or point GDL_DATA_DIR at another folder."
    ),
    errno.ENOTDIR: (
        "a part of the path is a file, not a folder; move it away or point"
        " GDL_DATA_DIR at another folder."
    ),
}


class DownloadError(DataUnavailableError):
    """An HTTP transfer failed: status, connection, truncated body or deadline.

    Used in: no notebook directly (raised by the fetch functions).
    """


@contextlib.contextmanager
def _cache_writes(cache: Path, target: Path, size):
    """Read-only / full / forbidden cache, a file too large for it, a folder in the
    way: DataUnavailableError naming ``target`` and GDL_DATA_DIR."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in _WRITE_ERRNOS and exc.errno not in _HINTS:
            raise
        need = f" ({size:,} bytes needed for this file)" if size else ""
        hint = _HINTS.get(exc.errno) or (
            "Point GDL_DATA_DIR at a writable folder with enough free space."
        )
        raise DataUnavailableError(
            f"cannot write {target} into the cache folder {cache}: "
            f"{exc.strerror or exc}{need}; {hint}"
        ) from exc


def make_folder(cache: Path, folder: Path) -> None:
    """``mkdir -p folder`` inside ``cache``; cache errors name ``GDL_DATA_DIR``.

    Used in: no notebook directly (``fetch`` calls it).
    """
    with _cache_writes(cache, folder, None):
        folder.mkdir(parents=True, exist_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(folder: Path) -> list[Path]:
    """Delete temporaries in ``folder`` whose process is gone (this host) or untouched
    for a day.

    Also removes ``.download`` folders of older versions of this module once a day old.
    Returns them.

    Used in: no notebook directly (``fetch`` calls it).
    """
    removed = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for path in folder.iterdir():
        match = _TEMP.match(path.name)
        if not match and not (
            path.name.startswith(".") and path.name.endswith(".download")
        ):
            continue
        try:
            age = now - path.lstat().st_mtime
        except FileNotFoundError:
            continue
        dead = (
            match is not None
            and match["host"] == _HOST
            and not _alive(int(match["pid"]))
        )
        if dead or age > STALE_AFTER_S or (match is None and age > 3600):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(
                missing_ok=True
            )
            removed.append(path)
    return removed


def _temp_for(final: Path) -> Path:
    return (
        final.parent
        / f".{final.name}.{_HOST}.{os.getpid()}.{secrets.token_hex(4)}.part"
    )


def _write_verify_install(
    final: Path, cache: Path, entry: dict, source: str, write
) -> Path:
    """Write a temporary with ``write(fh)``, verify, rename to ``final``; leave none."""
    tmp = _temp_for(final)
    try:
        with _cache_writes(cache, final, entry.get("size")):
            with open(tmp, "xb") as fh:
                write(fh)
        verify(tmp, entry, source)
        with _cache_writes(cache, final, entry.get("size")):
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def install_from_folder(src: Path, final: Path, cache: Path, entry: dict) -> Path:
    """Copy ``src`` (a mirror file) to ``final`` through a verified temporary.

    Used in: no notebook directly (``fetch`` calls it).
    """

    def write(out):
        with open(src, "rb") as fh:
            shutil.copyfileobj(fh, out, 1 << 20)

    return _write_verify_install(final, cache, entry, f"mirror file {src}", write)


def _stream(url: str, out, deadline_s: float) -> None:
    """Write the body of ``url`` to ``out``; DownloadError on failure or deadline."""
    start = time.monotonic()
    headers = {"Accept-Encoding": "identity"}
    try:
        with requests.get(
            url,
            stream=True,
            headers=headers,
            timeout=(CONNECT_TIMEOUT_S, min(READ_TIMEOUT_S, deadline_s)),
        ) as resp:
            resp.raise_for_status()
            expected = resp.headers.get("Content-Length")
            encoded = bool(
                resp.headers.get("Content-Encoding", "identity") != "identity"
            )
            received = 0
            while True:
                if time.monotonic() - start > deadline_s:
                    raise DownloadError(
                        f"download from {url} took longer than its deadline of "
                        f"{deadline_s:g} s (GDL_DOWNLOAD_DEADLINE); {received:,} bytes "
                        f"received"
                    )
                block = resp.raw.read1(1 << 20, decode_content=True)
                if not block:
                    break
                received += len(block)
                out.write(block)
            if expected is not None and not encoded and received != int(expected):
                raise DownloadError(
                    f"download from {url} was cut off: {received:,} of "
                    f"{int(expected):,} "
                    f"bytes received"
                )
    except (
        requests.exceptions.RequestException,
        urllib3.exceptions.HTTPError,
        socket.timeout,
        ConnectionError,
    ) as exc:
        raise DownloadError(f"download from {url} failed: {exc}") from exc


def install_from_url(
    url: str, final: Path, cache: Path, entry: dict, deadline_s: float
) -> Path:
    """Download ``url`` to ``final`` through a verified temporary (see the module).

    Used in: no notebook directly (``fetch`` calls it).
    """
    return _write_verify_install(
        final,
        cache,
        entry,
        f"download from {url}",
        lambda out: _stream(url, out, deadline_s),
    )
