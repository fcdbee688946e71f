"""Execute the book's notebooks, several at a time, into the cache the book build reads.

    python scripts/execute_notebooks.py --cache _build/.jupyter_cache [--workers N]

``_config.yml`` sets ``execute_notebooks: cache``: Jupyter Book takes a notebook's
outputs from its jupyter-cache when the code cells are unchanged and executes it
otherwise. ``make book`` and the book-build test first empty the cache and run this
script, so every notebook is executed on every build, but ``N`` at a time (default: the
number of CPU cores, at most 4). The course's notebooks are single-threaded (the
Makefile sets one torch and one numba thread per process), so two notebooks side by
side on two cores take the time of one, and the book builds in about half the time.

A notebook that raises stops the run: its traceback is printed, the remaining notebooks
are cancelled and the script exits with status 1 (nothing is cached for it). The
measured wall-clock seconds per notebook go to ``book/_generated/run_times.md`` (a table
that the performance appendix includes) and ``run_times.json`` beside it (used to start
the slowest notebooks first next time).

Used in: ``make book`` and ``tests/test_book.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
GENERATED = ROOT / "book" / "_generated"
TIMEOUT = 600  # seconds per cell, as _config.yml's execute.timeout


def toc_notebooks(root: pathlib.Path = ROOT) -> list[pathlib.Path]:
    """The ``.ipynb`` files named in ``_toc.yml``, in reading order."""

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                yield node["file"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    files = []
    for name in walk(yaml.safe_load((root / "_toc.yml").read_text())):
        path = root / f"{name}.ipynb"
        if path.is_file():
            files.append(path)
    return files


def execute(path: str, timeout: int = TIMEOUT) -> tuple[str, str | None, str, float]:
    """Run one notebook in its own folder (as the book build does); returns (path,
    executed notebook as JSON or None, traceback text, seconds)."""
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    result = single_nb_execution(
        nb, cwd=str(pathlib.Path(path).parent), timeout=timeout, allow_errors=False
    )
    seconds = time.perf_counter() - start
    if result.err is not None:
        return path, None, result.exc_string or repr(result.err), seconds
    return path, nbformat.writes(nb), "", seconds


def previous_times() -> dict[str, float]:
    try:
        return json.loads((GENERATED / "run_times.json").read_text())["seconds"]
    except (OSError, ValueError, KeyError):
        return {}


NOTEBOOK_BUDGET_S, BOOK_BUDGET_S = 120, 1200  # the course's budget on a 2-core CPU


def write_times(
    times: dict[str, float], total: float, workers: int, load: float | None = None
) -> None:
    """The run-time table of the performance appendix: seconds per notebook (marked
    when over the 2-minute budget), their sum, the wall time, and the machine's load
    average when the run started (what else was running changes every number)."""
    GENERATED.mkdir(exist_ok=True)
    over = " (over 2 min)"
    rows = [
        f"| `{name}` | {seconds:.0f}{over if seconds > NOTEBOOK_BUDGET_S else ''} |"
        for name, seconds in sorted(times.items(), key=lambda kv: kv[0])
    ]
    cpus = os.cpu_count() or 1
    machine = (
        f"| load average when the run started (1 min), CPUs | {load:.1f} on {cpus} |"
        if load is not None
        else f"| CPUs | {cpus} |"
    )
    table = "\n".join(
        [
            "| notebook | seconds |",
            "|---|---:|",
            *rows,
            f"| sum over notebooks | {sum(times.values()):.0f} |",
            f"| **wall time, {workers} at a time** | **{total:.0f}**"
            f"{' (over 20 min)' if total > BOOK_BUDGET_S else ''} |",
            machine,
        ]
    )
    (GENERATED / "run_times.md").write_text(table + "\n")
    (GENERATED / "run_times.json").write_text(
        json.dumps(
            {"seconds": times, "wall": total, "workers": workers, "load": load},
            indent=1,
        )
    )


def run(cache_path: pathlib.Path, workers: int, notebooks: list[pathlib.Path]) -> int:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_path))
    before = previous_times()
    order = sorted(
        notebooks,
        key=lambda p: -before.get(p.stem, p.stat().st_size / 1000),
    )
    print(f"executing {len(order)} notebooks, {workers} at a time", flush=True)
    times: dict[str, float] = {}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending = {pool.submit(execute, str(p)) for p in order}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                path, text, error, seconds = future.result()
                name = pathlib.Path(path).stem
                if text is None:
                    print(f"FAILED {name} after {seconds:.0f} s:\n{error}", flush=True)
                    # the queued notebooks are dropped; the running ones finish
                    pool.shutdown(wait=True, cancel_futures=True)
                    return 1
                bundle = CacheBundleIn(
                    nbformat.reads(text, as_version=4),
                    path,
                    data={"execution_seconds": seconds},
                )
                cache.cache_notebook_bundle(
                    bundle, check_validity=False, overwrite=True
                )
                times[name] = seconds
                print(f"{seconds:6.0f} s  {name}", flush=True)
    total = time.perf_counter() - start
    write_times(times, total, workers, load)
    print(f"all {len(times)} notebooks in {total:.0f} s", flush=True)
    return 0


# captum, PyTorch Geometric and modisco-lite import tqdm.auto, which warns in a kernel
# without ipywidgets (this build's, not Colab's or Jupyter's) that progress bars fall
# back to text, printing the installation's path into the book. Kernels inherit this.
QUIET = "ignore:IProgress not found"


def main(argv: list[str] | None = None) -> int:
    os.environ["PYTHONWARNINGS"] = ",".join(
        w for w in (os.environ.get("PYTHONWARNINGS"), QUIET) if w
    )
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=pathlib.Path, required=True)
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("BOOK_WORKERS", min(os.cpu_count() or 1, 4))),
    )
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or toc_notebooks()
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    return run(args.cache, args.workers, notebooks)


if __name__ == "__main__":
    sys.exit(main())
