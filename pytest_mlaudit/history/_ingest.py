"""From an audit record to the rows the store keeps (no SQL here).

Every check entry gives one ``checks`` row and its ``measures`` rows: the entry's numeric
key figures (``subject = ""``) and the report's per-subject :class:`Measure` list, as the
record keeps it (schema 1.1). Nothing here branches on the check kind: a record older
than schema 1.1 has no measures, so its report is rebuilt from the entry's ``result``
and asked for them (:meth:`CheckReport.measures`) when its kind is registered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Iterator, Mapping
from typing import Any

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.history._time import utc_iso
from pytest_mlaudit.record import AuditRecord, CheckEntry, read_record
from pytest_mlaudit.result import Measure

__all__ = ["Ingested", "ingest", "load_record", "measure_rows", "number"]

#: (subject, name, value, threshold, flagged) of one measure row
MeasureTuple = tuple[str, str, float | None, float | None, bool | None]
#: the first record schema whose entries carry ``measures``
_MEASURES_SINCE = (1, 1)


def number(value: Any) -> float | None:
    """A finite float, else None (NaN, infinities, text, booleans and None)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def load_record(
    record: AuditRecord | Mapping[str, Any] | str | os.PathLike[str],
) -> AuditRecord:
    """An :class:`AuditRecord` from the record, its dict, or the path of its JSON."""
    if isinstance(record, AuditRecord):
        return record
    if isinstance(record, str | os.PathLike):
        return read_record(record)
    if isinstance(record, Mapping):
        try:
            return AuditRecord.from_dict(record)
        except (TypeError, ValueError) as exc:
            raise MlauditInputError(f"not a valid mlaudit record: {exc}") from None
    raise MlauditInputError(
        "record must be an AuditRecord, its dict, or a path to its JSON; "
        f"got {type(record).__name__}."
    )


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return _MEASURES_SINCE


def _rebuilt_measures(entry: CheckEntry) -> tuple[Measure, ...]:
    """The measures of a pre-1.1 entry: its report rebuilt from ``result``, when it can be."""
    from pytest_mlaudit import registry
    from pytest_mlaudit.result import report_from_dict

    if entry.result.get("kind") not in registry.checks():
        return ()
    try:
        return tuple(report_from_dict(entry.result).measures())
    except Exception:  # an old or hand-written result: its key figures still go in
        return ()


def measure_rows(entry: CheckEntry, *, schema_version: str = "1.1") -> Iterator[MeasureTuple]:
    """The measure rows of one check entry: key figures, then the per-subject measures.

    ``flagged`` is :attr:`Measure.breached` (None for a value tracked without a
    threshold, and for key figures).
    """
    for key, value in entry.figures.items():
        if not isinstance(value, bool) and isinstance(value, int | float):
            yield "", str(key), number(value), None, None
    measures = entry.measures
    if not measures and _version(schema_version) < _MEASURES_SINCE:
        measures = _rebuilt_measures(entry)
    for m in measures:
        flagged = None if m.threshold is None else m.breached
        yield m.subject, m.name, number(m.statistic), number(m.threshold), flagged


def _canonical(data: Mapping[str, Any]) -> str:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Ingested:
    """One record as the store's rows (without the ``run_id`` the insert assigns)."""

    uid: str  #: SHA-256 of the canonical JSON: the same record is stored once
    text: str  #: the canonical JSON, kept whole in ``runs.record_json``
    created_at: str
    git_commit: str | None
    exitstatus: int | None
    summary: tuple[int, int, int]  #: checks, passed, failed
    #: marked tests that errored, failing checks of xfail tests (None: an older record)
    outcomes: tuple[int | None, int | None]
    #: (nodeid, seq, check, kind, passed, statistic_name, statistic, threshold, bad_when,
    #: brief, outcome) per entry
    checks: tuple[tuple[Any, ...], ...]
    #: (nodeid, seq, check, kind, subject, name, value, threshold, flagged) per measure
    measures: tuple[tuple[Any, ...], ...]
    #: (nodeid, markers, outcome, exception, message, n_checks) per marked test
    tests: tuple[tuple[Any, ...], ...]


def ingest(record: AuditRecord) -> Ingested:
    """The rows of ``record``."""
    data = record.to_dict()
    text = _canonical(data)
    exitstatus = record.run.get("exitstatus")
    summary = record.summary
    checks = []
    measures = []
    for entry in record.checks:
        head = entry.headline
        key = (entry.nodeid, entry.seq, entry.check, entry.kind)
        checks.append(
            (
                *key,
                int(entry.passed),
                head.name,
                number(head.statistic),
                number(head.threshold),
                head.bad_when.value,
                entry.brief,
                entry.outcome or None,
            )
        )
        for subject, name, value, threshold, flagged in measure_rows(
            entry, schema_version=record.schema_version
        ):
            measures.append(
                (*key, subject, name, value, threshold, None if flagged is None else int(flagged))
            )
    tests = tuple(
        (t.nodeid, ",".join(t.markers), t.outcome, t.exception, t.message, t.checks)
        for t in record.tests
    )
    commit = record.environment.get("git_commit")
    return Ingested(
        uid=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text=text,
        created_at=utc_iso(record.created_at),
        git_commit=commit if isinstance(commit, str) else None,
        exitstatus=exitstatus if isinstance(exitstatus, int) else None,
        summary=(
            int(summary.get("checks", 0)),
            int(summary.get("passed", 0)),
            int(summary.get("failed", 0)),
        ),
        outcomes=(_count(summary, "errors"), _count(summary, "xfailed")),
        checks=tuple(checks),
        measures=tuple(measures),
        tests=tests,
    )


def _count(summary: Mapping[str, Any], key: str) -> int | None:
    value = summary.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
