"""The audit record of one run: the only thing the report notebook reads.

One JSON document per run; its schema is documented in ``docs/record-schema.md`` and
versioned by :data:`SCHEMA_VERSION`. It holds numbers, thresholds, verdicts, sizes and
small binned histograms, never raw data rows.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from pytest_mlaudit._serde import from_jsonable, to_jsonable
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.result import CheckReport, Measure

__all__ = [
    "OUTCOMES",
    "SCHEMA_VERSION",
    "AuditRecord",
    "CheckEntry",
    "OutcomeEntry",
    "build_record",
    "loads_strict",
    "read_record",
    "summarize",
    "write_record",
]

#: Bumped on any change a reader must know about (see docs/record-schema.md).
SCHEMA_VERSION: Final = "1.1"

#: What can become of a test that carries an mlaudit marker (or uses the fixture).
#: ``error``: it raised something other than an assertion (bad input, a fixture or a server
#: that failed), in setup, call or teardown, so no verdict was reached.
OUTCOMES: Final = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")

_PACKAGES: Final = (
    "pytest-mlaudit",
    "pytest",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "cleanlab",
    "hypothesis",
    "locust",
    "papermill",
)


@dataclasses.dataclass(frozen=True, slots=True)
class CheckEntry:
    """One check's outcome inside the record."""

    nodeid: str  #: the pytest node id of the test ("" outside pytest)
    seq: int  #: the check's position among the checks of that test (0, 1, ...)
    check: str  #: the check that ran: "drift", "parity", "labels", ...
    kind: str  #: the report kind (usually equal to ``check``)
    markers: tuple[str, ...]  #: the test's mlaudit markers (drift, skew, labels, load)
    passed: bool  #: the verdict
    duration_s: float  #: wall time of the check
    headline: Measure  #: the statistic/threshold pair the summary prints
    sizes: dict[str, int]  #: the inputs' sizes
    figures: dict[str, float | int | str | bool]  #: flat key figures (as in JUnit XML)
    brief: str  #: a few words after the headline (e.g. the drifted columns)
    result: dict[str, Any]  #: the report's ``to_dict()``: every statistic, histograms
    #: the report's per-subject figures (:meth:`CheckReport.measures`); schema >= 1.1
    measures: tuple[Measure, ...] = ()
    #: the outcome of the test that ran the check (one of :data:`OUTCOMES`); a failing check
    #: in an ``xfail`` test is ``"xfailed"``; outside pytest the check's own verdict
    outcome: str = ""
    #: how the check is named everywhere (terminal, report, history): the node id, with
    #: ``#1``, ``#2``, ... when the test ran several checks
    name: str = ""

    @classmethod
    def from_report(
        cls,
        check: str,
        report: CheckReport,
        *,
        nodeid: str = "",
        seq: int = 0,
        markers: Iterable[str] = (),
        duration_s: float = 0.0,
    ) -> CheckEntry:
        return cls(
            nodeid=nodeid,
            seq=seq,
            check=check,
            kind=report.kind,
            markers=tuple(markers),
            passed=report.passed,
            duration_s=duration_s,
            headline=report.headline(),
            sizes=dict(report.sizes()),
            figures=dict(report.key_figures()),
            brief=report.brief(),
            result=report.to_dict(),
            measures=tuple(report.measures()),
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckEntry:
        return from_jsonable(cls, data)

    def report(self) -> CheckReport:
        """Rebuild the check's report object from :attr:`result`."""
        from pytest_mlaudit.result import report_from_dict

        return report_from_dict(self.result)


@dataclasses.dataclass(frozen=True, slots=True)
class OutcomeEntry:
    """What became of one test that carries an mlaudit marker or uses the ``mlaudit`` fixture.

    Every such test has one, whether or not it ran a check: a test whose check raised, whose
    fixture failed or that was skipped is in the record too, so the audit never reads
    greener than the run.
    """

    nodeid: str  #: the pytest node id
    markers: tuple[str, ...]  #: its mlaudit markers
    outcome: str  #: one of :data:`OUTCOMES`
    when: str  #: the phase that decided it: "setup", "call" or "teardown"
    exception: str | None  #: the exception's type when it failed or errored, else None
    message: str | None  #: the exception's message, the skip or xfail reason (shortened)
    duration_s: float  #: setup + call + teardown
    checks: int  #: how many check entries it recorded

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutcomeEntry:
        return from_jsonable(cls, data)


@dataclasses.dataclass(frozen=True, slots=True)
class AuditRecord:
    """The record of one run."""

    schema_version: str
    created_at: str  #: ISO-8601, UTC, when the record was written
    package: dict[str, str]  #: {"name": "pytest-mlaudit", "version": ...}
    environment: dict[str, Any]  #: python, platform, package versions, git commit
    run: dict[str, Any]  #: how the run went: exit status, duration, pytest args
    #: {"checks", "passed", "failed", "xfailed", "tests", "errors", "skipped", "xpassed"}
    summary: dict[str, int]
    checks: tuple[CheckEntry, ...]
    #: every marked test's outcome, checks or not (schema >= 1.1)
    tests: tuple[OutcomeEntry, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditRecord:
        version = data.get("schema_version") if isinstance(data, Mapping) else None
        if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            raise MlauditInputError(
                f"this is not an mlaudit record of schema {SCHEMA_VERSION.split('.')[0]}.x: "
                f"schema_version={version!r}."
            )
        return from_jsonable(cls, data)


def _git_commit(cwd: Path) -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return {}
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"git_commit": commit.stdout.strip(), "git_dirty": bool(status.stdout.strip())}


def environment(cwd: Path | None = None) -> dict[str, Any]:
    """Python, platform, installed versions of the relevant packages, git commit."""
    versions: dict[str, str] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": versions,
    }
    env.update(_git_commit(cwd or Path.cwd()))
    return env


