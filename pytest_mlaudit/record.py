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
    "SCHEMA_VERSION",
    "AuditRecord",
    "CheckEntry",
    "build_record",
    "read_record",
    "write_record",
]

#: Bumped on any change a reader must know about (see docs/record-schema.md).
SCHEMA_VERSION: Final = "1.1"

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
class AuditRecord:
    """The record of one run."""

    schema_version: str
    created_at: str  #: ISO-8601, UTC, when the record was written
    package: dict[str, str]  #: {"name": "pytest-mlaudit", "version": ...}
    environment: dict[str, Any]  #: python, platform, package versions, git commit
    run: dict[str, Any]  #: how the run went: exit status, duration, pytest args
    summary: dict[str, int]  #: {"checks": n, "passed": n, "failed": n}
    checks: tuple[CheckEntry, ...]

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


def build_record(
    entries: Iterable[CheckEntry],
    *,
    run: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
) -> AuditRecord:
    """Assemble the record; checks are ordered by test node id, then call order.

    That order does not depend on how tests were scheduled, so a ``pytest -n 2`` run
    gives the same record as a serial one.
    """
    checks = tuple(sorted(entries, key=_sort_key))
    passed = sum(1 for c in checks if c.passed)
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
        summary={"checks": len(checks), "passed": passed, "failed": len(checks) - passed},
        checks=checks,
    )


def write_record(record: AuditRecord, path: str | os.PathLike[str]) -> Path:
    """Write ``record`` as strict JSON to ``path`` atomically; return the path.

    The file appears complete or not at all: it is written to a temporary file in the
    same directory and renamed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record.to_dict(), indent=2, allow_nan=False, ensure_ascii=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_record(path: str | os.PathLike[str]) -> AuditRecord:
    """Read and validate a record written by :func:`write_record`."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MlauditInputError(f"no audit record at {str(p)!r}.") from None
    except json.JSONDecodeError as exc:
        raise MlauditInputError(f"{str(p)!r} is not valid JSON: {exc}.") from None
    try:
        return AuditRecord.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise MlauditInputError(f"{str(p)!r} is not a valid mlaudit record: {exc}") from None
