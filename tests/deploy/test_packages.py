"""The installed distribution holds production code only: no benchmarks, no test fakes, vendored licences kept."""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from setuptools.config.pyprojecttoml import read_configuration

from tests.conftest import REPO

#: Top-level packages that live in the checkout only.
REPO_ONLY = ("bench", "tests")


@pytest.fixture(scope="module")
def setuptools_config() -> dict[str, Any]:
    """[tool.setuptools] of pyproject.toml, `packages.find` expanded by setuptools itself as a build does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # setuptools calls its pyproject support "beta"
        config: dict[str, Any] = read_configuration(REPO / "pyproject.toml", expand=True)["tool"]["setuptools"]
    return config


def installed_files(packages: list[str]) -> list[Path]:
    """Every file directly inside an installed package's directory."""
    return [f for p in packages for f in (REPO / p.replace(".", "/")).iterdir() if f.is_file()]


def test_no_benchmark_or_fake_is_installed(setuptools_config: dict[str, Any]) -> None:
    packages: list[str] = setuptools_config["packages"]
    assert {"bosai", "hub", "ingest", "alerts", "maps", "sensors_sim", "console"} <= set(packages)
    assert [p for p in packages if p.split(".")[0] in REPO_ONLY] == []
    assert [p for p in packages if "fakes" in p.split(".")] == []


def test_no_installed_module_imports_the_checkout_only_packages(setuptools_config: dict[str, Any]) -> None:
    offenders = []
    for path in installed_files(setuptools_config["packages"]):
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] in REPO_ONLY]
    assert offenders == []


def test_the_bosai_command_loads_without_bench() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, bosai.cli; print('\\n'.join(sys.modules))"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [m for m in loaded if m.split(".")[0] in REPO_ONLY] == []


def test_vendored_licences_ship_with_their_files(setuptools_config: dict[str, Any]) -> None:
    patterns = [p for per_package in setuptools_config["package-data"].values() for p in per_package]  # "*": all
    files = installed_files(setuptools_config["packages"])
    licences = [f for f in files if f.name in {"LICENSE", "NOTICE"}]
    assert {"hub/api/static/docs/swagger-ui/LICENSE", "hub/api/static/docs/redoc/LICENSE"} <= {
        str(f.relative_to(REPO)) for f in licences
    }
    shipped = [f for f in licences if any(fnmatch.fnmatch(f.name, p) for p in patterns)]
    assert shipped == licences
