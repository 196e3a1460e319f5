"""``mlaudit init``: scaffold the audit in a model repo (tests, a retrain policy, CI).

``mlaudit init`` writes example test files (drift checks, a deployment gate) and a retrain
policy; ``mlaudit init --ci github`` adds a GitHub Actions workflow that audits pull
requests and a schedule, uploads the report, gates promotion on the gate tests and rolls
a failed deployment back (see :data:`GITHUB_WORKFLOW`).

The workflow's install command is written for the repo it lands in
(:func:`install_plan`): the repo itself when it has a ``pyproject.toml`` (with its test
extra), ``setup.py`` or ``setup.cfg``, its ``requirements*.txt`` files, and
``pytest-mlaudit`` with the extras the audit needs (``report`` for the HTML report, and
``labels``/``load`` when the repo's tests use those markers), quoted for the shell.

It is idempotent: a file that already has the scaffold's content is left alone, and a
file that differs (the user edited it, or wrote their own) is never overwritten without
``--force``. The templates are package data files in ``pytest_mlaudit/templates/init/``;
the command itself is :mod:`pytest_mlaudit.cli.init`.

Standard library only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import textwrap
import tomllib
from importlib import resources
from pathlib import Path
from typing import Final, Literal

__all__ = [
    "GITHUB_WORKFLOW",
    "InstallPlan",
    "Written",
    "files",
    "github_workflow",
    "install_plan",
    "scaffold",
    "template",
]

GITHUB_WORKFLOW_PATH: Final = ".github/workflows/mlaudit.yml"
POLICY_PATH: Final = "retrain_policy.toml"


def template(name: str) -> str:
    """The text of the template ``name`` in ``pytest_mlaudit/templates/init/``."""
    return (resources.files("pytest_mlaudit") / "templates" / "init" / name).read_text(
        encoding="utf-8"
    )


#: Requirement files installed when the repo has them, in this order.
REQUIREMENT_FILES: Final = (
    "requirements.txt",
    "requirements-dev.txt",
    "requirements-test.txt",
    "dev-requirements.txt",
    "test-requirements.txt",
)
#: Extras of the repo's own project that hold its test dependencies, first found wins.
TEST_EXTRAS: Final = ("test", "tests", "testing", "dev")
#: pytest-mlaudit extras the repo's tests need, by what they contain.
_NEEDS_EXTRA: Final = {
    "labels": re.compile(r"mark\.labels\b|mlaudit\.labels\("),
    "load": re.compile(r"mark\.load\b|mlaudit\.(load|capacity)\("),
}


@dataclasses.dataclass(frozen=True, slots=True)
class InstallPlan:
    """How CI installs a model repo and the audit (:func:`install_plan`)."""

    command: str  #: one shell command, every argument quoted where the shell needs it
    found: str  #: what it was made from, in words (a comment in the workflow)
    mlaudit: str  #: the ``pytest-mlaudit[...]`` requirement it installs


def _project_target(root: Path) -> tuple[str | None, str | None]:
    """``(".", "pyproject.toml")``, ``(".[test]", ...)``, or ``(None, None)``: the repo itself."""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        project = data.get("project")
        if isinstance(project, dict) or "build-system" in data:
            extras = project.get("optional-dependencies", {}) if isinstance(project, dict) else {}
            extra = next((e for e in TEST_EXTRAS if isinstance(extras, dict) and e in extras), None)
            target = f".[{extra}]" if extra else "."
            return target, "pyproject.toml" + (f" (extra {extra!r})" if extra else "")
    for name in ("setup.py", "setup.cfg"):
        if (root / name).is_file():
            return ".", name
    return None, None


def _extras(root: Path, tests_dir: str) -> list[str]:
    extras = {"report"}  # the audit job renders the HTML report
    tests = root / tests_dir
    if tests.is_dir():
        for file in sorted(tests.rglob("*.py")):
            try:
                text = file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            extras.update(name for name, pattern in _NEEDS_EXTRA.items() if pattern.search(text))
    return sorted(extras)


def install_plan(root: str | os.PathLike[str] = ".", *, tests_dir: str = "tests") -> InstallPlan:
    """The install command for CI of the repo at ``root``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> repo = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (repo / "requirements.txt").write_text("scikit-learn")
    >>> install_plan(repo).command
    "python -m pip install -r requirements.txt 'pytest-mlaudit[report]'"
    """
    base = Path(root)
    args: list[str] = []
    found = []
    target, what = _project_target(base)
    if target is not None and what is not None:
        args += ["-e", target]
        found.append(what)
    for name in REQUIREMENT_FILES:
        if (base / name).is_file():
            args += ["-r", name]
            found.append(name)
    return _plan(args, found, _extras(base, tests_dir))


def _plan(args: list[str], found: list[str], extras: list[str]) -> InstallPlan:
    mlaudit = f"pytest-mlaudit[{','.join(extras)}]"
    words = (
        f"the repo from {', '.join(found)}, and {mlaudit}"
        if found
        else f"{mlaudit} only: no pyproject.toml, setup.py or requirements*.txt was found, "
        "so EDIT it to install the model's own dependencies too"
    )
    return InstallPlan(
        shlex.join(["python", "-m", "pip", "install", *args, mlaudit]), words, mlaudit
    )


_INDENT: Final = "  #   "  #: a comment line inside the workflow's env


def github_workflow(plan: InstallPlan | None = None) -> str:
    """The GitHub Actions workflow with ``plan``'s install command (default: a repo in
    which nothing was found)."""
    plan = plan or _plan([], [], ["report"])
    return (
        template("github-workflow.yml")
        .replace(
            "@@INSTALL_FOUND@@",
            textwrap.fill(plan.found, 90, initial_indent=_INDENT, subsequent_indent=_INDENT),
        )
        .replace("@@INSTALL_COMMAND@@", json.dumps(plan.command))  # a YAML string
        .replace(
            "@@INSTALL_MLAUDIT@@", shlex.join(["python", "-m", "pip", "install", "pytest-mlaudit"])
        )
    )


#: The GitHub Actions workflow (``mlaudit init --ci github``) for a repo in which nothing
#: was found to install (:func:`github_workflow` writes the one for a given repo).
GITHUB_WORKFLOW: Final = github_workflow()
#: The example drift tests.
DRIFT_TESTS: Final = template("test_mlaudit_drift.py.tmpl")
#: The example deployment gate test.
GATE_TESTS: Final = template("test_mlaudit_gate.py.tmpl")
#: The retrain policy (``retrain_policy.toml``).
RETRAIN_POLICY: Final = template("retrain_policy.toml")


@dataclasses.dataclass(frozen=True, slots=True)
class Written:
    """What ``mlaudit init`` did with one file."""

    path: Path
    action: Literal["created", "unchanged", "overwritten", "kept"]  #: kept: differs, no --force


def files(
    tests_dir: str = "tests",
    ci: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
) -> list[tuple[str, str]]:
    """The scaffold's files as ``(relative path, content)``; the workflow's install
    command is made for the repo at ``root`` (None: a repo with nothing to install)."""
    out = [
        (f"{tests_dir}/test_mlaudit_drift.py", DRIFT_TESTS),
        (f"{tests_dir}/test_mlaudit_gate.py", GATE_TESTS),
        (POLICY_PATH, RETRAIN_POLICY),
    ]
    if ci == "github":
        plan = None if root is None else install_plan(root, tests_dir=tests_dir)
        out.append((GITHUB_WORKFLOW_PATH, github_workflow(plan)))
    return out


def scaffold(
    root: str | os.PathLike[str] = ".",
    *,
    ci: Literal["github"] | None = None,
    tests_dir: str = "tests",
    force: bool = False,
    policy: bool = True,
) -> list[Written]:
    """Write the scaffold under ``root``; never overwrite a differing file without ``force``.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> [w.action for w in scaffold(root, ci="github")]
    ['created', 'created', 'created', 'created']
    >>> [w.action for w in scaffold(root, ci="github")]
    ['unchanged', 'unchanged', 'unchanged', 'unchanged']
    """
    from pytest_mlaudit.errors import MlauditInputError

    if ci not in (None, "github"):
        raise MlauditInputError(f"--ci supports 'github'; got {ci!r}.")
    base = Path(root)
    if base.exists() and not base.is_dir():
        raise MlauditInputError(
            f"the model repo must be a directory; got {str(base)!r}, a file. Pass the repo's "
            "folder (--dir)."
        )
    out: list[Written] = []
    for rel, content in files(tests_dir, ci, root=base):
        if rel == POLICY_PATH and not policy:
            continue
        path = base / rel
        if path.exists() and not path.is_file():
            raise MlauditInputError(f"{str(path)!r} exists and is not a file.")
        if path.is_file():
            if path.read_text(encoding="utf-8") == content:
                out.append(Written(path, "unchanged"))
                continue
            if not force:
                out.append(Written(path, "kept"))
                continue
            action: Literal["created", "overwritten"] = "overwritten"
        else:
            action = "created"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.mlaudit-tmp")
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, path)
        out.append(Written(path, action))
    return out
