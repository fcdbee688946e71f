"""The package's shape: layering, module size, and "Used in:" lines that tell the truth.

Layers (CONTRIBUTING.md, "Layout of the package"): data -> models -> training ->
reading models; the private helpers in ``_util`` sit under everything and ``plotting``
/ ``report`` import nothing from the package. A layer may import from the layers below
it, never from the layers above.
"""

from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gdl_utils"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 300

# The layer of every module (dotted name below gdl_utils); lower number = lower layer.
LAYER_OF = {
    "_util": 0,
    "plotting": 0,
    "curves": 0,
    "report": 0,
    "runtime": 0,
    # data -> tensors
    "sequence": 1,
    "strands": 1,
    "kmers": 1,
    "seqio": 1,
    "bed": 1,
    "pwm": 1,
    "motifs": 1,
    "motif_match": 1,
    "motif_recovery": 1,
    "simulate": 1,
    "simulated_data": 1,
    "grammar": 1,
    "duplicates": 1,
    "splits": 1,
    "enrichment": 1,
    "tokenizers": 1,
    "graphs": 1,
    "datasets": 1,
    # models
    "models": 2,
    # learning
    "distributed": 3,
    "training": 3,
    "crossval": 3,
    "checkpoint": 3,
    "metrics": 3,
    "metric_reports": 3,
    "latent": 3,
    "pretrain": 3,
    # reading models
    "filters": 4,
    "first_layer": 4,
    "attribution": 4,
    "ctc": 4,
    # chapter 4 (RNNs, basecalling)
    "nanopore": 1,
    "order_task": 1,
    # chapter 6 (graphs)
    "link_prediction": 3,
    # chapter 7 (transformers)
    "markov": 3,
    "lm_eval": 3,
    # chapter 8 (interpretation)
    "attribution_methods": 4,
    "attribution_scores": 4,
    "modisco": 4,
}
# Modules that may import nothing from the package at all.
LEAVES = {"_util", "plotting", "report"}


