"""``mlaudit init``: scaffold the audit in a model repo (tests, a retrain policy, CI).

``mlaudit init`` writes example test files (drift checks, a deployment gate) and a retrain
policy; ``mlaudit init --ci github`` adds a GitHub Actions workflow that audits pull
requests and a schedule, uploads the report, gates promotion on the gate tests and rolls
a failed deployment back (see :data:`GITHUB_WORKFLOW`); ``mlaudit init --ci gitlab``
writes the same stages as a ``.gitlab-ci.yml`` (see :data:`GITLAB_CI`).

Promotion goes through one of two registries (``--registry``): ``pointer`` (the
default) keeps the production model's name in a file committed to git
(``models/PRODUCTION``, ``models/LAST_GOOD``); ``mlflow`` moves the aliases of a model
in the MLflow model registry (``--model NAME``: ``challenger`` is the candidate,
``champion`` serves traffic) with ``mlaudit promote`` and ``mlaudit rollback``, and the
gate test compares the two by their ``models:/`` URIs.

Templates may hold blocks for one registry only, between the comment lines
``# @@if pointer@@`` (or ``mlflow``) and ``# @@end@@``; ``@@MODEL@@`` is the model name.

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
    "CI_PATHS",
    "GITHUB_WORKFLOW",
    "GITLAB_CI",
    "REGISTRIES",
    "InstallPlan",
    "Written",
    "check_model_name",
    "files",
    "github_workflow",
    "gitlab_ci",
    "install_plan",
    "render",
    "scaffold",
    "template",
]

GITHUB_WORKFLOW_PATH: Final = ".github/workflows/mlaudit.yml"
GITLAB_CI_PATH: Final = ".gitlab-ci.yml"
#: Where ``mlaudit init --ci NAME`` writes the pipeline.
CI_PATHS: Final = {"github": GITHUB_WORKFLOW_PATH, "gitlab": GITLAB_CI_PATH}
POLICY_PATH: Final = "retrain_policy.toml"
#: Where promotion happens: a pointer file in git, or the MLflow model registry.
REGISTRIES: Final = ("pointer", "mlflow")

Registry = Literal["pointer", "mlflow"]
CI = Literal["github", "gitlab"]


def template(name: str) -> str:
    """The text of the template ``name`` in ``pytest_mlaudit/templates/init/``."""
    return (resources.files("pytest_mlaudit") / "templates" / "init" / name).read_text(
        encoding="utf-8"
    )


_BLOCK: Final = re.compile(r"^[ \t]*#[ \t]*@@(?:if (?P<name>[a-z]+)|end)@@[ \t]*\n?$")
#: A registered model name the pipelines can hold unquoted in YAML, shell and Python.
_MODEL_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def check_model_name(model: str | None, registry: str) -> str | None:
    """The registered model's name for ``registry`` (required with ``mlflow``)."""
    from pytest_mlaudit.errors import MlauditInputError

    if registry not in REGISTRIES:
        raise MlauditInputError(
            f"--registry must be one of {', '.join(REGISTRIES)}; got {registry!r}."
        )
    if registry == "pointer":
        if model is not None:
            raise MlauditInputError(
                f"--model names a model of the MLflow registry; got --model {model!r} without "
                "--registry mlflow. Add --registry mlflow, or drop --model."
            )
        return None
    if model is None or not _MODEL_NAME.fullmatch(model):
        raise MlauditInputError(
            "--registry mlflow needs --model NAME, the registered model's name (letters, "
            f"digits, '.', '_', '-'; e.g. credit-risk); got {model!r}."
        )
    return model


def render(name: str, *, registry: str = "pointer", model: str | None = None) -> str:
    """The template ``name`` for ``registry``: its blocks for the other registry dropped,
    ``@@MODEL@@`` replaced by ``model``.

    Examples
    --------
    >>> "mlaudit promote" in render("gitlab-ci.yml", registry="mlflow", model="credit-risk")
    True
    >>> "mlaudit promote" in render("gitlab-ci.yml")
    False
    """
    model = check_model_name(model, registry)
    out: list[str] = []
    keep = True
    for line in template(name).splitlines(keepends=True):
        block = _BLOCK.match(line)
        if block is None:
            if keep:
                out.append(line)
            continue
        wanted = block.group("name")
        if wanted is not None and wanted not in REGISTRIES:
            raise ValueError(f"template {name}: unknown block {wanted!r}")  # pragma: no cover
        keep = wanted is None or wanted == registry
    return "".join(out).replace("@@MODEL@@", model or "")


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


def _extras(root: Path, tests_dir: str, registry: str = "pointer") -> list[str]:
    extras = {"report"}  # the audit job renders the HTML report
    if registry == "mlflow":
        extras.add("mlflow")
    tests = root / tests_dir
    if tests.is_dir():
        for file in sorted(tests.rglob("*.py")):
            try:
                text = file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            extras.update(name for name, pattern in _NEEDS_EXTRA.items() if pattern.search(text))
    return sorted(extras)