def _sort_key(entry: CheckEntry) -> tuple[str, int]:
    return (entry.nodeid, entry.seq)


def _named(entries: Iterable[CheckEntry], outcomes: Mapping[str, OutcomeEntry]) -> list[CheckEntry]:
    """Entries sorted, each with its name and the outcome of its test."""
    checks = sorted(entries, key=_sort_key)
    per_test: dict[str, int] = {}
    for c in checks:
        per_test[c.nodeid] = per_test.get(c.nodeid, 0) + 1
    out = []
    numbers: dict[str, int] = {}
    for c in checks:
        numbers[c.nodeid] = numbers.get(c.nodeid, 0) + 1
        name = c.nodeid or "(outside pytest)"
        if per_test[c.nodeid] > 1:
            name = f"{name}#{numbers[c.nodeid]}"
        test = outcomes.get(c.nodeid)
        if test is not None:
            outcome = "xfailed" if test.outcome == "xfailed" and not c.passed else test.outcome
        else:
            outcome = c.outcome or ("passed" if c.passed else "failed")
        out.append(dataclasses.replace(c, name=name, outcome=outcome))
    return out


def summarize(checks: Iterable[CheckEntry], tests: Iterable[OutcomeEntry] = ()) -> dict[str, int]:
    """The record's counts. A failing check of an ``xfail`` test counts as ``xfailed``, not
    ``failed``; ``errors``, ``skipped`` and ``xpassed`` count marked tests."""
    checks, tests = list(checks), list(tests)
    xfailed = sum(1 for c in checks if not c.passed and c.outcome == "xfailed")
    passed = sum(1 for c in checks if c.passed)
    return {
        "checks": len(checks),
        "passed": passed,
        "failed": len(checks) - passed - xfailed,
        "xfailed": xfailed,
        "tests": len(tests),
        "errors": sum(1 for t in tests if t.outcome == "error"),
        "skipped": sum(1 for t in tests if t.outcome == "skipped"),
        "xpassed": sum(1 for t in tests if t.outcome == "xpassed"),
    }


def build_record(
    entries: Iterable[CheckEntry],
    *,
    tests: Iterable[OutcomeEntry] = (),
    run: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
) -> AuditRecord:
    """Assemble the record; checks are ordered by test node id, then call order.

    That order does not depend on how tests were scheduled, so a ``pytest -n 2`` run
    gives the same record as a serial one. ``tests`` are the outcomes of the marked tests
    (the plugin collects them); each check entry gets its test's outcome and its name.
    """
    outcomes = sorted(tests, key=lambda t: t.nodeid)
    by_id = {t.nodeid: t for t in outcomes}
    checks = tuple(_named(entries, by_id))
    counts: dict[str, int] = {}
    for c in checks:
        counts[c.nodeid] = counts.get(c.nodeid, 0) + 1
    outcomes = [dataclasses.replace(t, checks=counts.get(t.nodeid, 0)) for t in outcomes]
    try:
        version = metadata.version("pytest-mlaudit")
    except metadata.PackageNotFoundError:  # running from a source tree
        version = "0+unknown"
    return AuditRecord(
        schema_version=SCHEMA_VERSION,
        created_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        package={"name": "pytest-mlaudit", "version": version},
        environment=environment(cwd),
        run=dict(run or {}),
        summary=summarize(checks, outcomes),
        checks=checks,
        tests=tuple(outcomes),
    )


def _file_mode() -> int:
    """The mode ``open()`` gives a new file under the current umask (0o644 for 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_record(record: AuditRecord, path: str | os.PathLike[str]) -> Path:
    """Write ``record`` as strict JSON to ``path`` atomically; return the path.

    The file appears complete or not at all: it is written to a temporary file in the
    same directory and renamed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record.to_dict(), indent=2, allow_nan=False, ensure_ascii=False)
    if target.is_dir():
        raise IsADirectoryError(
            21, "is a directory; name a file such as DIR/audit.json", str(target)
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        os.chmod(tmp, _file_mode())  # mkstemp makes it 0600; a record is shared like a report
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _refuse_constant(name: str) -> Any:
    raise ValueError(
        f"{name} is not strict JSON (an mlaudit record writes non-finite numbers as the "
        f'strings "nan", "inf", "-inf")'
    )


def loads_strict(text: str) -> Any:
    """``json.loads`` that refuses the non-standard ``NaN``/``Infinity`` literals."""
    return json.loads(text, parse_constant=_refuse_constant)


def read_record(path: str | os.PathLike[str]) -> AuditRecord:
    """Read and validate a record written by :func:`write_record`."""
    p = Path(path)
    try:
        data = loads_strict(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MlauditInputError(f"no audit record at {str(p)!r}.") from None
    except IsADirectoryError:
        raise MlauditInputError(
            f"{str(p)!r} is a directory; pass the record's JSON file (e.g. reports/audit.json)."
        ) from None
    except UnicodeDecodeError:
        raise MlauditInputError(
            f"{str(p)!r} is not a text file; an audit record is UTF-8 JSON written by "
            "`pytest --mlaudit-json=PATH`."
        ) from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise MlauditInputError(f"{str(p)!r} is not valid JSON: {exc}.") from None
    try:
        return AuditRecord.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise MlauditInputError(f"{str(p)!r} is not a valid mlaudit record: {exc}") from None
