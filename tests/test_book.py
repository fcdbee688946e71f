"""The book builds with warnings as errors, and a failing notebook fails the build.

The build test executes every notebook once (as ``make book`` does: several at a time
through ``scripts/execute_notebooks.py``, then the strict Sphinx build from the cache),
so it is the slowest test in the suite; pytest-xdist runs it on one worker while the
other runs the unit tests. It also compares the stored outputs of cells tagged ``nbval``
with the fresh ones (what nbval would do), and checks the built pages as a reader meets
them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[1]
JUPYTER_BOOK = pathlib.Path(sys.executable).with_name("jupyter-book")
COLUMN_PX = 836  # the article column of sphinx-book-theme at a 1400-px window
OUTPUT_WIDTH = 88  # columns of printed output, the width of the code (ruff)
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
            widest = max(map(len, shown.splitlines()), default=0)
            if out.select("pre") and widest > OUTPUT_WIDTH:
                problems.append(
                    f"{name}: a printed output is {widest} columns wide (at most "
                    f"{OUTPUT_WIDTH}, as for code): ...{shown[:80]!r}"
                )
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


def toc_notebooks(root: pathlib.Path) -> list[pathlib.Path]:
    """The notebooks the book builds (scripts/execute_notebooks.py decides)."""
    spec = importlib.util.spec_from_file_location(
        "execute_notebooks", ROOT / "scripts" / "execute_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.toc_notebooks(root)


def execute_all(output: pathlib.Path) -> subprocess.CompletedProcess:
    """Execute the book's notebooks into ``output``'s jupyter-cache (the cache
    ``build(ROOT, output)`` reads)."""
    env = {**os.environ, "GDL_OFFLINE": "1"}
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "execute_notebooks.py"),
        "--cache",
        str(output / "_build" / ".jupyter_cache"),
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)


def sanitize(text: str) -> str:
    """Apply tests/nbval_sanitize.cfg (the regexes nbval applies before comparing)."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "nbval_sanitize.cfg")
    for section in cfg.sections():
        text = re.sub(cfg[section]["regex"], cfg[section]["replace"], text)
    return text


def stream_text(cell) -> str:
    return "".join(
        "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream"
    )


def changed_nbval_outputs(notebook: pathlib.Path, cache_path: pathlib.Path) -> list:
    """Cells tagged ``nbval`` whose printed output differs from the stored one."""
    import nbformat
    from jupyter_cache import get_cache

    stored = nbformat.read(notebook, as_version=4)
    cache = get_cache(str(cache_path))
    _, executed = cache.merge_match_into_notebook(stored)  # as the book build does
    problems = []
    for i, (old, new) in enumerate(zip(stored.cells, executed.cells)):
        if "nbval" in old.get("metadata", {}).get("tags", []):
            want, got = sanitize(stream_text(old)), sanitize(stream_text(new))
            if want != got:
                problems.append(f"{notebook.name}, cell {i}: {want!r} != {got!r}")
    return problems


def reader_copy_problems(output: pathlib.Path) -> list[str]:
    """The reader copies and hand-outs of this run (scripts/make_reader_copies.py, made
    from ``output``'s cache and built pages): no MyST left, every glued value the
    build's, figure and exercise numbers as the built book shows them (and as the
    script counts them without the pages), an answer cell under every exercise of a
    hand-out. Returns one line per problem."""
    name = "make_reader_copies"
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    built = output / "_build"
    return module.build_and_check(
        output / "reader_copies", built / ".jupyter_cache", html=built / "html"
    )


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
    executed = execute_all(tmp_path)
    assert executed.returncode == 0, executed.stdout[-6000:] + executed.stderr[-3000:]
    result = build(ROOT, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Executing notebook" not in result.stdout, (
        "the build executed a notebook again instead of reading the cache"
    )
    cache = tmp_path / "_build" / ".jupyter_cache"
    in_book = set(toc_notebooks(ROOT))
    changed = [
        p
        for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))
        if nb in in_book and '"nbval"' in nb.read_text()
        for p in changed_nbval_outputs(nb, cache)
    ]
    assert not changed, "\n".join(changed)
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
    copies = reader_copy_problems(tmp_path)
    assert not copies, "\n".join(copies[:40])
    api = api_page_problems(html / "book" / "appendix_api.html", public_names())
    assert not api, "\n".join(api[:40])


def test_page_checks_find_problems(tmp_path):
    """check_pages is not a test that cannot fail."""
    html = tmp_path / "html"
    (html / "_images").mkdir(parents=True)
    (html / "page.html").write_text(
        '<script>const THEBE_JS_URL = "x"</script><script>const THEBE_JS_URL = '
        '"x"</script>'
        f'<div class="cell_output"><pre>File {ROOT}/gdl_utils/dna/seqio.py, line '
        "3</pre></div>"
        '<div class="cell_output"><pre>{"N": np.float64(4.62)}</pre></div>'
        f'<div class="cell_output"><pre>{"x" * 89}</pre></div>'
        f'<div class="cell_output"><pre>{"x" * 88}</pre></div>'
    )
    Image.new("RGB", (1584, 400)).save(html / "_images" / "wide.png", dpi=(100, 100))
    Image.new("RGB", (800, 400)).save(html / "_images" / "ok.png", dpi=(150, 150))
    problems = check_pages(html, tmp_path)
    assert len(problems) == 5, problems
    assert sum("89 columns" in p for p in problems) == 1
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


