"""Getting one registry file from the mirrors of ``GDL_DATA_MIRROR``.

A mirror is a local folder holding the same relative path ``<folder>/<file>`` as the
cache, or an ``http(s)://`` base URL. A copy that fails verification is ignored, with
a warning, and the next mirror is tried; paths never leave the mirror folder (symlinks
included). :mod:`gdl_utils.datasets.fetching` calls this between the cache and the
original URL.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import quote

from .registry import DataIntegrityError, check_inside
from .transfer import DownloadError, install_from_folder, install_from_url


def try_mirrors(
    name: str, entry: dict, store: str, s, final: Path
) -> tuple[Path, str] | list[str]:
    """Try each mirror of ``s.mirrors`` in turn for one registry file.

    Parameters
    ----------
    name : dataset name (for messages); entry : the file's registry entry
    store : its path relative to a mirror or the cache (``<folder>/<file>``)
    s : the settings (``mirrors``, ``offline``, ``cache``, ``deadline``)
    final : where the verified copy is installed in the cache

    Returns
    -------
    (path, source) on success, else the list of what went wrong with each mirror.

    Used in: no notebook directly (``fetch`` calls it).
    """
    problems = []
    for mirror in s.mirrors:
        if mirror.startswith(("http://", "https://")):
            url = f"{mirror}/{quote(store)}"
            if s.offline:
                problems.append(f"http mirror {mirror} not contacted (offline)")
                continue
            try:
                return install_from_url(
                    url, final, s.cache, entry, s.deadline
                ), f"mirror {url}"
            except (DataIntegrityError, DownloadError) as exc:
                warnings.warn(
                    f"mirror {url} failed ({exc}); trying the next source", stacklevel=4
                )
                problems.append(str(exc))
            continue
        root = Path(mirror)
        if not root.is_dir():
            warnings.warn(f"GDL_DATA_MIRROR folder {root} does not exist", stacklevel=4)
            problems.append(f"mirror folder {root} does not exist")
            continue
        src = check_inside(root, root / store, name, "mirror")
        if not src.is_file():
            problems.append(f"{store} is not in mirror folder {root}")
            continue
        try:
            return install_from_folder(src, final, s.cache, entry), f"mirror {src}"
        except DataIntegrityError as exc:
            warnings.warn(
                f"{exc}; ignoring this mirror copy and trying the next source",
                stacklevel=4,
            )
            problems.append(str(exc))
    return problems
