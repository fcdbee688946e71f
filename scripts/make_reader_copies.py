"""Write the reader copies: every notebook of the book in plain Jupyter Markdown, with
the book's numbers in its text, for Colab, a plain Jupyter server and the hand-outs.

    python scripts/make_reader_copies.py [--cache _build/.jupyter_cache]
        [--out _build/colab] [--book-url URL] [--html _build/html]
        [--package-ref REF] [--publish]                         (``make colab``)

Jupyter and Colab do not render MyST: in a notebook opened there, the book's glued
numbers, figure captions, exercises, citations and cross-references show as raw markup.
The reader copy of ``notebooks/NAME.ipynb`` is ``OUT/notebooks/NAME.ipynb``: the
executed notebook of the last book build (the jupyter-cache that ``make book`` fills;
nothing is run here), with every markdown cell rewritten in plain Markdown:

- ``{glue:text}`key:fmt``` (and ``{glue}``, ``{glue:md}``, ``path::key`` from another
  notebook) -> the glued value of the build, formatted as MyST-NB formats it; a note
  under the title says that the numbers in the text are the book's run and that a new
  run prints its own under the code cells. Each substitution is recorded in the cell's
  metadata (``reader_copy.glue``), which :func:`check_copies` compares with the cache;
- ``{glue:figure}`` / ``{figure}`` -> "**Figure N.** caption" in a block quote, numbered
  as the book numbers it, saying which code cell's output shows it (the glued image is
  made visible there); ``{numref}`` -> "Figure N";
- ``{cite}`` / ``{cite:p}`` -> "(Alipanahi et al., 2015)", ``{cite:t}`` -> "Alipanahi
  et al. (2015)", from ``book/references.bib``, linked to the book's references page;
- ``{exercise}`` -> "### Exercise N (title)" in a cell of its own (``reader_copy.
  exercise`` in its metadata); ``{solution-start}`` -> "### Solution to Exercise N" (the
  solution's cells keep their ``solution`` tag; ``{solution-end}`` is dropped). The
  hand-outs (``scripts/make_student.py``) are made from these copies;
- ``{ref}`` / ``{doc}`` / ``(label)=`` -> links to the book's pages (a notebook links to
  its sibling reader copy), admonitions (``{note}``, ``{margin}``, ...) -> block quotes
  with a bold title, ``{math}`` -> ``$$``.

A construct this script does not know stops it with an error naming it, and so does a
notebook whose code changed since the cache was filled (run ``make book`` again). Figure
and exercise numbers come from the built HTML when ``--html`` (default ``_build/html``)
has the page, otherwise they are counted from ``_toc.yml`` in the book's order.

Links point at ``--book-url`` (``_config.yml``'s ``html: baseurl`` if set); without one
they are relative links to the local build, ``_build/html``, which work beside it but
not once published: ``make colab-branch BOOK_URL=...`` (``--publish``) requires it.

Used in: ``make colab``, ``make colab-branch``, ``make student`` (through the copies),
``tests/test_reader_copies.py`` and ``tests/test_book.py``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import pathlib
import re
import shutil
import sys
from dataclasses import dataclass, field

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
# the chapter of a page, from its file name (as book/_ext/gdl_book.py numbers figures)
CHAPTER_OF = re.compile(r"^(?:notebooks/|book/ch)(\d\d)[a-z]?_")
META = "reader_copy"  # the cell and notebook metadata key of the copies
NOTE_TAG = "reader-note"
GLUE_PREFIX = "application/papermill.record/"
# What must not survive in a reader copy's markdown (also checked by the tests).
LEFTOVER = re.compile(
    r"\{[a-z][\w:+.-]*\}`|^\s*(?:`{3,}|~{3,}|:{3,})\s*\{|^\s*:::|^\(.+\)=\s*$", re.M
)

ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
    "admonition": "",  # the title is the argument
    "dropdown": "",
    "topic": "",
    "sidebar": "",
    "margin": "Aside",
    "epigraph": "",
}
API_ROLES = {
    "func", "class", "meth", "mod", "attr", "data", "obj", "exc", "const",
    "py:func", "py:class", "py:meth", "py:mod", "py:attr", "py:data", "py:obj",
    "py:exc", "py:const", "py:function", "py:method",
}  # fmt: skip


class ConversionError(ValueError):
    """A notebook cannot be turned into plain Markdown (an unknown MyST construct, a
    missing glue key or citation, a notebook the cache does not hold)."""


# --------------------------------------------------------------------------- the book


@dataclass
class Target:
    """Something a cross-reference can point at."""

    doc: str  # "notebooks/07c_pretraining"
    kind: str  # figure | exercise | section | equation
    anchor: str
    number: str = ""
    title: str = ""


@dataclass
class Book:
    """What the copies need to know about the whole book: its documents in reading
    order with their titles, the numbered targets, the bibliography, where it lives."""

    root: pathlib.Path
    docs: list[str]
    titles: dict[str, str]
    targets: dict[str, Target]
    bib: dict[str, tuple[list[str], str]]  # key -> (last names, year)
    book_url: str = ""
    # the numbers of each page's numbered figures and exercises, in page order (named or
    # not: Sphinx numbers both)
    order: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    numbers_from_html: list[str] = field(default_factory=list)
    html_mismatches: list[str] = field(default_factory=list)

    def page_url(self, doc: str, anchor: str = "") -> str:
        url = (
            f"{self.book_url.rstrip('/')}/{doc}.html"
            if self.book_url
            else f"{doc}.html"
        )
        return f"{url}#{anchor}" if anchor else url


def toc_docs(root: pathlib.Path) -> list[str]:
    """Every document in ``_toc.yml``, in reading order (root first)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                found.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [d.removesuffix(".md").removesuffix(".ipynb") for d in found]


