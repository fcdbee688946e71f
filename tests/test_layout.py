"""The package's shape: one folder per topic and layer, a public API that notebooks
keep to, module size, and "Used in:" lines that tell the truth in both directions.

Layers (CONTRIBUTING.md, "Layers of the package"), lowest first: the floor (``_util``,
``runtime``, ``report``, ``plotting``) -> data -> models -> learning -> reading models
and chapter pipelines. A folder may import from its own layer and the layers below it,
never from a layer above; folders never import each other in a cycle.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gdl_utils"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 300

# The layer of every top-level entry of gdl_utils: a floor module or a topic folder.
LAYER_OF = {
    # floor: imported by everything, importing (almost) nothing
    "_util": 0,
    "runtime": 0,
    "report": 0,
    "plotting": 0,
    # data -> tensors
    "dna": 1,
    "motifs": 1,
    "simulate": 1,
    "datasets": 1,
    "graphs": 1,
    "basecalling": 1,
    "proteins": 1,
    # models
    "models": 2,
    # learning
    "training": 3,
    "evaluate": 3,
    # reading models, and chapter pipelines
    "interpret": 4,
    "lm": 4,
    "scale": 4,
    "transfer": 4,
    "multiview": 4,
    "confounding": 4,
    # the students' checks of the implement-it exercises (may import any layer)
    "exercises": 5,
}
FLOOR_MODULES = {"_util", "runtime", "report"}  # the only top-level .py files
# What a floor entry may import from the package (nothing else).
FLOOR_IMPORTS = {
    "_util": set(),
    "report": set(),
    "runtime": set(),
    "plotting": {"_util"},
}
FOLDERS = sorted(k for k in LAYER_OF if (PACKAGE / k).is_dir())


def dotted(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def top(name: str) -> str:
    return name.split(".")[0]


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


def test_top_level_is_floor_modules_and_topic_folders():
    entries = {
        p.stem for p in PACKAGE.iterdir() if p.suffix == ".py" and p.stem != "__init__"
    }
    assert entries == FLOOR_MODULES, (
        f"top-level modules {sorted(entries - FLOOR_MODULES)}: put a module in the "
        "folder of its topic (CONTRIBUTING.md, 'Layers of the package')"
    )
    folders = {
        p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    assert folders == set(FOLDERS), (
        f"folders without a layer: {sorted(folders - set(FOLDERS))}; add each to "
        "LAYER_OF here and to CONTRIBUTING.md's layer table"
    )


def test_contributing_names_every_folder_and_its_layer():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    section = text.split("## Layers of the package", 1)[1].split("\n## ", 1)[0]
    for entry in LAYER_OF:
        assert f"`{entry}" in section, f"CONTRIBUTING's layer table omits {entry}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_the_layers(path):
    name = dotted(path)
    if not name:  # gdl_utils/__init__.py re-exports from everywhere
        return
    own = top(name)
    for imported in package_imports(path):
        other = top(imported)
        if other == own:
            continue  # inside one folder
        if own in FLOOR_IMPORTS:
            assert other in FLOOR_IMPORTS[own], (
                f"gdl_utils.{name} is on the floor and may import only "
                f"{sorted(FLOOR_IMPORTS[own]) or 'nothing'} from the package; "
                f"imports {imported}"
            )
            continue
        assert other in LAYER_OF, f"gdl_utils.{name} imports unknown {imported}"
        assert LAYER_OF[other] <= LAYER_OF[own], (
            f"gdl_utils.{name} (layer {LAYER_OF[own]}) imports gdl_utils.{imported} "
            f"(layer {LAYER_OF[other]}): a lower layer must not depend on a higher one"
        )


@pytest.mark.parametrize("folder", FOLDERS)
def test_folder_init_reexports_only_its_own_modules(folder):
    """So that re-exports cannot create cycles between folders."""
    init = PACKAGE / folder / "__init__.py"
    outside = {i for i in package_imports(init) if top(i) != folder}
    assert not outside, f"gdl_utils/{folder}/__init__.py imports {sorted(outside)}"


def test_no_import_cycles_between_folders():
    tops: dict[str, set[str]] = {}
    for p in MODULES:
        name = dotted(p)
        if name:
            deps = {top(i) for i in package_imports(p)} - {top(name)}
            tops.setdefault(top(name), set()).update(deps)
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


# --- the public API ----------------------------------------------------------------

PUBLIC_PATHS = ["gdl_utils", "gdl_utils.runtime", "gdl_utils.report"] + [
    f"gdl_utils.{f}" for f in FOLDERS
]


def public_api() -> dict[str, object]:
    """'path.name' -> object, for every name in a public path's ``__all__``."""
    api = {}
    for path in PUBLIC_PATHS:
        module = importlib.import_module(path)
        names = getattr(module, "__all__", None)
        assert names, f"{path} has no __all__: its public names must be stated once"
        for name in names:
            assert hasattr(module, name), f"{path}.__all__ names missing {name}"
            api[f"{path}.{name}"] = getattr(module, name)
    return api


def _code_cells(nb_path: pathlib.Path) -> list[str]:
    cells = json.loads(nb_path.read_text())["cells"]
    out = []
    for c in cells:
        if c["cell_type"] == "code":
            src = "".join(c["source"])
            out.append(
                "\n".join(
                    "" if line.lstrip().startswith(("!", "%")) else line
                    for line in src.splitlines()
                )
            )
    return out


