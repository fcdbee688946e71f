"""The conda environment and pyproject.toml must describe the same installation."""

from __future__ import annotations

import pathlib
import re

import tomllib
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "pytorch-geometric": "torch-geometric",
    "python-edlib": "edlib",
}
NOT_PACKAGES = {"python", "pip"}


def _name(requirement: str) -> str:
    return (
        re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0]
        .lower()
        .replace("_", "-")
    )


def _spec(requirement: str) -> str:
    return requirement.strip()[len(_name(requirement)) :].replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return {_name(r): _spec(r) for r in reqs}


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    reqs: list[str] = []
    for dep in env["dependencies"]:
        reqs += dep["pip"] if isinstance(dep, dict) else [dep]
    out = {}
    for r in reqs:
        name = _name(r)
        if name not in NOT_PACKAGES:
            out[CONDA_TO_PYPI.get(name, name)] = _spec(r)
    return out


def test_same_package_names():
    assert set(conda_requirements()) == set(pyproject_requirements())


def test_same_version_bounds():
    assert conda_requirements() == pyproject_requirements()


def test_conda_python_version_is_supported():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_constraints_pin_torch_and_every_direct_dependency():
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    assert pins["torch"] == "2.13.0", (
        "torch is pinned to 2.13.0 (the CPU wheel on CPU-only machines)"
    )
    missing = set(pyproject_requirements()) - set(pins)
    assert not missing, f"constraints.txt lacks pins for {sorted(missing)}"