def doc_source(root: pathlib.Path, doc: str) -> tuple[str, list[str]]:
    """(kind, markdown texts) of a document: one text per markdown cell of a notebook,
    or the whole file of a page."""
    nb_path, md_path = root / f"{doc}.ipynb", root / f"{doc}.md"
    if nb_path.is_file():
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        return "notebook", [
            _text(c)
            for c in nb["cells"]
            if c["cell_type"] == "markdown"
            and "remove-cell" not in c.get("metadata", {}).get("tags", [])
        ]
    if md_path.is_file():
        return "page", [md_path.read_text(encoding="utf-8")]
    return "missing", []


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def make_id(label: str) -> str:
    from docutils.nodes import make_id as docutils_make_id

    return docutils_make_id(label)


def read_bib(path: pathlib.Path) -> dict[str, tuple[list[str], str]]:
    """key -> (last names as text, year) for every entry of a BibTeX file."""
    import codecs

    import latexcodec  # noqa: F401  (registers the "ulatex" codec; a pybtex dependency)
    from pybtex.database import parse_file

    def text(latex: str) -> str:
        return re.sub(r"[{}]", "", codecs.decode(latex, "ulatex"))

    bib = {}
    for key, entry in parse_file(str(path)).entries.items():
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [text(" ".join(p.prelast_names + p.last_names)) for p in persons]
        bib[key] = (names, entry.fields.get("year", "n.d."))
    return bib


def index_book(
    root: pathlib.Path = ROOT, book_url: str = "", html: pathlib.Path | None = None
) -> Book:
    """Walk the book in ``_toc.yml`` order: titles, labels, and the numbers the book
    gives figures and exercises: counted within each chapter, "4.3" (the chapter from
    the page's file name, as ``book/_ext/gdl_book.py`` numbers them), plain "3" outside
    a chapter."""
    docs = toc_docs(root)
    titles: dict[str, str] = {}
    targets: dict[str, Target] = {}
    counters: dict[tuple[str, str], int] = {}

    def next_number(kind: str, doc: str) -> str:
        m = CHAPTER_OF.match(doc)
        prefix = f"{int(m.group(1))}." if m else ""
        counters[kind, prefix] = counters.get((kind, prefix), 0) + 1
        return f"{prefix}{counters[kind, prefix]}"

    order: dict[tuple[str, str], list[str]] = {}
    for doc in docs:
        _, texts = doc_source(root, doc)
        equations = 0
        pending_labels: list[str] = []
        for text in texts:
            for block in parse_blocks(text):
                for item in walk_blocks(block):
                    if isinstance(item, str):  # a line of text
                        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", item)
                        label = re.match(r"^\((.+)\)=\s*$", item)
                        if label:
                            pending_labels.append(label.group(1))
                        elif heading:
                            titles.setdefault(doc, heading.group(1))
                            for lab in pending_labels:
                                targets[lab] = Target(
                                    doc, "section", make_id(lab), title=heading.group(1)
                                )
                            pending_labels = []
                        continue
                    d = item
                    if d.name in ("figure", "glue:figure") and d.body.strip():
                        # Sphinx numbers every captioned figure (AutoNumbering gives
                        # one without a :name: an id); only a named one can be cited
                        figure_number = next_number("figure", doc)
                        order.setdefault((doc, "figure"), []).append(figure_number)
                        label = d.options.get("name", "")
                        if label:
                            targets[label] = Target(
                                doc, "figure", make_id(label), figure_number
                            )
                    elif d.name in ("exercise", "exercise-start"):
                        label = d.options.get("label", "")
                        number = ""
                        if "nonumber" not in d.options:
                            number = next_number("exercise", doc)
                        order.setdefault((doc, "exercise"), []).append(number)
                        if label:
                            targets[label] = Target(
                                doc, "exercise", make_id(label), number, d.argument
                            )
                    elif d.name == "math" and d.options.get("label"):
                        equations += 1
                        targets[d.options["label"]] = Target(
                            doc, "equation", make_id(d.options["label"]), str(equations)
                        )
        titles.setdefault(doc, doc.rsplit("/", 1)[-1])
    bib_path = root / "book" / "references.bib"
    bib = read_bib(bib_path) if bib_path.is_file() else {}
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    book = Book(
        root,
        docs,
        titles,
        targets,
        bib,
        book_url=book_url or ((config.get("html") or {}).get("baseurl") or ""),
        order=order,
    )
    if html is not None and html.is_dir():
        numbers_from_html(book, html)
    return book


def numbers_from_html(book: Book, html: pathlib.Path) -> None:
    """Take the figure and exercise numbers from the built pages (what the reader of the
    book sees), and note where they differ from the ones counted here."""
    from bs4 import BeautifulSoup

    by_doc: dict[str, list[tuple[str, Target]]] = {}
    for label, t in book.targets.items():
        if t.kind in ("figure", "exercise"):
            by_doc.setdefault(t.doc, []).append((label, t))
    for doc, items in by_doc.items():
        page = html / f"{doc}.html"
        if not page.is_file():
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for label, t in items:
            node = soup.find(id=t.anchor)
            span = node.find(class_="caption-number") if node else None
            found = re.search(r"(\d[\d.]*)", span.get_text()) if span else None
            if not found:
                continue
            number = found.group(1).rstrip(".")
            if number != t.number:
                book.html_mismatches.append(
                    f"{doc}: {t.kind} {label} is {number} in the built book, counted "
                    f"{t.number or '(none)'} by index_book"
                )
            t.number = number
            book.numbers_from_html.append(label)


# ------------------------------------------------------------------ MyST block parsing


