"""``mlaudit init``: scaffold the audit in a model repo (tests, a retrain policy, CI).

``mlaudit init`` writes example test files (drift checks, a deployment gate) and a retrain
policy; ``mlaudit init --ci github`` adds a GitHub Actions workflow that audits pull
requests and a schedule, uploads the report, gates promotion on the gate tests and rolls
a failed deployment back (see :data:`GITHUB_WORKFLOW`).

It is idempotent: a file that already has the scaffold's content is left alone, and a
file that differs (the user edited it, or wrote their own) is never overwritten without
``--force``. The templates are package data files in ``pytest_mlaudit/templates/init/``;
the command itself is :mod:`pytest_mlaudit.cli.init`.

Standard library only.
"""

from __future__ import annotations

import dataclasses
import os
from importlib import resources
from pathlib import Path
from typing import Final, Literal

__all__ = ["GITHUB_WORKFLOW", "Written", "files", "scaffold", "template"]

GITHUB_WORKFLOW_PATH: Final = ".github/workflows/mlaudit.yml"
POLICY_PATH: Final = "retrain_policy.toml"


def template(name: str) -> str:
    """The text of the template ``name`` in ``pytest_mlaudit/templates/init/``."""
    return (resources.files("pytest_mlaudit") / "templates" / "init" / name).read_text(
        encoding="utf-8"
    )


#: The GitHub Actions workflow (``mlaudit init --ci github``).
GITHUB_WORKFLOW: Final = template("github-workflow.yml")
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


def files(tests_dir: str = "tests", ci: str | None = None) -> list[tuple[str, str]]:
    """The scaffold's files as ``(relative path, content)``."""
    out = [
        (f"{tests_dir}/test_mlaudit_drift.py", DRIFT_TESTS),
        (f"{tests_dir}/test_mlaudit_gate.py", GATE_TESTS),
        (POLICY_PATH, RETRAIN_POLICY),
    ]
    if ci == "github":
        out.append((GITHUB_WORKFLOW_PATH, GITHUB_WORKFLOW))
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
    out: list[Written] = []
    for rel, content in files(tests_dir, ci):
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
