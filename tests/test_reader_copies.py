"""The reader copies (``make colab``, scripts/make_reader_copies.py): the notebooks in
plain Markdown with the book's numbers, for Colab and Jupyter, and the hand-outs made
from them; and the Colab install cell, which must leave Colab's own torch alone.

The unit tests build a small book in ``tmp_path`` (two notebooks with glue outputs in a
jupyter-cache of their own). The course's notebooks are converted here with stand-in
values (every construct they use has a plain form); the real values are checked in the
book-build test (tests/test_book.py), which runs the script on the freshly executed
cache.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import pathlib
import re
import sys
from importlib.metadata import PackageNotFoundError, requires

import nbformat
import pytest
from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
URL = "https://example.org/gdl"
# MyST that must not reach a reader (the list): roles, directive fences, colon
# fences, targets.
MYST = re.compile(r"\{[a-z:]+\}`|```\{|:::|^\(.+\)=", re.M)
# The torch of Colab's runtime as measured (book review 2026-12, §7) and a future one.
COLAB_TORCH = ["2.12.1+cu130", "99.0"]


def prose(text: str) -> str:
    """Markdown without code blocks and code spans (which may show MyST as code); a
    role's backticks stay, since they follow "}"."""
    text = re.sub(r"^```\w*\n.*?^```$", "", text, flags=re.S | re.M)
    return re.sub(r"(?<![`}])`[^`\n]*`", "", text)


def load(name):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, ROOT / "scripts" / f"{name}.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses need the module registered
        spec.loader.exec_module(module)
    return sys.modules[name]


rc = load("make_reader_copies")
student = load("make_student")


# ------------------------------------------------------------------ a small book


def md(text, tags=None):
    cell = nbformat.v4.new_markdown_cell(text)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def code(text, tags=None, outputs=()):
    cell = nbformat.v4.new_code_cell(text)
    if tags:
        cell.metadata["tags"] = tags
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def glued(key, plain=None, png=None):
    """A glue output as myst_nb.glue(display=False) writes it."""
    data = {}
    if plain is not None:
        data[rc.GLUE_PREFIX + "text/plain"] = plain
    if png is not None:
        data[rc.GLUE_PREFIX + "image/png"] = png
    return {
        "output_type": "display_data",
        "data": data,
        "metadata": {"scrapbook": {"name": key, "mime_prefix": rc.GLUE_PREFIX}},
    }


INSTALL = (
    "import importlib.util\nimport subprocess\nimport sys\n\n"
    'REPO = "https://github.com/x/y"\n'
    'if "google.colab" in sys.modules and importlib.util.find_spec("gdl_utils") '
    "is None:\n"
    '    pip = [sys.executable, "-m", "pip", "install", "-q", f"git+{REPO}"]\n'
    "    subprocess.run(pip, check=True)\n"
)


def first_notebook():
    sol = ["solution"]
    return [
        md(
            "# Chapter 1.1 — First\n\nDeepBind {cite}`alipanahi2015predicting`, as "
            "{cite:t}`quang2016danq` did, and {cite}`alipanahi2015predicting,solo2001`."
        ),
        code(INSTALL, ["colab-install", "remove-output"]),
        code(
            "auc = glue('01a_auc', 0.974123)",
            outputs=[
                glued("01a_auc", "0.974123"),
                glued("01a_frac", "0.93128"),
                glued("01a_n", "1234"),
                glued("01a_motif", "'TGTAnATA'"),
                glued("01a_setting", "'d_model 64'"),
            ],
        ),
        code(
            "report.show_figure(fig, 'fig-01a-roc')",
            outputs=[
                {"output_type": "stream", "name": "stdout", "text": "drawn\n"},
                glued("fig-01a-roc", "<Figure>", "iVBORw0KGgo="),
            ],
        ),
        md(
            "```{glue:figure} fig-01a-roc\n:name: fig-01a-roc\n:alt: ROC curves\n\n"
            "ROC curves; *E. coli* AUROC {glue:text}`01a_auc:.2f`.\n```\n\n"
            "The curve ({numref}`fig-01a-roc`) gives {glue:text}`01a_auc:.3f`, "
            "{glue:text}`01a_frac:.1%` of sites, {glue:text}`01a_n:,d` sequences, "
            "motif {glue:text}`01a_motif`, {glue:text}`01a_setting:s`.\n\n"
            "(sec-first)=\n## 2. A section\n\nCode `{x}` stays, and so does\n\n"
            "```python\nprint('{glue:text}`not a role`')\n```"
        ),
        md(
            ":::{note}\nA note with {glue:text}`01a_auc:.1f`.\n:::\n\n"
            "```{margin}\nAn aside.\n```\n\n"
            "See {doc}`01b_second`, {ref}`ex-01b-two`, {ref}`sec-first`, "
            "{numref}`fig-ch01-diagram` and the {doc}`setup page <../book/intro>`."
        ),
        md(
            "## Exercises\n\n::::{exercise}\n:label: ex-01a-one\n\nCompare with "
            "{glue:text}`01a_auc:.3f`. Use `helper`.\n::::"
        ),
        md("::::{solution-start} ex-01a-one\n:class: dropdown\n::::", sol),
        code("from mypkg import helper\nhelper(auc)", sol),
        md("It is {glue:text}`01a_auc:.3f`.", sol),
        md("::::{solution-end}\n::::", sol),
    ]