@dataclass
class Directive:
    name: str
    argument: str
    options: dict[str, str]
    body: str
    fence: str


FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")


def parse_blocks(text: str) -> list:
    """Split MyST markdown into lines of text (str), code fences (kept whole, as one str
    starting with the fence) and :class:`Directive` objects (bodies not yet parsed)."""
    lines = text.split("\n")
    out: list = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        char, n = fence[0], len(fence)
        close = re.compile(rf"^ {{0,3}}{re.escape(char)}{{{n},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        inner = lines[i + 1 : j]
        directive = re.match(r"^\{([\w:+.-]+)\}\s*(.*)$", info)
        if directive:
            out.append(_directive(directive.group(1), directive.group(2), inner, fence))
        elif char == ":":
            raise ConversionError(
                f"a ':::' fence without a {{directive}}: {lines[i]!r}"
            )
        else:
            out.append("\n".join(lines[i : j + 1]))  # a code block, verbatim
        i = j + 1
    return out


def _directive(name: str, argument: str, inner: list[str], fence: str) -> Directive:
    options: dict[str, str] = {}
    k = 0
    if inner and inner[0].strip() == "---":  # a YAML block of options
        end = next((x for x in range(1, len(inner)) if inner[x].strip() == "---"), None)
        if end is not None:
            options = {
                str(a): str(b)
                for a, b in (yaml.safe_load("\n".join(inner[1:end])) or {}).items()
            }
            k = end + 1
    while k < len(inner):
        opt = re.match(r"^\s*:([\w-]+):\s*(.*)$", inner[k])
        if not opt:
            break
        options[opt.group(1)] = opt.group(2).strip()
        k += 1
    body = "\n".join(inner[k:]).strip("\n")
    return Directive(name, argument.strip(), options, body, fence)


def walk_blocks(block):
    """Lines and directives in document order, directive bodies included."""
    yield block
    if isinstance(block, Directive):
        for inner in parse_blocks(block.body):
            yield from walk_blocks(inner)


# ---------------------------------------------------------------------- the converter


class Converter:
    """Plain Markdown for the markdown cells of one notebook."""

    def __init__(self, book: Book, glue: dict, doc: str, cells: list, copies: set[str]):
        self.book = book
        self.glue = glue  # doc -> key -> (data, cell index)
        self.doc = doc
        self.cells = cells  # the executed notebook's cells (for figure placement)
        self.copies = copies  # docs that have a reader copy (linked as .ipynb)
        self.index = 0  # the markdown cell being converted
        self.records: list[dict] = []
        self.assets: set[str] = set()
        self.seen = {"figure": 0, "exercise": 0}

    def fail(self, message: str):
        raise ConversionError(f"{self.doc}, cell {self.index}: {message}")

    # ----- cells

    def convert_cell(self, text: str, index: int) -> list[tuple[str, dict]]:
        """The markdown of one cell as one or more cells (an exercise gets a cell of its
        own, so that a hand-out can put an answer cell under it): (text, metadata)."""
        self.index = index
        pieces: list[tuple[list[str], dict]] = [([], {})]
        for block in parse_blocks(text):
            if isinstance(block, Directive) and block.name in (
                "exercise",
                "exercise-start",
            ):
                self.records = []
                rendered = self.block(block)
                meta = {"exercise": block.options.get("label", "")}
                if self.records:
                    meta["glue"] = self.records
                pieces.append(([rendered], meta))
                pieces.append(([], {}))
                continue
            if isinstance(block, Directive) and block.name == "exercise-end":
                continue
            pieces[-1][0].append(self.block_in(block, pieces[-1][1]))
        out = []
        for parts, meta in pieces:
            md = _tidy("\n".join(parts))
            if md.strip():
                out.append((md, meta))
        return out

    def block_in(self, block, meta: dict) -> str:
        self.records = meta.setdefault("glue", [])
        rendered = self.block(block)
        if not meta["glue"]:
            del meta["glue"]
        return rendered

    def markdown(self, text: str) -> str:
        return _tidy("\n".join(self.block(b) for b in parse_blocks(text)))

    # ----- blocks

    def block(self, block) -> str:
        if isinstance(block, str):
            if block.startswith(("```", "~~~")) or re.match(r"^ {0,3}[`~]{3}", block):
                return block  # code, verbatim
            if re.match(r"^\((.+)\)=\s*$", block):
                return ""  # a target: the links point at the book's anchor
            if re.match(r"^%", block) or block.strip() == "+++":
                return ""  # a MyST comment or block break
            return self.inline(block)
        d = block
        handler = getattr(self, "d_" + re.sub(r"\W", "_", d.name), None)
        if handler is not None:
            return handler(d)
        if d.name in ADMONITIONS:
            title = self.inline(d.argument) if d.argument else ADMONITIONS[d.name]
            return _quote(f"**{title or d.name.title()}**\n\n" + self.markdown(d.body))
        self.fail(
            f"no plain-Markdown form for the MyST directive {{{d.name}}}; add one to "
            "scripts/make_reader_copies.py"
        )

    def number(self, kind: str, label: str) -> str:
        """The book's number of the next figure or exercise of this page: its target's
        (from the built pages, if they were read), else its place in the page order."""
        order = self.book.order.get((self.doc, kind), [])
        k = self.seen[kind]
        self.seen[kind] += 1
        target = self.book.targets.get(label)
        if target is not None and target.kind == kind:
            return target.number
        return order[k] if k < len(order) else ""

    def d_glue_figure(self, d: Directive) -> str:
        key = d.argument
        n = self.number("figure", d.options.get("name", "")) if d.body.strip() else ""
        number = f"Figure {n}" if n else "Figure"
        where = self.figure_place(key)
        caption = self.markdown(d.body)
        return _quote(f"**{number}** ({where}). {caption}")

    def d_figure(self, d: Directive) -> str:
        n = self.number("figure", d.options.get("name", "")) if d.body.strip() else ""
        number = f"Figure {n}" if n else "Figure"
        image = self.d_image(d)
        caption = self.markdown(d.body)
        return image + "\n\n" + _quote(f"**{number}.** {caption}") if caption else image

    def d_image(self, d: Directive) -> str:
        path = d.argument
        self.asset(path)
        return f"![{d.options.get('alt', '')}]({path})"

    def d_glue(self, d: Directive) -> str:
        data, _ = self.glue_lookup(d.argument)
        if any(k.startswith("image/") for k in data):
            return f"*(The figure is {self.figure_place(d.argument)}.)*"
        return self.substitute(d.argument, "", _plain(data), role="glue")

    d_glue_any = d_glue

    def d_glue_md(self, d: Directive) -> str:
        data, _ = self.glue_lookup(d.argument)
        return self.substitute(d.argument, "", data.get("text/markdown", ""), "glue:md")

    def d_glue_math(self, d: Directive) -> str:
        data, _ = self.glue_lookup(d.argument)
        latex = data.get("text/latex", "").strip().strip("$")
        return f"$$\n{latex}\n$$"

    def d_math(self, d: Directive) -> str:
        label = d.options.get("label", "")
        tag = ""
        if label and label in self.book.targets:
            tag = f" \\tag{{{self.book.targets[label].number}}}"
        body = "\n".join(x for x in [d.argument, d.body] if x.strip())
        return f"$$\n{body}{tag}\n$$"

    def d_code_block(self, d: Directive) -> str:
        fence = "````" if "```" in d.body else "```"
        return f"{fence}{d.argument}\n{d.body}\n{fence}"

    d_code = d_sourcecode = d_code_block

    def d_exercise(self, d: Directive) -> str:
        number = self.number("exercise", d.options.get("label", ""))
        title = f" ({self.inline(d.argument)})" if d.argument else ""
        heading = f"### Exercise {number}".rstrip() + title
        return f"{heading}\n\n{self.markdown(d.body)}"

    d_exercise_start = d_exercise

    def d_solution_start(self, d: Directive) -> str:
        return self.solution_heading(d.argument)

    def d_solution(self, d: Directive) -> str:
        return self.solution_heading(d.argument) + "\n\n" + self.markdown(d.body)

    def d_solution_end(self, d: Directive) -> str:
        return ""

    def solution_heading(self, label: str) -> str:
        target = self.book.targets.get(label)
        if target is None or target.kind != "exercise":
            self.fail(f"a solution to {label!r}, which is no exercise of the book")
        title = f" ({self.inline(target.title)})" if target.title else ""
        return f"### Solution to Exercise {target.number}{title}".replace("  ", " ")

    def d_list_table(self, d: Directive) -> str:
        rows, row = [], None
        for line in self.markdown(d.body).split("\n"):
            if re.match(r"^\*\s", line):
                row = []
                rows.append(row)
                line = line[1:].strip()
                if line.startswith("- "):
                    row.append(line[2:].strip())
            elif re.match(r"^\s+-\s", line) and row is not None:
                row.append(line.strip()[2:].strip())
        if not rows:
            self.fail("an empty {list-table}")
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        head = rows[0] if d.options.get("header-rows", "0") != "0" else [""] * width
        body = rows[1:] if d.options.get("header-rows", "0") != "0" else rows
        table = [head, ["---"] * width] + body
        return "\n".join(
            "| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in table
        )

    # ----- roles

    def inline(self, text: str) -> str:
        """Replace every role outside code spans."""
        out, i = [], 0
        while True:
            p = text.find("`", i)
            if p < 0:
                out.append(text[i:])
                return "".join(out)
            n = len(re.match(r"`+", text[p:]).group(0))
            close = re.compile(rf"(?<!`)`{{{n}}}(?!`)").search(text, p + n)
            head = re.search(r"\{([A-Za-z][\w:+.-]*)\}$", text[i:p])
            if close is None:
                out.append(text[i : p + n])
                i = p + n
                continue
            if head:
                out.append(text[i : i + head.start()])
                out.append(self.role(head.group(1), text[p + n : close.start()]))
            else:
                out.append(text[i : close.end()])
            i = close.end()

    def role(self, name: str, content: str) -> str:
        if name.startswith("glue"):
            return self.r_glue(name, content)
        if name.startswith("cite"):
            return self.r_cite(name, content)
        if name in API_ROLES:
            return self.r_api(content)
        handler = getattr(self, "r_" + name.replace(":", "_").replace("-", "_"), None)
        if handler is None:
            self.fail(
                f"no plain-Markdown form for the MyST role {{{name}}}; add one to "
                "scripts/make_reader_copies.py"
            )
        return handler(content)

    def r_glue(self, name: str, content: str) -> str:
        if name == "glue:text":  # as myst_nb.ext.glue.roles.PasteTextRole
            key_format = content.rsplit(":", 1)
            if len(key_format) == 2:
                key, fmt_spec = key_format
            else:
                key, fmt_spec = key_format[0], "s"
            data, _ = self.glue_lookup(key)
            if "text/plain" not in data:
                self.fail(f"glue key {key!r} has no text/plain value")
            from myst_nb.core.variables import format_plain_text

            text = format_plain_text(data["text/plain"], fmt_spec)
            return self.substitute(key, fmt_spec, text, name)
        if name in ("glue", "glue:", "glue:any"):
            data, _ = self.glue_lookup(content)
            if any(k.startswith("image/") for k in data):
                return f"(the figure {self.figure_place(content)})"
            return self.substitute(content, "", _plain(data), name)
        if name == "glue:md":
            key = re.sub(r":(commonmark|gfm|myst)$", "", content)
            data, _ = self.glue_lookup(key)
            return self.substitute(
                key, "", data.get("text/markdown", ""), name, md=True
            )
        self.fail(f"unknown glue role {{{name}}}")

    def substitute(self, key, fmt, text, role, md=False) -> str:
        shown = text if md else _escape(text)
        doc, bare = self.split_key(key)
        self.records.append(
            {"doc": doc, "key": bare, "format": fmt, "role": role, "text": text,
             "markdown": shown}
        )  # fmt: skip
        return shown

    def r_cite(self, name: str, content: str) -> str:
        keys = [k.strip() for k in content.split(",") if k.strip()]
        url = self.book.page_url("book/references")
        full = name.rstrip("s").endswith(("p", "t")) and name.endswith("s")
        parts = []
        for key in keys:
            if key not in self.book.bib:
                self.fail(f"citation {key!r} is not in book/references.bib")
            names, year = self.book.bib[key]
            who = _authors(names, full)
            if name in ("cite", "cite:p", "cite:ps", "cite:cp", "cite:cps"):
                parts.append(f"[{who}, {year}]({url})")
            elif name in ("cite:t", "cite:ts", "cite:ct", "cite:cts"):
                parts.append(f"[{who} ({year})]({url})")
            elif name in ("cite:author", "cite:authors", "cite:alp"):
                parts.append(f"[{who}]({url})")
            elif name == "cite:year":
                parts.append(f"[{year}]({url})")
            else:
                self.fail(f"no plain form for the citation role {{{name}}}")
        if name in ("cite", "cite:p", "cite:ps", "cite:cp", "cite:cps"):
            return "(" + "; ".join(parts) + ")"
        return ", ".join(parts)

    def _ref_parts(self, content: str) -> tuple[str, str]:
        m = re.match(r"^(.*?)\s*<([^<>]+)>$", content, re.S)
        return (m.group(1).strip(), m.group(2).strip()) if m else ("", content.strip())

    def target(self, label: str) -> Target:
        label = label.lstrip("#")
        if label not in self.book.targets:
            self.fail(
                f"cross-reference to {label!r}, which no page of the book defines"
            )
        return self.book.targets[label]

    def link(self, text: str, t: Target) -> str:
        """A target on this page is plain text (the reader is here); one on another
        page links to its anchor in the book."""
        if t.doc == self.doc:
            return text
        return f"[{text}]({self.book.page_url(t.doc, t.anchor)})"

    def r_numref(self, content: str) -> str:
        text, label = self._ref_parts(content)
        t = self.target(label)
        word = {"figure": "Figure", "exercise": "Exercise", "equation": "Equation"}.get(
            t.kind, "Section"
        )
        if t.kind == "section":
            return self.link(text.replace("%s", "").strip() or t.title, t)
        shown = f"{word} {t.number}"
        if text:
            shown = text.replace("%s", t.number).replace("{number}", t.number)
            shown = shown.replace("{name}", t.title)
        return self.link(shown, t)

    def r_ref(self, content: str) -> str:
        text, label = self._ref_parts(content)
        t = self.target(label)
        if not text:
            text = {
                "figure": f"Figure {t.number}",
                "exercise": f"Exercise {t.number}",
                "equation": f"({t.number})",
            }.get(t.kind, t.title)
        return self.link(self.inline(text), t)

    def r_eq(self, content: str) -> str:
        t = self.target(self._ref_parts(content)[1])
        return self.link(f"({t.number})", t)

    def r_doc(self, content: str) -> str:
        text, path = self._ref_parts(content)
        doc = _resolve(self.doc, path.removesuffix(".md").removesuffix(".ipynb"))
        if doc not in self.book.titles:
            self.fail(f"{{doc}} link to {path!r}, which is not a page of the book")
        text = self.inline(text) if text else self.book.titles[doc]
        if doc in self.copies:
            rel = os.path.relpath(doc, os.path.dirname(self.doc))
            return f"[{text}]({pathlib.PurePosixPath(rel).as_posix()}.ipynb)"
        return f"[{text}]({self.book.page_url(doc)})"

    def r_math(self, content: str) -> str:
        return f"${content}$"

    def r_code(self, content: str) -> str:
        return f"`{content}`"

    def r_sub(self, content: str) -> str:
        return f"<sub>{content}</sub>"

    def r_sup(self, content: str) -> str:
        return f"<sup>{content}</sup>"

    def r_kbd(self, content: str) -> str:
        return f"<kbd>{content}</kbd>"

    def r_abbr(self, content: str) -> str:
        return re.sub(r"\s*\(.*\)\s*$", "", content)

    def r_term(self, content: str) -> str:
        return self._ref_parts(content)[0] or content

    r_index = r_term

    def r_download(self, content: str) -> str:
        text, path = self._ref_parts(content)
        self.asset(path)
        return f"[{text or path}]({path})"

    def r_api(self, content: str) -> str:
        text, name = self._ref_parts(content)
        name = name.lstrip("~!.")
        shown = text or (
            content.lstrip("!.").split(".")[-1] if content.startswith("~") else name
        )
        return f"[`{shown}`]({self.book.page_url('book/appendix_api', name)})"

    # ----- glue values and figures

    def split_key(self, key: str) -> tuple[str, str]:
        doc_key = key.split("::", 1)
        if len(doc_key) == 2:
            path = doc_key[0].removesuffix(".ipynb").removesuffix(".md")
            return _resolve(self.doc, path), doc_key[1]
        return self.doc, key

    def glue_lookup(self, key: str) -> tuple[dict, int]:
        doc, bare = self.split_key(key)
        if doc not in self.glue:
            self.fail(f"glue key {key!r}: {doc} has no executed notebook in the cache")
        if bare not in self.glue[doc]:
            self.fail(f"glue key {bare!r} is not glued in {doc}'s executed notebook")
        return self.glue[doc][bare]

    def figure_place(self, key: str) -> str:
        doc, bare = self.split_key(key)
        _, at = self.glue_lookup(key)
        if doc != self.doc:
            title = self.book.titles.get(doc, doc)
            return f"in a code cell's output of [{title}]({self.book.page_url(doc)})"
        here = self.cell_index
        code = [i for i, c in enumerate(self.cells) if c.cell_type == "code"]
        before = [i for i in code if i < here]
        after = [i for i in code if i > here]
        if before and before[-1] == at:
            return "in the output of the code cell above"
        if after and after[0] == at:
            return "in the output of the code cell below"
        headings = [
            h
            for c in self.cells[:at]
            if c.cell_type == "markdown"
            for h in re.findall(r"^#{2,3}\s+(.+?)\s*$", _text(c), re.M)
        ]
        section = self.inline(headings[-1]) if headings else ""
        where = f" in section “{section}”" if section else ""
        return f"in the output of the code cell that draws it{where}"

    def asset(self, path: str) -> None:
        if "://" not in path and not path.startswith(("/", "#", "data:")):
            self.assets.add(
                os.path.normpath(os.path.join(os.path.dirname(self.doc), path))
            )

    @property
    def cell_index(self) -> int:
        return self.index


def _resolve(current: str, path: str) -> str:
    if path.startswith("/"):
        return path.lstrip("/")
    return os.path.normpath(os.path.join(os.path.dirname(current), path)).replace(
        os.sep, "/"
    )


def _authors(names: list[str], full: bool) -> str:
    if not names:
        return "Anonymous"
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    if full:
        return ", ".join(names[:-1]) + ", and " + names[-1]
    return f"{names[0]} et al."


def _plain(data: dict) -> str:
    return str(data.get("text/plain", ""))


def _escape(text: str) -> str:
    """A glued value as literal Markdown text (MyST-NB pastes it as a text node)."""
    return re.sub(r"([\\`*_\[\]<>|$])", r"\\\1", text)


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.split("\n"))


