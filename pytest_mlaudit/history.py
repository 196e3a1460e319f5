"""The audit history: every run's record in an embedded SQLite store.

``pytest --mlaudit-history=.mlaudit/history.sqlite`` appends the run's audit record to
the store at the end of the run; ``mlaudit history add audit.json`` appends a saved one.
The store keeps the full record JSON and indexed rows for the questions people ask over
time (is this check getting worse? since when has income drifted?), which
:mod:`pytest_mlaudit.retrain` and ``mlaudit history`` answer.

Tables (schema version :data:`SCHEMA_VERSION`)
---------------------------------------------
``runs``
    one row per record: ``id``, ``run_uid`` (SHA-256 of the record's canonical JSON, so
    appending the same record twice stores it once), ``created_at`` (the record's UTC
    time), ``appended_at``, ``git_commit``, ``exitstatus``, ``n_checks``, ``n_passed``,
    ``n_failed``, ``source`` (where it came from) and ``record_json`` (the whole record).
``checks``
    one row per check of a run: ``run_id``, ``created_at``, ``nodeid``, ``seq``,
    ``check_name``, ``kind``, ``passed``, the headline ``statistic_name``, ``statistic``,
    ``threshold``, ``bad_when``, and ``brief``.
``measures``
    the numbers inside a check, one row each: ``subject`` and ``name`` say what it is
    (drift: ``("income", "psi")`` with the column's effect, threshold and ``flagged`` =
    drifted; gate: ``("accuracy", "candidate")``, ``("accuracy", "baseline")``,
    ``("accuracy", "diff")``; labels: ``(class, "issue_rate")``), and every numeric key
    figure with ``subject = ""`` (e.g. ``("", "drifted_share")``).
``events``
    what people did: ``retrain``, ``promotion`` or ``rollback``, with ``created_at``,
    ``model``, ``note`` and an optional ``run_id`` (``mlaudit history mark ...``).

Concurrency: the store runs in WAL mode; every append is one ``BEGIN IMMEDIATE``
transaction, and a writer waits up to ``timeout`` seconds for another one (xdist's
controller, parallel CI jobs on one machine). WAL needs a local file system (not NFS).

Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as _dt
import hashlib
import json
import math
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.record import AuditRecord, read_record

__all__ = [
    "DEFAULT_PATH",
    "EVENT_KINDS",
    "SCHEMA_VERSION",
    "AppendResult",
    "CheckRow",
    "Event",
    "HistoryError",
    "HistoryStore",
    "MeasureRow",
    "RunRow",
    "append_after_run",
    "resolve_path",
]

#: Bumped when the tables change; a store written by a newer version is refused.
SCHEMA_VERSION: Final = 1
#: Where the store lives unless told otherwise (relative to the working directory).
DEFAULT_PATH: Final = Path(".mlaudit") / "history.sqlite"
#: What ``mlaudit history mark`` records.
EVENT_KINDS: Final = ("retrain", "promotion", "rollback")
#: Seconds a writer waits for another writer's lock (``MLAUDIT_HISTORY_TIMEOUT``).
DEFAULT_TIMEOUT: Final = 30.0

EventKind = Literal["retrain", "promotion", "rollback"]

_SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_uid TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    appended_at TEXT NOT NULL,
    git_commit TEXT,
    exitstatus INTEGER,
    n_checks INTEGER NOT NULL,
    n_passed INTEGER NOT NULL,
    n_failed INTEGER NOT NULL,
    source TEXT,
    record_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_at, id);
CREATE TABLE IF NOT EXISTS checks (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    nodeid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    check_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    passed INTEGER NOT NULL,
    statistic_name TEXT,
    statistic REAL,
    threshold REAL,
    bad_when TEXT,
    brief TEXT,
    PRIMARY KEY (run_id, nodeid, seq)
);
CREATE INDEX IF NOT EXISTS checks_by_name ON checks (check_name, nodeid, created_at);
CREATE TABLE IF NOT EXISTS measures (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    nodeid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    check_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    threshold REAL,
    flagged INTEGER
);
CREATE INDEX IF NOT EXISTS measures_by_name ON measures (name, subject, created_at);
CREATE INDEX IF NOT EXISTS measures_by_run ON measures (run_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('retrain', 'promotion', 'rollback')),
    created_at TEXT NOT NULL,
    model TEXT,
    note TEXT,
    run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS events_by_kind ON events (kind, created_at);
"""


