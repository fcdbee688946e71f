"""Write the students' hand-out notebooks: every cell tagged ``solution`` is removed,
with its outputs.

    python scripts/make_student.py [--out _build/student]      (``make student``)

The hand-outs go to ``OUT/notebooks/NAME.ipynb`` with all outputs cleared, next to a
copy of ``data/`` (the small files the notebooks read as ``../data/...``), so the folder
can be zipped and handed out as is.

A solution is a run of cells tagged ``solution`` (see CONTRIBUTING.md, "Notebooks"): a
markdown cell ``::::{solution-start} ex-label``, the solution's cells, a markdown cell
``::::{solution-end}``. :func:`check` finds what would break a hand-out before anything
runs:

- the structure: every ``solution-start`` names an ``{exercise}`` label of the same
  notebook, is closed by a ``solution-end``, and every cell in between is tagged
  ``solution`` (otherwise it would leak into the hand-out, or the solution dropdown
  would swallow a cell the students need);
- order: solutions come after every code cell that is not a solution (the exercises
  are the notebook's last section with code). A hand-out is then exactly the book's run
  up to its first solution, so the book build, which executes every notebook, has
  already run every cell of every hand-out in the same order and state; nothing a
  solution does (defining a name, mutating an object, seeding a generator) can reach a
  hand-out cell. This is why ``make test`` executes each notebook once, not twice;
- names: a later cell that is not a solution must not use a name that only a solution
  cell defines (it would raise ``NameError`` in the hand-out). Implied by the order
  rule; kept because its message says which name breaks.

Used in: ``make student`` and ``tests/test_student.py``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import pathlib
import re
import shutil
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
TAG = "solution"
START = re.compile(r"^\s*:{3,}\s*\{solution-start\}\s+(\S+)", re.M)
END = re.compile(r"^\s*:{3,}\s*\{solution-end\}", re.M)
EXERCISE = re.compile(
    r"^\s*:{3,}\s*\{exercise(?:-start)?\}[^\n]*\n(?:\s*:[\w-]+:[^\n]*\n)*?\s*:label:\s*(\S+)",
    re.M,
)
MAGIC = re.compile(r"^\s*[%!]")


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_solution(cell: dict) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def handout(nb: dict) -> dict:
    """A copy of ``nb`` without the cells tagged ``solution`` and without any
    outputs."""
    out = copy.deepcopy(nb)
    out["cells"] = [c for c in out["cells"] if not is_solution(c)]
    for cell in out["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return out


def _names(code: str) -> tuple[set[str], set[str]]:
    """(names bound, names loaded) by a cell's code; IPython magics and shell lines are
    skipped."""
    code = "\n".join("" if MAGIC.match(line) else line for line in code.splitlines())
    tree = ast.parse(code)
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound, loaded


def check(nb: dict, name: str = "notebook") -> list[str]:
    """Problems that would make the hand-out of ``nb`` wrong or break it; empty if there
    are none."""
    problems = []
    cells = nb["cells"]
    labels = set()
    for cell in cells:
        if cell["cell_type"] == "markdown":
            labels |= set(EXERCISE.findall(source(cell)))
    open_at = None  # index of the solution-start cell of the solution we are in
    for i, cell in enumerate(cells):
        text = source(cell) if cell["cell_type"] == "markdown" else ""
        start, end = START.search(text), END.search(text)
        where = f"{name}, cell {i}"
        if start:
            if open_at is not None:
                problems.append(
                    f"{where}: solution-start while the solution from cell {open_at} "
                    "is open"
                )
            if start.group(1) not in labels:
                problems.append(
                    f"{where}: solution-start names {start.group(1)!r}, which is no "
                    f"{{exercise}} :label: of this notebook (labels: {sorted(labels)})"
                )
            open_at = i
        if (start or end or open_at is not None) and not is_solution(cell):
            problems.append(
                f"{where}: inside a solution (from cell {open_at}) but not tagged "
                f"{TAG!r}"
            )
        if is_solution(cell) and open_at is None and not start:
            problems.append(
                f"{where}: tagged {TAG!r} outside a solution-start/solution-end pair"
            )
        if end:
            if open_at is None:
                problems.append(f"{where}: solution-end without a solution-start")
            open_at = None
    if open_at is not None:
        problems.append(
            f"{name}, cell {open_at}: solution-start is never closed by a solution-end"
        )

    solutions = [i for i, c in enumerate(cells) if is_solution(c)]
    for i in range(solutions[0] + 1 if solutions else len(cells), len(cells)):
        if cells[i]["cell_type"] == "code" and not is_solution(cells[i]):
            problems.append(
                f"{name}, cell {i}: a code cell after the first solution (cell "
                f"{solutions[0]}); move the exercises after it, so that the hand-out "
                "runs exactly what the book ran before the solutions"
            )

    main: set[str] = set()
    only_in_solutions: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        try:
            bound, loaded = _names(source(cell))
        except SyntaxError as err:
            problems.append(
                f"{name}, cell {i}: cannot parse the code ({err.msg}, line "
                f"{err.lineno})"
            )
            continue
        if is_solution(cell):
            for n in bound - main:
                only_in_solutions.setdefault(n, i)
        else:
            for n in sorted((loaded & set(only_in_solutions)) - main - bound):
                problems.append(
                    f"{name}, cell {i}: uses {n!r}, which only the solution in cell "
                    f"{only_in_solutions[n]} defines; the hand-out would raise "
                    "NameError"
                )
            main |= bound
            for n in bound:
                only_in_solutions.pop(n, None)
    return problems


def _write_atomic(path: pathlib.Path, text: str) -> None:
    """Write via a temporary file and a rename, so that a concurrent reader never sees
    half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def write_handouts(
    out: pathlib.Path, notebooks: list[pathlib.Path] | None = None
) -> list[pathlib.Path]:
    """Write the hand-outs of ``notebooks`` (default: ``notebooks/*.ipynb``) and a copy
    of ``data/``."""
    notebooks = (
        sorted((ROOT / "notebooks").glob("*.ipynb")) if notebooks is None else notebooks
    )
    written = []
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        target = out / "notebooks" / path.name
        _write_atomic(
            target, json.dumps(handout(nb), indent=1, ensure_ascii=False) + "\n"
        )
        written.append(target)
    data = ROOT / "data"
    if data.is_dir():
        for f in sorted(p for p in data.rglob("*") if p.is_file()):
            dest = out / "data" / f.relative_to(data)
            if not dest.exists() or dest.read_bytes() != f.read_bytes():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, dest)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=ROOT / "_build" / "student",
        help="output folder (default: _build/student)",
    )
    args = parser.parse_args(argv)
    problems = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        problems += check(json.loads(path.read_text(encoding="utf-8")), path.name)
    if problems:
        print("hand-outs would be wrong:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    written = write_handouts(args.out)
    print(
        f"{len(written)} hand-out notebooks (solutions removed) in "
        f"{args.out / 'notebooks'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
