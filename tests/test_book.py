"""The book builds with warnings as errors, and a failing notebook fails the build.

These tests execute every notebook once more (as ``make book`` does), so they are the slowest in the suite;
pytest-xdist runs them on one worker while the other executes the notebooks through nbval.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
JUPYTER_BOOK = pathlib.Path(sys.executable).with_name("jupyter-book")


def build(source: pathlib.Path, output: pathlib.Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GDL_OFFLINE": "1"}
    cmd = [str(JUPYTER_BOOK), "build", str(source), "--path-output", str(output),
           "--builder", "html", "--warningiserror", "--keep-going"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)


@pytest.mark.slow
def test_book_builds_with_warnings_as_errors(tmp_path):
    result = build(ROOT, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    html = tmp_path / "_build" / "html"
    assert (html / "index.html").is_file()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = html / "notebooks" / f"{nb.stem}.html"
        assert page.is_file(), f"{nb.name} was not rendered"
        text = page.read_text()
        assert "colab.research.google.com" in text, f"{nb.name} has no Colab launch button"
        assert "Traceback (most recent call last)" not in text or "raises-exception" in nb.read_text()
    references = (html / "book" / "references.html").read_text()
    assert "ijms242115858" in references, "the seed review is missing from the bibliography"


@pytest.mark.slow
def test_failing_notebook_fails_the_build(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: broken\n")
    (book / "intro.md").write_text("# Intro\n")
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "boom", "metadata": {},
                   "outputs": [], "source": ["raise RuntimeError('this notebook is broken')"]}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    (book / "broken.ipynb").write_text(json.dumps(notebook))
    result = build(book, tmp_path / "out")
    assert result.returncode != 0, "a notebook that raises must fail the build"
    assert "this notebook is broken" in result.stdout + result.stderr
