"""The SQLite history store: what it keeps, how it is queried, and its failure modes."""

from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3
import time
from pathlib import Path

import pytest

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.history import (
    SCHEMA_VERSION,
    HistoryError,
    HistoryStore,
    append_after_run,
    pending_dir,
    resolve_path,
    utc_iso,
)
from pytest_mlaudit.record import write_record
from tests.history._workers import append_many
from tests.history.records import drift_entry, gate_entry, record


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "h" / "history.sqlite", timeout=5)


def test_append_keeps_the_record_and_indexes_checks_and_measures(store: HistoryStore) -> None:
    rec = record(
        "2025-03-03T06:00:00+00:00",
        [
            drift_entry(psi={"income": 0.31, "age": 0.02}, failed_columns=["income"]),
            gate_entry(candidate=0.84, baseline=0.86, floor=0.8),
        ],
        tag="a",
    )
    result = store.append(rec, source="audit.json")
    assert result.created and result.run_id == 1
    (run,) = store.runs()
    assert (
        run.created_at,
        run.git_commit,
        run.exitstatus,
        run.n_checks,
        run.n_failed,
        run.source,
    ) == ("2025-03-03T06:00:00+00:00", "c0ffeea", 1, 2, 1, "audit.json")
    assert store.record(1) == rec.to_dict()
    checks = {c.check: c for c in store.checks()}
    assert not checks["drift"].passed and checks["drift"].statistic == 0.5
    assert checks["drift"].brief == "drifted: income" and checks["gate"].passed
    psi = store.measures(name="psi")
    assert {(m.subject, m.value, m.threshold, m.flagged) for m in psi} == {
        ("income", 0.31, 0.2, True),
        ("age", 0.02, 0.2, False),
    }
    gate = {m.name: m for m in store.measures(kind="gate", subjects=["accuracy"])}
    assert gate["candidate"].value == 0.84 and gate["candidate"].threshold == 0.8
    assert gate["diff"].value == pytest.approx(-0.02) and gate["diff"].threshold is None
    assert gate["diff_ucb"].threshold == -0.0 and gate["diff_ucb"].flagged is False
    figures = store.measures(subjects=[""], name="drifted_share")
    assert [m.value for m in figures] == [0.5]
    assert store.measures(name="psi", subjects=["age"], tests=["test_inputs"])[0].value == 0.02
    assert store.measures(name="psi", tests=["nope"]) == []


def test_the_same_record_is_stored_once(store: HistoryStore, tmp_path: Path) -> None:
    rec = record("2025-03-03T06:00:00Z", [drift_entry()])
    path = write_record(rec, tmp_path / "audit.json")
    first = store.append(path)
    again = store.append(rec)
    assert first.created and not again.created and again.run_id == first.run_id
    assert store.count_runs() == 1 and len(store.checks()) == 1
    assert store.runs()[0].source == str(path)


def test_runs_and_queries_are_ordered_and_bounded_in_time(store: HistoryStore) -> None:
    for day in (3, 1, 2):
        store.append(record(f"2025-03-0{day}T06:00:00Z", [drift_entry()], tag=str(day)))
    assert [r.created_at[:10] for r in store.runs()] == ["2025-03-03", "2025-03-02", "2025-03-01"]
    assert [r.created_at[:10] for r in store.runs(limit=1)] == ["2025-03-03"]
    assert len(store.runs(until="2025-03-02T06:00:00Z")) == 2
    assert len(store.runs(since="2025-03-02")) == 2
    assert [c.created_at[:10] for c in store.checks(until="2025-03-01T23:00:00Z")] == ["2025-03-01"]


def test_events(store: HistoryStore) -> None:
    store.append(record("2025-03-01T06:00:00Z", [gate_entry()]))
    store.add_event("promotion", at="2025-03-01T07:00:00Z", model="m-1", run_id=1)
    store.add_event("retrain", at="2025-03-08T07:00:00+02:00", note="drift")
    events = store.events()
    assert [(e.kind, e.created_at) for e in events] == [
        ("retrain", "2025-03-08T05:00:00+00:00"),
        ("promotion", "2025-03-01T07:00:00+00:00"),
    ]
    assert store.events("promotion")[0].run_id == 1
    assert store.events(until="2025-03-02T00:00:00Z")[0].kind == "promotion"
    with pytest.raises(MlauditInputError, match="event kind must be one of"):
        store.add_event("deploy")
    with pytest.raises(MlauditInputError, match="no run with id 9"):
        store.add_event("promotion", run_id=9)
    with pytest.raises(MlauditInputError, match="not an ISO-8601 time"):
        store.add_event("retrain", at="last tuesday")


def test_store_settings_are_wal_and_versioned(store: HistoryStore) -> None:
    store.runs()
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION)
    conn.execute("UPDATE meta SET value = '99'")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="schema version 99, written by a newer"):
        HistoryStore(store.path).runs()


