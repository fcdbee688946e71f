"""The students' hand-outs (``make student``): solutions tied to their exercises,
removable, and placed after every other code cell.

The order rule is what lets ``make test`` execute each notebook once: a hand-out is the
book's run up to the first solution, so the book build (``tests/test_book.py``), which
executes every notebook with its solutions, has already run every hand-out cell in the
same order and state. The hand-outs themselves are written and checked here, not run.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location(
    "make_student", ROOT / "scripts" / "make_student.py"
)
make_student = importlib.util.module_from_spec(_spec)
sys.modules["make_student"] = make_student
_spec.loader.exec_module(make_student)


def md(text, tags=None):
    return {
        "cell_type": "markdown",
        "metadata": {"tags": tags} if tags else {},
        "source": text,
    }


def code(text, tags=None, outputs=None):
    return {
        "cell_type": "code",
        "metadata": {"tags": tags} if tags else {},
        "execution_count": 3,
        "outputs": outputs or [],
        "source": text,
    }


def exercise_notebook():
    sol = ["solution"]
    return {
        "cells": [
            md("# T"),
            code("import numpy as np\nx = np.arange(3)"),
            md("## Exercises"),
            md("::::{exercise}\n:label: ex-t-one\n\nDouble x.\n::::"),
            md("::::{solution-start} ex-t-one\n:class: dropdown\n::::", sol),
            code(
                "doubled = 2 * x\ndoubled",
                sol,
                outputs=[{"output_type": "execute_result", "data": {}}],
            ),
            md("::::{solution-end}\n::::", sol),
            md("The end."),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_a_well_formed_notebook_passes_and_loses_exactly_its_solution():
    nb = exercise_notebook()
    assert make_student.check(nb) == []
    out = make_student.handout(nb)
    kept = [
        make_student.source(c) for c in nb["cells"] if not make_student.is_solution(c)
    ]
    # an answer cell under the exercise
    kept.insert(
        kept.index(make_student.source(nb["cells"][3])) + 1,
        "# Exercise ex-t-one: your code here",
    )
    assert [make_student.source(c) for c in out["cells"]] == kept
    assert len(out["cells"]) == len(nb["cells"]) - 3 + 1
    assert all(
        c["outputs"] == [] and c["execution_count"] is None
        for c in out["cells"]
        if c["cell_type"] == "code"
    )
    assert nb["cells"][5]["outputs"], "handout() must not modify its input"


def test_a_name_defined_only_in_a_solution_is_reported():
    nb = exercise_notebook()
    nb["cells"].append(code("print(doubled)"))
    problems = make_student.check(nb, "t.ipynb")
    assert len(problems) == 2, problems
    assert "cell 8: a code cell after the first solution (cell 4)" in problems[0]
    assert "'doubled'" in problems[1] and "cell 8" in problems[1]


def test_any_code_after_a_solution_is_reported():
    """Even code that uses no solution name: the solution could have mutated ``x``."""
    nb = exercise_notebook()
    nb["cells"] += [code("x += 1"), code("print(x)", tags=["hide-input"])]
    problems = make_student.check(nb, "t.ipynb")
    assert [p.split(":")[0] for p in problems] == ["t.ipynb, cell 8", "t.ipynb, cell 9"]


def test_markdown_after_the_solutions_is_fine():
    nb = exercise_notebook()
    nb["cells"] += [md("## Further reading"), md("More.")]
    assert make_student.check(nb) == []


@pytest.mark.parametrize(
    "broken, message",
    [
        (lambda nb: nb["cells"][5]["metadata"].clear(), "not tagged"),
        (lambda nb: nb["cells"].pop(6), "never closed"),
        (
            lambda nb: nb["cells"].__setitem__(
                4, md("::::{solution-start} ex-t-two\n::::", ["solution"])
            ),
            "no {exercise} :label:",
        ),
        (
            lambda nb: nb["cells"][7]["metadata"].__setitem__("tags", ["solution"]),
            "outside a solution",
        ),
    ],
)
def test_broken_structure_is_reported(broken, message):
    nb = copy.deepcopy(exercise_notebook())
    broken(nb)
    problems = make_student.check(nb)
    assert any(message in p for p in problems), problems


def test_write_handouts(tmp_path):
    src = tmp_path / "t.ipynb"
    src.write_text(json.dumps(exercise_notebook()))
    (written,) = make_student.write_handouts(tmp_path / "student", [src])
    assert written == tmp_path / "student" / "notebooks" / "t.ipynb"
    text = written.read_text()
    assert (
        "solution-start" not in text and "doubled" not in text and "Double x." in text
    )
    assert (tmp_path / "student" / "data" / "example.fa").is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_hands_out_cleanly(path):
    problems = make_student.check(json.loads(path.read_text()), path.name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_one_solution_and_no_hidden_cell_solutions(path):
    nb = json.loads(path.read_text())
    markdown = "\n".join(
        make_student.source(c) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    labels = make_student.EXERCISE.findall(markdown)
    starts = make_student.START.findall(markdown)
    assert labels, (
        f"{path.name}: no labelled {{exercise}} (see CONTRIBUTING.md, Notebooks)"
    )
    assert len(labels) == len(set(labels)), (
        f"{path.name}: duplicate exercise labels {labels}"
    )
    assert sorted(starts) == sorted(labels), (
        f"{path.name}: exercises {labels} vs solutions {starts}"
    )
    prefix = re.match(r"\d+[a-z]?", path.stem).group(0)
    assert all(label.startswith(f"ex-{prefix}-") for label in labels), (
        path.name,
        labels,
    )
    hidden = [
        i
        for i, c in enumerate(nb["cells"])
        if "hide-cell" in c["metadata"].get("tags", [])
    ]
    assert not hidden, (
        f"{path.name}: cells {hidden} use hide-cell; solutions use the 'solution' tag"
    )