def second_notebook():
    return [
        md("# Chapter 1.2 — Second"),
        code(INSTALL, ["colab-install", "remove-output"]),
        code("x = 1", outputs=[glued("01b_loss", "0.25")]),
        md(
            "Loss {glue:text}`01b_loss:.2f` against the first notebook's "
            "{glue:text}`/notebooks/01a_first.ipynb::01a_auc:.2f` "
            "({numref}`fig-01a-roc`)."
        ),
        md("```{figure} ../book/figures/d.svg\n:alt: a diagram\n\nUnnamed.\n```"),
        md("::::{exercise} A titled one\n:label: ex-01b-two\n\nThink.\n::::"),
        md("::::{solution-start} ex-01b-two\n::::", ["solution"]),
        md("Done.", ["solution"]),
        md("::::{solution-end}\n::::", ["solution"]),
    ]


BIB = """
@article{alipanahi2015predicting,
  author = {Alipanahi, Babak and Delong, Andrew and Weirauch, Matthew T.
            and Frey, Brendan J.},
  title = {Predicting the sequence specificities of DNA- and RNA-binding proteins},
  year = {2015}
}
@article{quang2016danq,
  author = {Quang, Daniel and Xie, Xiaohui},
  title = {DanQ},
  year = {2016}
}
@book{solo2001,
  author = {Vina{\\v{r}}, Tom{\\'a}{\\v{s}}},
  title = {One author},
  year = {2001}
}
"""

TOC = """format: jb-book
root: book/intro
chapters:
  - file: book/ch01_intro
    sections:
      - file: notebooks/01a_first
      - file: notebooks/01b_second
  - file: book/references
"""


