"""Command line: ``python -m gdl_utils.datasets list | fetch NAME... | fetch --all``.

Prints, for each file, where it came from: the cache, the mirror (``GDL_DATA_MIRROR``) or its URL.
Exit status 1 when any file could not be fetched.

Used in: setup page (pre-fetching data before going offline).
"""
from __future__ import annotations

import argparse
import sys

from .registry import DataUnavailableError, fetch_with_source, list_datasets, load_registry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gdl_utils.datasets",
                                     description="List and fetch the course's remote data files.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list registry entries")
    get = sub.add_parser("fetch", help="fetch files into the cache")
    get.add_argument("names", nargs="*", help="registry names (see `list`)")
    get.add_argument("--all", action="store_true", help="fetch every registry entry")
    get.add_argument("--cache-dir", default=None, help="cache folder (default: GDL_DATA_DIR)")
    get.add_argument("--mirror", default=None, help="folder or http URL (default: GDL_DATA_MIRROR)")
    get.add_argument("--offline", action="store_true", default=None, help="never use the network")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        print(list_datasets()[["name", "filename", "size", "description"]].to_string(index=False))
        return 0
    names = list(load_registry()) if args.all else args.names
    if not names:
        print("fetch: give registry names or --all", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        try:
            path, source = fetch_with_source(name, cache_dir=args.cache_dir, mirror=args.mirror,
                                             offline=args.offline)
            print(f"{name}: {path} (from {source})")
        except (DataUnavailableError, KeyError) as exc:
            failed += 1
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
