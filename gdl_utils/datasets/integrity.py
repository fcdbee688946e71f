"""Verifying a file against its registry entry: size, sha256, parsed records, checks.

A file whose exact bytes are not known (UCI ``promoters.data``) is pinned by
:func:`records_sha256`, a hash of the records its parser reads: padding and letter case
may differ, but a changed label, name or base does not pass.

Used in: ch. 1, 2, 3 (every fetch and cache hit); setup page (``sha256_of``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from .registry import DataIntegrityError, get_format

__all__ = ["sha256_of", "records_sha256", "check_content", "verify"]


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes (1 MiB blocks). Used in: setup page."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def records_sha256(df: pd.DataFrame) -> str:
    """sha256 of a parsed frame's records: column names, then one tab-joined line per
    row (index ignored).

    Pins the content of a file whose exact bytes are not known (e.g. UCI
    ``promoters.data``): padding and letter case may differ, but a changed label, name
    or base changes the hash.

    Used in: no notebook directly (registry hashes of parsed records).
    """
    lines = ["\t".join(map(str, df.columns))]
    lines += ["\t".join(map(str, row)) for row in df.itertuples(index=False, name=None)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def check_content(df: pd.DataFrame, checks: dict | None, source: str) -> None:
    """Compare a parsed frame (index = line number) with ``checks``; raise
    :class:`DataIntegrityError`.

    checks : ``{"records": int, "classes": {label: count}, "length": int}``, each key
    optional.

    Used in: no notebook directly (``verify`` calls it).
    """
    checks = checks or {}
    if "records" in checks and len(df) != checks["records"]:
        raise DataIntegrityError(
            f"{source}: {len(df)} records, expected {checks['records']}"
        )
    if "classes" in checks:
        found = {str(k): int(v) for k, v in df["label"].value_counts().items()}
        if found != {str(k): int(v) for k, v in checks["classes"].items()}:
            raise DataIntegrityError(
                f"{source}: class counts {found}, expected {checks['classes']}"
            )
    if "length" in checks:
        bad = df["sequence"].str.len() != checks["length"]
        if bad.any():
            line = df.index[bad.to_numpy().argmax()]
            raise DataIntegrityError(
                f"{source}, line {line}: sequence of length "
                f"{len(df['sequence'][line])}, expected {checks['length']}"
            )


def verify(path: Path, entry: dict, source: str) -> None:
    """Raise :class:`DataIntegrityError` unless ``path`` matches its file entry.

    Used in: no notebook directly (every fetch calls it).
    """
    size = entry.get("size")
    if size is not None and path.stat().st_size != size:
        raise DataIntegrityError(
            f"{source}: size {path.stat().st_size} bytes, expected {size}"
        )
    expected = entry.get("sha256")
    if expected:
        actual = sha256_of(path)
        if actual != expected.lower():
            raise DataIntegrityError(
                f"{source}: sha256 mismatch: expected {expected}, actual {actual}"
            )
    fmt = entry.get("format")
    if fmt and (entry.get("checks") or entry.get("records_sha256")):
        parser = get_format(fmt)
        try:
            parsed = parser(path)
        except DataIntegrityError:
            raise
        except ValueError as exc:
            raise DataIntegrityError(f"{source}: {exc}") from exc
        check_content(parsed, entry.get("checks"), source)
        pinned = entry.get("records_sha256")
        if pinned and records_sha256(parsed) != pinned:
            raise DataIntegrityError(
                f"{source}: the parsed records differ from the registry's "
                f"(records_sha256 expected {pinned}, actual {records_sha256(parsed)}): "
                f"a label, name or base has changed"
            )
