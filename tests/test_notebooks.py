"""House rules for the notebooks (nbval executes them; these tests check their form)."""
from __future__ import annotations

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
        assert any(p.is_file() for p in candidates), f"_toc.yml lists {entry}, which does not exist"
    for nb in NOTEBOOKS:
        assert nb.relative_to(ROOT).with_suffix("").as_posix() in listed, f"{nb.name} is not in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_colab_install_cell(path):
    first = code_cells(load(path))[0]
    assert "colab-install" in first["metadata"].get("tags", [])
    assert '"google.colab" in sys.modules' in source(first), "the install cell must be a no-op outside Colab"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped_except_nbval_cells(path):
    for i, cell in enumerate(code_cells(load(path))):
        tags = cell["metadata"].get("tags", [])
        if "nbval" in tags:
            assert all(o["output_type"] != "error" for o in cell["outputs"]), f"cell {i} stores an error"
        else:
            assert not cell["outputs"], f"{path.name}: code cell {i} has stored outputs (run clean_notebooks.py)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_asserts_its_claims_and_has_exercises(path):
    nb = load(path)
    code = "\n".join(source(c) for c in code_cells(nb))
    assert re.search(r"^\s*assert\s", code, flags=re.M), f"{path.name} asserts nothing"
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert re.search(r"^#+\s*Exercises", markdown, flags=re.M), f"{path.name} has no Exercises section"
    assert "yue2023deep" in markdown, f"{path.name} does not link the review"


def test_every_citation_key_is_in_the_bibliography():
    texts = [p.read_text() for p in NOTEBOOKS] + [p.read_text() for p in (ROOT / "book").glob("*.md")]
    used = set()
    for text in texts:
        for keys in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", text):
            used |= {k.strip() for k in keys.split(",")}
    missing = used - BIB_KEYS
    assert not missing, f"cited but not in book/references.bib: {sorted(missing)}"


def test_bibliography_has_no_duplicate_keys():
    keys = re.findall(r"@\w+\{([^,\s]+),", BIB)
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