def test_missing_broken_and_bad_input(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"no history store at .*--mlaudit-history"):
        HistoryStore(tmp_path / "none.sqlite", create=False).runs()
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(HistoryError, match="not a readable SQLite history store"):
        HistoryStore(junk).append(record("2025-01-01T00:00:00Z"))
    with pytest.raises(MlauditInputError, match="not a valid mlaudit record"):
        HistoryStore(tmp_path / "ok.sqlite").append({"schema_version": "1.0"})
    with pytest.raises(MlauditInputError, match="no audit record at"):
        HistoryStore(tmp_path / "ok.sqlite").append(tmp_path / "missing.json")


def test_a_locked_store_times_out_with_a_clear_error(store: HistoryStore) -> None:
    store.runs()  # create it
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        quick = HistoryStore(store.path, timeout=0.2)
        start = time.monotonic()
        with pytest.raises(HistoryError, match=r"locked by another writer .* 0\.2 s"):
            quick.append(record("2025-01-01T00:00:00Z"))
        assert time.monotonic() - start < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert HistoryStore(store.path).append(record("2025-01-01T00:00:00Z")).created


def test_append_after_run_never_loses_the_record(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"garbage" * 100)
    rec = record("2025-01-01T00:00:00Z", [drift_entry()])
    json_path = write_record(rec, tmp_path / "audit.json")
    ok, message = append_after_run(rec, junk, json_path=json_path)
    assert not ok and "NOT added" in message and str(json_path) in message
    assert "mlaudit history add" in message
    # no JSON record was asked for: the record waits next to the store ...
    blocked = tmp_path / "blocked.sqlite"
    blocked.write_bytes(b"garbage" * 100)
    ok, message = append_after_run(rec, blocked, json_path=None)
    waiting = list(pending_dir(blocked).glob("*.json"))
    assert not ok and len(waiting) == 1 and str(waiting[0]) in message
    # ... and the next run that reaches the store appends it
    blocked.unlink()
    later = record("2025-01-02T00:00:00Z", [drift_entry()])
    ok, message = append_after_run(later, blocked, json_path=None)
    assert ok and "+1 pending record(s)" in message
    assert HistoryStore(blocked).count_runs() == 2 and not pending_dir(blocked).exists()


def test_eight_processes_appending_fifty_records_each_keep_every_record(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    HistoryStore(path).runs()  # the schema exists before the race, as after the first run
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(8)
    procs = [ctx.Process(target=append_many, args=(str(path), w, 50, barrier)) for w in range(8)]
    start = time.monotonic()
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    elapsed = time.monotonic() - start
    assert [p.exitcode for p in procs] == [0] * 8
    store = HistoryStore(path)
    runs = store.runs()
    print(f"\n8 processes x 50 appends: {len(runs)} runs stored in {elapsed:.1f} s")
    assert len(runs) == 400 and len({r.id for r in runs}) == 400
    tags = {json.loads(json.dumps(store.record(r.id)))["run"]["tag"] for r in runs[:5]}
    assert len(tags) == 5
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM checks").fetchone()[0] == 800
    assert conn.execute("SELECT COUNT(DISTINCT run_id) FROM measures").fetchone()[0] == 400
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_eight_processes_racing_to_create_the_store(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "history.sqlite"
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(8)
    procs = [ctx.Process(target=append_many, args=(str(path), w, 3, barrier)) for w in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * 8
    assert HistoryStore(path).count_runs() == 24


def test_resolve_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLAUDIT_HISTORY", raising=False)
    assert resolve_path(None, cwd=tmp_path) == tmp_path / ".mlaudit" / "history.sqlite"
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nmlaudit_history = "audit/h.sqlite"\n'
    )
    assert resolve_path(None, cwd=tmp_path) == tmp_path / "audit" / "h.sqlite"
    monkeypatch.setenv("MLAUDIT_HISTORY", "/x/env.sqlite")
    assert resolve_path(None, cwd=tmp_path) == Path("/x/env.sqlite")
    assert resolve_path("given.sqlite", cwd=tmp_path) == Path("given.sqlite")


def test_utc_iso() -> None:
    assert utc_iso("2025-01-01T01:00:00+01:00") == "2025-01-01T00:00:00+00:00"
    assert utc_iso("2025-01-01") == "2025-01-01T00:00:00+00:00"


def test_reading_never_writes_even_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "zero.sqlite"
    empty.touch()
    reader = HistoryStore(empty, create=False)
    assert reader.runs() == [] and reader.checks() == [] and reader.measures() == []
    assert reader.events() == [] and reader.count_runs() == 0
    assert empty.stat().st_size == 0  # no schema was written into it
    with pytest.raises(HistoryError, match="opened for reading"):
        reader.add_event("retrain")
    assert empty.stat().st_size == 0
    # another program's database is not read as an empty history
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE users (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match=r"not an mlaudit history store .*users"):
        HistoryStore(other, create=False).runs()
    # a writer still creates the tables in an empty file
    HistoryStore(empty).runs()
    assert empty.stat().st_size > 0
