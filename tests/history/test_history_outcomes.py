"""The history keeps what became of every marked test: errors apart from failures, xfail
apart from fail, tests that recorded no check; a version-1 store is migrated by a writer
and read as it is by a reader."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pytest_mlaudit.cli import main
from pytest_mlaudit.history import SCHEMA_VERSION, HistoryStore
from pytest_mlaudit.record import SCHEMA_VERSION as RECORD_SCHEMA
from pytest_mlaudit.record import AuditRecord
from pytest_mlaudit.retrain import should_retrain
from tests.history.records import drift_entry

DRIFT = "tests/test_drift.py::test_inputs_have_not_drifted"
XFAIL = "tests/test_drift.py::test_downturn_is_flagged"
BROKEN = "tests/test_drift.py::test_with_a_broken_fixture"


def outcome(nodeid: str, result: str, checks: int, **more: Any) -> dict[str, Any]:
    return {
        "nodeid": nodeid,
        "markers": ["drift"],
        "outcome": result,
        "when": "setup" if result == "error" else "call",
        "exception": more.get("exception"),
        "message": more.get("message"),
        "duration_s": 0.1,
        "checks": checks,
    }


def run_record(created_at: str, *, drifted: bool) -> AuditRecord:
    """A run: the drift test (failing when ``drifted``), an xfail drift test whose check
    fails as expected, and a test whose fixture errored before any check."""
    checks = [
        {**drift_entry(DRIFT, failed_columns=["income"] if drifted else []), "name": DRIFT},
        {**drift_entry(XFAIL, failed_columns=["income"]), "outcome": "xfailed", "name": XFAIL},
    ]
    checks[0]["outcome"] = "failed" if drifted else "passed"
    tests = [
        outcome(DRIFT, checks[0]["outcome"], 1),
        outcome(XFAIL, "xfailed", 1, message="the downturn drifts"),
        outcome(BROKEN, "error", 0, exception="FileNotFoundError", message="no data.csv"),
    ]
    data = {
        "schema_version": RECORD_SCHEMA,
        "created_at": created_at,
        "package": {"name": "pytest-mlaudit", "version": "0.1.0"},
        "environment": {},
        "run": {"exitstatus": 1},
        "summary": {
            "checks": 2,
            "passed": 0 if drifted else 1,
            "failed": 1 if drifted else 0,
            "xfailed": 1,
            "tests": 3,
            "errors": 1,
            "skipped": 0,
            "xpassed": 0,
        },
        "checks": checks,
        "tests": tests,
    }
    return AuditRecord.from_dict(data)


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    s = HistoryStore(tmp_path / "history.sqlite")
    s.append(run_record("2025-03-01T06:00:00Z", drifted=False))
    s.append(run_record("2025-03-08T06:00:00Z", drifted=True))
    return s


def test_errors_xfails_and_tests_without_checks_are_kept(store: HistoryStore) -> None:
    (last, first) = store.runs()
    assert (last.n_failed, last.n_xfailed, last.n_errors) == (1, 1, 1)
    assert (first.n_failed, first.n_xfailed, first.n_errors) == (0, 1, 1)
    outcomes = {(c.nodeid, c.created_at[:10]): c.outcome for c in store.checks()}
    assert outcomes[(XFAIL, "2025-03-08")] == "xfailed"
    assert outcomes[(DRIFT, "2025-03-08")] == "failed"
    errored = store.tests(outcome="error")
    assert [(t.nodeid, t.exception, t.n_checks) for t in errored] == [
        (BROKEN, "FileNotFoundError", 0)
    ] * 2
    assert errored[0].markers == ("drift",) and errored[0].message == "no data.csv"
    assert len(store.tests()) == 6


def test_the_overview_shows_them_apart(
    store: HistoryStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "--db", str(store.path)]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[header.index("failed") + 1 : header.index("failed") + 3] == [
        "xfailed",
        "errors",
    ]
    trends = {
        line.split()[1]: line.split()[4] for line in out.splitlines() if line.startswith("drift ")
    }
    assert trends == {DRIFT: ".F", XFAIL: "xx"}
    assert "marked tests that recorded no check:" in out
    assert f"{BROKEN}  error    FileNotFoundError  no data.csv" in out
    assert main(["history", "--db", str(store.path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [t["outcome"] for t in data["tests_without_checks"]] == ["error", "error"]


def test_an_expected_drift_failure_is_no_evidence_for_a_retrain(store: HistoryStore) -> None:
    policy = {"drift": {"runs": 2}}
    decision = should_retrain(store, policy, now="2025-03-08T12:00:00Z")
    assert not decision.retrain
    assert decision.reasons[0] == (
        "no persistent drift: 1 of the last 2 run(s) passed every drift check "
        "(2 failing check(s) of xfail tests, expected to fail, not counted)"
    )


def _downgrade(path: Path) -> None:
    """Make ``path`` a store as version 1 wrote it."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP INDEX tests_by_outcome; DROP TABLE tests;"
        "ALTER TABLE runs DROP COLUMN n_errors; ALTER TABLE runs DROP COLUMN n_xfailed;"
        "ALTER TABLE checks DROP COLUMN outcome;"
        "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
    )
    conn.close()


def test_a_version_1_store_is_read_as_it_is_and_migrated_by_a_writer(
    store: HistoryStore,
) -> None:
    assert SCHEMA_VERSION == 2
    _downgrade(store.path)
    with sqlite3.connect(store.path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = store.path.read_bytes()
    reader = HistoryStore(store.path, create=False)
    assert [r.n_errors for r in reader.runs()] == [None, None]
    assert {c.outcome for c in reader.checks()} == {None} and reader.tests() == []
    assert store.path.read_bytes() == before  # reading wrote nothing
    # a writer migrates it, filling the new columns from the records it keeps
    writer = HistoryStore(store.path)
    assert [r.n_errors for r in writer.runs()] == [1, 1]
    assert {c.outcome for c in writer.checks()} == {"passed", "failed", "xfailed"}
    assert len(writer.tests(outcome="error")) == 2
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT value FROM meta").fetchone()[0] == "2"
    writer.append(run_record("2025-03-15T06:00:00Z", drifted=True))
    assert writer.runs()[0].n_errors == 1
