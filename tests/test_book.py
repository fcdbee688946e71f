"""The book builds with warnings as errors, and a failing notebook fails the build.

These tests execute every notebook once more (as ``make book`` does), so they are the
slowest in the suite; pytest-xdist runs them on one worker while the other executes the
notebooks through nbval.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[1]
JUPYTER_BOOK = pathlib.Path(sys.executable).with_name("jupyter-book")
COLUMN_PX = 836  # the article column of sphinx-book-theme at a 1400-px window
# Output text that would show the build machine instead of the science.
MACHINE = [
    str(ROOT),
    str(pathlib.Path.home()),
    "/tmp/",
    "site-packages",
    "/.venv",
    sys.prefix,
    "np.float64(",
    "np.float32(",
    "np.int64(",
    "np.str_(",
    "np.bool_(",
]


def check_pages(html: pathlib.Path, tmp: pathlib.Path) -> list[str]:
    """Reader-facing problems in the built HTML (machine paths and numpy reprs in
    outputs, duplicate scripts, unreadable figures). Returns one line per problem."""
    problems = []
    for page in sorted(html.rglob("*.html")):
        name = page.relative_to(html).as_posix()
        text = page.read_text(encoding="utf-8")
        if text.count("const THEBE_JS_URL") > 1:
            problems.append(
                f"{name}: THEBE_JS_URL is declared twice (a JavaScript error)"
            )
        soup = BeautifulSoup(text, "html.parser")
        for out in soup.select(".cell_output, .pasted-text, .output"):
            shown = out.get_text()
            for bad in MACHINE + [str(tmp)]:
                if bad and bad in shown:
                    problems.append(
                        f"{name}: an output shows {bad!r}: ...{shown[:160]!r}"
                    )
                    break
    for png in sorted((html / "_images").glob("*.png")):
        with Image.open(png) as im:
            dpi = (im.info.get("dpi") or (0, 0))[0]
            width = im.size[0]
        if dpi and dpi < 149 or width > 1.1 * COLUMN_PX:
            problems.append(
                f"_images/{png.name}: {width} px at {dpi:.0f} dpi; figures are "
                "rendered at 150 dpi "
                f"and at most {COLUMN_PX} px wide (plotting.set_style, figsize <= 5.4 "
                "in)"
            )
    return problems


def build(source: pathlib.Path, output: pathlib.Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GDL_OFFLINE": "1"}
    cmd = [
        str(JUPYTER_BOOK),
        "build",
        str(source),
        "--path-output",
        str(output),
        "--builder",
        "html",
        "--warningiserror",
        "--keep-going",
    ]
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
        assert "colab.research.google.com" in text, (
            f"{nb.name} has no Colab launch button"
        )
        assert (
            "Traceback (most recent call last)" not in text
            or "raises-exception" in nb.read_text()
        )
    references = (html / "book" / "references.html").read_text()
    assert "ijms242115858" in references, (
        "the seed review is missing from the bibliography"
    )
    problems = check_pages(html, tmp_path)
    assert not problems, "\n".join(problems[:40])
    # exercises are numbered and their solutions are collapsed dropdowns tied to them
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        soup = BeautifulSoup(
            (html / "notebooks" / f"{nb.stem}.html").read_text(), "html.parser"
        )
        exercises = soup.select("div.exercise")
        solutions = soup.select("div.solution.dropdown")
        assert exercises and len(solutions) == len(exercises), (
            f"{nb.name}: {len(exercises)} exercises, "
            f"{len(solutions)} collapsed solutions"
        )
    results = (html / "book" / "appendix_results.html").read_text()
    assert results.count('class="pasted-text"') >= 5, (
        "the Results appendix shows too few measured values"
    )


def test_page_checks_find_problems(tmp_path):
    """check_pages is not a test that cannot fail."""
    html = tmp_path / "html"
    (html / "_images").mkdir(parents=True)
    (html / "page.html").write_text(
        '<script>const THEBE_JS_URL = "x"</script><script>const THEBE_JS_URL = '
        '"x"</script>'
        f'<div class="cell_output"><pre>File {ROOT}/gdl_utils/seqio.py, line '
        "3</pre></div>"
        '<div class="cell_output"><pre>{"N": np.float64(4.62)}</pre></div>'
    )
    Image.new("RGB", (1584, 400)).save(html / "_images" / "wide.png", dpi=(100, 100))
    Image.new("RGB", (800, 400)).save(html / "_images" / "ok.png", dpi=(150, 150))
    problems = check_pages(html, tmp_path)
    assert len(problems) == 4, problems
    assert any("THEBE" in p for p in problems) and any(
        "wide.png" in p for p in problems
    )
    assert not any("ok.png" in p for p in problems)


@pytest.mark.slow
def test_failing_notebook_fails_the_build(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext")  # gdl_book
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: broken\n"
    )
    (book / "intro.md").write_text("# Intro\n")
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "boom",
                "metadata": {},
                "outputs": [],
                "source": ["raise RuntimeError('this notebook is broken')"],
            }
        ],
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3",
                "language": "python",
                "name": "python3",
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (book / "broken.ipynb").write_text(json.dumps(notebook))
    result = build(book, tmp_path / "out")
    assert result.returncode != 0, "a notebook that raises must fail the build"
    assert "this notebook is broken" in result.stdout + result.stderr