def _tidy(text: str) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


# ----------------------------------------------------------------- executed notebooks


def executed_notebooks(
    root: pathlib.Path, cache_path: pathlib.Path, docs: list[str], allow_missing=False
) -> tuple[dict, list[str]]:
    """doc -> the executed notebook (the source notebook with the cache's outputs, as
    the book build merges them); and the notebooks the cache does not hold."""
    from jupyter_cache import get_cache

    if not (cache_path / "global.db").is_file():
        raise ConversionError(
            f"no executed notebooks in {cache_path}: run `make book` first (it fills "
            "the cache that the reader copies are made from)"
        )
    cache = get_cache(str(cache_path))
    found, missing = {}, []
    for doc in docs:
        path = root / f"{doc}.ipynb"
        if not path.is_file():
            continue
        nb = nbformat.read(path, as_version=4)
        try:
            _, merged = cache.merge_match_into_notebook(nb)
        except KeyError:
            missing.append(doc)
            continue
        found[doc] = merged
    if missing and not allow_missing:
        raise ConversionError(
            "the cache holds no run of the current code of "
            + ", ".join(missing)
            + ": run `make book` again (or scripts/execute_notebooks.py --cache "
            f"{cache_path} on those notebooks)"
        )
    return found, missing


def glue_data(nb) -> dict[str, tuple[dict, int]]:
    """key -> (mime bundle without the glue prefix, index of the cell that glued it)."""
    data = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            scrap = out.get("metadata", {}).get("scrapbook")
            if not scrap:
                continue
            n = len(scrap.get("mime_prefix", ""))
            data[scrap["name"]] = ({k[n:]: v for k, v in out["data"].items()}, i)
    return data


