"""The SQLite store: its tables, its connections, and every read and write.

Every method opens its own connection and closes it (safe across processes and
threads); every write is one ``BEGIN IMMEDIATE`` transaction. The rows written come from
:mod:`pytest_mlaudit.history._ingest`; the rows read are :mod:`pytest_mlaudit.history.rows`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.history._ingest import ingest, load_record
from pytest_mlaudit.history._schema import (
    ALERT_TABLES,
    SCHEMA,
    SCHEMA_VERSION,
    TEMP_SCHEMA,
    migrate,
    reader_views,
)
from pytest_mlaudit.history._time import utc_iso
from pytest_mlaudit.history.rows import (
    AppendResult,
    CheckRow,
    Event,
    HistoryError,
    MeasureRow,
    RunRow,
    TestRow,
)
from pytest_mlaudit.record import AuditRecord

__all__ = [
    "DEFAULT_TIMEOUT",
    "EVENT_KINDS",
    "SCHEMA_VERSION",
    "AlertRow",
    "AlertState",
    "DeliveryRow",
    "EventKind",
    "HistoryStore",
]

#: What ``mlaudit history mark`` records.
EVENT_KINDS: Final = ("retrain", "promotion", "rollback")
#: Seconds a writer waits for another writer's lock (``MLAUDIT_HISTORY_TIMEOUT``).
DEFAULT_TIMEOUT: Final = 30.0

EventKind = Literal["retrain", "promotion", "rollback"]
AlertState = Literal["firing", "resolved"]


@dataclasses.dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert that fired or resolved (table ``alerts``)."""

    id: int
    run_id: int | None  #: the run that changed the check's state
    created_at: str  #: that run's time
    key: str  #: the check's alert key (:func:`pytest_mlaudit.alerts.alert_key`)
    state: AlertState
    since: str  #: when the check started failing (firing: the run's own time)
    payload: dict[str, Any]  #: the alert as it was sent (:meth:`Alert.to_dict`)


@dataclasses.dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One attempt to deliver a run's alerts (table ``alert_deliveries``)."""

    id: int
    run_id: int | None
    attempted_at: str
    channel: str  #: "webhook" or "hook" (the conftest hook)
    target: str | None  #: the webhook URL without its path (which holds the secret)
    n_alerts: int
    ok: bool
    status: int | None  #: the HTTP status, when there was an answer
    error: str | None  #: what went wrong, in words
    duration_s: float