@pytest.fixture
def book(tmp_path):
    """A two-notebook book in tmp_path/book with their runs in tmp_path/cache."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root = tmp_path / "book"
    (root / "book" / "figures").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "_toc.yml").write_text(TOC)
    (root / "_config.yml").write_text("repository:\n  url: https://github.com/x/y\n")
    (root / "book" / "references.bib").write_text(BIB)
    (root / "book" / "intro.md").write_text("# Intro\n")
    (root / "book" / "references.md").write_text("# References\n")
    (root / "book" / "figures" / "d.svg").write_text("<svg/>")
    (root / "book" / "ch01_intro.md").write_text(
        "# Chapter 1\n\n```{figure} figures/d.svg\n:name: fig-ch01-diagram\n\n"
        "A diagram.\n```\n"
    )
    cache = get_cache(str(tmp_path / "cache"))
    for name, cells in [
        ("01a_first", first_notebook()),
        ("01b_second", second_notebook()),
    ]:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nb.cells = cells
        path = root / "notebooks" / f"{name}.ipynb"
        cache.cache_notebook_bundle(
            CacheBundleIn(copy.deepcopy(nb), str(path)), check_validity=False
        )
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
        nbformat.write(nb, path)
    return root


def make(book, tmp_path, **kwargs):
    kwargs.setdefault("book_url", URL)
    written, index, missing = rc.make_copies(
        tmp_path / "out", tmp_path / "cache", book, **kwargs
    )
    assert not missing
    return {p.stem: nbformat.read(p, as_version=4) for p in written}, written


def markdown(nb) -> str:
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


# ------------------------------------------------------------------ reader copies


def test_glued_values_are_the_builds_formatted_as_myst_nb_does(book, tmp_path):
    copies, written = make(book, tmp_path)
    text = markdown(copies["01a_first"])
    assert "The curve (Figure 1.2) gives 0.974, 93.1% of sites, 1,234 sequences" in text
    assert "motif TGTAnATA, d\\_model 64." in text  # literal, as MyST-NB pastes it
    assert "Compare with 0.974." in text
    assert "Loss 0.25 against the first notebook's 0.97" in markdown(
        copies["01b_second"]
    )
    assert rc.check_copies(written, tmp_path / "cache", book) == []


def test_a_wrong_value_is_found(book, tmp_path):
    """check_copies is not a check that cannot fail."""
    copies, written = make(book, tmp_path)
    nb = copies["01a_first"]
    cell = next(c for c in nb.cells if "1,234 sequences" in c.source)
    cell.source = cell.source.replace("1,234 sequences", "1,235 sequences")
    rec = next(r for r in cell.metadata["reader_copy"]["glue"] if r["key"] == "01a_n")
    rec["text"] = rec["markdown"] = "1,235"
    nbformat.write(nb, written[0])
    (problem,) = rc.check_copies(written, tmp_path / "cache", book)
    assert "01a_n" in problem and "'1,234'" in problem


def test_no_myst_is_left(book, tmp_path):
    copies, _ = make(book, tmp_path)
    for name, nb in copies.items():
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                assert not MYST.search(prose(cell.source)), (name, cell.source)
    text = markdown(copies["01a_first"])
    assert "Code `{x}` stays" in text and "print('{glue:text}`not a role`')" in text


def test_a_leftover_is_found():
    nb = nbformat.v4.new_notebook()
    nb.cells = [md("fine"), md("a {cite}`x` role"), md("(target)=\n# T")]
    assert [p.split(":")[0] for p in rc.leftovers(nb)] == ["cell 1", "cell 2"]


def test_figures_are_numbered_captioned_and_shown_where_they_are_drawn(book, tmp_path):
    copies, _ = make(book, tmp_path)
    nb = copies["01a_first"]
    text = markdown(nb)
    # Figure 1.1 is the chapter intro's diagram: numbers run through the chapter
    assert (
        "> **Figure 1.2** (in the output of the code cell above). ROC curves; "
        "*E. coli* AUROC 0.97." in text
    )
    drawn = next(c for c in nb.cells if "show_figure" in c.source)
    assert [set(o.get("data", {})) for o in drawn.outputs] == [
        set(),
        {"text/plain", "image/png"},
    ]  # the glued figure is visible, the glue prefix gone
    values = next(c for c in nb.cells if "glue('01a_auc'" in c.source)
    assert values.outputs == []  # glued scalars show nothing in Jupyter
    assert "([Figure 1.2](https://example.org/gdl/notebooks/01a_first.html" in (
        markdown(copies["01b_second"])
    )


def test_citations_read_author_year_and_link_to_the_references(book, tmp_path):
    copies, _ = make(book, tmp_path)
    text = markdown(copies["01a_first"])
    refs = f"{URL}/book/references.html"
    assert f"DeepBind ([Alipanahi et al., 2015]({refs}))" in text
    assert f"as [Quang and Xie (2016)]({refs}) did" in text
    assert f"([Alipanahi et al., 2015]({refs}); [Vinař, 2001]({refs}))" in text


def test_exercises_and_solutions_are_headed_blocks(book, tmp_path):
    copies, _ = make(book, tmp_path)
    first, second = copies["01a_first"], copies["01b_second"]
    exercise = next(c for c in first.cells if "Exercise 1.1" in c.source)
    assert exercise.source.startswith("### Exercise 1.1\n\nCompare with 0.974.")
    assert exercise.metadata["reader_copy"]["exercise"] == "ex-01a-one"
    assert any(c.source == "## Exercises" for c in first.cells)  # a cell of its own
    solution = [c for c in first.cells if "solution" in c.metadata.get("tags", [])]
    assert [c.source.split("\n")[0] for c in solution] == [
        "### Solution to Exercise 1.1",
        "from mypkg import helper",
        "It is 0.974.",
    ]  # solution-end is gone
    text = markdown(second)
    assert "### Exercise 1.2 (A titled one)" in text
    assert "### Solution to Exercise 1.2 (A titled one)" in text


def test_cross_references_become_links_to_the_book(book, tmp_path):
    copies, _ = make(book, tmp_path)
    text = markdown(copies["01a_first"])
    assert "See [Chapter 1.2 — Second](01b_second.ipynb)" in text
    assert f"[Exercise 1.2]({URL}/notebooks/01b_second.html#ex-01b-two)" in text
    assert ", 2. A section, " in text  # on this page: its title
    assert f"[Figure 1.1]({URL}/book/ch01_intro.html#fig-ch01-diagram)" in text
    # a figure without a :name: is numbered too, and its image travels with the copy
    assert "![a diagram](../book/figures/d.svg)\n\n> **Figure 1.3.** Unnamed." in (
        markdown(copies["01b_second"])
    )
    assert (tmp_path / "out" / "book" / "figures" / "d.svg").is_file()
    assert f"the [setup page]({URL}/book/intro.html)" in text
    assert "> **Note**\n>\n> A note with 1.0." in text
    assert "> **Aside**\n>\n> An aside." in text


def test_the_note_under_the_title_says_whose_numbers_these_are(book, tmp_path):
    copies, _ = make(book, tmp_path)
    nb = copies["01a_first"]
    assert nb.cells[0].source.startswith("# Chapter 1.1")
    note = nb.cells[1]
    assert note.metadata["tags"] == ["reader-note"]
    assert "**Reader copy.**" in note.source and "from the book's run" in note.source
    assert f"({URL}/notebooks/01a_first.html)" in note.source
    assert nb.cells[2].metadata["tags"] == ["colab-install", "remove-output"]


def test_without_a_book_url_links_are_relative_to_the_local_build(book, tmp_path):
    copies, _ = make(book, tmp_path, book_url="")
    # tmp/out/notebooks -> tmp/book/_build/html
    assert (
        "([Alipanahi et al., 2015](../../book/_build/html/book/references.html))"
        in (markdown(copies["01a_first"]))
    )


def test_numbers_come_from_the_built_pages_when_there_are_some(book, tmp_path):
    html = tmp_path / "html"
    (html / "notebooks").mkdir(parents=True)
    (html / "notebooks" / "01a_first.html").write_text(
        '<figure id="fig-01a-roc"><figcaption><span class="caption-number">Figure 7 '
        "</span></figcaption></figure>"
    )
    copies, _ = make(book, tmp_path, html=html)
    assert "> **Figure 7** (in the output" in markdown(copies["01a_first"])
    index = rc.index_book(book, html=html)
    assert index.html_mismatches == [
        "notebooks/01a_first: figure fig-01a-roc is 7 in the built book, counted 1.2 "
        "by index_book"
    ]


def test_the_install_cell_can_be_pinned_to_a_commit(book, tmp_path):
    copies, _ = make(book, tmp_path, package_ref="abc123")
    install = copies["01a_first"].cells[2]
    assert 'f"git+{REPO}@abc123"' in install.source


@pytest.mark.parametrize(
    "text, message",
    [
        ("```{tabs}\nx\n```", "MyST directive {tabs}"),
        ("a {foo}`bar` role", "MyST role {foo}"),
        ("{cite}`nobody2020`", "'nobody2020' is not in book/references.bib"),
        ("{glue:text}`01a_nothing:.2f`", "'01a_nothing' is not glued"),
        ("{ref}`no-such-label`", "no page of the book defines"),
    ],
)
def test_what_cannot_be_converted_stops_the_script(book, tmp_path, text, message):
    path = book / "notebooks" / "01b_second.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(md(text))  # markdown only: the cache still matches
    nbformat.write(nb, path)
    with pytest.raises(rc.ConversionError, match=re.escape(message)):
        make(book, tmp_path)


def test_a_notebook_changed_since_the_build_is_refused(book, tmp_path):
    path = book / "notebooks" / "01b_second.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = "x = 2"
    nbformat.write(nb, path)
    with pytest.raises(rc.ConversionError, match="make book"):
        make(book, tmp_path)


def test_every_course_notebook_converts():
    """Every MyST construct the course's notebooks use has a plain form (with stand-in
    values: the build's values are checked by the book-build test)."""

    class AnyValue(dict):
        def __contains__(self, key):
            return True

        def __getitem__(self, key):
            return {"text/plain": "1"}, -1

    index = rc.index_book(ROOT, book_url=URL)
    docs = [d for d in index.docs if (ROOT / f"{d}.ipynb").is_file()]
    glue = {doc: AnyValue() for doc in docs}
    problems = []
    for doc in docs:
        nb = nbformat.read(ROOT / f"{doc}.ipynb", as_version=4)
        try:
            copy_nb, _ = rc.convert_notebook(index, glue, doc, nb, set(docs))
        except rc.ConversionError as err:
            problems.append(str(err))
            continue
        for cell in copy_nb.cells:
            if cell.cell_type == "markdown" and MYST.search(prose(cell.source)):
                problems.append(f"{doc}: {cell.source[:200]!r}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------ hand-outs


def test_handouts_are_made_from_the_reader_copies(book, tmp_path):
    _, written = make(book, tmp_path)
    out = student.write_handouts(tmp_path / "student", written)
    first = json.loads(out[0].read_text())
    sources = [student.source(c) for c in first["cells"]]
    assert not any("solution" in c["metadata"].get("tags", []) for c in first["cells"])
    assert "from mypkg import helper" not in "\n".join(sources)
    i = next(k for k, s in enumerate(sources) if s.startswith("### Exercise 1"))
    answer = first["cells"][i + 1]
    assert answer["cell_type"] == "code"
    assert answer["source"] == "# Exercise 1.1: your code here"
    assert all(c["outputs"] == [] for c in first["cells"] if c["cell_type"] == "code")
    assert sources[1].startswith("> **Hand-out.**")
    assert "Compare with 0.974." in sources[i]
    for path in out:
        assert student.check_handout(json.loads(path.read_text()), path.name) == []


def test_a_handout_exercise_without_an_answer_cell_is_found(book, tmp_path):
    _, written = make(book, tmp_path)
    (path, _) = student.write_handouts(tmp_path / "student", written)
    nb = json.loads(path.read_text())
    nb["cells"] = [
        c for c in nb["cells"] if "answer" not in c["metadata"].get("tags", [])
    ]
    nb["cells"][0]["source"] += "\n\na {cite}`x` left"
    problems = student.check_handout(nb, "t")
    assert any("'ex-01a-one' has no empty answer cell" in p for p in problems)
    assert any("MyST left" in p for p in problems)


def test_a_stale_reader_copy_is_refused(book, tmp_path):
    _, written = make(book, tmp_path)
    sources = sorted((book / "notebooks").glob("*.ipynb"))
    assert student.stale_copies(tmp_path / "out" / "notebooks", sources) == []
    nb = nbformat.read(sources[0], as_version=4)
    nb.cells[0].source += "\n\nMore."
    nbformat.write(nb, sources[0])
    (stale,) = student.stale_copies(tmp_path / "out" / "notebooks", sources)
    assert stale.startswith("01a_first.ipynb: the reader copy is older")


# -------------------------------------------------- imports the exercises need


def exercise_nb(solution_imports: bool, main_imports: bool = False):
    sol = ["solution"]
    cells = [code("import numpy as np")]
    if main_imports:
        cells.append(code("from gdl_utils.lm import mask_tokens"))
    cells += [
        md("::::{exercise}\n:label: ex-t-one\n\nUse `mask_tokens(x)` and `np`.\n::::"),
        md("::::{solution-start} ex-t-one\n::::", sol),
        code(
            ("from gdl_utils.lm import mask_tokens\n" if solution_imports else "")
            + "mask_tokens(np.zeros(3))",
            sol,
        ),
        md("::::{solution-end}\n::::", sol),
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    return json.loads(nbformat.writes(nb))


def test_an_import_only_a_solution_has_is_found():
    (problem,) = student.check_exercise_imports(exercise_nb(True), "t.ipynb")
    assert problem.startswith("t.ipynb, ex-t-one: the exercise uses `mask_tokens`")
    assert "from gdl_utils.lm import mask_tokens" in problem
    assert student.check_exercise_imports(exercise_nb(True, True), "t.ipynb") == []


def test_a_package_name_nobody_imports_is_found():
    (problem,) = student.check_exercise_imports(exercise_nb(False), "t.ipynb")
    assert "which no cell of the hand-out imports (from gdl_utils" in problem


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_import_an_exercise_needs_is_in_the_handout(path):
    problems = student.check_exercise_imports(json.loads(path.read_text()), path.name)
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------ Colab keeps its torch

FORBIDDEN = {
    "-U", "--upgrade", "--force-reinstall", "-I", "--ignore-installed",
    "--upgrade-strategy", "-c", "--constraint", "-r", "--requirement",
    "-i", "--index-url", "--extra-index-url", "--pre",
}  # fmt: skip


def pip_calls(text: str) -> list[list]:
    """The argument lists of the pip commands a cell builds (list literals that
    contain "pip"), with names and f-strings as their source text."""
    calls = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.List) and any(
            isinstance(e, ast.Constant) and e.value == "pip" for e in node.elts
        ):
            calls.append(
                [
                    e.value if isinstance(e, ast.Constant) else ast.unparse(e)
                    for e in node.elts
                ]
            )
    return calls


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_colab_install_cell_never_touches_torch(path):
    """The install cell installs the course package only, only when it is missing, and
    with no option that would reinstall, upgrade or re-resolve what Colab has (its CUDA
    build of torch): pip then keeps every installed package that satisfies the
    package's requirements."""
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    text = "".join(cell["source"])
    assert "colab-install" in cell["metadata"].get("tags", [])
    assert 'find_spec("gdl_utils") is None' in text, "install only when missing"
    (call,) = pip_calls(text)
    assert call[call.index("pip") + 1] == "install"
    args = call[call.index("pip") + 2 :]
    assert not FORBIDDEN & set(args), f"{path.name}: pip {args}"
    assert not any("torch" in str(a) for a in args), f"{path.name}: pip {args}"
    packages = [a.replace("'", '"') for a in args if not str(a).startswith("-")]
    assert packages == ['f"git+{REPO}"'], f"{path.name}: pip {args}"


def torch_requirements() -> list[tuple[str, Requirement]]:
    """Every requirement on torch in the course package and, as installed here, in the
    packages it depends on (recursively; extras left out)."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.M | re.S).group(1)
    found = [("pyproject.toml", Requirement(r)) for r in re.findall(r'"([^"]+)"', deps)]
    todo = [r.name for _, r in found]
    seen = set()
    while todo:
        name = todo.pop()
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        try:
            reqs = requires(name) or []
        except PackageNotFoundError:
            continue
        for text in reqs:
            req = Requirement(text)
            if req.marker is not None and "extra" in str(req.marker):
                continue
            found.append((name, req))
            todo.append(req.name)
    return [(who, r) for who, r in found if r.name.lower() == "torch"]


def test_no_requirement_asks_for_another_torch_than_colabs():
    """pip reinstalls torch only if a requirement excludes the one installed: the
    course package and its dependencies ask for a minimum version, never a maximum or
    an exact one, so Colab's torch (and any newer one) is kept."""
    reqs = torch_requirements()
    assert any(who == "pyproject.toml" for who, _ in reqs)
    for who, req in reqs:
        for spec in req.specifier:
            assert spec.operator in (">=", ">"), f"{who}: {req}"
        for version in COLAB_TORCH:
            assert req.specifier.contains(version, prereleases=True), (
                f"{who}: {req} excludes Colab's torch {version}"
            )