def _reader_outputs(cell) -> list:
    """The outputs a reader sees: a glued figure shown where it is made, glued scalars
    (which show nothing in Jupyter) dropped, outputs the book removes dropped."""
    tags = cell.get("metadata", {}).get("tags", [])
    if "remove-output" in tags or "remove-cell" in tags:
        return []
    outputs = []
    for out in cell.get("outputs", []):
        scrap = out.get("metadata", {}).get("scrapbook")
        if scrap:
            n = len(scrap.get("mime_prefix", ""))
            data = {k[n:]: v for k, v in out["data"].items()}
            if n and not any(k.startswith("image/") for k in data):
                continue
            out = copy.deepcopy(out)
            out["data"] = data
            out["metadata"] = {
                k: v for k, v in out["metadata"].items() if k != "scrapbook"
            }
        outputs.append(out)
    return outputs


# ------------------------------------------------------------------- writing the copies


def note_text(page: str, references: str, handout: bool = False) -> str:
    """The note under a copy's title: where it comes from, and whose numbers these
    are. ``handout``: the note of a hand-out (``scripts/make_student.py``)."""
    intro = (
        f"A notebook of *Deep Learning for Genomics* ([this page in the book]({page}))"
    )
    if handout:
        return (
            f"> **Hand-out.** {intro}, without the solutions of its exercises. The "
            "numbers in the text are from the book's run; when you run a cell it "
            "prints your own, which can differ slightly with another PyTorch version "
            "or device. Write your answers in the cells under each exercise. Citations "
            f"link to the book's [references]({references})."
        )
    return (
        f"> **Reader copy.** {intro}, in plain Markdown for Jupyter and Colab. The "
        "numbers in the text and the outputs under the code cells are from the book's "
        "run; when you run a cell it prints your own, which can differ slightly with "
        "another PyTorch version or device. Each figure is in the output of the cell "
        "that draws it; citations link to the book's "
        f"[references]({references})."
    )