def notebook_uses(nb_path: pathlib.Path) -> list[tuple[str, str, int]]:
    """(path, name, line) of every package name a notebook uses: names imported from
    gdl_utils paths, and attributes of gdl_utils modules it imported (``pwm.scan_pwm``).
    """
    uses, modules = [], {}
    for src in _code_cells(nb_path):
        tree = ast.parse(src)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "gdl_utils"
            ):
                for a in node.names:
                    uses.append((node.module, a.name, node.lineno))
                    target = f"{node.module}.{a.name}"
                    try:
                        importlib.import_module(target)
                    except ImportError:
                        continue
                    modules[a.asname or a.name] = target
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("gdl_utils"):
                        modules[a.asname or a.name] = a.name
                        uses.append((a.name, "", node.lineno))  # the module itself
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
            ):
                uses.append((modules[node.value.id], node.attr, node.lineno))
    return uses


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
USES = {nb.stem: notebook_uses(nb) for nb in NOTEBOOKS}


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_import_only_the_public_api(nb):
    """Every package name a notebook uses comes from a documented public path: the
    folder (``gdl_utils.motifs``), never a module inside it or a private name."""
    api = public_api()
    bad = []
    for path, name, line in USES[nb.stem]:
        if not name:  # ``import gdl_utils.x``: x must be a public path
            if path not in PUBLIC_PATHS:
                bad.append(f"import {path} (code line {line})")
            continue
        module = importlib.import_module(path)
        if inspect.ismodule(getattr(module, name, None)) and path in PUBLIC_PATHS:
            continue  # a public folder's module as a namespace (``pwm.best_match``)
        if path not in PUBLIC_PATHS:
            parent = path.rsplit(".", 1)[0]
            if parent in PUBLIC_PATHS and f"{parent}.{name}" in api:
                continue  # ``pwm.best_match``: a module of a folder that exports it
        if f"{path}.{name}" not in api:
            bad.append(f"{path}.{name} (code line {line})")
    assert not bad, (
        f"{nb.name} uses names outside the public API: {bad}; export them in the "
        "folder's __all__ (and document them) or use a public one"
    )


def test_every_public_name_is_importable_from_its_documented_path():
    """The API appendix documents exactly the public paths' ``__all__``; each entry
    resolves, and the public paths themselves stay (CONTRIBUTING: "stable paths")."""
    api = public_api()
    assert len(api) > 150
    page = (ROOT / "book" / "appendix_api.md").read_text()
    for path in PUBLIC_PATHS:
        assert f"automodule:: {path}\n" in page, f"the API appendix omits {path}"


# --- "Used in:" lines ---------------------------------------------------------------

EXISTING_CHAPTERS = {int(nb.stem[:2]) for nb in NOTEBOOKS}


def public_definitions():
    """(module path, name, docstring, source) of each public top-level def/class."""
    for path in MODULES:
        text = path.read_text()
        tree = ast.parse(text)
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
    existing chapters; "planned: chapter 9" names nothing yet.
    """
    match = re.search(r"Used in:(.*?)(?:\n\s*\n|$)", docstring, flags=re.S)
    if not match:
        return None
    text = re.sub(r"planned:.*", "", match.group(1), flags=re.S)
    if re.search(r"every (notebook|chapter)", text):
        return set(EXISTING_CHAPTERS)
    numbers = set()
    for a in re.findall(r"\bch(?:apters?|\.)?\s*(\d+)\s*on\b", text):
        numbers |= set(range(int(a), max(EXISTING_CHAPTERS) + 1))
    text = re.sub(r"\b(?:ch(?:apters?|s?\.)?)\s*", "chapter ", text)
    for m in re.finditer(r"chapter\s+([\d ,\-–and]+)", text):
        for a, b in re.findall(r"(\d+)\s*[-–]\s*(\d+)", m.group(1)):
            numbers |= set(range(int(a), int(b) + 1))
        numbers |= {int(n) for n in re.findall(r"\d+", m.group(1))}
    numbers |= {int(n[:2]) for n in re.findall(r"\b(\d\d)[a-z]?\b", match.group(1))}
    return numbers


def _defining(obj) -> tuple[str, str] | None:
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__name__", None)
    if module and name and module.startswith("gdl_utils"):
        return module, name
    return None


def direct_use() -> dict[tuple[str, str], set[int]]:
    """(defining module, name) -> chapters whose notebooks use it by name."""
    used: dict[tuple[str, str], set[int]] = {}
    for stem, uses in USES.items():
        for path, name, _ in uses:
            if not name:
                continue
            obj = getattr(importlib.import_module(path), name, None)
            key = _defining(obj) if obj is not None else None
            if key:
                used.setdefault(key, set()).add(int(stem[:2]))
    return used


DIRECT = direct_use()


def _transitive_use():
    """name -> chapters; a use inside another public definition counts as a use in
    that definition's chapters (the generous direction: a claim may rest on it)."""
    used = {
        name: set(DIRECT.get((dotted_of(p), name), set()))
        for p, name, _, _ in DEFINITIONS
    }
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


def dotted_of(path: pathlib.Path) -> str:
    name = dotted(path)
    return "gdl_utils" + (f".{name}" if name else "")


USED = _transitive_use()


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: f"{d[0].stem}.{d[1]}")
def test_used_in_lines_are_true(definition):
    """Both directions: every chapter that uses a name is on its line, and every chapter
    on its line uses it (directly, or through another public definition)."""
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
    missing = DIRECT.get((dotted_of(path), name), set()) - claimed
    assert not missing, (
        f"{where}: notebooks of chapter(s) {sorted(missing)} use it, but its 'Used in' "
        "line omits them"
    )
