"""Code fits the book's page and follows one style: ruff (88 columns, rules in
pyproject.toml [tool.ruff]).

The package, tests and scripts must be `ruff format`-clean and `ruff check`-clean; every
notebook's code cells too (ruff reads .ipynb files natively). Run `ruff format PATH` and
`ruff check PATH` on what you edit.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
RUFF = pathlib.Path(sys.executable).with_name("ruff")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PACKAGE = ["gdl_utils", "tests", "scripts", "benchmarks"]


def ruff(*args: str) -> subprocess.CompletedProcess:
    exe = str(RUFF) if RUFF.is_file() else shutil.which("ruff")
    assert exe, (
        "ruff is not installed: pip install -c requirements/constraints.txt ruff"
    )
    return subprocess.run(
        [exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_package_passes_ruff_check():
    result = ruff("check", "--output-format=concise", *PACKAGE)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_package_is_ruff_formatted():
    result = ruff("format", "--check", *PACKAGE)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_passes_ruff_check(path):
    """Includes E501: no code line longer than 88 columns (a line the page would
    cut)."""
    result = ruff("check", "--output-format=concise", str(path.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_is_ruff_formatted(path):
    result = ruff("format", "--check", "--diff", str(path.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_ruff_config_is_the_page_width():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    assert config["line-length"] == 88
    assert {"E", "F", "W", "I"} <= set(config["lint"]["select"])
