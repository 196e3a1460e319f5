"""What the history store gives back: one frozen row type per table, and its error."""

from __future__ import annotations

import dataclasses

__all__ = [
    "AppendResult",
    "CheckRow",
    "Event",
    "HistoryError",
    "MeasureRow",
    "RunRow",
    "TestRow",
]


class HistoryError(RuntimeError):
    """The history store cannot be used: missing, not a database, locked, or newer."""


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
    n_failed: int  #: failing checks, not counting those of ``xfail`` tests
    source: str | None
    n_errors: int | None = None  #: marked tests that errored (None: an older record)
    n_xfailed: int | None = None  #: failing checks of ``xfail`` tests (None: an older record)


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
    #: the outcome of the test that ran it: passed, failed, error, xfailed, xpassed, ...
    #: (None: an older record)
    outcome: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class TestRow:
    """What became of one marked test in one run, whether or not it ran a check."""

    run_id: int
    created_at: str
    nodeid: str
    markers: tuple[str, ...]
    outcome: str  #: passed, failed, error, skipped, xfailed or xpassed
    exception: str | None  #: the exception's type when it failed or errored
    message: str | None  #: the exception's message, the skip or xfail reason
    n_checks: int  #: how many checks it recorded (0: it errored or skipped before one)


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
    name: str  #: psi, ks, candidate, issue_rate, a key figure's name, ...
    value: float | None  #: None when not finite
    threshold: float | None
    flagged: bool | None  #: on the failing side of its threshold; None: no threshold


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
