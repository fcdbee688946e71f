"""Book checks that MyST-NB does not do itself; each problem is a Sphinx warning, so ``-W`` fails the build.

1. **Every glued value is shown.** A key a notebook glues (``gdl_utils.report.glue`` / ``show_figure``) must
   be cited somewhere in the book: by the notebook's own prose (``{glue:text}`key:.3f```, a
   ``{glue:figure} key`` directive) or by another page (``{glue:text}`/notebooks/NB.ipynb::key:.3f```, the
   Results appendix). A figure that is glued but never placed would silently vanish from the page.
   (A key that is cited but never glued is already a MyST-NB warning.)
2. **Every ``{glue:figure}`` has ``:name:`` (so it is numbered and can be cited), ``:alt:`` and a caption.**
3. **No uncaptioned figure on a notebook page**: an image outside a ``figure`` is a plot shown with
   ``plt.show()`` instead of ``report.show_figure``; images inside an exercise solution are allowed.
4. **Numbers per chapter.** Figures, tables and exercises are numbered within their chapter ("Figure 4.3",
   "Exercise 4.3"), the chapter taken from the page's file name (``notebooks/04b_...``, ``book/ch04_intro``):
   Sphinx's ``numfig_secnum_depth`` would need numbered section headings, which the notebooks' own titles
   ("Chapter 4.2 — ...") already carry. Pages outside a chapter are numbered on their own (1, 2, ...).
5. **One copy of each inline script.** Sphinx 7.4 registers an inline script added by an extension twice
   (once with ``filename=None``, once with ``''``); for sphinx-thebe's ``const THEBE_JS_URL`` the second copy
   is a JavaScript error on every page ("Identifier 'THEBE_JS_URL' has already been declared").

Loaded from ``_config.yml`` (``sphinx: local_extensions: {gdl_book: book/_ext}``).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

# {glue}`key`, {glue:text}`key:.3f`, {glue:text}`/notebooks/x.ipynb::key:.3f`
ROLE = re.compile(r"\{glue(?::\w+)?\}`([^`]+)`")
# ```{glue:figure} key   /   :::{glue:figure} key   (also {glue}, {glue:any}, {glue:md}, {glue:math})
DIRECTIVE = re.compile(r"^[ \t]*(`{3,}|:{3,})\{glue(?::\w+)?\}[ \t]+(\S+)[ \t]*$", re.M)
KEY = re.compile(r"[A-Za-z0-9_-]+")


def _markdown_text(docname: str, source: str) -> str:
    """The markdown of a page: the joined markdown cells of a notebook, or the text itself."""
    try:
        nb = json.loads(source)
    except ValueError:
        return source
    if not isinstance(nb, dict) or "cells" not in nb:
        return source
    return "\n\n".join("".join(c.get("source", "")) for c in nb["cells"] if c.get("cell_type") == "markdown")


def _target(env, docname: str, text: str) -> tuple[str, str] | None:
    """(document, key) that a role/directive argument refers to; None if it is not a key."""
    if "::" in text:
        path, rest = text.split("::", 1)
        _, filepath = env.relfn2path(path, docname)
        target = env.path2doc(filepath)
        if target is None:  # MyST-NB warns about the missing document itself
            return None
    else:
        target, rest = docname, text
    m = KEY.match(rest)
    return (target, m.group(0)) if m else None


def _check_figure_blocks(docname: str, text: str) -> None:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^[ \t]*(`{3,}|:{3,})\{glue:figure\}[ \t]+(\S+)", line)
        if not m:
            continue
        fence, key = m.group(1), m.group(2)
        body = []
        for nxt in lines[i + 1:]:
            if nxt.strip() == fence:
                break
            body.append(nxt)
        options = {o.split(":")[1] for o in body if re.match(r"^[ \t]*:[\w-]+:", o)}
        caption = [b for b in body if b.strip() and not re.match(r"^[ \t]*:[\w-]+:", b)]
        missing = [name for name in ("name", "alt") if name not in options]
        if missing or not caption:
            what = ", ".join([f":{m}:" for m in missing] + ([] if caption else ["a caption"]))
            logger.warning(f"{{glue:figure}} {key} lacks {what} (every figure is numbered, captioned and "
                           f"has alt text) [gdl.figure]", location=docname, type="gdl", subtype="figure")


def source_read(app, docname, source):
    env = app.env
    if SCALE_RUNS_MARKER in source[0]:
        source[0] = source[0].replace(SCALE_RUNS_MARKER, scale_runs_table())
    text = _markdown_text(docname, source[0])
    refs = set()
    for arg in ROLE.findall(text):
        if (t := _target(env, docname, arg)) is not None:
            refs.add(t)
    for _, arg in DIRECTIVE.findall(text):
        if (t := _target(env, docname, arg)) is not None:
            refs.add(t)
    if not hasattr(env, "gdl_glue_refs"):
        env.gdl_glue_refs = {}
    env.gdl_glue_refs[docname] = refs
    _check_figure_blocks(docname, text)


def purge_doc(app, env, docname):
    getattr(env, "gdl_glue_refs", {}).pop(docname, None)


def merge_info(app, env, docnames, other):
    if not hasattr(env, "gdl_glue_refs"):
        env.gdl_glue_refs = {}
    env.gdl_glue_refs.update({d: other.gdl_glue_refs[d] for d in docnames if d in other.gdl_glue_refs})


def check_consistency(app, env):
    cited = set().union(*getattr(env, "gdl_glue_refs", {}).values()) if getattr(env, "gdl_glue_refs", None) else set()
    for docname, meta in sorted(getattr(env, "nb_metadata", {}).items()):
        for key in meta.get("glue", []):
            if (docname, key) not in cited:
                logger.warning(f"glue key {key!r} is glued but cited nowhere in the book: place it with "
                               f"{{glue:figure}} / {{glue:text}} or stop gluing it [gdl.glue_unused]",
                               location=docname, type="gdl", subtype="glue_unused")


def _in_solution(node) -> bool:
    while node is not None:
        if "solution" in type(node).__name__.lower() or "solution" in node.get("classes", []) \
                or "tag_solution" in node.get("classes", []):
            return True
        node = node.parent
    return False


def doctree_resolved(app, doctree, docname):
    if docname not in getattr(app.env, "nb_metadata", {}) or not app.config.gdl_require_figure_captions:
        return
    for image in doctree.findall(nodes.image):
        if isinstance(image.parent, nodes.figure) or _in_solution(image):
            continue
        logger.warning("a figure without number, caption and alt text: show it with "
                       "report.show_figure(fig, key) and a {glue:figure} directive [gdl.figure]",
                       location=image, type="gdl", subtype="figure")


def dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        ident = (js.filename or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if ident not in seen:
            seen.add(ident)
            unique.append(js)
    scripts[:] = unique


RUN_TIMES = "book/_generated/run_times.md"


def run_times_placeholder(app):
    """The performance appendix includes the run-time table that
    scripts/execute_notebooks.py writes (``make book``); a bare ``jupyter-book build``
    gets a note instead of a missing-file error."""
    path = Path(app.srcdir) / RUN_TIMES
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "*Not measured in this build: `make book` executes the notebooks through "
            "`scripts/execute_notebooks.py`, which times them.*\n"
        )


SCALE_RUNS_MARKER = "<!-- gdl: stored scale runs -->"


def _scale_row(section: str, preset: str) -> str:
    """One table row for a stored scale run, or "not measured" without a file."""
    from gdl_utils.scale import PRESETS, load_result

    if preset not in PRESETS[section]:
        return ""
    try:
        r = load_result(section, preset)
    except FileNotFoundError:
        return f"| {section} | `{preset}` | not measured | | | |\n"
    res = r["results"]
    if section == "4.2":
        what = (
            "; ".join(
                f"{m} {v['test_prauc_mean']:.3f}" for m, v in res["summary"].items()
            )
            + " (test PR-AUC, mean of seeds)"
        )
    elif section == "4.3":
        what = (
            "; ".join(
                f"{m}: greedy {v['identity_greedy_median']:.3f}, beam"
                f" {v['identity_beam_median']:.3f}"
                for m, v in res["summary"].items()
            )
            + " (median identity)"
        )
    elif section == "7.4":
        by_start: dict[str, list[float]] = {}
        for run in res["runs"]:
            by_start.setdefault(run["start"], []).append(run["accuracy"])
        what = (
            "; ".join(f"{k} {sum(v) / len(v):.3f}" for k, v in by_start.items())
            + " (fine-tuned accuracy, mean over folds)"
        )
    else:
        best = min(b for g in res["grid"].values() for b in g.values())
        what = f"best held-out bits per base {best:.4f} ({len(res['grid'])} sizes)"
    return (
        f"| {section} | `{preset}` | {r['device']}, {r['precision']} |"
        f" {r['cpu_time_s'] / 60:.0f} | {r['wall_time_s'] / 60:.0f} | {what} |\n"
    )


def scale_runs_table() -> str:
    """The performance appendix's table of stored scale runs, made from the files that
    ``python -m gdl_utils.scale`` writes (a run that was never made says so); put in
    place of SCALE_RUNS_MARKER when the page is read, so no generated file has to
    exist before jupyter-book lists the book's pages."""
    head = (
        "| section | preset | device, precision | CPU min | wall min | result |\n"
        "|---|---|---|---:|---:|---|\n"
    )
    return head + "".join(
        _scale_row(section, preset)
        for section in ("4.2", "4.3", "7.3", "7.4")
        for preset in ("cpu-long", "gpu")
    )