def install_plan(
    root: str | os.PathLike[str] = ".", *, tests_dir: str = "tests", registry: str = "pointer"
) -> InstallPlan:
    """The install command for CI of the repo at ``root`` (with the ``mlflow`` extra when
    promotion goes through the MLflow ``registry``).

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
    return _plan(args, found, _extras(base, tests_dir, registry))


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


_INDENT: Final = "  #   "  #: a comment line inside the pipeline's variables


def _pipeline(
    name: str, plan: InstallPlan | None, *, registry: str, model: str | None, indent: str
) -> str:
    extras = ["mlflow", "report"] if registry == "mlflow" else ["report"]
    plan = plan or _plan([], [], extras)
    # the retrain check reads only the history and the policy: the package alone will do
    alone = "pytest-mlaudit[mlflow]" if registry == "mlflow" else "pytest-mlaudit"
    return (
        render(name, registry=registry, model=model)
        .replace(
            "@@INSTALL_FOUND@@",
            textwrap.fill(plan.found, 90, initial_indent=indent, subsequent_indent=indent),
        )
        .replace("@@INSTALL_COMMAND@@", json.dumps(plan.command))  # a YAML string
        .replace("@@INSTALL_MLAUDIT@@", shlex.join(["python", "-m", "pip", "install", alone]))
    )


def github_workflow(
    plan: InstallPlan | None = None, *, registry: str = "pointer", model: str | None = None
) -> str:
    """The GitHub Actions workflow with ``plan``'s install command (default: a repo in
    which nothing was found), promoting through ``registry``."""
    return _pipeline("github-workflow.yml", plan, registry=registry, model=model, indent=_INDENT)


def gitlab_ci(
    plan: InstallPlan | None = None, *, registry: str = "pointer", model: str | None = None
) -> str:
    """The GitLab CI pipeline (``.gitlab-ci.yml``) with ``plan``'s install command (default:
    a repo in which nothing was found), promoting through ``registry``."""
    return _pipeline("gitlab-ci.yml", plan, registry=registry, model=model, indent="#   ")


#: The GitHub Actions workflow (``mlaudit init --ci github``) for a repo in which nothing
#: was found to install (:func:`github_workflow` writes the one for a given repo).
GITHUB_WORKFLOW: Final = github_workflow()
#: The GitLab CI pipeline (``mlaudit init --ci gitlab``) for such a repo (:func:`gitlab_ci`).
GITLAB_CI: Final = gitlab_ci()
#: The example drift tests.
DRIFT_TESTS: Final = template("test_mlaudit_drift.py.tmpl")
#: The example deployment gate test (pointer file; see :func:`render` for the registry's).
GATE_TESTS: Final = render("test_mlaudit_gate.py.tmpl")
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
    registry: str = "pointer",
    model: str | None = None,
) -> list[tuple[str, str]]:
    """The scaffold's files as ``(relative path, content)``; the pipeline's install
    command is made for the repo at ``root`` (None: a repo with nothing to install)."""
    gate = render("test_mlaudit_gate.py.tmpl", registry=registry, model=model)
    out = [
        (f"{tests_dir}/test_mlaudit_drift.py", DRIFT_TESTS),
        (f"{tests_dir}/test_mlaudit_gate.py", gate),
        (POLICY_PATH, RETRAIN_POLICY),
    ]
    if ci in CI_PATHS:
        plan = None if root is None else install_plan(root, tests_dir=tests_dir, registry=registry)
        make = github_workflow if ci == "github" else gitlab_ci
        out.append((CI_PATHS[ci], make(plan, registry=registry, model=model)))
    return out


def scaffold(
    root: str | os.PathLike[str] = ".",
    *,
    ci: CI | None = None,
    tests_dir: str = "tests",
    force: bool = False,
    policy: bool = True,
    registry: Registry = "pointer",
    model: str | None = None,
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
    >>> scaffold(root, ci="gitlab", registry="mlflow", model="credit-risk")[-1].path.name
    '.gitlab-ci.yml'
    """
    from pytest_mlaudit.errors import MlauditInputError

    if ci is not None and ci not in CI_PATHS:
        raise MlauditInputError(f"--ci must be one of {', '.join(CI_PATHS)}; got {ci!r}.")
    check_model_name(model, registry)
    base = Path(root)
    if base.exists() and not base.is_dir():
        raise MlauditInputError(
            f"the model repo must be a directory; got {str(base)!r}, a file. Pass the repo's "
            "folder (--dir)."
        )
    out: list[Written] = []
    for rel, content in files(tests_dir, ci, root=base, registry=registry, model=model):
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
