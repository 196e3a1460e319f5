"""``mlaudit init --ci github``: an install line for the repo it lands in, and every
generated workflow checked by real linters (actionlint, check-jsonschema's GitHub schema)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_mlaudit.cli import main
from pytest_mlaudit.scaffold import GITHUB_WORKFLOW, install_plan, scaffold

WORKFLOW = ".github/workflows/mlaudit.yml"
PYPROJECT = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "credit-model"
version = "0.1.0"
dependencies = ["scikit-learn>=1.4"]

[project.optional-dependencies]
test = ["pytest>=8"]
"""
LABELS_TEST = "import pytest\n\n@pytest.mark.labels\ndef test_l(mlaudit):\n    pass\n"
LOAD_TEST = "def test_l(mlaudit):\n    mlaudit.load('locustfile.py', host='http://127.0.0.1:1')\n"


def _repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


REPOS: dict[str, tuple[dict[str, str], list[str]]] = {
    # name: (files in the repo, the install command's arguments after `python -m pip install`)
    "empty": ({}, ["pytest-mlaudit[report]"]),
    "requirements": (
        {"requirements.txt": "scikit-learn\n", "requirements-dev.txt": "pytest\n"},
        ["-r", "requirements.txt", "-r", "requirements-dev.txt", "pytest-mlaudit[report]"],
    ),
    "pyproject": ({"pyproject.toml": PYPROJECT}, ["-e", ".[test]", "pytest-mlaudit[report]"]),
    "setup.py": (
        {"setup.py": "from setuptools import setup\nsetup()\n", "requirements.txt": "numpy\n"},
        ["-e", ".", "-r", "requirements.txt", "pytest-mlaudit[report]"],
    ),
    "tool-only pyproject": (
        {"pyproject.toml": "[tool.ruff]\nline-length = 100\n", "requirements.txt": "numpy\n"},
        ["-r", "requirements.txt", "pytest-mlaudit[report]"],
    ),
    "labels and load tests": (
        {"tests/test_labels.py": LABELS_TEST, "tests/test_load.py": LOAD_TEST},
        ["pytest-mlaudit[labels,load,report]"],
    ),
}


def _env(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(text)
    env: dict[str, Any] = data["env"]
    return env


@pytest.mark.parametrize("name", sorted(REPOS))
def test_the_install_line_fits_the_repo(tmp_path: Path, name: str) -> None:
    files, expected = REPOS[name]
    repo = _repo(tmp_path, files)
    plan = install_plan(repo)
    # what the shell passes to pip: brackets quoted, one word each
    assert shlex.split(plan.command) == ["python", "-m", "pip", "install", *expected]
    assert "'pytest-mlaudit[" in plan.command
    scaffold(repo, ci="github")
    text = (repo / WORKFLOW).read_text()
    assert _env(text)["INSTALL_COMMAND"] == plan.command
    retrain = yaml.safe_load(text)["jobs"]["retrain-check"]["steps"]
    assert any(s.get("run") == "python -m pip install pytest-mlaudit" for s in retrain)
    if name == "empty":
        assert text == GITHUB_WORKFLOW
    # nothing of the repo's own to install: the workflow says to add it
    assert ("EDIT it to install the model's own dependencies" in text) == (len(expected) == 1)


def test_init_prints_the_install_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _repo(tmp_path, {"requirements.txt": "numpy\n"})
    assert main(["init", "--ci", "github", "--dir", str(repo)]) == 0
    out = capsys.readouterr().out
    line = "CI installs with: python -m pip install -r requirements.txt 'pytest-mlaudit[report]'"
    assert line in out
    # idempotent in that repo: the same plan, the same file
    assert main(["init", "--ci", "github", "--dir", str(repo)]) == 0
    assert capsys.readouterr().out.count("unchanged") == 4


# --------------------------------------------------------------------------- the linters


def _tool(name: str) -> str:
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: `pip install -e '.[dev]'` installs it")
    return found


def _offline() -> dict[str, str]:
    """An environment in which any download fails at once (a proxy that refuses)."""
    env = dict(os.environ)
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env[key] = "http://127.0.0.1:9"
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    return env


def lint(path: Path) -> list[str]:
    """The problems actionlint and check-jsonschema (GitHub's workflow schema, offline)
    find in the workflow at ``path``; empty when both pass."""
    problems = []
    out = subprocess.run(
        [_tool("actionlint"), "-no-color", "-shellcheck=", "-pyflakes=", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=path.parent,
    )
    if out.returncode != 0:
        problems.append(f"actionlint: {out.stdout}{out.stderr}")
    return problems + check_jsonschema("vendor.github-workflows", path)


def check_jsonschema(schema: str, path: Path) -> list[str]:
    """What check-jsonschema finds in ``path`` against its bundled ``schema``, offline."""
    out = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=_offline(),
    )
    return [] if out.returncode == 0 else [f"check-jsonschema: {out.stdout}{out.stderr}"]


@pytest.mark.parametrize("name", sorted(REPOS))
def test_every_generated_workflow_passes_both_linters(tmp_path: Path, name: str) -> None:
    repo = _repo(tmp_path, REPOS[name][0])
    scaffold(repo, ci="github")
    assert lint(repo / WORKFLOW) == []


@pytest.mark.parametrize(
    ("broken", "linter"),
    [
        (("runs-on: ubuntu-latest", "runs-on: [ubuntu-latest"), "actionlint"),
        (("steps.decide.outputs.retrain", "steps.decided.outputs.retrain"), "actionlint"),
        (("timeout-minutes: 30", "timeout-minutes: soon"), "check-jsonschema"),
    ],
)
def test_the_linters_catch_a_broken_workflow(
    tmp_path: Path, broken: tuple[str, str], linter: str
) -> None:
    path = tmp_path / "mlaudit.yml"
    path.write_text(GITHUB_WORKFLOW.replace(*broken, 1))
    problems = lint(path)
    assert any(p.startswith(f"{linter}:") for p in problems), problems
