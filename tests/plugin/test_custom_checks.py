"""Custom checks: a user's own report through ``mlaudit.record``, and a whole check kind
registered by a separate package through the ``pytest_mlaudit.checks`` entry-point group.

The package is a real distribution on ``sys.path`` (a module plus a ``.dist-info`` folder
with ``entry_points.txt``, which is what ``pip install`` leaves behind), found by
``importlib.metadata`` in a pytest subprocess; no file of pytest_mlaudit is edited.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "extending.md"


def _doc_file(name: str) -> str:
    """The code block of docs/extending.md whose first line is ``# <name>``."""
    text = DOC.read_text(encoding="utf-8")
    for block in text.split("```python\n")[1:]:
        code = block.split("```", 1)[0]
        first, _, rest = code.partition("\n")
        if first.strip() == f"# {name}":
            return rest
    raise AssertionError(f"docs/extending.md has no code block for {name}")


PACKAGE = _doc_file("volume_check.py")


def _entry_points() -> str:
    """entry_points.txt as pip writes it from the doc's ``pyproject.toml`` block."""
    block = DOC.read_text(encoding="utf-8").split("```toml\n", 1)[1].split("```", 1)[0]
    groups = tomllib.loads(block)["project"]["entry-points"]
    return "".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items())
        for group, eps in groups.items()
    )


ENTRY_POINTS = _entry_points()

USER_TESTS = _doc_file("tests/test_volume.py")


def _install_package(site: Path) -> None:
    (site / "volume_check.py").write_text(PACKAGE)
    info = site / "volume_check-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: volume-check\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    (info / "RECORD").write_text("")


def _run(cwd: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def model_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("model_repo")
    site = root / "site"
    site.mkdir()
    _install_package(site)
    (root / "test_volume.py").write_text(USER_TESTS)
    return root, site


@pytest.fixture(scope="module")
def audit_run(model_repo: tuple[Path, Path]) -> tuple[subprocess.CompletedProcess[str], Path]:
    root, site = model_repo
    result = _run(
        root,
        site,
        "--mlaudit-json=reports/audit.json",
        "--junitxml=junit.xml",
        "test_volume.py",
    )
    return result, root


def test_the_marker_is_registered(model_repo: tuple[Path, Path]) -> None:
    root, site = model_repo
    result = _run(root, site, "--markers")
    assert "@pytest.mark.volume(**defaults): A data-volume check." in result.stdout


def test_custom_kinds_appear_in_the_terminal_summary(
    audit_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = audit_run
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "mlaudit: 3 checks, 1 passed, 2 failed" in out
    assert "PASS row_count      test_volume.py::test_enough_rows  rows=40 >= 20" in out
    assert "FAIL row_count      test_volume.py::test_too_few_rows  rows=40 < 100" in out
    assert "FAIL latency_budget test_volume.py::test_own_report  p99_ms=180 > 150" in out


def test_custom_kinds_are_in_the_record(
    audit_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, root = audit_run
    record: dict[str, Any] = json.loads((root / "reports" / "audit.json").read_text())
    by_test = {c["nodeid"].split("::")[1]: c for c in record["checks"]}
    enough = by_test["test_enough_rows"]
    assert (enough["check"], enough["kind"], enough["markers"]) == (
        "row_count",
        "row_count",
        ["volume"],
    )
    assert enough["result"]["minimum"] == 20  # the marker's kwargs were the defaults
    assert [(m["subject"], m["statistic"]) for m in enough["measures"]] == [
        ("app", 10),
        ("web", 30),
    ]
    own = by_test["test_own_report"]
    assert (own["check"], own["kind"], own["passed"]) == ("latency_budget", "latency_budget", False)
    assert own["measures"][0]["subject"] == "predict"


def test_custom_kinds_are_junit_properties(
    audit_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, root = audit_run
    tree = ET.parse(root / "junit.xml")
    props = {
        (case.get("name"), p.get("name")): p.get("value")
        for case in tree.iter("testcase")
        for p in case.iter("property")
    }
    assert props[("test_enough_rows", "mlaudit.0.row_count.rows")] == "40"
    assert props[("test_own_report", "mlaudit.0.latency_budget.p99_ms")] == "180.0"


def test_custom_kinds_are_in_the_history(
    audit_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, root = audit_run
    with sqlite3.connect(root / ".mlaudit" / "history.sqlite") as conn:
        rows = conn.execute(
            "SELECT check_name, subject, name, value, threshold, flagged FROM measures "
            "WHERE subject != '' ORDER BY check_name, subject"
        ).fetchall()
    assert ("latency_budget", "predict", "p99_ms", 180.0, 150.0, 1) in rows
    assert ("row_count", "app", "rows", 10.0, 10.0, 0) in rows
    assert ("row_count", "web", "rows", 30.0, 10.0, 0) in rows


def test_custom_kinds_are_in_the_report(
    audit_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    pytest.importorskip("papermill")
    _, root = audit_run
    site = root / "site"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("mlaudit")),
            "report",
            "reports/audit.json",
            "-o",
            "reports",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    html = (root / "reports" / "audit.html").read_text()
    assert "Data volume" in html  # the failure mode's heading
    assert "VOLUME-SECTION rows=40 minimum=20" in html  # its own section
    assert "VOLUME-ADVICE" in html  # its advice in "What to do"
    assert "latency_budget" in html and "predict" in html  # the generic section


def test_a_broken_entry_point_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "broken-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest_mlaudit.checks]\nbroken = no_such_module:x\n")
    (tmp_path / "test_a.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.drift
            def test_a(mlaudit):
                pass
            """
        )
    )
    result = _run(tmp_path, site, "test_a.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "a check kind could not be registered" in result.stdout
    assert "no_such_module" in result.stdout