class HistoryError(RuntimeError):
    """The history store cannot be used: missing, not a database, locked, or newer."""


# --------------------------------------------------------------------------- rows


@dataclasses.dataclass(frozen=True, slots=True)
class RunRow:
    """One audit run in the store."""

    id: int
    run_uid: str
    created_at: str  #: ISO-8601 UTC, from the record
    git_commit: str | None
    exitstatus: int | None
    n_checks: int
    n_passed: int
    n_failed: int
    source: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class CheckRow:
    """One check of one run."""

    run_id: int
    created_at: str
    nodeid: str
    seq: int
    check: str
    kind: str
    passed: bool
    statistic_name: str | None
    statistic: float | None  #: None when not finite
    threshold: float | None
    bad_when: str | None
    brief: str


@dataclasses.dataclass(frozen=True, slots=True)
class MeasureRow:
    """One number inside a check (a column's PSI, a gate metric, a key figure)."""

    run_id: int
    created_at: str
    nodeid: str
    seq: int
    check: str
    kind: str
    subject: str  #: the column, metric or class ("" for a key figure)
    name: str  #: psi, ks, candidate, diff, issue_rate, a key figure's name, ...
    value: float | None  #: None when not finite
    threshold: float | None
    flagged: bool | None  #: drifted / worse / above the limit, when the check says


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """Something people did: a retrain, a promotion, a rollback."""

    id: int
    kind: str
    created_at: str
    model: str | None
    note: str | None
    run_id: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class AppendResult:
    run_id: int  #: the run's id in the store
    created: bool  #: False when the same record was already there


# --------------------------------------------------------------------------- helpers