def convert_notebook(
    book: Book,
    glue: dict,
    doc: str,
    executed,
    copies: set[str],
    source_sha: str = "",
    package_ref: str = "",
) -> tuple[nbformat.NotebookNode, set[str]]:
    """The reader copy of one executed notebook (and the files its images need)."""
    conv = Converter(book, glue, doc, executed.cells, copies)
    cells = []
    first_markdown_done = False
    for i, cell in enumerate(executed.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "markdown":
            if "remove-cell" in tags:
                continue
            for k, (md, meta) in enumerate(conv.convert_cell(_text(cell), i)):
                new = nbformat.v4.new_markdown_cell(md)
                new.metadata = copy.deepcopy(cell.get("metadata", {}))
                if meta:
                    new.metadata[META] = meta
                new["id"] = _cell_id(cell, i, k)
                cells.append(new)
            if not first_markdown_done:
                first_markdown_done = True
                note = nbformat.v4.new_markdown_cell(
                    note_text(book.page_url(doc), book.page_url("book/references"))
                )
                note.metadata = {"tags": [NOTE_TAG]}
                note["id"] = "reader-note"
                cells.append(note)
        elif cell.cell_type == "code":
            new = copy.deepcopy(cell)
            new["outputs"] = _reader_outputs(cell)
            new["id"] = _cell_id(cell, i, 0)
            if package_ref and "colab-install" in tags:
                src = _text(new)
                pinned = src.replace('f"git+{REPO}"', f'f"git+{{REPO}}@{package_ref}"')
                if pinned == src:
                    raise ConversionError(
                        f"{doc}: cannot pin the install cell to {package_ref!r}: it "
                        'does not install f"git+{REPO}"'
                    )
                new["source"] = pinned
            cells.append(new)
        else:
            cells.append(copy.deepcopy(cell))
    nb = nbformat.v4.new_notebook()
    nb.metadata = copy.deepcopy(executed.metadata)
    nb.metadata[META] = {
        "source": f"{doc}.ipynb",
        "source_sha256": source_sha,
        "book_page": book.page_url(doc),
        "references": book.page_url("book/references"),
        "assets": sorted(conv.assets),
    }
    nb.metadata.setdefault("colab", {})["toc_visible"] = True
    nb.cells = cells
    for problem in leftovers(nb):
        raise ConversionError(f"{doc}: MyST left in the reader copy: {problem}")
    return nb, conv.assets


def _cell_id(cell, index: int, part: int) -> str:
    base = cell.get("id") or f"cell-{index}"
    return base if part == 0 else f"{base}-{part}"


def leftovers(nb) -> list[str]:
    """MyST roles, directives, fences and targets left in markdown cells."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = _without_code(_text(cell))
        for m in LEFTOVER.finditer(text):
            found.append(f"cell {i}: {text[max(0, m.start() - 40) : m.end() + 40]!r}")
    return found


def _without_code(text: str) -> str:
    """Markdown with the contents of code blocks and code spans blanked (they may show
    MyST to the reader); a role's content, a code span right after ``{name}``, stays."""
    out, fence = [], None
    for line in text.split("\n"):
        m = re.match(r"^ {0,3}(`{3,}|~{3,})(.*)$", line)
        if fence is None and m and not m.group(2).strip().startswith("{"):
            fence = m.group(1)
            out.append(line)
        elif fence is not None:
            if re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
                fence = None
                out.append(line)
            else:
                out.append("")
        else:
            out.append(line)
    return re.sub(
        r"(?<![`}])(`+)(?!`)(.+?)(?<!`)\1(?!`)",
        lambda m: m.group(1) + " " * len(m.group(2)) + m.group(1),
        "\n".join(out),
    )


def _sha(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: pathlib.Path, nb) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, path)


