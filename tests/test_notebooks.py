"""House rules for the notebooks (nbval executes them; these tests check their form)."""

from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BIB = (ROOT / "book" / "references.bib").read_text()
BIB_KEYS = set(re.findall(r"@\w+\{([^,\s]+),", BIB))


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return found


def load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


def test_toc_lists_existing_files_and_every_notebook():
    listed = toc_files()
    for entry in listed:
        candidates = [ROOT / f"{entry}{ext}" for ext in ("", ".md", ".ipynb")]
        assert any(p.is_file() for p in candidates), (
            f"_toc.yml lists {entry}, which does not exist"
        )
    for nb in NOTEBOOKS:
        assert nb.relative_to(ROOT).with_suffix("").as_posix() in listed, (
            f"{nb.name} is not in _toc.yml"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_colab_install_cell(path):
    first = code_cells(load(path))[0]
    assert "colab-install" in first["metadata"].get("tags", [])
    assert '"google.colab" in sys.modules' in source(first), (
        "the install cell must be a no-op outside Colab"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped_except_nbval_cells(path):
    for i, cell in enumerate(code_cells(load(path))):
        tags = cell["metadata"].get("tags", [])
        if "nbval" in tags:
            assert all(o["output_type"] != "error" for o in cell["outputs"]), (
                f"cell {i} stores an error"
            )
        else:
            assert not cell["outputs"], (
                f"{path.name}: code cell {i} has stored outputs (run "
                "clean_notebooks.py)"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_asserts_its_claims_and_has_exercises(path):
    nb = load(path)
    code = "\n".join(source(c) for c in code_cells(nb))
    assert re.search(r"^\s*assert\s", code, flags=re.M), f"{path.name} asserts nothing"
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert re.search(r"^#+\s*Exercises", markdown, flags=re.M), (
        f"{path.name} has no Exercises section"
    )
    assert "yue2023deep" in markdown, f"{path.name} does not link the review"


def test_every_citation_key_is_in_the_bibliography():
    texts = [p.read_text() for p in NOTEBOOKS] + [
        p.read_text() for p in (ROOT / "book").glob("*.md")
    ]
    used = set()
    for text in texts:
        for keys in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", text):
            used |= {k.strip() for k in keys.split(",")}
    missing = used - BIB_KEYS
    assert not missing, f"cited but not in book/references.bib: {sorted(missing)}"


def test_bibliography_has_no_duplicate_keys():
    keys = re.findall(r"@\w+\{([^,\s]+),", BIB)
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})


CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_install_cell_uses_the_repository_of_the_config(path):
    """The launch buttons use _config.yml's repository.url; the install cell must name
    the same one."""
    first = source(code_cells(load(path))[0])
    url = CONFIG["repository"]["url"].rstrip("/")
    found = re.findall(r'^REPO = "([^"]+)"', first, flags=re.M)
    assert found == [url], (
        f"{path.name}: install cell has REPO = {found}, _config.yml has {url!r}"
    )
    assert "git+{REPO}" in first, (
        f'{path.name}: the install cell must install f"git+{{REPO}}"'
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_the_standard_sections(path):
    markdown = "\n".join(
        source(c) for c in load(path)["cells"] if c["cell_type"] == "markdown"
    )
    headings = re.findall(r"^(#{1,6})\s+(.+?)\s*$", markdown, flags=re.M)
    level2 = [title for hashes, title in headings if hashes == "##"]
    for title in ("Scale knobs", "Summary", "Exercises"):
        assert level2.count(title) == 1, (
            f"{path.name}: needs exactly one '## {title}' heading"
        )
    assert (
        level2.index("Scale knobs")
        < level2.index("Summary")
        < level2.index("Exercises")
    ), path.name
    assert "**Scale knobs" not in markdown, (
        f"{path.name}: 'Scale knobs' is a heading, not bold text"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_deliberately_raising_cells(path):
    """'Run all' in Colab and Jupyter must not stop: show errors with try/except, do not
    raise."""
    for i, cell in enumerate(code_cells(load(path))):
        tags = cell["metadata"].get("tags", [])
        assert "raises-exception" not in tags, (
            f"{path.name}: code cell {i} is tagged raises-exception"
        )


def test_results_page_cites_keys_that_notebooks_glue():
    """A fast, static version of what the strict build checks: every key the Results
    appendix cites is glued (by a literal key) in the notebook it names, and that
    notebook exists."""
    page = (ROOT / "book" / "appendix_results.md").read_text()
    cited = re.findall(r"\{glue(?::\w+)?\}`/?([^`:]+\.ipynb)::([A-Za-z0-9_-]+)", page)
    assert cited, "the Results appendix cites no glued value"
    for nb_path, key in cited:
        nb = ROOT / nb_path
        assert nb.is_file(), (
            f"appendix_results.md cites {nb_path}, which does not exist"
        )
        code = "\n".join(source(c) for c in code_cells(load(nb)))
        assert re.search(rf"""glue\(\s*["']{re.escape(key)}["']""", code) or any(
            re.fullmatch(pattern, key) for pattern in formatted_keys(code)
        ), f"appendix_results.md cites {key!r}, which {nb.name} never glues"


def formatted_keys(code: str) -> list[str]:
    """Keys glued through an f-string, e.g. ``glue(f"08a_auroc_{name}", ...)``, as
    regular expressions (each ``{...}`` matches one or more key characters)."""
    patterns = []
    for template in re.findall(r"""glue\(\s*f["']([^"']+)["']""", code):
        parts = re.split(r"\{[^}]*\}", template)
        patterns.append("[A-Za-z0-9_-]+".join(re.escape(p) for p in parts))
    return patterns


def test_formatted_keys_match_only_their_template():
    (pattern,) = formatted_keys('report.glue(f"08a_auroc_{name}", value)')
    assert re.fullmatch(pattern, "08a_auroc_ism")
    assert not re.fullmatch(pattern, "08b_auroc_ism")
    assert not re.fullmatch(pattern, "08a_auroc_")


# ----------------------------------------------------------------- the seeding rule
def _called_name(func: ast.expr) -> str | None:
    """``f`` of ``f(...)`` or ``mod.f(...)``."""
    return (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else None
    )


def _builds(call: ast.Call, model_names: set[str]) -> str | None:
    """The registered class that ``call`` constructs: ``VAE(...)``, ``models.VAE(...)``
    or a classmethod such as ``SequenceClassifier.from_pretrained(...)``."""
    name = _called_name(call.func)
    if name in model_names:
        return name
    owner = call.func.value if isinstance(call.func, ast.Attribute) else None
    name = _called_name(owner) if owner is not None else None
    return name if name in model_names else None


def _runs_per_seed(node: ast.AST) -> str | None:
    """A label if ``node`` makes one model per seed: a ``def`` with a ``seed``
    parameter, or a loop ``for seed in ...`` (also ``for i, seed in ...``)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        a = node.args
        params = [*a.posonlyargs, *a.args, *a.kwonlyargs]
        if any(p.arg == "seed" for p in params):
            return f"def {node.name}"
    if isinstance(node, ast.For):
        targets = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        if "seed" in targets:
            return "for seed loop"
    return None


def unseeded_builds(code: str, model_names: set[str]) -> list[str]:
    """Registered models constructed per seed but outside ``with seeded(...)``:
    ``["def train_vae (line 3): VAE", ...]`` for one cell's code."""
    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    inside = {
        id(n)
        for w in ast.walk(tree)
        if isinstance(w, ast.With)
        and any(
            isinstance(item.context_expr, ast.Call)
            and _called_name(item.context_expr.func) == "seeded"
            for item in w.items
        )
        for n in ast.walk(w)
    }
    found = []
    for scope in ast.walk(tree):
        label = _runs_per_seed(scope)
        if label is None:
            continue
        for call in ast.walk(scope):
            built = isinstance(call, ast.Call) and _builds(call, model_names)
            if built and id(call) not in inside:
                found.append(f"{label} (line {call.lineno}): {built}")
    return list(dict.fromkeys(found))


def test_unseeded_builds_finds_what_the_rule_forbids():
    names = {"VAE", "GCN", "SequenceClassifier"}
    bad = """
def train(beta, seed=0):
    model = VAE(10, beta=beta)
for i, seed in enumerate(SEEDS):
    gcn = models.GCN(5, 2)
    clf = SequenceClassifier.from_pretrained(lm, 1)
"""
    assert unseeded_builds(bad, names) == [
        "def train (line 3): VAE",
        "for seed loop (line 5): GCN",
        "for seed loop (line 6): SequenceClassifier",
    ]
    good = """
def train(beta, seed=0):
    with seeded(seed):
        model = VAE(10, beta=beta)
for seed in SEEDS:
    with runtime.seeded(seed), torch.no_grad():
        gcn = models.GCN(5, 2)
def other(beta):  # no seed: not a per-seed model
    return VAE(10, beta=beta)
"""
    assert unseeded_builds(good, names) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_models_made_per_seed_are_built_inside_seeded(path):
    """The course's one seeding rule (``gdl_utils.runtime.seeded``): a function with a
    ``seed`` parameter, or a ``for seed in ...`` loop, that constructs a registered
    model class does so inside ``with seeded(seed):``, so that the seed alone names
    the model's initial weights (``fit(seed=...)`` fixes only batch order and
    dropout)."""
    from gdl_utils.models import MODELS

    found = [
        f"code cell {i}, {where}"
        for i, cell in enumerate(code_cells(load(path)))
        for where in unseeded_builds(source(cell), set(MODELS))
    ]
    assert not found, (
        f"{path.name}: models built per seed outside `with seeded(seed):`: {found}"
    )
