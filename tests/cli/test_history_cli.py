"""``mlaudit history``: runs, per-check trends, values, add, mark, events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_mlaudit.cli import main
from pytest_mlaudit.history import HistoryStore
from pytest_mlaudit.record import write_record
from tests.history.records import drift_entry, gate_entry, record


@pytest.fixture
def db(tmp_path: Path) -> str:
    store = HistoryStore(tmp_path / "history.sqlite")
    for d, psi in ((1, 0.05), (2, 0.25), (3, 0.31)):
        entries = [
            drift_entry(
                psi={"income": psi, "age": 0.01}, failed_columns=["income"] if psi > 0.2 else []
            ),
            gate_entry(candidate=0.9 - d / 100),
        ]
        store.append(record(f"2025-03-0{d}T06:00:00Z", entries, tag=str(d)))
    return str(store.path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_runs_is_the_default(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", "--db", db)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["run", "created_at", "commit", "exit"]
    assert lines[2].startswith("3    2025-03-03T06:00:00+00:00")
    code, out, _ = run(capsys, "history", "runs", "--db", db, "--limit", "1", "--json")
    data = json.loads(out)
    assert code == 0 and len(data) == 1 and data[0]["id"] == 3 and data[0]["n_failed"] == 1


def test_checks_shows_verdicts_over_time(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", "checks", "--db", db, "--check", "drift")
    assert code == 0 and ".FF" in out and "drifted_share=0.5" in out and "gate" not in out
    code, out, _ = run(capsys, "history", "checks", "--db", db, "--json")
    data = {d["check"]: d for d in json.loads(out)}
    assert data["drift"]["trend"] == ".FF" and data["drift"]["statistics"] == [0.0, 0.5, 0.5]
    assert data["gate"]["passed"] == 3 and data["gate"]["runs"] == 3


def test_values_follows_one_number(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", "values", "psi", "--subject", "income", "--db", db)
    assert code == 0
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [r[4] for r in rows] == ["0.31", "0.25", "0.05"] and [r[6] for r in rows] == [
        "YES",
        "YES",
        "no",
    ]
    code, out, _ = run(
        capsys, "history", "values", "candidate", "--subject", "accuracy", "--db", db, "--json"
    )
    assert [round(d["value"], 2) for d in json.loads(out)] == [0.87, 0.88, 0.89]
    code, out, _ = run(capsys, "history", "values", "nothing", "--db", db)
    assert code == 0 and "no values named 'nothing'" in out


def test_add_mark_and_events(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_record(record("2025-03-04T06:00:00Z", [drift_entry()]), tmp_path / "a.json")
    code, out, _ = run(capsys, "history", "add", str(path), "--db", db)
    assert code == 0 and out.strip() == f"{path}: appended as run #4"
    code, out, _ = run(capsys, "history", "add", str(path), "--db", db)
    assert out.strip() == f"{path}: already stored as run #4"
    code, out, _ = run(
        capsys,
        "history",
        "mark",
        "promotion",
        "--model",
        "v7",
        "--run",
        "4",
        "--at",
        "2025-03-04T07:00:00Z",
        "--db",
        db,
    )
    assert code == 0 and out.startswith("recorded promotion #1 at 2025-03-04T07:00:00+00:00 (v7)")
    code, out, _ = run(
        capsys, "history", "mark", "retrain", "--note", "drift", "--db", db, "--json"
    )
    assert json.loads(out)["kind"] == "retrain"
    code, out, _ = run(capsys, "history", "events", "--db", db, "--kind", "promotion")
    assert "v7" in out and "retrain" not in out


def test_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _, err = run(capsys, "history", "--db", str(tmp_path / "none.sqlite"))
    assert code == 1 and "no history store at" in err
    assert not (tmp_path / "none.sqlite").exists()  # reading never creates a store
    code, _, err = run(capsys, "history", "add", str(tmp_path / "missing.json"), "--db", db)
    assert code == 2 and "no audit record at" in err
    code, _, err = run(capsys, "history", "mark", "retrain", "--at", "soon", "--db", db)
    assert code == 2 and "not an ISO-8601 time" in err
    code, _, err = run(capsys, "history", "mark", "deploy", "--db", db)
    assert code == 2 and "invalid choice" in err
    empty = str(tmp_path / "empty.sqlite")
    HistoryStore(empty).runs()
    code, out, _ = run(capsys, "history", "runs", "--db", empty)
    assert code == 0 and out.startswith("no runs in")


def test_the_default_view_is_runs_then_per_check_trends(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "history", "--db", db)
    assert code == 0
    runs_part, _, trends = out.partition("\nper-check trends over these 3 run(s):\n")
    assert trends and runs_part.splitlines()[0].split()[:2] == ["run", "created_at"], out
    assert trends.splitlines()[0].split()[:4] == ["check", "test", "runs", "passed"]
    drift = next(line for line in trends.splitlines() if line.startswith("drift"))
    assert ".FF" in drift and "tests/test_drift.py::test_inputs_have_not_drifted" in drift
    code, out, _ = run(capsys, "history", "--db", db, "--limit", "2", "--json")
    data = json.loads(out)
    assert [r["id"] for r in data["runs"]] == [3, 2]
    assert {c["check"]: c["trend"] for c in data["checks"]} == {"drift": "FF", "gate": ".."}


@pytest.mark.parametrize(
    "argv",
    [
        ["history", "--limit", "1", "runs"],
        ["history", "runs", "--limit", "1"],
        ["history", "--limit", "1", "--json", "runs"],
        ["history", "--json", "runs", "--limit", "1"],
    ],
)
def test_options_go_before_or_after_the_action(
    db: str, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv, "--db", db)
    assert code == 0, err
    if "--json" in argv:
        assert [r["id"] for r in json.loads(out)] == [3]
    else:
        assert len(out.splitlines()) == 3  # header, rule, one run


def test_options_before_the_action_reach_it_and_wrong_ones_are_named(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "history", "--db", db, "--check", "gate", "checks")
    assert code == 0 and "gate" in out and "drift" not in out
    code, out, _ = run(capsys, "history", "--subject", "income", "values", "psi", "--db", db)
    assert code == 0 and [line.split()[3] for line in out.splitlines()[2:]] == ["income"] * 3
    code, _, err = run(capsys, "history", "--subject", "income", "runs", "--db", db)
    assert code == 2 and "--subject does not apply to `mlaudit history runs`" in err
    code, _, err = run(capsys, "history", "--limit", "0", "--db", db)
    assert code == 2 and "must be a whole number >= 1" in err


def test_reading_an_empty_file_leaves_it_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "zero.sqlite"
    empty.touch()
    for argv in (["history"], ["history", "runs"], ["history", "checks"], ["history", "events"]):
        code, out, _ = run(capsys, *argv, "--db", str(empty))
        assert code == 0 and out.startswith("no "), (argv, out)
    assert empty.stat().st_size == 0


def test_a_test_with_several_checks_names_them_as_the_record_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    node = "tests/test_drift.py::test_two"
    gate = {**gate_entry(node), "seq": 2}
    store.append(
        record("2025-03-01T06:00:00Z", [drift_entry(node, seq=0), drift_entry(node, seq=1), gate])
    )
    db = str(store.path)
    code, out, _ = run(capsys, "history", "checks", "--db", db, "--json")
    assert code == 0
    assert [c["name"] for c in json.loads(out)] == [f"{node}#1", f"{node}#2", f"{node}#3"]
    code, out, _ = run(capsys, "history", "values", "psi", "--subject", "income", "--db", db)
    assert code == 0
    assert [line.split()[2] for line in out.splitlines()[2:]] == [f"{node}#1", f"{node}#2"]
    # the test's other checks count for the name even when filtered out
    code, out, _ = run(capsys, "history", "checks", "--check", "gate", "--db", db, "--json")
    assert [c["name"] for c in json.loads(out)] == [f"{node}#3"]