def dotted(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def layer(name: str) -> int | None:
    """The layer of a dotted module name (a subpackage's modules share its layer)."""
    top = name.split(".")[0]
    return LAYER_OF.get(top)


def package_imports(path: pathlib.Path) -> set[str]:
    """Dotted names (below gdl_utils) this module imports, relative or absolute."""
    tree = ast.parse(path.read_text())
    here = dotted(path).split(".")
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_package else here[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = [p for p in base if p]
                mod = prefix + (node.module.split(".") if node.module else [])
                if node.module is None:  # from . import x, y
                    found |= {".".join(prefix + [a.name]) for a in node.names}
                else:
                    found.add(".".join(mod))
            elif node.module and node.module.startswith("gdl_utils"):
                rest = node.module.split(".")[1:]
                if rest:
                    found.add(".".join(rest))
                else:
                    found |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gdl_utils."):
                    found.add(alias.name.split(".", 1)[1])
    return {f for f in found if f}


def test_every_module_has_a_layer():
    missing = sorted(
        {dotted(p) for p in MODULES if dotted(p) and layer(dotted(p)) is None}
    )
    assert not missing, (
        "add these modules to LAYER_OF in tests/test_layout.py and CONTRIBUTING.md: "
        f"{missing}"
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_the_layers(path):
    name = dotted(path)
    if not name:  # gdl_utils/__init__.py re-exports from everywhere
        return
    own = layer(name)
    for imported in package_imports(path):
        if imported.split(".")[0] == name.split(".")[0]:
            continue  # inside one subpackage
        if name.split(".")[0] in LEAVES:
            pytest.fail(
                f"gdl_utils.{name} must import nothing from the package, "
                f"imports {imported}"
            )
        other = layer(imported)
        assert other is not None, f"gdl_utils.{name} imports unknown module {imported}"
        assert other <= own, (
            f"gdl_utils.{name} (layer {own}) imports gdl_utils.{imported} "
            f"(layer {other}): a lower layer must not depend on a higher one"
        )


def test_no_import_cycles_between_modules():
    graph = {
        dotted(p): {i.split(".")[0] for i in package_imports(p)}
        for p in MODULES
        if dotted(p)
    }
    tops: dict[str, set[str]] = {}
    for name, deps in graph.items():
        top = name.split(".")[0]
        tops.setdefault(top, set()).update(d for d in deps if d != top)
    for start in tops:
        stack, seen = list(tops[start]), set()
        while stack:
            node = stack.pop()
            assert node != start, f"import cycle through gdl_utils.{start}"
            if node not in seen:
                seen.add(node)
                stack.extend(tops.get(node, ()))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    n = len(path.read_text().splitlines())
    assert n <= MAX_LINES, (
        f"{path.relative_to(ROOT)} has {n} lines (limit {MAX_LINES}): split it by topic"
    )


# --- "Used in:" lines ---------------------------------------------------------------

NOTEBOOK_CODE = {}
for _nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
    _cells = json.loads(_nb.read_text())["cells"]
    NOTEBOOK_CODE[_nb.stem] = "\n".join(
        "".join(c["source"]) for c in _cells if c["cell_type"] == "code"
    )
EXISTING_CHAPTERS = {int(stem[:2]) for stem in NOTEBOOK_CODE}


def public_definitions():
    """(module path, name, docstring, source) of each public top-level def/class."""
    for path in MODULES:
        tree = ast.parse(path.read_text())
        text = path.read_text()
        for node in tree.body:
            if isinstance(
                node, (ast.FunctionDef, ast.ClassDef)
            ) and not node.name.startswith("_"):
                yield (
                    path,
                    node.name,
                    ast.get_docstring(node) or "",
                    ast.get_source_segment(text, node),
                )


DEFINITIONS = list(public_definitions())


def chapters_claimed(docstring: str) -> set[int] | None:
    """Chapters named on the "Used in:" line (None if there is no such line).

    "chapter 2 on" and "chapters 2 and 3" name 2 (and 3); "every notebook" names all
    existing chapters.
    """
    match = re.search(r"Used in:(.*?)(?:\n\s*\n|$)", docstring, flags=re.S)
    if not match:
        return None
    text = match.group(1)
    if re.search(r"every (notebook|chapter)", text):
        return set(EXISTING_CHAPTERS)
    text = re.sub(r"\b(?:ch(?:apters?|s?\.)?)\s*", "chapter ", text)
    numbers = set()
    for m in re.finditer(r"chapter\s+([\d ,\-–and]+)", text):
        for a, b in re.findall(r"(\d+)\s*[-–]\s*(\d+)", m.group(1)):
            numbers |= set(range(int(a), int(b) + 1))
        numbers |= {int(n) for n in re.findall(r"\d+", m.group(1))}
    return numbers


def chapters_using(name: str) -> set[int]:
    """Existing chapters whose notebooks mention ``name`` directly."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    direct = {
        int(stem[:2]) for stem, code in NOTEBOOK_CODE.items() if pattern.search(code)
    }
    return direct


def _transitive_use():
    """name -> chapters; a use inside another public definition counts as a use in
    that definition's chapters."""
    used = {name: chapters_using(name) for _, name, _, _ in DEFINITIONS}
    changed = True
    while changed:
        changed = False
        for _, outer, _, source in DEFINITIONS:
            for _, inner, _, _ in DEFINITIONS:
                if inner != outer and re.search(
                    rf"\b{re.escape(inner)}\b", source or ""
                ):
                    extra = used[outer] - used[inner]
                    if extra:
                        used[inner] |= extra
                        changed = True
    return used


USED = _transitive_use()


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: f"{d[0].stem}.{d[1]}")
def test_used_in_lines_are_true(definition):
    path, name, doc, _ = definition
    claimed = chapters_claimed(doc)
    where = f"{path.relative_to(ROOT)}: {name}"
    assert claimed is not None, f"{where} has no 'Used in:' line in its docstring"
    existing = claimed & EXISTING_CHAPTERS
    wrong = existing - USED[name]
    assert not wrong, (
        f"{where} says 'Used in' chapter(s) {sorted(wrong)}, but no notebook of those "
        f"chapters uses it (used in {sorted(USED[name]) or 'none'})"
    )
