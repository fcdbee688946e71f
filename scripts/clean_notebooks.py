"""Normalise the course notebooks before committing.

Notebooks are stored without outputs (the book build executes them), except cells tagged
``nbval``,
whose outputs the notebook tests compare against a fresh run. Usage::

    python scripts/clean_notebooks.py notebooks/*.ipynb            # strip outputs, keep
    nbval cells python scripts/clean_notebooks.py --execute notebooks/01_*.ipynb  #
    re-run, then keep nbval outputs
"""

from __future__ import annotations

import argparse
import pathlib

import nbformat

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop outputs and execution counts except in ``nbval``-tagged cells; normalise
    metadata."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if "nbval" not in tags:
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
    nb.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    return nb


def execute(nb: nbformat.NotebookNode, path: pathlib.Path, timeout: int) -> None:
    from nbclient import NotebookClient

    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+", type=pathlib.Path)
    parser.add_argument(
        "--execute", action="store_true", help="execute first (refreshes nbval outputs)"
    )
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args()
    for path in args.paths:
        nb = nbformat.read(path, as_version=4)
        if args.execute:
            execute(nb, path, args.timeout)
        nbformat.validate(nb)
        nbformat.write(clean(nb), path)
        print(f"cleaned {path}")


if __name__ == "__main__":
    main()