def test_changed_nbval_outputs_are_found(tmp_path):
    """The nbval comparison is not a test that cannot fail: a stored output that the
    fresh run does not reproduce is reported (after the sanitizer's regexes)."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    def notebook(printed: str):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        cell = nbformat.v4.new_code_cell("print(2 + 2)")
        cell.metadata["tags"] = ["nbval"]
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
        nb.cells = [nbformat.v4.new_markdown_cell("# T"), cell]
        return nb

    cache = get_cache(str(tmp_path / "cache"))
    cache.cache_notebook_bundle(
        CacheBundleIn(notebook("4 (took 0.3 s)\n"), "t.ipynb"), check_validity=False
    )
    stored = tmp_path / "t.ipynb"
    nbformat.write(notebook("4 (took 12 s)\n"), stored)
    assert changed_nbval_outputs(stored, tmp_path / "cache") == []  # timings sanitized
    nbformat.write(notebook("5 (took 12 s)\n"), stored)
    (problem,) = changed_nbval_outputs(stored, tmp_path / "cache")
    assert problem.startswith("t.ipynb, cell 1:")


# --- the API reference appendix (book/appendix_api.md) ------------------------------


def public_names() -> dict[str, object]:
    """'path.name' -> object for every name in the ``__all__`` of a public path: the
    package, ``runtime``, ``report`` and each topic folder (tests/test_layout.py)."""
    import importlib

    package = ROOT / "gdl_utils"
    folders = sorted(p.name for p in package.iterdir() if (p / "__init__.py").is_file())
    paths = ["gdl_utils", "gdl_utils.runtime", "gdl_utils.report"] + [
        f"gdl_utils.{f}" for f in folders
    ]
    names = {}
    for path in paths:
        module = importlib.import_module(path)
        for name in module.__all__:
            names[f"{path}.{name}"] = getattr(module, name)
    return names


def api_page_problems(page: pathlib.Path, names: dict[str, object]) -> list[str]:
    """What the built API page lacks: an entry (an anchor ``path.name``) for every
    public name, and a "Used in" line in the entry of every public function and class.
    Returns one line per problem."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    entries = {dt["id"]: dt for dt in soup.select("dl.py > dt[id]")}
    problems = []
    for name, obj in names.items():
        dt = entries.get(name)
        if dt is None:
            problems.append(f"{name}: no entry on the API page")
            continue
        dd = dt.find_next_sibling("dd")
        if callable(obj) and (dd is None or "Used in" not in dd.get_text()):
            problems.append(f"{name}: its entry shows no 'Used in' line")
    return problems


@pytest.mark.slow
def test_api_page_lists_every_public_name(tmp_path):
    """The API appendix alone, built as the book is (warnings are errors, no notebook):
    every public name has an entry, with a "Used in" line for functions and classes.
    (The strict build also fails on a docstring that does not render, or on a name
    documented twice.)"""
    book = tmp_path / "book"
    (book / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    shutil.copy(ROOT / "book" / "appendix_api.md", book / "book" / "appendix_api.md")
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/appendix_api\n")
    # gdl_book writes this placeholder when it is missing, after jupyter-book has
    # listed the pages to leave out (those not in the toc): write it first, as
    # scripts/execute_notebooks.py does for the book
    (book / "book" / "_generated").mkdir()
    (book / "book" / "_generated" / "run_times.md").write_text("*Not measured.*\n")
    result = build(book, tmp_path / "out")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    page = tmp_path / "out" / "_build" / "html" / "book" / "appendix_api.html"
    problems = api_page_problems(page, public_names())
    assert not problems, "\n".join(problems[:40])


def test_api_page_checks_find_problems(tmp_path):
    """api_page_problems is not a check that cannot fail."""
    page = tmp_path / "api.html"
    page.write_text(
        '<dl class="py function"><dt id="m.f">f()</dt><dd>Used in: ch. 1.</dd></dl>'
        '<dl class="py function"><dt id="m.g">g()</dt><dd>No line.</dd></dl>'
        '<dl class="py data"><dt id="m.C">C = 1</dt><dd></dd></dl>'
    )
    names = {"m.f": len, "m.g": len, "m.C": 1, "m.h": len}
    problems = api_page_problems(page, names)
    assert problems == [
        "m.g: its entry shows no 'Used in' line",
        "m.h: no entry on the API page",
    ], problems
