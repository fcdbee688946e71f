"""Write the students' hand-out notebooks from the reader copies: every cell tagged
``solution`` is removed, with its outputs, and every exercise gets an answer cell.

    python scripts/make_student.py [--copies _build/colab/notebooks]
                                   [--out _build/student]          (``make student``)

The hand-outs are made from the reader copies (``scripts/make_reader_copies.py``,
``make colab``): the notebooks in plain Markdown with the book's numbers in the text,
which Jupyter and Colab render (the MyST sources do not). They go to
``OUT/notebooks/NAME.ipynb`` with all outputs cleared and an empty code cell (a stub
``# Exercise N: your code here``) under every exercise, next to a copy of ``data/`` (the
small files the notebooks read as ``../data/...``) and of the images the copies show, so
the folder can be zipped and handed out as is. A reader copy older than its notebook is
refused (run ``make colab``).

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

:func:`check_exercise_imports` finds an exercise that names a function (``Use
`mask_tokens` ...``) which only a solution imports, or no cell at all: the student would
not have it. :func:`check_handout` checks a written hand-out.

Used in: ``make student``, ``tests/test_student.py``, ``tests/test_reader_copies.py``
and ``tests/test_book.py``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import importlib.util
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
EXERCISE_BLOCK = re.compile(
    r"^\s*(:{3,})\s*\{exercise(?:-start)?\}[^\n]*\n(.*?)(?:^\s*\1\s*$|\Z)", re.M | re.S
)
COPIES = ROOT / "_build" / "colab" / "notebooks"
META = "reader_copy"  # as in scripts/make_reader_copies.py
ANSWER_TAG = "answer"


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_solution(cell: dict) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def _reader_copies():
    """scripts/make_reader_copies.py as a module (for the note under the title)."""
    name = "make_reader_copies"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, ROOT / "scripts" / "make_reader_copies.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def exercise_of(cell: dict) -> str | None:
    """The label of the exercise a markdown cell states (a reader copy records it in
    the metadata; a MyST notebook has the ``{exercise}`` block), else None."""
    if cell["cell_type"] != "markdown" or is_solution(cell):
        return None
    recorded = cell.get("metadata", {}).get(META, {}).get("exercise")
    if recorded is not None:
        return recorded
    found = EXERCISE.findall(source(cell))
    return found[-1] if found else None


def answer_cell(exercise_cell: dict, label: str) -> dict:
    """The empty code cell (a stub comment) a student answers in."""
    heading = re.search(r"^#+\s*(Exercise\s+[\w.]+)", source(exercise_cell), re.M)
    name = heading.group(1) if heading else f"Exercise {label}"
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": f"answer-{label}"[:64],
        "metadata": {"tags": [ANSWER_TAG]},
        "outputs": [],
        "source": f"# {name}: your code here",
    }


def handout(nb: dict) -> dict:
    """A copy of ``nb`` without the cells tagged ``solution``, without any outputs, and
    with an answer cell under every exercise (a reader copy's note under the title
    becomes the hand-out's)."""
    out = copy.deepcopy(nb)
    cells = []
    meta = out.get("metadata", {}).get(META, {})
    for cell in out["cells"]:
        if is_solution(cell):
            continue
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "markdown" and "reader-note" in tags and meta:
            cell["source"] = _reader_copies().note_text(
                meta.get("book_page", ""), meta.get("references", ""), handout=True
            )
        cells.append(cell)
        label = exercise_of(cell)
        if label is not None:
            cells.append(answer_cell(cell, label))
    out["cells"] = cells
    return out


def check_handout(nb: dict, name: str = "hand-out") -> list[str]:
    """Problems in a written hand-out: a solution or an output left, an exercise without
    an empty answer cell under it, MyST markup (when it was made from a reader copy)."""
    problems = []
    cells = nb["cells"]
    for i, cell in enumerate(cells):
        if is_solution(cell):
            problems.append(f"{name}, cell {i}: a solution cell is in the hand-out")
        if cell["cell_type"] == "code" and cell.get("outputs"):
            problems.append(f"{name}, cell {i}: the hand-out has outputs")
        if exercise_of(cell) is not None:
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            body = source(nxt) if nxt else ""
            if (
                nxt is None
                or nxt["cell_type"] != "code"
                or any(
                    line.strip() and not line.strip().startswith("#")
                    for line in body.splitlines()
                )
            ):
                problems.append(
                    f"{name}, cell {i}: exercise {exercise_of(cell)!r} has no empty "
                    "answer cell under it"
                )
    if META in nb.get("metadata", {}):
        problems += [f"{name}: MyST left, {p}" for p in _reader_copies().leftovers(nb)]
    return problems


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


def _imports(code: str) -> dict[str, str]:
    """name -> the import statement that binds it, in a cell's code."""
    code = "\n".join("" if MAGIC.match(line) else line for line in code.splitlines())
    found = {}
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                found[(alias.asname or alias.name).split(".")[0]] = ast.unparse(node)
    return found


def package_names(root: pathlib.Path = ROOT) -> dict[str, str]:
    """Every public name of the course package -> the module that exports it (from the
    ``__all__`` lists, read without importing the package)."""
    names: dict[str, str] = {}
    for path in sorted((root / "gdl_utils").rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(
                    isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
                )
                and isinstance(node.value, (ast.List, ast.Tuple))
            ):
                for elt in node.value.elts:
                    if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                        # the shortest module path that exports it (a package over
                        # its modules)
                        old = names.get(elt.value)
                        if old is None or len(module) < len(old):
                            names[elt.value] = module
    return names


def check_exercise_imports(
    nb: dict, name: str = "notebook", package: dict[str, str] | None = None
) -> list[str]:
    """Every name an exercise's text shows as code (```mask_tokens```, ```fit(...)```)
    that is a name of the course package, or that a solution imports, must be bound by a
    cell the hand-out keeps (one that is not a solution): otherwise the student is told
    to use something the hand-out never imports."""
    package = package_names() if package is None else package
    bound: set[str] = set()
    in_solutions: dict[str, tuple[int, str]] = {}
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        try:
            names, _ = _names(source(cell))
            imports = _imports(source(cell))
        except SyntaxError:
            continue  # check() reports it
        if is_solution(cell):
            for n, statement in imports.items():
                in_solutions.setdefault(n, (i, statement))
        else:
            bound |= names
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown" or is_solution(cell):
            continue
        for block in EXERCISE_BLOCK.finditer(source(cell)):
            text = block.group(2)
            label = re.search(r":label:\s*(\S+)", text)
            which = label.group(1) if label else f"the exercise in cell {i}"
            mentioned = []
            for span in re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text):
                ident = re.match(r"\s*([A-Za-z_]\w*)", span)
                if ident and ident.group(1) not in mentioned:
                    mentioned.append(ident.group(1))
            for n in mentioned:
                if n in bound:
                    continue
                if n in in_solutions:
                    at, statement = in_solutions[n]
                    problems.append(
                        f"{name}, {which}: the exercise uses `{n}`, which only the "
                        f"solution in cell {at} imports ({statement}); import it in a "
                        "cell before the exercises"
                    )
                elif n in package:
                    problems.append(
                        f"{name}, {which}: the exercise uses `{n}`, which no cell of "
                        f"the hand-out imports (from {package[n]} import {n})"
                    )
    return problems


