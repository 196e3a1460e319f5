"""The store's tables, the migration from older versions, and what readers see.

Version 2 keeps what became of every marked test: ``runs.n_errors`` and
``runs.n_xfailed`` (from the record's summary), ``checks.outcome`` (the outcome of the
test that ran the check: passed, failed, error, xfailed, ...), and a ``tests`` table with
one row per marked test, checks or not (a test whose fixture errored ran none). A writer
migrates a version-1 store in one transaction, filling the new columns from the records
it keeps; a reader never writes, so it sees a version-1 store through temporary views
with empty new columns.
"""

from __future__ import annotations

import sqlite3
from typing import Final

__all__ = [
    "ALERT_TABLES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "TEMP_SCHEMA",
    "migrate",
    "reader_views",
]

#: Bumped when the tables change; a store written by a newer version is refused.
SCHEMA_VERSION: Final = 2

_TESTS_TABLE: Final = """
CREATE TABLE IF NOT EXISTS tests (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    nodeid TEXT NOT NULL,
    markers TEXT NOT NULL,
    outcome TEXT NOT NULL,
    exception TEXT,
    message TEXT,
    n_checks INTEGER NOT NULL,
    PRIMARY KEY (run_id, nodeid)
);
"""

#: The alert state and the delivery log (:mod:`pytest_mlaudit.alerts`). Tables added
#: beside the others, which they change nothing of: no new schema version. A writer creates
#: them in a store that has none (written before them); a reader of such a store sees
#: none (no alerts, no deliveries). ``alerts``: one row each time a check's alert fires or
#: resolves; a key is open while its latest row says ``firing``. ``alert_deliveries``: one
#: row per attempt to tell someone (the conftest hook, the webhook), delivered or not.
ALERT_TABLES: Final = """
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    alert_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
    since TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_key ON alerts (alert_key, id);
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    attempted_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    target TEXT,
    n_alerts INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    duration_s REAL NOT NULL
);
"""

SCHEMA: Final = f"""
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
    record_json TEXT NOT NULL,
    n_errors INTEGER,
    n_xfailed INTEGER
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
    outcome TEXT,
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
{_TESTS_TABLE}
CREATE INDEX IF NOT EXISTS tests_by_outcome ON tests (outcome, nodeid, created_at);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('retrain', 'promotion', 'rollback')),
    created_at TEXT NOT NULL,
    model TEXT,
    note TEXT,
    run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS events_by_kind ON events (kind, created_at);
{ALERT_TABLES}"""

#: The tables for a reader of a file that has none: temporary, in the connection only.
TEMP_SCHEMA: Final = "\n".join(
    line.replace("CREATE TABLE", "CREATE TEMP TABLE")
    for line in SCHEMA.splitlines()
    if not line.startswith("CREATE INDEX")
)

#: version -> the statements that bring a store of that version to the next one
_MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        "ALTER TABLE runs ADD COLUMN n_errors INTEGER",
        "ALTER TABLE runs ADD COLUMN n_xfailed INTEGER",
        "ALTER TABLE checks ADD COLUMN outcome TEXT",
        _TESTS_TABLE,
        "CREATE INDEX IF NOT EXISTS tests_by_outcome ON tests (outcome, nodeid, created_at)",
        "UPDATE runs SET n_errors = json_extract(record_json, '$.summary.errors'), "
        "n_xfailed = json_extract(record_json, '$.summary.xfailed')",
        "UPDATE checks SET outcome = (SELECT json_extract(j.value, '$.outcome') "
        "FROM runs AS r, json_each(r.record_json, '$.checks') AS j "
        "WHERE r.id = checks.run_id AND json_extract(j.value, '$.nodeid') = checks.nodeid "
        "AND json_extract(j.value, '$.seq') = checks.seq)",
        "INSERT OR IGNORE INTO tests (run_id, created_at, nodeid, markers, outcome, exception, "
        "message, n_checks) SELECT r.id, r.created_at, json_extract(j.value, '$.nodeid'), "
        "(SELECT coalesce(group_concat(m.value, ','), '') "
        "FROM json_each(j.value, '$.markers') AS m), "
        "json_extract(j.value, '$.outcome'), json_extract(j.value, '$.exception'), "
        "json_extract(j.value, '$.message'), coalesce(json_extract(j.value, '$.checks'), 0) "
        "FROM runs AS r, json_each(r.record_json, '$.tests') AS j",
    ),
}

#: version -> the temporary views a reader of a store of that version reads through
_READER_VIEWS: Final[dict[int, str]] = {
    1: "CREATE TEMP VIEW runs AS SELECT *, NULL AS n_errors, NULL AS n_xfailed FROM main.runs;"
    "CREATE TEMP VIEW checks AS SELECT *, NULL AS outcome FROM main.checks;"
    + _TESTS_TABLE.replace("CREATE TABLE", "CREATE TEMP TABLE"),
}


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the store to :data:`SCHEMA_VERSION` in one transaction (another writer may
    have done it meanwhile: the version is read again under the lock); the version it
    found."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        found = version = int(row[0]) if row else 0
        while version < SCHEMA_VERSION:
            for statement in _MIGRATIONS[version]:
                conn.execute(statement)
            version += 1
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return found


def reader_views(conn: sqlite3.Connection, version: int) -> None:
    """Let a reader query a store of an older ``version`` as if it were current."""
    if version < SCHEMA_VERSION:
        conn.executescript(_READER_VIEWS[version])