CHAPTER_OF = re.compile(r"^(?:notebooks/|book/ch)(\d\d)[a-z]?_")


def number_per_chapter(app, env) -> list[str]:
    """Renumber what Sphinx numbered through the whole book (``env.toc_fignumbers``, in
    book order) within each chapter: (chapter, k). Runs after Sphinx's own numbering
    (``env-get-updated``, later priority); returns the pages to rewrite."""
    items = []  # (global number, docname, figtype, id)
    for docname, by_type in env.toc_fignumbers.items():
        for figtype, numbers in by_type.items():
            for figure_id, number in numbers.items():
                items.append((number, docname, figtype, figure_id))
    counters: dict[tuple, int] = {}
    changed = set()
    for number, docname, figtype, figure_id in sorted(items):
        m = CHAPTER_OF.match(docname)
        chapter = (int(m.group(1)),) if m else ()
        key = (figtype, chapter)
        counters[key] = counters.get(key, 0) + 1
        new = (*chapter, counters[key])
        if new != number:
            env.toc_fignumbers[docname][figtype][figure_id] = new
            changed.add(docname)
    return sorted(changed)


def setup(app):
    app.add_config_value("gdl_require_figure_captions", True, "env")
    app.connect("builder-inited", run_times_placeholder)
    app.connect("source-read", source_read)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("env-check-consistency", check_consistency)
    app.connect("env-get-updated", number_per_chapter, priority=900)
    app.connect("doctree-resolved", doctree_resolved)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
