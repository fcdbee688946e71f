"""Exercises of more kinds than "re-run and compare", each marked by difficulty.

Every ``{exercise}`` of a notebook says how hard it is and what kind of work it asks
(``★★ derivation``, the directive's argument, shown in the book as "Exercise 4.3
(★★ derivation)"); every chapter has at least one derivation and one implement-it
exercise; an implement-it exercise names the check the student runs
(``gdl_utils.exercises.check_*``) and its solution calls that check, so the book build
runs the check against the solution. The projects page has one open-ended project per
part of the book.
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest
import yaml

import gdl_utils.exercises

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KINDS = ("experiment", "derivation", "implement", "discussion")
MARK = re.compile(r"^(★{1,3}) (" + "|".join(KINDS) + r")$")
EXERCISE = re.compile(r"^\s*:{3,}\s*\{exercise\}[ \t]*(.*?)\s*$", re.M)
LABEL = re.compile(r"^:label:\s*(\S+)", re.M)
START = re.compile(r"^\s*:{3,}\s*\{solution-start\}\s+(\S+)", re.M)
CHECK = re.compile(r"`(check_\w+)")


def exercises(path: pathlib.Path) -> list[dict]:
    """A notebook's exercises: argument, label, text, and the code of its solution."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found, by_label, current = [], {}, None
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            m = EXERCISE.search(source)
            if m:
                label = LABEL.search(source)
                ex = {
                    "argument": m.group(1),
                    "label": label.group(1) if label else "",
                    "text": source,
                    "solution": "",
                }
                found.append(ex)
                by_label[ex["label"]] = ex
                continue
            start = START.search(source)
            if start:
                current = by_label.get(start.group(1))
                continue
            if "{solution-end}" in source:
                current = None
                continue
        if current is not None and cell["cell_type"] == "code":
            current["solution"] += source + "\n"
    return found


def chapter(path: pathlib.Path) -> int:
    return int(path.name[:2])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_is_marked_by_difficulty_and_kind(path):
    found = exercises(path)
    assert found, f"{path.name} has no exercise"
    for ex in found:
        assert MARK.match(ex["argument"]), (
            f"{path.name}: exercise {ex['label']} has argument {ex['argument']!r}; "
            f"write '::::{{exercise}} ★★ derivation' (1-3 stars, one of {KINDS})"
        )


def by_chapter() -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for path in NOTEBOOKS:
        for ex in exercises(path):
            out.setdefault(chapter(path), []).append({**ex, "notebook": path.name})
    return out


def test_every_chapter_has_a_derivation_and_an_implement_exercise():
    missing = []
    for ch, found in sorted(by_chapter().items()):
        kinds = {
            MARK.match(ex["argument"]).group(2)
            for ex in found
            if MARK.match(ex["argument"])
        }
        missing += [
            f"chapter {ch}: no {k} exercise"
            for k in ("derivation", "implement")
            if k not in kinds
        ]
    assert not missing, "; ".join(missing)


def test_implement_exercises_name_a_check_that_their_solution_runs():
    problems, n = [], 0
    for _, found in sorted(by_chapter().items()):
        for ex in found:
            m = MARK.match(ex["argument"])
            if not m or m.group(2) != "implement":
                continue
            n += 1
            names = CHECK.findall(ex["text"])
            where = f"{ex['notebook']} {ex['label']}"
            if not names:
                problems.append(f"{where}: the text names no `check_...` to run")
            for name in names:
                if name not in gdl_utils.exercises.__all__:
                    problems.append(f"{where}: {name} is not in gdl_utils.exercises")
                if not re.search(rf"\b{name}\(", ex["solution"]):
                    problems.append(f"{where}: the solution does not call {name}")
    assert n > 0 and not problems, "; ".join(problems) or "no implement exercise"


def test_the_checker_finds_an_unmarked_exercise(tmp_path):
    nb = {
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "::::{exercise}\n:label: ex-x\nDo.\n::::",
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(AssertionError, match="ex-x"):
        test_every_exercise_is_marked_by_difficulty_and_kind(path)


def test_one_project_per_part():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    text = (ROOT / "book" / "projects.md").read_text(encoding="utf-8")
    parts = [
        p["caption"]
        for p in toc["parts"]
        if p["caption"] not in ("Getting started", "Projects", "Appendices")
    ]
    projects = re.findall(r"^\s*:{3,}\s*\{exercise\}[ \t]*★★★ project\s*$", text, re.M)
    assert len(projects) >= len(parts), f"{len(projects)} projects for parts {parts}"
    for part in parts:
        assert f"Part: {part}" in text, f"no project for the part {part!r}"
    listed = [c.get("file") for p in toc["parts"] for c in p["chapters"]]
    assert "book/projects" in listed, "the projects page is not in _toc.yml"