def make_copies(
    out: pathlib.Path,
    cache: pathlib.Path,
    root: pathlib.Path = ROOT,
    book_url: str = "",
    html: pathlib.Path | None = None,
    package_ref: str = "",
    allow_missing: bool = False,
) -> tuple[list[pathlib.Path], Book, list[str]]:
    """Write ``out/notebooks/*.ipynb`` (and the images they show); returns the written
    paths, the book index and the notebooks skipped (only with ``allow_missing``)."""
    html = html if html is not None else root / "_build" / "html"
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    book_url = book_url or (config.get("html") or {}).get("baseurl") or ""
    if not book_url:  # links relative to the local build
        rel = os.path.relpath(html.resolve(), (out / "notebooks").resolve())
        book_url = pathlib.PurePath(rel).as_posix()
    book = index_book(root, book_url=book_url, html=html)
    docs = [d for d in book.docs if (root / f"{d}.ipynb").is_file()]
    executed, missing = executed_notebooks(root, cache, docs, allow_missing)
    glue = {doc: glue_data(nb) for doc, nb in executed.items()}
    copies = set(executed)
    written, assets = [], set()
    for doc in docs:
        if doc not in executed:
            continue
        nb, used = convert_notebook(
            book,
            glue,
            doc,
            executed[doc],
            copies,
            source_sha=_sha(root / f"{doc}.ipynb"),
            package_ref=package_ref,
        )
        nbformat.validate(nb)
        target = out / f"{doc}.ipynb"
        _write(target, nb)
        written.append(target)
        assets |= used
    for asset in sorted(assets):
        src = root / asset
        if not src.is_file():
            raise ConversionError(f"an image or download {asset!r} does not exist")
        dest = out / asset
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    return written, book, missing