def solution_only_imports(nb: dict) -> dict[str, str]:
    """Names that only solution cells import (for the record: a student may need
    them)."""
    main, sol = set(), {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            imports = _imports(source(cell))
        except SyntaxError:
            continue
        if is_solution(cell):
            for n, statement in imports.items():
                sol.setdefault(n, statement)
        else:
            main |= set(imports)
    return {n: st for n, st in sol.items() if n not in main}


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
    """Write the hand-outs of ``notebooks`` (default: the reader copies in
    ``_build/colab/notebooks``), a copy of ``data/`` and of the images the reader copies
    show (their ``reader_copy.assets``)."""
    notebooks = sorted(COPIES.glob("*.ipynb")) if notebooks is None else notebooks
    written = []
    assets: set[pathlib.Path] = set()
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        target = out / "notebooks" / path.name
        _write_atomic(
            target, json.dumps(handout(nb), indent=1, ensure_ascii=False) + "\n"
        )
        written.append(target)
        copy_root = path.parent.parent
        for asset in nb.get("metadata", {}).get(META, {}).get("assets", []):
            assets.add((copy_root / asset, out / asset))
    for src, dest in sorted(assets):
        if src.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    data = ROOT / "data"
    if data.is_dir():
        for f in sorted(p for p in data.rglob("*") if p.is_file()):
            dest = out / "data" / f.relative_to(data)
            if not dest.exists() or dest.read_bytes() != f.read_bytes():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, dest)
    return written


def stale_copies(copies: pathlib.Path, sources: list[pathlib.Path]) -> list[str]:
    """Notebooks whose reader copy is missing or was made from an older version."""
    stale = []
    for src in sources:
        copy_path = copies / src.name
        if not copy_path.is_file():
            stale.append(f"{src.name}: no reader copy in {copies}")
            continue
        meta = json.loads(copy_path.read_text(encoding="utf-8"))["metadata"].get(
            META, {}
        )
        if meta.get("source_sha256") != hashlib.sha256(src.read_bytes()).hexdigest():
            stale.append(f"{src.name}: the reader copy is older than the notebook")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--copies",
        type=pathlib.Path,
        default=COPIES,
        help="the reader copies (default: _build/colab/notebooks, made by make colab)",
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=ROOT / "_build" / "student",
        help="output folder (default: _build/student)",
    )
    args = parser.parse_args(argv)
    problems, warnings = [], []
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    package = package_names()
    for path in sources:
        nb = json.loads(path.read_text(encoding="utf-8"))
        problems += check(nb, path.name)
        warnings += check_exercise_imports(nb, path.name, package)
    problems += [f"{p} (run `make colab`)" for p in stale_copies(args.copies, sources)]
    if problems:
        print("hand-outs would be wrong:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    if warnings:
        print(
            "exercises that need an import:\n  " + "\n  ".join(warnings),
            file=sys.stderr,
        )
    written = write_handouts(args.out, [args.copies / p.name for p in sources])
    for path in written:
        problems += check_handout(
            json.loads(path.read_text(encoding="utf-8")), path.name
        )
    if problems:
        print("hand-outs are wrong:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(
        f"{len(written)} hand-out notebooks (solutions removed, an answer cell under "
        f"each exercise) in {args.out / 'notebooks'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
