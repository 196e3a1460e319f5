"""``audit_session``: the artefacts of a pytest run, from a notebook or a scheduled job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import MlauditInputError, audit_session
from pytest_mlaudit.history import HistoryStore
from pytest_mlaudit.record import read_record

CHECKS = """
import numpy as np
import pandas as pd

rng = np.random.default_rng(7)
TRAIN = pd.DataFrame({"x": rng.normal(size=800), "c": rng.choice(["a", "b"], 800)})
PROD = pd.DataFrame({"x": rng.normal(0.5, 1, size=800), "c": rng.choice(["a", "b"], 800)})
y = rng.integers(0, 2, 400)
P = np.column_stack([1 - (y * 0.7 + 0.15), y * 0.7 + 0.15])


def run_checks(audit):
    audit.drift(TRAIN, TRAIN)
    audit.drift(TRAIN, PROD, methods="psi")
    audit.skew(TRAIN, PROD)
    audit.labels(np.zeros((400, 1)), y, pred_probs=P, max_issue_rate=0.1)
"""


def _comparable(record: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (c["check"], c["kind"], c["passed"], c["figures"], c["measures"], c["sizes"])
        for c in record["checks"]
    ]


def test_the_session_record_equals_the_pytest_record(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "audit_checks.py").write_text(CHECKS)
    (repo / "test_same.py").write_text(
        "from audit_checks import run_checks\n\ndef test_all(mlaudit):\n    run_checks(mlaudit)\n"
    )
    subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--mlaudit-json=pytest.json"],
        cwd=repo,
        capture_output=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    from_pytest = json.loads((repo / "pytest.json").read_text())

    namespace: dict[str, Any] = {}
    exec(CHECKS, namespace)
    with audit_session(tmp_path / "nb", project="nb", history=False, render=False) as audit:
        namespace["run_checks"](audit)
    from_session = json.loads((tmp_path / "nb" / "audit.json").read_text())

    assert from_session["schema_version"] == from_pytest["schema_version"]
    assert len(from_pytest["checks"]) == 4
    assert sorted(map(repr, _comparable(from_session))) == sorted(
        map(repr, _comparable(from_pytest))
    )
    assert [c["name"] for c in from_session["checks"]] == [
        "nb::drift#1",
        "nb::drift#2",
        "nb::labels",
        "nb::skew",
    ]
    assert {t["nodeid"]: t["outcome"] for t in from_session["tests"]} == {
        "nb::drift": "failed",  # the second drift check failed
        "nb::skew": "failed",
        "nb::labels": "passed",
    }
    assert from_session["run"]["mode"] == "audit_session"
    assert from_session["run"]["exitstatus"] == 1
    read_record(tmp_path / "nb" / "audit.json")  # valid for every reader


def test_errors_are_recorded_then_raised(tmp_path: Path) -> None:
    ref = pd.DataFrame({"x": np.arange(100.0)})
    with pytest.raises(MlauditInputError, match="nope"):
        with audit_session(tmp_path, history=False, render=False) as audit:
            audit.drift(ref, ref)
            audit.drift(ref, ref, columns=["nope"])
    record = read_record(tmp_path / "audit.json")
    assert [(t.nodeid, t.outcome, t.exception) for t in record.tests] == [
        ("session::drift", "error", "MlauditInputError")
    ]
    assert record.summary["errors"] == 1 and record.summary["checks"] == 1


def test_a_test_block_takes_the_outcome_of_its_assertions(tmp_path: Path) -> None:
    ref = pd.DataFrame({"x": np.arange(200.0)})
    with audit_session(tmp_path, history=False, render=False) as audit:
        with audit.test("stable inputs"):
            audit.drift(ref, ref).assert_ok()
        with pytest.raises(AssertionError), audit.test("shifted inputs"):
            audit.drift(ref, ref + 500).assert_ok()
        with pytest.raises(MlauditInputError, match="ran already"), audit.test("stable inputs"):
            pass
    tests = {t.nodeid: (t.outcome, t.exception, t.checks) for t in audit.result.tests}
    assert tests == {
        "session::stable inputs": ("passed", None, 1),
        "session::shifted inputs": ("failed", "CheckFailed", 1),
    }


def test_outputs_that_cannot_be_written_are_warnings(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.warns(RuntimeWarning, match="could not be written"):
        with audit_session(blocker / "reports", history=False, render=False) as audit:
            report = audit.drift([1.0, 2.0, 3.0] * 30, [1.0, 2.0, 3.0] * 30)
    assert report.passed and audit.record_path is None and audit.result is not None
    assert audit.problems and "could not be written" in audit.problems[0]


def test_history_and_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("papermill")
    monkeypatch.chdir(tmp_path)
    with audit_session("reports", project="credit-risk") as audit:
        audit.drift([1.0, 2.0, 3.0] * 30, [1.0, 2.0, 3.0] * 30)
    assert audit.problems == []
    assert audit.report_path == tmp_path / "reports" / "audit.html"
    assert "credit-risk::drift" in audit.report_path.read_text().replace("<wbr/>", "")
    store = HistoryStore(tmp_path / ".mlaudit" / "history.sqlite", create=False)
    assert len(store.runs()) == 1


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(MlauditInputError, match="project must be"):
        with audit_session(tmp_path, project="a::b"):
            pass