# ------------------------------------------------------------------------ the checks


def build_values(cache: pathlib.Path, root: pathlib.Path = ROOT) -> dict:
    """(doc, key) -> the text/plain value glued by the build, read straight from the
    cache's executed notebooks (not through the converter)."""
    from jupyter_cache import get_cache

    values = {}
    db = get_cache(str(cache))
    for doc in toc_docs(root):
        path = root / f"{doc}.ipynb"
        if not path.is_file():
            continue
        try:
            _, nb = db.merge_match_into_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            continue
        for cell in nb.cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                scrap = out.get("metadata", {}).get("scrapbook")
                if scrap:
                    plain = scrap.get("mime_prefix", "") + "text/plain"
                    values[(doc, scrap["name"])] = out["data"].get(plain)
    return values


def check_copies(
    paths: list[pathlib.Path], cache: pathlib.Path, root: pathlib.Path = ROOT
) -> list[str]:
    """Problems in written reader copies: MyST left in the markdown, a substituted value
    that is not the build's, a recorded substitution missing from its cell."""
    from myst_nb.core.variables import format_plain_text

    values = build_values(cache, root)
    problems = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        problems += [f"{path.name}: {p}" for p in leftovers(nb)]
        for i, cell in enumerate(nb.cells):
            for rec in cell.get("metadata", {}).get(META, {}).get("glue", []):
                where = f"{path.name}, cell {i}, {rec['key']}"
                if (rec["doc"], rec["key"]) not in values:
                    problems.append(f"{where}: not glued in the build")
                    continue
                build = values[(rec["doc"], rec["key"])]
                if rec["role"] == "glue:text":
                    want = format_plain_text(build, rec["format"] or "s")
                elif rec["role"] == "glue:md":
                    want = rec["text"]  # markdown bundles are not compared
                else:
                    want = build
                if rec["text"] != want:
                    problems.append(
                        f"{where}: {rec['text']!r}, the build glued {want!r}"
                    )
                if rec["markdown"] not in _text(cell):
                    problems.append(f"{where}: {rec['markdown']!r} is not in the cell")
    return problems


def build_and_check(
    out: pathlib.Path,
    cache: pathlib.Path,
    html: pathlib.Path | None = None,
    root: pathlib.Path = ROOT,
) -> list[str]:
    """Write the copies and the hand-outs made from them, and return every problem: the
    hook for the book-build test (``tests/test_book.py``)."""
    import importlib.util

    try:
        written, book, _ = make_copies(out / "colab", cache, root, html=html)
    except ConversionError as err:
        return [str(err)]
    problems = check_copies(written, cache, root) + book.html_mismatches
    spec = importlib.util.spec_from_file_location(
        "make_student", root / "scripts" / "make_student.py"
    )
    student = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(student)
    for path in student.write_handouts(out / "student", written):
        problems += student.check_handout(json.loads(path.read_text()), path.name)
    return problems


# ---------------------------------------------------------------------- publishing


BRANCH_README = """# Deep Learning for Genomics: reader copies for Colab and Jupyter

This branch holds generated files only: the book's notebooks in plain Markdown with the
numbers of the book's run (`notebooks/`), made by `make colab-branch` from {commit}.
The Colab buttons of the book ({book_url}) open them. Do not edit them here; change the
notebooks on the main branch, rebuild the book and publish again (see CONTRIBUTING.md,
"Publishing the reader copies").
"""


def write_branch_files(out: pathlib.Path, book_url: str, package_ref: str) -> None:
    """The rest of the ``colab`` branch: a README and ``data/``."""
    (out / "README.md").write_text(
        BRANCH_README.format(
            commit=package_ref or "the main branch", book_url=book_url
        ),
        encoding="utf-8",
    )
    data = ROOT / "data"
    if data.is_dir():
        shutil.copytree(data, out / "data", dirs_exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--root", type=pathlib.Path, default=ROOT, help="the book (default: this one)"
    )
    parser.add_argument(
        "--cache", type=pathlib.Path, default=ROOT / "_build" / ".jupyter_cache"
    )
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "_build" / "colab")
    parser.add_argument(
        "--book-url",
        default="",
        help="where the book is published (default: _config.yml html.baseurl, else a "
        "relative link to _build/html)",
    )
    parser.add_argument(
        "--html", type=pathlib.Path, help="the built book (default: ROOT/_build/html)"
    )
    parser.add_argument(
        "--package-ref",
        default="",
        help="install the course package at this git commit or tag in the Colab cell",
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="also write the colab branch's README and data/ (needs --book-url)",
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="skip notebooks the cache does not hold (development only)",
    )
    args = parser.parse_args(argv)
    if args.publish and not re.match(r"^https?://", args.book_url):
        parser.error(
            "--publish needs --book-url https://... (where the book is published)"
        )
    try:
        written, book, missing = make_copies(
            args.out,
            args.cache,
            root=args.root.resolve(),
            book_url=args.book_url,
            html=args.html,
            package_ref=args.package_ref,
            allow_missing=args.allow_missing,
        )
    except ConversionError as err:
        print(f"reader copies: {err}", file=sys.stderr)
        return 1
    if args.publish:
        write_branch_files(args.out, args.book_url, args.package_ref)
    for doc in missing:
        print(f"skipped {doc}: not in the cache", file=sys.stderr)
    source = "the built pages" if book.numbers_from_html else "_toc.yml order"
    print(
        f"{len(written)} reader copies in {args.out / 'notebooks'} (figure and "
        f"exercise numbers from {source}; links to {book.book_url})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