def utc_iso(value: str | _dt.datetime | None = None) -> str:
    """``value`` (or now) as ISO-8601 UTC with seconds, e.g. ``2025-01-06T06:00:00+00:00``.

    A naive time is taken as UTC.
    """
    if value is None:
        moment = _dt.datetime.now(_dt.UTC)
    elif isinstance(value, _dt.datetime):
        moment = value
    else:
        try:
            moment = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise MlauditInputError(
                f"{value!r} is not an ISO-8601 time such as 2025-01-06T06:00:00Z."
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return moment.astimezone(_dt.UTC).isoformat(timespec="seconds")


def parse_time(value: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(utc_iso(value))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return None  # "nan"/"inf" in strict JSON, or text
    if isinstance(value, int | float):
        x = float(value)
        return x if math.isfinite(x) else None
    return None


def _flag(value: Any) -> int | None:
    return None if not isinstance(value, bool) else int(value)


def _record_dict(
    record: AuditRecord | Mapping[str, Any] | str | os.PathLike[str],
) -> dict[str, Any]:
    if isinstance(record, AuditRecord):
        return record.to_dict()
    if isinstance(record, str | os.PathLike):
        return read_record(record).to_dict()
    if isinstance(record, Mapping):
        try:
            return AuditRecord.from_dict(record).to_dict()
        except (TypeError, ValueError) as exc:
            raise MlauditInputError(f"not a valid mlaudit record: {exc}") from None
    raise MlauditInputError(
        "record must be an AuditRecord, its dict, or a path to its JSON; "
        f"got {type(record).__name__}."
    )


def _measures(entry: Mapping[str, Any]) -> Iterator[tuple[str, str, Any, Any, Any]]:
    """(subject, name, value, threshold, flagged) for the numbers inside one check."""
    for key, value in (entry.get("figures") or {}).items():
        if _number(value) is not None or (
            isinstance(value, str) and value in ("nan", "inf", "-inf")
        ):
            yield "", str(key), value, None, None
    result = entry.get("result") or {}
    kind = entry.get("kind")
    if kind == "drift":
        for row in result.get("columns") or ():
            if isinstance(row, Mapping):
                yield (
                    str(row.get("column")),
                    str(row.get("method")),
                    row.get("effect"),
                    row.get("threshold"),
                    row.get("drifted"),
                )
    elif kind == "gate":
        for m in result.get("metrics") or ():
            if not isinstance(m, Mapping):
                continue
            metric = str(m.get("metric"))
            yield metric, "candidate", m.get("candidate"), m.get("floor"), m.get("below_floor")
            if m.get("baseline") is not None:
                sign = -1.0 if m.get("greater_is_better", True) else 1.0
                delta = _number(m.get("min_delta"))
                yield metric, "baseline", m.get("baseline"), None, None
                yield (
                    metric,
                    "diff",
                    m.get("difference"),
                    None if delta is None else sign * delta,
                    m.get("significantly_worse"),
                )
    elif kind == "labels":
        for c in result.get("per_class") or ():
            if isinstance(c, Mapping) and c.get("rows"):
                rate = (c.get("issues") or 0) / c["rows"]
                limit = c.get("max_rate")
                flagged = None if limit is None else rate > float(limit)
                yield str(c.get("label")), "issue_rate", rate, limit, flagged


def _canonical(data: Mapping[str, Any]) -> str:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _timeout_from_env() -> float:
    raw = os.environ.get("MLAUDIT_HISTORY_TIMEOUT")
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise MlauditInputError(
            f"MLAUDIT_HISTORY_TIMEOUT must be a number of seconds; got {raw!r}."
        ) from None
    return max(value, 0.0)


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


# --------------------------------------------------------------------------- the store


class HistoryStore:
    """The SQLite history store at ``path``.

    Every method opens its own connection and closes it (safe across processes and
    threads); every write is one transaction.

    Parameters
    ----------
    path
        The database file; its directory is created on the first write.
    timeout
        Seconds to wait for another writer's lock before :class:`HistoryError`
        (default ``MLAUDIT_HISTORY_TIMEOUT`` or 30).
    create
        False: a missing file is a :class:`HistoryError` instead of a new store (for
        readers such as ``mlaudit history``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = HistoryStore(pathlib.Path(tempfile.mkdtemp()) / "history.sqlite")
    >>> store.runs()
    []
    >>> store.add_event("retrain", at="2025-01-06T06:00:00Z", note="weekly").kind
    'retrain'
    """

    __slots__ = ("_ready", "create", "path", "timeout")

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float | None = None, create: bool = True
    ) -> None:
        self.path = Path(path)
        self.timeout = _timeout_from_env() if timeout is None else float(timeout)
        self.create = create
        self._ready = False

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    # -- connections

    def _open(self) -> sqlite3.Connection:
        if not self.path.exists():
            if not self.create:
                raise HistoryError(
                    f"no history store at {str(self.path)!r}; run pytest with "
                    f"--mlaudit-history={self.path} (or `mlaudit history add audit.json`) first."
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(
                    f"cannot create the directory of the history store {str(self.path)!r}: {exc}"
                ) from None
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            try:
                conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
                try:
                    self._prepare(conn)
                except BaseException:
                    conn.close()
                    raise
                return conn
            except sqlite3.OperationalError as exc:
                if _busy(exc) and time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 0.25)
                    continue
                raise self._error(exc) from None
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from None

    def _prepare(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA foreign_keys = ON")
        if self._ready:
            return
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if not exists:
            try:  # executescript commits any open transaction first, so BEGIN goes inside
                conn.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"the history store {str(self.path)!r} has schema version {version}, written by a "
                f"newer pytest-mlaudit (this one reads up to {SCHEMA_VERSION}); upgrade it."
            )
        self._ready = True

    def _error(self, exc: sqlite3.Error) -> HistoryError:
        text = str(exc)
        if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
            return HistoryError(
                f"the history store {str(self.path)!r} is locked by another writer and stayed "
                f"locked for {self.timeout:g} s ({text}); try again, or raise "
                "MLAUDIT_HISTORY_TIMEOUT."
            )
        if "not a database" in text or "malformed" in text:
            return HistoryError(
                f"{str(self.path)!r} is not a readable SQLite history store ({text}); move it "
                "aside and a new one is created on the next run."
            )
        return HistoryError(f"the history store {str(self.path)!r} cannot be used: {text}")

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = self._open()
        try:
            yield conn
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        finally:
            conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as conn:
            deadline = time.monotonic() + self.timeout
            delay = 0.01
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as exc:
                    if _busy(exc) and time.monotonic() < deadline:
                        time.sleep(delay)
                        delay = min(delay * 2, 0.25)
                        continue
                    raise
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # -- writing

    def append(
        self,
        record: AuditRecord | Mapping[str, Any] | str | os.PathLike[str],
        *,
        source: str | None = None,
    ) -> AppendResult:
        """Append one audit record (object, dict or JSON path) in one transaction.

        Appending a record that is already stored (same content) changes nothing and
        returns its id with ``created=False``.
        """
        data = _record_dict(record)
        if source is None and isinstance(record, str | os.PathLike):
            source = str(record)
        text = _canonical(data)
        uid = hashlib.sha256(text.encode("utf-8")).hexdigest()
        created_at = utc_iso(str(data.get("created_at")))
        summary = data.get("summary") or {}
        env = data.get("environment") or {}
        run = data.get("run") or {}
        exitstatus = run.get("exitstatus")
        with self._write() as conn:
            row = conn.execute("SELECT id FROM runs WHERE run_uid = ?", (uid,)).fetchone()
            if row is not None:
                return AppendResult(int(row[0]), False)
            cur = conn.execute(
                "INSERT INTO runs (run_uid, created_at, appended_at, git_commit, exitstatus, "
                "n_checks, n_passed, n_failed, source, record_json) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    uid,
                    created_at,
                    utc_iso(),
                    env.get("git_commit"),
                    exitstatus if isinstance(exitstatus, int) else None,
                    int(summary.get("checks", 0)),
                    int(summary.get("passed", 0)),
                    int(summary.get("failed", 0)),
                    source,
                    text,
                ),
            )
            run_id = int(cur.lastrowid or 0)
            check_rows = []
            measure_rows = []
            for entry in data.get("checks") or ():
                head = entry.get("headline") or {}
                key = (run_id, created_at, entry["nodeid"], int(entry["seq"]))
                check_rows.append(
                    (
                        *key,
                        entry["check"],
                        entry["kind"],
                        int(bool(entry["passed"])),
                        head.get("name"),
                        _number(head.get("statistic")),
                        _number(head.get("threshold")),
                        head.get("bad_when"),
                        entry.get("brief", ""),
                    )
                )
                for subject, name, value, threshold, flagged in _measures(entry):
                    measure_rows.append(
                        (
                            *key,
                            entry["check"],
                            entry["kind"],
                            subject,
                            name,
                            _number(value),
                            _number(threshold),
                            _flag(flagged),
                        )
                    )
            conn.executemany(
                "INSERT OR REPLACE INTO checks (run_id, created_at, nodeid, seq, check_name, kind, "
                "passed, statistic_name, statistic, threshold, bad_when, brief) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                check_rows,
            )
            conn.executemany(
                "INSERT INTO measures (run_id, created_at, nodeid, seq, check_name, kind, subject, "
                "name, value, threshold, flagged) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                measure_rows,
            )
        return AppendResult(run_id, True)

    def add_event(
        self,
        kind: EventKind | str,
        *,
        at: str | _dt.datetime | None = None,
        model: str | None = None,
        note: str | None = None,
        run_id: int | None = None,
    ) -> Event:
        """Record a retrain, promotion or rollback (now, or at ``at``)."""
        if kind not in EVENT_KINDS:
            raise MlauditInputError(f"event kind must be one of {EVENT_KINDS}; got {kind!r}.")
        when = utc_iso(at)
        with self._write() as conn:
            if run_id is not None:
                found = conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone()
                if not found:
                    raise MlauditInputError(f"no run with id {run_id} in {str(self.path)!r}.")
            cur = conn.execute(
                "INSERT INTO events (kind, created_at, model, note, run_id) VALUES (?,?,?,?,?)",
                (kind, when, model, note, run_id),
            )
            event_id = int(cur.lastrowid or 0)
        return Event(event_id, str(kind), when, model, note, run_id)

    # -- reading

    def runs(
        self,
        *,
        limit: int | None = None,
        until: str | _dt.datetime | None = None,
        since: str | _dt.datetime | None = None,
    ) -> list[RunRow]:
        """Runs, newest first (``until``/``since`` bound ``created_at``, inclusive)."""
        where, args = self._time_filter(until=until, since=since)
        sql = (
            "SELECT id, run_uid, created_at, git_commit, exitstatus, n_checks, n_passed, "
            f"n_failed, source FROM runs {where} ORDER BY created_at DESC, id DESC"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._connection() as conn:
            return [RunRow(*row) for row in conn.execute(sql, args)]

    def count_runs(self) -> int:
        with self._connection() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def record(self, run_id: int) -> dict[str, Any]:
        """The full audit record of run ``run_id``, as written."""
        with self._connection() as conn:
            row = conn.execute("SELECT record_json FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise MlauditInputError(f"no run with id {run_id} in {str(self.path)!r}.")
        data: dict[str, Any] = json.loads(row[0])
        return data

    def _select(
        self,
        head: str,
        equals: dict[str, str | None],
        *,
        subjects: Sequence[str] = (),
        tests: Sequence[str] = (),
        until: str | _dt.datetime | None,
        since: str | _dt.datetime | None,
        order: str,
    ) -> tuple[str, list[Any]]:
        """``head`` with the filters shared by :meth:`checks` and :meth:`measures`."""
        where, args = self._time_filter(until=until, since=since)
        clauses = [where[len("WHERE ") :]] if where else []
        for column, value in equals.items():
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if subjects:
            clauses.append("subject IN (" + ",".join("?" for _ in subjects) + ")")
            args.extend(subjects)
        if tests:
            clauses.append("(" + " OR ".join("instr(nodeid, ?) > 0" for _ in tests) + ")")
            args.extend(tests)
        where_sql = " WHERE " + " AND ".join(clauses) if clauses else ""
        return f"{head}{where_sql} ORDER BY {order}", args

    def checks(
        self,
        *,
        check: str | None = None,
        kind: str | None = None,
        tests: Sequence[str] = (),
        until: str | _dt.datetime | None = None,
        since: str | _dt.datetime | None = None,
    ) -> list[CheckRow]:
        """Check rows, newest run first. ``tests``: node-id substrings (any matches)."""
        sql, args = self._select(
            "SELECT run_id, created_at, nodeid, seq, check_name, kind, passed, statistic_name, "
            "statistic, threshold, bad_when, brief FROM checks",
            {"check_name": check, "kind": kind},
            tests=tests,
            until=until,
            since=since,
            order="created_at DESC, run_id DESC, nodeid, seq",
        )
        with self._connection() as conn:
            return [
                CheckRow(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    bool(r[6]),
                    r[7],
                    r[8],
                    r[9],
                    r[10],
                    r[11] or "",
                )
                for r in conn.execute(sql, args)
            ]

    def measures(
        self,
        *,
        name: str | None = None,
        subjects: Sequence[str] = (),
        check: str | None = None,
        kind: str | None = None,
        tests: Sequence[str] = (),
        until: str | _dt.datetime | None = None,
        since: str | _dt.datetime | None = None,
    ) -> list[MeasureRow]:
        """Measure rows, newest run first."""
        sql, args = self._select(
            "SELECT run_id, created_at, nodeid, seq, check_name, kind, subject, name, value, "
            "threshold, flagged FROM measures",
            {"name": name, "check_name": check, "kind": kind},
            subjects=subjects,
            tests=tests,
            until=until,
            since=since,
            order="created_at DESC, run_id DESC, nodeid, seq, subject",
        )
        with self._connection() as conn:
            return [
                MeasureRow(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                    None if r[10] is None else bool(r[10]),
                )
                for r in conn.execute(sql, args)
            ]

    def events(
        self, kind: str | None = None, *, until: str | _dt.datetime | None = None
    ) -> list[Event]:
        """Events, newest first."""
        clauses, args = [], []
        if kind is not None:
            clauses.append("kind = ?")
            args.append(kind)
        if until is not None:
            clauses.append("created_at <= ?")
            args.append(utc_iso(until))
        sql = (
            "SELECT id, kind, created_at, model, note, run_id FROM events"
            + (" WHERE " + " AND ".join(clauses) if clauses else "")
            + " ORDER BY created_at DESC, id DESC"
        )
        with self._connection() as conn:
            return [Event(*row) for row in conn.execute(sql, args)]

    @staticmethod
    def _time_filter(
        *, until: str | _dt.datetime | None, since: str | _dt.datetime | None
    ) -> tuple[str, list[Any]]:
        clauses, args = [], []
        if until is not None:
            clauses.append("created_at <= ?")
            args.append(utc_iso(until))
        if since is not None:
            clauses.append("created_at >= ?")
            args.append(utc_iso(since))
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), args


# --------------------------------------------------------------------------- after a run


def resolve_path(value: str | os.PathLike[str] | None, *, cwd: Path | None = None) -> Path:
    """Where the history store is: ``value``, else ``$MLAUDIT_HISTORY``, else the
    ``mlaudit_history`` ini key of ``pyproject.toml`` in ``cwd``, else :data:`DEFAULT_PATH`."""
    base = cwd or Path.cwd()
    if value:
        return Path(value)
    env = os.environ.get("MLAUDIT_HISTORY")
    if env:
        return Path(env)
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            data = {}
        ini = data.get("tool", {}).get("pytest", {}).get("ini_options", {})
        if isinstance(ini, Mapping) and isinstance(ini.get("mlaudit_history"), str):
            return base / str(ini["mlaudit_history"])
    return base / DEFAULT_PATH


def pending_dir(path: Path) -> Path:
    """Where records wait when the store could not take them: ``<store>.pending/``."""
    return path.with_name(path.name + ".pending")


def _save_pending(record: AuditRecord, path: Path) -> Path:
    from pytest_mlaudit.record import write_record

    name = f"run-{record.created_at.replace(':', '')}-{os.getpid()}.json"
    for directory in (pending_dir(path), Path(tempfile.gettempdir()) / "mlaudit-pending"):
        try:
            return write_record(record, directory / name)
        except OSError:
            continue
    raise HistoryError("the record could not be saved anywhere")  # pragma: no cover


def import_pending(store: HistoryStore) -> list[Path]:
    """Append the records that waited in ``<store>.pending/`` and remove them."""
    directory = pending_dir(store.path)
    done: list[Path] = []
    if not directory.is_dir():
        return done
    for file in sorted(directory.glob("*.json")):
        try:
            store.append(file, source=f"pending:{file.name}")
        except MlauditInputError:
            continue  # not a record; leave it for a person to look at
        file.unlink(missing_ok=True)
        done.append(file)
    with contextlib.suppress(OSError):
        directory.rmdir()
    return done


def append_after_run(
    record: AuditRecord, path: Path, *, json_path: Path | None, timeout: float | None = None
) -> tuple[bool, str]:
    """Append the run's record to the store at ``path``; never raises.

    Returns ``(ok, message)`` for the terminal. When the store cannot take the record,
    the record is never lost: it is in ``json_path`` if the run wrote one, else it is
    saved to ``<store>.pending/`` (or the temporary directory) and appended by the next
    run that reaches the store (or ``mlaudit history add FILE``).
    """
    try:
        store = HistoryStore(path, timeout=timeout)
        imported = import_pending(store)  # older records first
        result = store.append(record, source=str(json_path) if json_path else "pytest")
    except (HistoryError, MlauditInputError, OSError, sqlite3.Error) as exc:
        try:
            kept = json_path if json_path is not None else _save_pending(record, path)
        except Exception as save_exc:  # pragma: no cover - nowhere to write at all
            return False, (
                f"history store error: {exc}; the record could not be saved either ({save_exc})"
            )
        return False, (
            f"the record was NOT added to the history store: {exc} The record is kept at "
            f"{kept}; add it later with `mlaudit history add {kept} --db {path}`."
        )
    except Exception as exc:
        return False, f"the record was NOT added to the history store {path}: {exc!r}"
    more = f" (+{len(imported)} pending record(s) from an earlier run)" if imported else ""
    if not result.created:
        return True, f"record already in the history {path} (run #{result.run_id})"
    return True, f"record appended to the history {path} as run #{result.run_id}{more}"


# --------------------------------------------------------------------------- `mlaudit history`


def _add_db(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS if sub else None,
        help="the history store (default: $MLAUDIT_HISTORY, the mlaudit_history ini key in "
        "pyproject.toml, else .mlaudit/history.sqlite)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if sub else False,
        help="print JSON instead of a table",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``mlaudit history`` subcommands (``runs`` when none is given)."""
    _add_db(parser, sub=False)
    parser.set_defaults(history_action="runs", limit=20)
    sub = parser.add_subparsers(dest="history_action", metavar="ACTION")
    p = sub.add_parser("runs", help="list the runs, newest first (the default)")
    _add_db(p, sub=True)
    p.add_argument("--limit", type=int, default=20, help="runs to show (default 20)")
    p = sub.add_parser("checks", help="per-check trends: verdicts and headline over the last runs")
    _add_db(p, sub=True)
    p.add_argument("--check", help="only this check (drift, gate, labels, ...)")
    p.add_argument("--test", action="append", default=[], help="node-id substring (repeatable)")
    p.add_argument("--limit", type=int, default=10, help="runs per check to show (default 10)")
    p = sub.add_parser("values", help="one number over time, e.g. `values psi --subject income`")
    _add_db(p, sub=True)
    p.add_argument("name", help="psi, ks, candidate, diff, issue_rate, or a key figure's name")
    p.add_argument(
        "--subject", action="append", default=[], help="column/metric/class (repeatable)"
    )
    p.add_argument("--check", help="only this check")
    p.add_argument("--test", action="append", default=[], help="node-id substring (repeatable)")
    p.add_argument("--limit", type=int, default=20, help="rows to show (default 20)")
    p = sub.add_parser("add", help="append saved audit records (JSON) to the store")
    _add_db(p, sub=True)
    p.add_argument("records", nargs="+", metavar="RECORD.json")
    p = sub.add_parser("mark", help="record a retrain, promotion or rollback")
    _add_db(p, sub=True)
    p.add_argument("event", choices=EVENT_KINDS)
    p.add_argument("--model", help="which model (a version, a path, a registry URI)")
    p.add_argument("--note", help="why")
    p.add_argument("--at", help="when (ISO-8601; default now)")
    p.add_argument("--run", type=int, help="the run id this event belongs to (e.g. the gate run)")
    p = sub.add_parser("events", help="list retrains, promotions and rollbacks")
    _add_db(p, sub=True)
    p.add_argument("--kind", choices=EVENT_KINDS)


def _say(line: str) -> None:
    print(f"mlaudit: {line}", file=sys.stderr, flush=True)


def _fmt(x: float | None) -> str:
    from pytest_mlaudit.result import fmt_number

    return "nan" if x is None else fmt_number(x)


def _table(headers: list[str], rows: Iterable[list[str]]) -> str:
    from pytest_mlaudit.result import format_table

    return format_table(headers, list(rows))


def _emit(
    args: argparse.Namespace, data: Any, headers: list[str], rows: list[list[str]], empty: str
) -> None:
    if args.json:
        print(json.dumps(data, indent=2))
    elif not rows:
        print(empty)
    else:
        print(_table(headers, rows))


def run(args: argparse.Namespace) -> int:
    """``mlaudit history``: 0 on success, 1 when the store cannot be used, 2 on bad input."""
    path = resolve_path(args.db)
    action = args.history_action or "runs"
    writes = action in ("add", "mark")
    store = HistoryStore(path, create=writes)
    try:
        if action == "runs":
            runs = store.runs(limit=args.limit)
            _emit(
                args,
                [dataclasses.asdict(r) for r in runs],
                ["run", "created_at", "commit", "exit", "checks", "passed", "failed", "source"],
                [
                    [
                        str(r.id),
                        r.created_at,
                        (r.git_commit or "-")[:10],
                        str(r.exitstatus),
                        str(r.n_checks),
                        str(r.n_passed),
                        str(r.n_failed),
                        r.source or "-",
                    ]
                    for r in runs
                ],
                f"no runs in {path}",
            )
        elif action == "checks":
            _print_checks(store, args)
        elif action == "values":
            rows = store.measures(
                name=args.name, subjects=args.subject, check=args.check, tests=args.test
            )[: args.limit]
            _emit(
                args,
                [dataclasses.asdict(r) for r in rows],
                ["run", "created_at", "test", "subject", "value", "threshold", "flagged"],
                [
                    [
                        str(r.run_id),
                        r.created_at,
                        r.nodeid,
                        r.subject or "-",
                        _fmt(r.value),
                        "-" if r.threshold is None else _fmt(r.threshold),
                        "-" if r.flagged is None else ("YES" if r.flagged else "no"),
                    ]
                    for r in rows
                ],
                f"no values named {args.name!r} in {path}",
            )
        elif action == "add":
            results = []
            for file in args.records:
                result = store.append(file)
                results.append({"record": file, **dataclasses.asdict(result)})
                if not args.json:
                    verb = "appended as" if result.created else "already stored as"
                    print(f"{file}: {verb} run #{result.run_id}")
            if args.json:
                print(json.dumps(results, indent=2))
        elif action == "mark":
            event = store.add_event(
                args.event, at=args.at, model=args.model, note=args.note, run_id=args.run
            )
            if args.json:
                print(json.dumps(dataclasses.asdict(event), indent=2))
            else:
                print(
                    f"recorded {event.kind} #{event.id} at {event.created_at}"
                    + (f" ({event.model})" if event.model else "")
                )
        elif action == "events":
            events = store.events(args.kind)
            _emit(
                args,
                [dataclasses.asdict(e) for e in events],
                ["id", "kind", "created_at", "model", "run", "note"],
                [
                    [
                        str(e.id),
                        e.kind,
                        e.created_at,
                        e.model or "-",
                        "-" if e.run_id is None else str(e.run_id),
                        e.note or "",
                    ]
                    for e in events
                ],
                f"no events in {path}",
            )
    except HistoryError as exc:
        _say(f"error: {exc}")
        return 1
    except MlauditInputError as exc:
        _say(f"error: {exc}")
        return 2
    return 0


def _print_checks(store: HistoryStore, args: argparse.Namespace) -> None:
    rows = store.checks(check=args.check, tests=args.test)
    groups: dict[tuple[str, str, int], list[CheckRow]] = {}
    for r in rows:  # newest first
        groups.setdefault((r.check, r.nodeid, r.seq), []).append(r)
    out = []
    table = []
    for (check, nodeid, seq), items in sorted(groups.items()):
        recent = items[: args.limit]
        trend = "".join("." if r.passed else "F" for r in reversed(recent))
        last = recent[0]
        stats = [r.statistic for r in reversed(recent)]
        out.append(
            {
                "check": check,
                "nodeid": nodeid,
                "seq": seq,
                "runs": len(items),
                "passed": sum(r.passed for r in items),
                "trend": trend,
                "statistic_name": last.statistic_name,
                "statistics": stats,
                "threshold": last.threshold,
                "last_brief": last.brief,
                "last_run": last.run_id,
                "last_at": last.created_at,
            }
        )
        table.append(
            [
                check,
                nodeid + (f"[{seq}]" if seq else ""),
                str(len(items)),
                str(sum(r.passed for r in items)),
                trend,
                f"{last.statistic_name}={_fmt(last.statistic)}",
                " ".join(_fmt(s) for s in stats[-5:]),
            ]
        )
    _emit(
        args,
        out,
        ["check", "test", "runs", "passed", "verdicts (old->new, F=fail)", "last", "last 5 values"],
        table,
        f"no checks in {store.path}",
    )