def _alert_tables(conn: sqlite3.Connection) -> None:
    """Create the alert tables in a store written before them (inside a transaction)."""
    for statement in ALERT_TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)


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
        False: a reader (``mlaudit history``, :func:`~pytest_mlaudit.retrain.should_retrain`)
        that never writes: a missing file is a :class:`HistoryError` instead of a new
        store, and a file without the tables (an empty file) reads as an empty store and
        is left as it is.

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
        exists = conn.execute(
            "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if not exists and not self.create:
            # a reader never writes: a file without the tables (0 bytes, say) reads as an
            # empty store, through tables that live in this connection only
            self._no_tables(conn)
            conn.executescript(TEMP_SCHEMA)
            return
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if not exists:
            try:  # executescript commits any open transaction first, so BEGIN goes inside
                conn.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")
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
        if 1 <= version < SCHEMA_VERSION:
            if not self.create:  # a reader never writes: older tables, seen as current
                reader_views(conn, version)
                return
            migrate(conn)
        self._ready = True

    def _no_tables(self, conn: sqlite3.Connection) -> None:
        """Refuse to read another program's database as an empty history."""
        others = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        if others:
            raise HistoryError(
                f"{str(self.path)!r} is an SQLite database but not an mlaudit history store "
                f"(its tables: {', '.join(others[:5])}); pass the store's path with --db."
            )

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
            if not self._ready:  # a reader's store: tables missing or older, left as they are
                raise HistoryError(
                    f"{str(self.path)!r} has no history tables of this version and this store "
                    "was opened for reading (create=False); open it with create=True to write."
                )
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
        rec = load_record(record)
        if source is None and isinstance(record, str | os.PathLike):
            source = str(record)
        rows = ingest(rec)
        with self._write() as conn:
            row = conn.execute("SELECT id FROM runs WHERE run_uid = ?", (rows.uid,)).fetchone()
            if row is not None:
                return AppendResult(int(row[0]), False)
            cur = conn.execute(
                "INSERT INTO runs (run_uid, created_at, appended_at, git_commit, exitstatus, "
                "n_checks, n_passed, n_failed, source, record_json, n_errors, n_xfailed) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    rows.uid,
                    rows.created_at,
                    utc_iso(),
                    rows.git_commit,
                    rows.exitstatus,
                    *rows.summary,
                    source,
                    rows.text,
                    *rows.outcomes,
                ),
            )
            run_id = int(cur.lastrowid or 0)
            key = (run_id, rows.created_at)
            conn.executemany(
                "INSERT OR REPLACE INTO checks (run_id, created_at, nodeid, seq, check_name, kind, "
                "passed, statistic_name, statistic, threshold, bad_when, brief, outcome) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(*key, *r) for r in rows.checks],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO tests (run_id, created_at, nodeid, markers, outcome, "
                "exception, message, n_checks) VALUES (?,?,?,?,?,?,?,?)",
                [(*key, *r) for r in rows.tests],
            )
            conn.executemany(
                "INSERT INTO measures (run_id, created_at, nodeid, seq, check_name, kind, subject, "
                "name, value, threshold, flagged) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(*key, *r) for r in rows.measures],
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
            f"n_failed, source, n_errors, n_xfailed FROM runs {where} "
            "ORDER BY created_at DESC, id DESC"
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
            "statistic, threshold, bad_when, brief, outcome FROM checks",
            {"check_name": check, "kind": kind},
            tests=tests,
            until=until,
            since=since,
            order="created_at DESC, run_id DESC, nodeid, seq",
        )
        with self._connection() as conn:
            return [
                CheckRow(*(*r[:6], bool(r[6]), *r[7:11], r[11] or "", r[12]))
                for r in conn.execute(sql, args)
            ]

    def tests(
        self,
        *,
        outcome: str | None = None,
        tests: Sequence[str] = (),
        until: str | _dt.datetime | None = None,
        since: str | _dt.datetime | None = None,
    ) -> list[TestRow]:
        """What became of the marked tests (checks or not), newest run first."""
        sql, args = self._select(
            "SELECT run_id, created_at, nodeid, markers, outcome, exception, message, n_checks "
            "FROM tests",
            {"outcome": outcome},
            tests=tests,
            until=until,
            since=since,
            order="created_at DESC, run_id DESC, nodeid",
        )
        with self._connection() as conn:
            return [
                TestRow(*(*r[:3], tuple(filter(None, r[3].split(","))), *r[4:]))
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
                MeasureRow(*(*r[:10], None if r[10] is None else bool(r[10])))
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

    # -- alerts (the state of each check's alert, and the delivery log)

    def find_run(
        self, record: AuditRecord | Mapping[str, Any] | str | os.PathLike[str]
    ) -> int | None:
        """The id of the run that stored ``record``, or None when it is not in the store."""
        uid = ingest(load_record(record)).uid
        with self._connection() as conn:
            row = conn.execute("SELECT id FROM runs WHERE run_uid = ?", (uid,)).fetchone()
        return None if row is None else int(row[0])

    def change_alerts(
        self,
        observed: Mapping[str, bool],
        *,
        at: str | _dt.datetime,
        payload: Callable[[str, AlertState, str], Mapping[str, Any]],
        run_id: int | None = None,
    ) -> list[AlertRow]:
        """Fire and resolve the alerts of one run's checks, in one transaction.

        ``observed`` maps each check's alert key to True (it failed in this run) or False
        (it passed). A failing key without an open alert fires; a passing key with an open
        alert resolves; every other key keeps its state (a check still failing, still
        passing, or absent from ``observed`` because it did not run). ``payload(key,
        state, since)`` gives the JSON the new row keeps. Returns the new rows, in the
        order of ``observed``.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = HistoryStore(pathlib.Path(tempfile.mkdtemp()) / "history.sqlite")
        >>> body = lambda key, state, since: {"key": key}
        >>> [a.state for a in store.change_alerts({"t::drift#0": True}, at="2025-01-06",
        ...                                       payload=body)]
        ['firing']
        >>> store.change_alerts({"t::drift#0": True}, at="2025-01-13", payload=body)
        []
        >>> [(a.state, a.since) for a in store.change_alerts({"t::drift#0": False},
        ...                                                  at="2025-01-20", payload=body)]
        [('resolved', '2025-01-06T00:00:00+00:00')]
        """
        when = utc_iso(at)
        out: list[AlertRow] = []
        with self._write() as conn:
            _alert_tables(conn)
            open_since = {row.key: row.since for row in self._open_alerts(conn)}
            for key, failing in observed.items():
                since = open_since.get(key)
                state: AlertState
                if failing and since is None:
                    state, since = "firing", when
                elif not failing and since is not None:
                    state = "resolved"
                else:
                    continue
                data = dict(payload(key, state, since))
                cur = conn.execute(
                    "INSERT INTO alerts (run_id, created_at, alert_key, state, since, payload) "
                    "VALUES (?,?,?,?,?,?)",
                    (run_id, when, key, state, since, json.dumps(data, allow_nan=False)),
                )
                out.append(AlertRow(int(cur.lastrowid or 0), run_id, when, key, state, since, data))
        return out

    @staticmethod
    def _has_table(conn: sqlite3.Connection, name: str) -> bool:
        sql = "SELECT 1 FROM {} WHERE type = 'table' AND name = ?"
        return any(
            conn.execute(sql.format(master), (name,)).fetchone()
            for master in ("main.sqlite_master", "temp.sqlite_master")
        )

    @staticmethod
    def _alert_rows(conn: sqlite3.Connection, where: str, args: Sequence[Any]) -> list[AlertRow]:
        sql = f"SELECT id, run_id, created_at, alert_key, state, since, payload FROM alerts {where}"
        return [
            AlertRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], json.loads(r[6]))
            for r in conn.execute(sql, args)
        ]

    def _open_alerts(self, conn: sqlite3.Connection) -> list[AlertRow]:
        if not self._has_table(conn, "alerts"):
            return []
        return self._alert_rows(
            conn,
            "WHERE id IN (SELECT max(id) FROM alerts GROUP BY alert_key) AND state = 'firing' "
            "ORDER BY id",
            (),
        )

    def open_alerts(self) -> list[AlertRow]:
        """The alerts firing now: checks whose last alert fired and did not resolve yet."""
        with self._connection() as conn:
            return self._open_alerts(conn)

    def alerts(self, *, key: str | None = None, limit: int | None = None) -> list[AlertRow]:
        """Alerts that fired or resolved, newest first (``key``: one check's)."""
        with self._connection() as conn:
            if not self._has_table(conn, "alerts"):
                return []
            where = "WHERE alert_key = ?" if key is not None else ""
            limit_sql = f" LIMIT {int(limit)}" if limit is not None else ""
            return self._alert_rows(
                conn, f"{where} ORDER BY id DESC{limit_sql}", () if key is None else (key,)
            )

    def add_delivery(
        self,
        *,
        channel: str,
        n_alerts: int,
        ok: bool,
        duration_s: float,
        run_id: int | None = None,
        target: str | None = None,
        status: int | None = None,
        error: str | None = None,
        at: str | _dt.datetime | None = None,
    ) -> DeliveryRow:
        """Keep one attempt to deliver alerts in the delivery log."""
        when = utc_iso(at)
        values = (run_id, when, channel, target, n_alerts, int(ok), status, error, duration_s)
        with self._write() as conn:
            _alert_tables(conn)
            cur = conn.execute(
                "INSERT INTO alert_deliveries (run_id, attempted_at, channel, target, n_alerts, "
                "ok, status, error, duration_s) VALUES (?,?,?,?,?,?,?,?,?)",
                values,
            )
        row_id = int(cur.lastrowid or 0)
        return DeliveryRow(
            row_id, run_id, when, channel, target, n_alerts, ok, status, error, duration_s
        )

    def deliveries(self, *, limit: int | None = None) -> list[DeliveryRow]:
        """The delivery log, newest first."""
        with self._connection() as conn:
            if not self._has_table(conn, "alert_deliveries"):
                return []
            sql = (
                "SELECT id, run_id, attempted_at, channel, target, n_alerts, ok, status, error, "
                "duration_s FROM alert_deliveries ORDER BY id DESC"
            )
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            return [
                DeliveryRow(
                    int(r[0]), r[1], r[2], r[3], r[4], int(r[5]), bool(r[6]), r[7], r[8], r[9]
                )
                for r in conn.execute(sql)
            ]

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
