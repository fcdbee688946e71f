"""Command line: ``python -m gdl_utils.datasets list | fetch NAME... | fetch --all |
describe FOLDER``.

``fetch`` prints, for each dataset, where its files came from: the cache, a mirror
(``GDL_DATA_MIRROR``) or the original URL, and (on stderr) the number of files, bytes
and seconds in all; exit status 1 when any dataset could not be fetched. ``describe``
prints the ``files`` object (sha256 and size of every file under a folder) to paste into
a new ``registry.json`` entry.

Used in: setup page and ``make data`` (pre-fetching data before going offline).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from .fetching import cache_path, fetch_dataset
from .integrity import sha256_of
from .registry import DataUnavailableError, list_datasets, load_registry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gdl_utils.datasets",
        description="List and fetch the course's remote data files.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list registry entries")
    get = sub.add_parser("fetch", help="fetch datasets into the cache")
    get.add_argument("names", nargs="*", help="registry names (see `list`)")
    get.add_argument("--all", action="store_true", help="fetch every registry entry")
    get.add_argument(
        "--cache-dir", default=None, help="cache folder (default: GDL_DATA_DIR)"
    )
    get.add_argument(
        "--mirror", default=None, help="folders or http URL (default: GDL_DATA_MIRROR)"
    )
    get.add_argument(
        "--offline", action="store_true", default=None, help="never use the network"
    )
    desc = sub.add_parser(
        "describe", help="print sha256 and size of every file under a folder (JSON)"
    )
    desc.add_argument("folder", type=Path)
    return parser


def _describe(folder: Path) -> int:
    if not folder.is_dir():
        print(f"describe: {folder} is not a folder", file=sys.stderr)
        return 2
    files = {
        p.relative_to(folder).as_posix(): {
            "sha256": sha256_of(p),
            "size": p.stat().st_size,
        }
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }
    print(json.dumps(files, indent=2))
    return 0


def _summary(name: str, got: dict, folder: Path) -> str:
    paths = [path for path, _ in got.values()]
    if len(got) == 1:
        return f"{name}: {paths[0]} (from {next(iter(got.values()))[1]})"
    kinds = Counter(source.split(" ", 1)[0] for _, source in got.values())
    where = (
        "cache"
        if set(kinds) == {"cache"}
        else ", ".join(f"{k}: {n} files" for k, n in kinds.items())
    )
    return f"{name}: {len(got)} files under {folder} (from {where})"


def main(argv: list[str] | None = None) -> int:
    """The command line ``python -m gdl_utils.datasets``; returns the exit status.

    Used in: no notebook directly (setup page and ``make data``).
    """
    args = _parser().parse_args(argv)
    if args.command == "list":
        print(
            list_datasets()[["name", "path", "files", "size", "license"]].to_string(
                index=False
            )
        )
        return 0
    if args.command == "describe":
        return _describe(args.folder)
    names = list(load_registry()) if args.all else args.names
    if not names:
        print("fetch: give registry names or --all", file=sys.stderr)
        return 2
    failed, n_files, n_bytes, start = 0, 0, 0, time.perf_counter()
    for name in names:
        try:
            got = fetch_dataset(
                name,
                cache_dir=args.cache_dir,
                mirror=args.mirror,
                offline=args.offline,
                with_sources=True,
            )
        except (DataUnavailableError, KeyError, ValueError) as exc:
            failed += 1
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
            continue
        print(_summary(name, got, cache_path(name, cache_dir=args.cache_dir)))
        n_files += len(got)
        n_bytes += sum(path.stat().st_size for path, _ in got.values())
    print(
        f"{n_files} files, {n_bytes / 1e6:.1f} MB in "
        f"{time.perf_counter() - start:.1f} s"
        f"{f'; {failed} dataset(s) FAILED' if failed else ''}",
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
