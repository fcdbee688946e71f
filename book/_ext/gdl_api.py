"""The API reference appendix (``book/appendix_api.md``): autodoc + napoleon, adapted to the package's docstrings.

The package writes numpy-style docstrings in a compact form (CONTRIBUTING.md, "Docstrings"): an entry is often
``name : description`` on one line, wrapped onto indented (sometimes unindented) lines, where numpy proper has
``name : type`` and the description below it, indented. Napoleon reads the first form as a long *type*: the text
turns into an italic type, and an inline literal wrapped across the line break becomes a docutils warning.
Rather than rewrite some 300 docstrings, this extension normalises each docstring before napoleon reads it
(``autodoc-process-docstring``, ahead of napoleon's handler):

* ``Parameters``, ``Other Parameters``, ``Attributes`` and ``Shapes`` entries: ``name : type`` with an indented
  description below stays as numpy has it (a head line the author ended: the description's first word would
  still have fitted on it, ``WRAP``); any other entry becomes ``name`` + all its text as the description.
* ``Returns`` / ``Yields``: rendered here as a ``:returns:`` field (napoleon would make an unnamed description a
  return *type*), one bullet per entry when there are several.
* ``Raises``: ``Error : text`` and ``Error text...`` become napoleon's ``Error`` + indented description.
* every section ends with two blank lines, so that napoleon does not read the paragraphs after it (``Used in:``,
  notes on ``forward``) as more entries; a ``Used in:`` wrapped into a section is moved out of it.
* a paragraph that starts with ``Used in:`` becomes a ``Used in`` field, next to Parameters and Returns.

The appendix asks for ``:undoc-members:`` so that every name of an ``__all__`` is listed, constants included;
this extension then leaves out the undocumented members of classes (and a NamedTuple's "Alias for field number
N"), and documents module-level data with the ``#:`` comment or docstring of the module that defines it (a
folder re-exports it; autodoc would look for the comment in the folder's ``__init__`` and, finding none, skip
the constant), never with the docstring of ``dict`` or ``tuple``, and with a long value summarised.

Loaded from ``_config.yml`` (``sphinx: local_extensions: {gdl_api: book/_ext}``).
"""
from __future__ import annotations

import inspect
import re
import sys

from sphinx.errors import PycodeError
from sphinx.ext.autodoc import DataDocumenter, ModuleDocumenter
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.inspect import object_description

NAMED = {"parameters", "other parameters", "attributes", "shapes", "keyword arguments"}
RETURNS = {"returns", "yields"}
RAISES = {"raises", "warns"}
SECTIONS = NAMED | RETURNS | RAISES
UNDERLINE = re.compile(r"^-{3,}\s*$")
# `x`, `x, y`, `*args`, `(train, val, test)` followed by " : "
NAME = r"(?:\*{0,2}[A-Za-z_]\w*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*|\([\w\s,]+\))"
HEAD = re.compile(rf"^(?P<name>{NAME})\s+:(?:\s+(?P<rest>.*))?$")
BARE = re.compile(rf"^(?P<name>{NAME})\s*$")
EXCEPTION = re.compile(r"^(?P<name>[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt))\b\s*:?\s*(?P<rest>.*)$")
WRAP = 72  # a head line that the next word would have made longer than this was not wrapped: its text is a type


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _balanced(text: str) -> bool:
    return text.count("``") % 2 == 0 and text.count("(") == text.count(")") and text.count("[") == text.count("]")


def _is_type(head: str, rest: str, more: list[str]) -> bool:
    """A numpy ``name : type`` head: a complete phrase with an indented description below it, on a line that was
    ended by the author rather than wrapped (the description's first word would still have fitted on it)."""
    if not rest or not more or _indent(more[0]) == 0 or not _balanced(rest):
        return False
    if rest.endswith((",", ";", ":", " or", " and", " of", " to", " the", " a", " an", " with", " for")):
        return False
    return len(head) + 1 + len(more[0].split()[0]) <= WRAP


def _dedent(lines: list[str]) -> list[str]:
    body = [ln for ln in lines if ln.strip()]
    cut = min((_indent(ln) for ln in body), default=0)
    return [ln[cut:] if ln.strip() else "" for ln in lines]


