"""The audit history: every run's record in an embedded SQLite store.

``pytest --mlaudit-history=.mlaudit/history.sqlite`` appends the run's audit record to
the store at the end of the run; ``mlaudit history add audit.json`` appends a saved one.
The store keeps the full record JSON and indexed rows for the questions people ask over
time (is this check getting worse? since when has income drifted?), which
:mod:`pytest_mlaudit.retrain` and ``mlaudit history`` answer.

Files
-----
``store.py``
    :class:`HistoryStore`: connections, appends and queries.
``_schema.py``
    the tables, the migration of older stores, the views a reader of one sees.
``rows.py``
    the row types a query returns (:class:`RunRow`, :class:`CheckRow`,
    :class:`TestRow`, :class:`MeasureRow`, :class:`Event`) and :class:`HistoryError`.
``_ingest.py``
    a record -> the rows the store keeps (no SQL, no branch on the check kind).
``pending.py``
    :func:`append_after_run` (what the pytest plugin calls; never raises, never loses a
    record), :func:`resolve_path` and the ``<store>.pending/`` directory.
``_time.py``
    :func:`utc_iso` and :func:`parse_time`.

The command ``mlaudit history`` lives in :mod:`pytest_mlaudit.cli.history`.

Tables (schema version :data:`SCHEMA_VERSION`)
---------------------------------------------
``runs``
    one row per record: ``id``, ``run_uid`` (SHA-256 of the record's canonical JSON, so
    appending the same record twice stores it once), ``created_at`` (the record's UTC
    time), ``appended_at``, ``git_commit``, ``exitstatus``, ``n_checks``, ``n_passed``,
    ``n_failed``, ``source`` (where it came from), ``record_json`` (the whole record),
    and ``n_errors`` (marked tests that errored) and ``n_xfailed`` (failing checks of
    ``xfail`` tests), apart from the failures.
``checks``
    one row per check of a run: ``run_id``, ``created_at``, ``nodeid``, ``seq``,
    ``check_name``, ``kind``, ``passed``, the headline ``statistic_name``, ``statistic``,
    ``threshold``, ``bad_when``, ``brief``, and ``outcome`` (of the test that ran it:
    passed, failed, error, xfailed, ...).
``tests``
    one row per marked test of a run, whether or not it recorded a check: ``nodeid``,
    ``markers``, ``outcome``, ``exception``, ``message``, ``n_checks`` (0: it errored or
    was skipped before any check), so an audit never reads greener than the run.
``measures``
    the numbers inside a check, one row each, whatever the kind: every numeric key figure
    with ``subject = ""`` (e.g. ``("", "drifted_share")``), and each of the report's
    per-subject measures (:meth:`~pytest_mlaudit.result.CheckReport.measures`, kept in
    the record's entries since schema 1.1) with its ``subject`` (a column, metric or
    class), ``name``, ``value``, ``threshold`` and ``flagged`` (on the failing side of
    the threshold; null without one): drift ``("income", "psi")``, gate
    ``("accuracy", "candidate")``, labels ``("1", "issue_rate")``. For an older record
    the report is rebuilt from the entry and asked for its measures.
``events``
    what people did: ``retrain``, ``promotion`` or ``rollback``, with ``created_at``,
    ``model``, ``note`` and an optional ``run_id`` (``mlaudit history mark ...``).

A store written by schema version 1 is migrated by the first writer (the new columns
filled from the records it keeps); a reader reads it as it is, writing nothing.

Concurrency: the store runs in WAL mode; every append is one ``BEGIN IMMEDIATE``
transaction, and a writer waits up to ``timeout`` seconds for another one (xdist's
controller, parallel CI jobs on one machine). WAL needs a local file system (not NFS).

Standard library only.

Examples
--------
>>> import tempfile, pathlib
>>> store = HistoryStore(pathlib.Path(tempfile.mkdtemp()) / "history.sqlite")
>>> store.count_runs()
0
>>> store.add_event("promotion", at="2025-01-06T06:00:00Z", model="v1").created_at
'2025-01-06T06:00:00+00:00'
"""

from __future__ import annotations

from pytest_mlaudit.history._schema import SCHEMA_VERSION
from pytest_mlaudit.history._time import parse_time, utc_iso
from pytest_mlaudit.history.pending import (
    DEFAULT_PATH,
    append_after_run,
    import_pending,
    pending_dir,
    resolve_path,
)
from pytest_mlaudit.history.rows import (
    AppendResult,
    CheckRow,
    Event,
    HistoryError,
    MeasureRow,
    RunRow,
    TestRow,
)
from pytest_mlaudit.history.store import (
    DEFAULT_TIMEOUT,
    EVENT_KINDS,
    EventKind,
    HistoryStore,
)

__all__ = [
    "DEFAULT_PATH",
    "DEFAULT_TIMEOUT",
    "EVENT_KINDS",
    "SCHEMA_VERSION",
    "AppendResult",
    "CheckRow",
    "Event",
    "EventKind",
    "HistoryError",
    "HistoryStore",
    "MeasureRow",
    "RunRow",
    "TestRow",
    "append_after_run",
    "import_pending",
    "parse_time",
    "pending_dir",
    "resolve_path",
    "utc_iso",
]
