"""An audit session without pytest: a notebook or a scheduled job gets the artefacts of CI.

``with audit_session("reports/", project="credit-risk") as audit:`` gives an
:class:`AuditSession`, the same object the ``mlaudit`` fixture is (every check as a method,
``audit.record(report)`` for your own), which keeps every result the way the pytest plugin
does. On exit it writes ``reports/audit.json`` (the same record schema, outcomes included),
appends it to the audit history and renders ``reports/audit.html``.

Each check called directly is a "test" of its own, named ``<session>::<check>``; checks
inside ``with audit.test("inputs have not drifted"):`` are one test, whose outcome is that
of the block (an ``AssertionError`` such as a failed ``assert_ok()`` fails it; any other
exception is an error). An exception is recorded first and then raised as usual, and the
record is still written. Writing or rendering an output never raises: a failure is a
warning, and :attr:`AuditSession.problems` lists it.

Examples
--------
>>> import tempfile, numpy as np
>>> rng = np.random.default_rng(0)
>>> out = tempfile.mkdtemp()
>>> with audit_session(out, project="demo", history=False, render=False) as audit:
...     report = audit.drift(rng.normal(size=300), rng.normal(size=300))
>>> audit.record_path.name, audit.result.summary["checks"], audit.result.summary["passed"]
('audit.json', 1, 1)
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pytest_mlaudit import registry
from pytest_mlaudit.auditor import Auditor
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.record import (
    AuditRecord,
    CheckEntry,
    OutcomeEntry,
    build_record,
    write_record,
)
from pytest_mlaudit.result import CheckReport

__all__ = ["AuditSession", "audit_session"]

#: Characters of an exception message kept in the record.
_MESSAGE_CHARS = 500


class _Test:
    __slots__ = ("checks", "exception", "markers", "message", "outcome", "started")

    def __init__(self) -> None:
        self.markers: list[str] = []
        self.checks = 0
        self.outcome = "passed"
        self.exception: str | None = None
        self.message: str | None = None
        self.started = time.perf_counter()


class AuditSession(Auditor):
    """An :class:`~pytest_mlaudit.auditor.Auditor` that keeps every result for the record.

    Made by :func:`audit_session`; after the ``with`` block, :attr:`result` is the
    :class:`~pytest_mlaudit.record.AuditRecord`, :attr:`record_path` and
    :attr:`report_path` say where it was written (None when not).
    """

    __slots__ = (
        "_current",
        "_entries",
        "_name",
        "_outcomes",
        "_started",
        "problems",
        "record_path",
        "report_path",
        "result",
    )

    def __init__(
        self,
        name: str,
        *,
        defaults: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(
            defaults=defaults,
            sources={m: f"audit_session(defaults={{{m!r}: ...}})" for m in defaults or {}},
        )
        self._name = name
        self._entries: list[CheckEntry] = []
        self._outcomes: dict[str, tuple[_Test, float]] = {}
        self._current: tuple[str, _Test] | None = None
        self._started = time.time()
        self.result: AuditRecord | None = None
        self.record_path: Path | None = None
        self.report_path: Path | None = None
        #: what could not be written or rendered, one line each
        self.problems: list[str] = []

    # ----------------------------------------------------------------- recording

    def _record(self, check: str, report: CheckReport, seconds: float) -> None:
        spec = registry.checks().get(check)
        marker = spec.marker if spec is not None else None
        if self._current is not None:
            nodeid, test = self._current
        else:
            nodeid, test = f"{self._name}::{check}", _Test()
            self._finish(nodeid, test, outcome="passed" if report.passed else "failed")
        seq = sum(1 for e in self._entries if e.nodeid == nodeid)
        if marker and marker not in test.markers:
            test.markers.append(marker)
        test.checks += 1
        self._entries.append(
            CheckEntry.from_report(
                check,
                report,
                nodeid=nodeid,
                seq=seq,
                markers=[marker] if marker else [],
                duration_s=seconds,
            )
        )

    def _finish(
        self, nodeid: str, test: _Test, *, outcome: str, exc: BaseException | None = None
    ) -> None:
        test.outcome = outcome
        if exc is not None:
            test.exception = type(exc).__name__
            text = str(exc).strip() or "".join(traceback.format_exception_only(exc)).strip()
            test.message = text[:_MESSAGE_CHARS]
        if nodeid in self._outcomes and self._current is None:
            # the same check called again outside a block: one test, the worse outcome
            known, took = self._outcomes[nodeid]
            if known.outcome != "passed":
                return
            self._outcomes[nodeid] = (test, took)
            return
        self._outcomes[nodeid] = (test, time.perf_counter() - test.started)

    def run(self, check: str, /, *args: Any, **kwargs: Any) -> CheckReport:
        """Run a registered check; an exception is recorded as an error, then raised."""
        if self._current is not None:
            return super().run(check, *args, **kwargs)
        try:
            return super().run(check, *args, **kwargs)
        except Exception as exc:
            spec = registry.checks().get(check)
            test = _Test()
            if spec is not None:
                test.markers.append(spec.marker)
            self._finish(f"{self._name}::{check}", test, outcome="error", exc=exc)
            raise

    @contextlib.contextmanager
    def test(self, name: str) -> Iterator[AuditSession]:
        """Group the checks run inside the block as one test named ``<session>::<name>``.

        >>> import tempfile
        >>> with audit_session(tempfile.mkdtemp(), history=False, render=False) as audit:
        ...     with audit.test("score is stable"):
        ...         _ = audit.drift([0.1, 0.2, 0.3] * 40, [0.1, 0.2, 0.3] * 40, methods="psi")
        >>> [(t.nodeid, t.outcome, t.checks) for t in audit.result.tests]
        [('session::score is stable', 'passed', 1)]
        """
        if not isinstance(name, str) or not name.strip():
            raise MlauditInputError(f"test(name) needs a non-empty string; got name={name!r}.")
        if self._current is not None:
            raise MlauditInputError("audit.test(...) blocks cannot be nested.")
        nodeid = f"{self._name}::{name}"
        if nodeid in self._outcomes:
            raise MlauditInputError(
                f"a test named {name!r} ran already in this session; give each block its own name."
            )
        test = _Test()
        self._current = (nodeid, test)
        try:
            yield self
        except AssertionError as exc:
            self._current = None
            self._finish(nodeid, test, outcome="failed", exc=exc)
            raise
        except BaseException as exc:
            self._current = None
            self._finish(nodeid, test, outcome="error", exc=exc)
            raise
        self._current = None
        self._finish(nodeid, test, outcome="passed")

    # ----------------------------------------------------------------- the end

    def _build(self, *, interrupted: BaseException | None) -> AuditRecord:
        tests = [
            OutcomeEntry(
                nodeid=nodeid,
                markers=tuple(t.markers),
                outcome=t.outcome,
                when="call",
                exception=t.exception,
                message=t.message,
                duration_s=round(took, 6),
                checks=0,
            )
            for nodeid, (t, took) in self._outcomes.items()
        ]
        bad = any(t.outcome in ("failed", "error") for t in tests)
        return build_record(
            self._entries,
            tests=tests,
            run={
                "exitstatus": 1 if bad or interrupted is not None else 0,
                "duration_s": round(time.time() - self._started, 3),
                "args": [],
                "rootdir": str(Path.cwd()),
                "project": self._name,
                "mode": "audit_session",
            },
            cwd=Path.cwd(),
        )


def _problem(session: AuditSession, text: str) -> None:
    session.problems.append(text)
    warnings.warn(f"mlaudit: {text}", RuntimeWarning, stacklevel=4)


@contextlib.contextmanager
def audit_session(
    out_dir: str | os.PathLike[str] | None = "reports",
    *,
    project: str | None = None,
    record: str = "audit.json",
    history: str | os.PathLike[str] | bool = True,
    render: bool = True,
    defaults: Mapping[str, Mapping[str, Any]] | None = None,
) -> Iterator[AuditSession]:
    """Run checks outside pytest and write the record, history and report on exit.

    Parameters
    ----------
    out_dir
        Where ``audit.json`` (and ``audit.ipynb``/``audit.html``) go; None writes no files
        (the record is still built, and appended to the history unless ``history=False``).
    project
        The session's name: checks are named ``<project>::<check>`` (default ``"session"``).
    record
        The record's file name inside ``out_dir``.
    history
        True: append to the audit history where ``mlaudit history`` looks
        (``$MLAUDIT_HISTORY``, the ``mlaudit_history`` ini key, else
        ``.mlaudit/history.sqlite``); a path: that store; False: no history.
    render
        Render the HTML report (needs the ``[report]`` extra).
    defaults
        ``{marker: {option: value}}``, as marker kwargs in a test: ``{"drift": {"alpha": 0.01}}``.
    """
    name = project or "session"
    if not isinstance(name, str) or not name.strip() or "::" in name:
        raise MlauditInputError(
            f"project must be a non-empty name without '::'; got project={project!r}."
        )
    session = AuditSession(name, defaults=defaults)
    interrupted: BaseException | None = None
    try:
        yield session
    except BaseException as exc:
        interrupted = exc
        raise
    finally:
        _close(session, out_dir, record, history, render, interrupted)


def _close(
    session: AuditSession,
    out_dir: str | os.PathLike[str] | None,
    record_name: str,
    history: str | os.PathLike[str] | bool,
    render: bool,
    interrupted: BaseException | None,
) -> None:
    """Write everything; never raise (a problem is a warning and a line in ``problems``)."""
    try:
        result = session._build(interrupted=interrupted)
    except Exception as exc:  # pragma: no cover - defensive: the checks' reports are built
        _problem(session, f"the audit record could not be built: {exc!r}")
        return
    session.result = result
    if out_dir is not None:
        try:
            session.record_path = write_record(result, Path(out_dir) / record_name).resolve()
        except OSError as exc:
            _problem(session, f"the record could not be written to {out_dir}: {exc}")
    if history is not False:
        try:
            from pytest_mlaudit.history import append_after_run, resolve_path

            path = resolve_path(None) if history is True else Path(history)
            ok, message = append_after_run(result, path, json_path=session.record_path)
            if not ok:
                _problem(session, message)
        except Exception as exc:  # the history must not cost the session its record
            _problem(session, f"the history store could not be used ({exc!r})")
    if render and session.record_path is not None and out_dir is not None:
        try:
            from pytest_mlaudit.report import render_report

            session.report_path = render_report(session.record_path, out_dir).resolve()
        except Exception as exc:  # ImportError of the [report] extra included
            _problem(session, f"the report could not be rendered: {exc}")