def _entries(body: list[str], kind: str) -> list[tuple[str, list[str]]]:
    """Split a section's body into (head, following lines). A new entry starts at an unindented line that looks
    like a head of this kind of section; other unindented lines continue the entry before (wrapped text)."""
    entries: list[tuple[str, list[str]]] = []
    for line in body:
        starts = not entries or _indent(line) == 0 and line.strip() and (
            (kind == "named" and (HEAD.match(line) or BARE.match(line)))
            or (kind == "returns" and (HEAD.match(line) or any(_indent(ln) > 0 for ln in entries[-1][1])))
            or (kind == "raises" and EXCEPTION.match(line))
        )
        if starts:
            entries.append((line.strip(), []))
        else:
            entries[-1][1].append(line)
    # trailing blank lines belong to nobody
    return [(h, _strip_blank(m)) for h, m in entries]


def _strip_blank(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _paragraph(rest: str, more: list[str]) -> list[str]:
    """The head's text and its continuation as one block (continuation lines keep their relative indent)."""
    more = _dedent(more)
    return ([rest] if rest else []) + more


def _named(body: list[str]) -> list[str]:
    out = []
    for head, more in _entries(body, "named"):
        m = HEAD.match(head) or BARE.match(head)
        if m is None:  # prose inside the section: keep it as a description-less entry's text
            out += [head] + more
            continue
        name, rest = m.group("name"), (m.groupdict().get("rest") or "").strip()
        if not rest or _is_type(head, rest, more):
            out += [head] + ["    " + ln if ln.strip() else "" for ln in _dedent(more)]
        else:
            out += [name] + ["    " + ln if ln.strip() else "" for ln in _paragraph(rest, more)]
    return out


def _escape_name(name: str) -> str:
    return re.sub(r"(?<!\\)\*", r"\\*", name)


def _returns(body: list[str], title: str) -> list[str]:
    items = []
    for head, more in _entries(body, "returns"):
        m = HEAD.match(head)
        name, rest = (m.group("name"), (m.group("rest") or "").strip()) if m else ("", head)
        if _is_type(head, rest, more):
            text = _dedent(more)
            kind = rest if "`" in rest or ":" in rest else f"*{rest}*"  # as napoleon writes a type
            lead = f"**{_escape_name(name)}** ({kind})" if name else kind
            items.append([f"{lead} -- {text[0]}"] + text[1:] if text else [lead])
        else:
            text = _paragraph(rest, more)
            if name:
                text[0] = f"**{_escape_name(name)}** -- {text[0]}"
            items.append(text)
    field = ":returns:" if title.lower() == "returns" else ":Yields:"
    if len(items) == 1:
        return [f"{field} " + items[0][0]] + ["   " + ln if ln.strip() else "" for ln in items[0][1:]]
    out = [field]
    for item in items:
        out += ["   * " + item[0]] + ["     " + ln if ln.strip() else "" for ln in item[1:]]
    return out


def _raises(body: list[str]) -> list[str]:
    out = []
    for head, more in _entries(body, "raises"):
        m = EXCEPTION.match(head)
        if m is None:
            out += [head] + more
            continue
        rest = m.group("rest").strip()
        out += [m.group("name")] + ["    " + ln if ln.strip() else "" for ln in _paragraph(rest, more)]
    return out


def _split(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """[(section title or None for prose, lines)]. A section's body ends at the next section, or at a blank line
    followed by an unindented line that does not start an entry of the section (a paragraph after it)."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if line.strip().lower() in SECTIONS and _indent(line) == 0 and nxt is not None and UNDERLINE.match(nxt):
            blocks.append((line.strip(), []))
            i += 2
            continue
        title, body = blocks[-1]
        cut = line.find(" Used in:")
        if title is not None and cut > 0 and not line.startswith(" "):  # "(w,) float array. Used in: ..."
            body.append(line[:cut])
            line = line[cut + 1 :]
        if title is not None and line.startswith("Used in:"):  # the last line, wrapped into the section
            blocks.append((None, []))
        elif title is not None and not line.strip():
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            follow = lines[j] if j < len(lines) else ""
            kind = title.lower()
            goes_on = follow and (_indent(follow) > 0 or (
                kind in NAMED and HEAD.match(follow)) or (kind in RAISES and EXCEPTION.match(follow))
                or (kind in RETURNS and HEAD.match(follow)))
            if not goes_on:
                blocks.append((None, []))
        blocks[-1][1].append(line)
        i += 1
    return blocks


def _used_in(lines: list[str]) -> list[str]:
    """A paragraph starting with "Used in:" becomes a field (same look as Parameters / Returns)."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("Used in:") and (i == 0 or not lines[i - 1].strip()):
            para = [line]
            while i + 1 < len(lines) and lines[i + 1].strip():
                i += 1
                para.append(lines[i])
            out += [":Used in: " + para[0][len("Used in:"):].strip()] + ["   " + ln.strip() for ln in para[1:]]
        else:
            out.append(line)
        i += 1
    return out


def normalise(lines: list[str]) -> list[str]:
    out: list[str] = []
    for title, body in _split(lines):
        if title is None:
            out += _used_in(body)
            continue
        kind = title.lower()
        while out and not out[-1].strip():
            out.pop()
        if out:
            out += ["", ""]  # also ends the section before, for napoleon
        if kind in RETURNS:
            out += _returns(_strip_blank(body), title)
        else:
            out += [title, "-" * len(title)]
            out += _named(_strip_blank(body)) if kind in NAMED else _raises(_strip_blank(body))
        out += ["", ""]  # two blank lines end a numpy section for napoleon
    while out and not out[-1].strip():
        out.pop()
    return out


def process_docstring(app, what, name, obj, options, lines):
    if not name.startswith("gdl_utils"):
        return
    lines[:] = normalise(list(lines))


def skip_member(app, what, name, obj, skip, options):
    """Undocumented members of classes stay out (``:undoc-members:`` is there for the modules' constants)."""
    if what in ("class", "exception") and not skip:
        doc = getattr(obj, "__doc__", None)
        own = isinstance(doc, str) and doc.strip() and doc != getattr(type(obj), "__doc__", None)
        if not own and not inspect.isclass(obj) or own and doc.startswith("Alias for field number"):
            return True  # a NamedTuple's fields: its docstring's Attributes say what they are
    return None


VALUE_MAX = 140  # a longer value (the model registry, the simulation presets) is summarised instead


class PublicDataDocumenter(DataDocumenter):
    """Module-level data of a public path: documented whether or not it has a ``#:`` comment (autodoc only takes
    data with one, and only from the module being documented: a folder re-exports its constants from the module
    that defines them, where the comment is). The doc is that comment, never the docstring of ``dict`` or
    ``tuple``; a long value is summarised (a dict by its keys)."""

    priority = DataDocumenter.priority + 1

    @classmethod
    def can_document_member(cls, member, membername, isattr, parent):
        return isinstance(parent, ModuleDocumenter) and (isattr or not (
            inspect.isroutine(member) or inspect.isclass(member) or inspect.ismodule(member)))

    def _defining_comment(self) -> list[str] | None:
        name = self.objpath[-1]
        prefix = self.modname + "."
        for modname in [self.modname] + sorted(m for m in list(sys.modules) if m.startswith(prefix)):
            module = sys.modules.get(modname)
            if module is None or vars(module).get(name, _MISSING) is not self.object:
                continue
            try:
                analyzer = ModuleAnalyzer.for_module(modname)
                analyzer.analyze()
            except PycodeError:
                continue
            if ("", name) in analyzer.attr_docs:
                return list(analyzer.attr_docs[("", name)])
        return None

    def get_doc(self):
        comment = self._defining_comment()
        return [comment] if comment else []

    def _long(self) -> bool:
        try:
            return len(object_description(self.object)) > VALUE_MAX
        except ValueError:
            return True

    def should_suppress_value_header(self) -> bool:
        return self._long() or super().should_suppress_value_header()

    def process_doc(self, docstrings):
        """As autodoc's, but napoleon reads the docstring as it reads a module's: for ``data`` it would take
        the text before the first colon for a type (``Named motif sets for :func:`preset_motifs`: ...``
        became "Type: Named motif sets for preset_motifs()")."""
        for lines in docstrings:
            self.env.app.emit("autodoc-process-docstring", "module", self.fullname, self.object, self.options, lines)
            if lines and lines[-1] != "":
                lines.append("")
            yield from lines

    def update_content(self, more_content) -> None:
        super().update_content(more_content)
        if self._long() and isinstance(self.object, dict):
            keys = ", ".join(f"``{k!r}``" for k in self.object)
            more_content.append("", "")
            noun = "key" if len(self.object) == 1 else "keys"
            more_content.append(f"A dict with {len(self.object)} {noun}: {keys}.", "")


_MISSING = object()


def setup(app):
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.napoleon")
    app.connect("autodoc-process-docstring", process_docstring, priority=400)  # napoleon's runs at 500
    app.connect("autodoc-skip-member", skip_member)
    app.add_autodocumenter(PublicDataDocumenter, override=True)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
