"""The pytest plugin (entry point ``pytest11: mlaudit``): options, ini keys, markers,
the ``mlaudit`` fixture and the hooks that collect results. Nothing else.

The checks live in :mod:`pytest_mlaudit.checks` and never import pytest; this module
imports none of them (nor numpy, scipy, cleanlab, locust or papermill) at import time,
so projects that don't use mlaudit don't pay for it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_mlaudit import registry
from pytest_mlaudit.auditor import Auditor
from pytest_mlaudit.errors import CheckFailed
from pytest_mlaudit.record import CheckEntry, OutcomeEntry, build_record, write_record
from pytest_mlaudit.result import CheckReport

__all__ = ["mlaudit"]


@dataclasses.dataclass(slots=True)
class _TestState:
    """What the phase reports of one marked test said so far."""

    markers: tuple[str, ...]
    outcome: str = "passed"
    when: str = "call"
    exception: str | None = None
    message: str | None = None
    duration_s: float = 0.0

    def entry(self, nodeid: str) -> OutcomeEntry:
        return OutcomeEntry(
            nodeid=nodeid,
            markers=self.markers,
            outcome=self.outcome,
            when=self.when,
            exception=self.exception,
            message=self.message,
            duration_s=round(self.duration_s, 6),
            checks=0,
        )


@dataclasses.dataclass(slots=True)
class _SessionState:
    entries: list[CheckEntry] = dataclasses.field(default_factory=list)
    #: node id -> outcome so far, for every test with an mlaudit marker or the fixture
    tests: dict[str, _TestState] = dataclasses.field(default_factory=dict)
    ini_defaults: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    started: float = dataclasses.field(default_factory=time.time)
    record_path: Path | None = None
    history_path: Path | None = None  #: the SQLite audit history to append the record to
    history_note: str | None = None  #: what happened to it, for the terminal summary
    mlflow_note: str | None = None  #: where --mlaudit-mlflow logged the run, for the summary
    mlflow_run: str | None = None  #: that run's page (or runs:/ID), for the alerts
    alert_webhook: str | None = None  #: --mlaudit-alert-webhook (pytest_mlaudit.alerts)
    alert_lines: list[tuple[str, bool]] = dataclasses.field(default_factory=list)
    record: Any = None  #: the run's AuditRecord, built at session finish


_STATE = pytest.StashKey[_SessionState]()

#: per test: (index into the session's entries, check name, the report returned)
_RECORDED = pytest.StashKey[list[tuple[int, str, CheckReport]]]()
_WORKER_KEY = "mlaudit_entries"
#: attributes the plugin sets on a TestReport (xdist sends them from worker to controller)
_REPORT_MARKERS = "mlaudit_markers"
_REPORT_EXCEPTION = "mlaudit_exception"
#: characters of an exception message or skip reason kept in the record
_MESSAGE_CHARS = 500
#: where the record of a run is appended when no history path is given
DEFAULT_HISTORY = Path(".mlaudit") / "history.sqlite"
_OFF = frozenset({"none", "off", "no", "false", "0"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlaudit", "ML reliability audit (pytest-mlaudit)")
    group.addoption(
        "--mlaudit-json",
        metavar="PATH",
        default=None,
        help="write the run's audit record (every check's numbers) to PATH as JSON.",
    )
    group.addoption(
        "--mlaudit-report",
        metavar="DIR",
        default=None,
        help="render the audit notebook and HTML report into DIR at the end of the run "
        "(needs the [report] extra).",
    )
    group.addoption(
        "--mlaudit-template",
        metavar="PATH",
        default=None,
        help="notebook template for --mlaudit-report (default: the bundled audit_report.ipynb).",
    )
    group.addoption(
        "--mlaudit-target-url",
        metavar="URL",
        default=None,
        help="base URL the load tests target instead of a local server (e.g. staging); "
        "mlaudit.load()/mlaudit.capacity() may then load this non-loopback host.",
    )
    group.addoption(
        "--mlaudit-history",
        metavar="PATH",
        default=None,
        help="append the run's audit record to the SQLite audit history at PATH, for "
        "`mlaudit history` and `mlaudit retrain-check` (default: .mlaudit/history.sqlite "
        "under the rootdir whenever a record is written; 'none' turns it off).",
    )
    group.addoption(
        "--mlaudit-mlflow",
        metavar="TRACKING_URI",
        nargs="?",
        const="",
        default=None,
        help="log the audit as one MLflow run (metrics, verdict tags, the record and the "
        "report as artifacts) to TRACKING_URI (default: $MLFLOW_TRACKING_URI, else "
        "sqlite:///mlflow.db); write --mlaudit-mlflow=URI; 'none' turns it off. "
        "Needs the [mlflow] extra.",
    )
    group.addoption(
        "--mlaudit-mlflow-experiment",
        metavar="NAME",
        default=None,
        help="the MLflow experiment of --mlaudit-mlflow (default: mlaudit).",
    )
    parser.addini(
        "mlaudit_mlflow",
        "log each audit to MLflow: true (MLflow's tracking URI), false, or a tracking URI",
        default=None,
    )
    parser.addini(
        "mlaudit_mlflow_experiment",
        "the MLflow experiment of the audit runs (default: mlaudit)",
        default=None,
    )
    parser.addini(
        "mlaudit_history",
        "default of --mlaudit-history (relative to the ini file; 'none' turns it off)",
        default=None,
    )
    parser.addini(
        "mlaudit_target_url", "default of --mlaudit-target-url (load tests' target)", default=None
    )
    parser.addini(
        "mlaudit_json", "default path of the audit record (like --mlaudit-json)", default=None
    )
    parser.addini(
        "mlaudit_report",
        "default directory of the audit report (like --mlaudit-report)",
        default=None,
    )
    group.addoption(
        "--mlaudit-alert-webhook",
        metavar="URL",
        default=None,
        help="when checks start failing or pass again, POST one JSON message (Slack-compatible "
        "text and the alerts) to URL (default: $MLAUDIT_ALERT_WEBHOOK, else the "
        "mlaudit_alert_webhook ini key; 'none' turns it off). See docs/alerts.md.",
    )
    parser.addini("mlaudit_alert_webhook", "default of --mlaudit-alert-webhook", default=None)
    parser.addini(
        "mlaudit_alert_timeout", "seconds the alert webhook POST may take in all (5)", default=None
    )
    parser.addini(
        "mlaudit_defaults",
        "defaults of the checks, one 'marker.option = value' per line "
        "(value is JSON, else a string), e.g. 'drift.alpha = 0.01'",
        type="linelist",
        default=[],
    )


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """``pytest_mlaudit_alert``: see :mod:`pytest_mlaudit.hooks`."""
    from pytest_mlaudit import hooks

    pluginmanager.add_hookspecs(hooks)


def _parse_ini_defaults(lines: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for line in lines:
        key, sep, raw = line.partition("=")
        marker, dot, option = key.strip().partition(".")
        if not sep or not dot or not option.isidentifier():
            raise pytest.UsageError(
                f"mlaudit_defaults: cannot read {line!r}; write 'marker.option = value', "
                "e.g. 'drift.alpha = 0.01'."
            )
        markers = registry.failure_modes()
        if marker not in markers:
            raise pytest.UsageError(
                f"mlaudit_defaults: unknown marker {marker!r} in {line!r}; "
                f"known: {', '.join(sorted(markers))}."
            )
        raw = raw.strip()
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.setdefault(marker, {})[option] = value
    return out


def pytest_configure(config: pytest.Config) -> None:
    for mode in registry.failure_modes().values():
        config.addinivalue_line("markers", f"{mode.name}(**defaults): {mode.help}")
    for problem in registry.registration_errors():
        config.issue_config_time_warning(
            pytest.PytestConfigWarning(f"mlaudit: a check kind could not be registered: {problem}"),
            stacklevel=2,
        )
    state = _SessionState(ini_defaults=_parse_ini_defaults(config.getini("mlaudit_defaults")))
    json_opt = config.getoption("mlaudit_json") or config.getini("mlaudit_json")
    report_dir = _report_dir(config)
    if json_opt:
        state.record_path = Path(json_opt)
    elif report_dir is not None:
        state.record_path = report_dir / "audit.json"
    state.alert_webhook = _alert_webhook(config)
    history = config.getoption("mlaudit_history")
    ini_history = config.getini("mlaudit_history")
    if history:
        state.history_path = None if history.lower() in _OFF else Path(history)
    elif ini_history:
        base = config.inipath.parent if config.inipath else config.rootpath
        off = str(ini_history).lower() in _OFF
        state.history_path = None if off else base / str(ini_history)
    elif state.record_path is not None:
        # every run that writes a record also appends it to the default history
        state.history_path = config.rootpath / DEFAULT_HISTORY
    elif state.alert_webhook is not None:  # alerts compare with the last run: the history
        state.history_path = config.rootpath / DEFAULT_HISTORY
    if state.alert_webhook is not None and state.history_path is None:
        config.issue_config_time_warning(
            pytest.PytestConfigWarning(
                "mlaudit: --mlaudit-alert-webhook needs the audit history (it compares each "
                "check with the last run), which is turned off: no alert will be sent."
            ),
            stacklevel=2,
        )
    config.stash[_STATE] = state
    if not _is_worker(config):  # under xdist the controller sees every worker's reports
        config.pluginmanager.register(_OutcomeCollector(state), "mlaudit-outcomes")


def _report_dir(config: pytest.Config) -> Path | None:
    value = config.getoption("mlaudit_report") or config.getini("mlaudit_report")
    return Path(value) if value else None


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _target_url(config: pytest.Config) -> str | None:
    value = config.getoption("mlaudit_target_url") or config.getini("mlaudit_target_url")
    return str(value) if value else None


@pytest.fixture(scope="session")
def mlaudit_target_url(request: pytest.FixtureRequest) -> str | None:
    """``--mlaudit-target-url`` (or the ``mlaudit_target_url`` ini key), else None.

    A server fixture yields this URL when it is set (load a staging endpoint) and starts
    a local server on 127.0.0.1 otherwise.
    """
    return _target_url(request.config)


@pytest.fixture
def mlaudit(request: pytest.FixtureRequest) -> Iterator[Auditor]:
    """The checks, with this test's marker kwargs as defaults; every result is recorded.

    ``mlaudit.drift(...)``, ``mlaudit.parity(...)``, ``mlaudit.labels(...)``,
    ``mlaudit.load(...)``: see :class:`pytest_mlaudit.auditor.Auditor`.
    """
    node = request.node
    state = request.config.stash[_STATE]
    defaults: dict[str, dict[str, Any]] = {m: dict(v) for m, v in state.ini_defaults.items()}
    sources = {m: f"mlaudit_defaults ({m}.*)" for m in defaults}
    markers: list[str] = []
    for name in registry.failure_modes():
        found = list(node.iter_markers(name))  # closest (function) first
        if not found:
            continue
        markers.append(name)
        for mark in reversed(found):  # module/class first, the function's own last
            if mark.args:
                raise pytest.UsageError(
                    f"{node.nodeid}: @pytest.mark.{name} takes keyword arguments only "
                    f"(check defaults); got positional {mark.args!r}."
                )
            defaults.setdefault(name, {}).update(mark.kwargs)
        sources[name] = f"@pytest.mark.{name}(...) on {node.nodeid}"
    target = _target_url(request.config)
    if target:  # --mlaudit-target-url names a host the load checks may load on purpose
        defaults.setdefault("load", {}).setdefault("allowed_hosts", [target])
    seq = 0

    def sink(check: str, report: CheckReport, seconds: float) -> None:
        nonlocal seq
        entry = CheckEntry.from_report(
            check, report, nodeid=node.nodeid, seq=seq, markers=markers, duration_s=seconds
        )
        state.entries.append(entry)
        node.stash.setdefault(_RECORDED, []).append((len(state.entries) - 1, check, report))
        _add_properties(node, entry)
        seq += 1

    yield Auditor(defaults=defaults, sources=sources, sink=sink)


def _add_properties(node: pytest.Item, entry: CheckEntry) -> None:
    prefix = f"mlaudit.{entry.seq}.{entry.check}."
    node.user_properties[:] = [p for p in node.user_properties if not p[0].startswith(prefix)]
    node.user_properties.extend((prefix + key, value) for key, value in entry.figures.items())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Record the verdict of ``assert_slo(...)``-style calls that tighten a threshold.

    ``report.assert_slo(p95_ms=150)`` raises :class:`CheckFailed` with the report judged
    against the stricter objectives; that verdict replaces the one recorded when the
    check returned, so the record agrees with the test's outcome.
    """
    try:
        return (yield)
    except CheckFailed as exc:
        state = item.config.stash[_STATE]
        for index, check, recorded in item.stash.get(_RECORDED, []):
            if exc.report is not recorded and exc.report.supersedes(recorded):
                old = state.entries[index]
                new = CheckEntry.from_report(
                    check,
                    exc.report,
                    nodeid=old.nodeid,
                    seq=old.seq,
                    markers=old.markers,
                    duration_s=old.duration_s,
                )
                state.entries[index] = new
                _add_properties(item, new)
        raise


def _markers_of(item: pytest.Item) -> tuple[str, ...] | None:
    """The item's mlaudit markers, or None when it is no audit test (no marker, no fixture)."""
    names = tuple(m for m in registry.failure_modes() if item.get_closest_marker(m) is not None)
    if names or "mlaudit" in getattr(item, "fixturenames", ()):
        return names
    return None


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 3] + "..."


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """Tag the reports of audit tests with their markers and the exception they raised."""
    report = yield
    markers = _markers_of(item)
    if markers is not None:
        setattr(report, _REPORT_MARKERS, list(markers))
        excinfo = call.excinfo
        if excinfo is not None and not isinstance(excinfo.value, pytest.skip.Exception):
            exc = excinfo.value
            setattr(
                report,
                _REPORT_EXCEPTION,
                [type(exc).__name__, _short(str(exc)), isinstance(exc, AssertionError)],
            )
    return report


class _OutcomeCollector:
    """Registered per session (on the xdist controller only): folds each phase's report of
    an audit test into that test's outcome."""

    def __init__(self, state: _SessionState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        markers = getattr(report, _REPORT_MARKERS, None)
        if markers is not None:
            _fold(self.state, report, tuple(markers))


def _fold(state: _SessionState, report: pytest.TestReport, markers: tuple[str, ...]) -> None:
    test = state.tests.setdefault(report.nodeid, _TestState(markers=markers))
    test.duration_s += float(getattr(report, "duration", 0.0) or 0.0)
    exc = getattr(report, _REPORT_EXCEPTION, None)
    wasxfail = getattr(report, "wasxfail", None)
    if report.when == "call" or (report.when == "setup" and not report.passed):
        test.when = report.when
        if report.skipped:
            if wasxfail is not None:
                test.outcome, test.message = "xfailed", _short(str(wasxfail)) or None
                if exc is not None:
                    test.exception = exc[0]
            else:
                test.outcome, test.message = "skipped", _skip_reason(report)
        elif report.failed:
            is_assertion = bool(exc[2]) if exc is not None else False
            if report.when == "call" and (is_assertion or exc is None):
                test.outcome = "failed"  # an assertion, a failed check, a strict XPASS
            else:
                test.outcome = "error"
            if exc is not None:
                test.exception, test.message = exc[0], exc[1]
            elif wasxfail is not None or "XPASS" in str(report.longrepr or ""):
                test.message = "XPASS(strict): " + _short(str(wasxfail or ""))
        elif wasxfail is not None:
            test.outcome, test.message = "xpassed", _short(str(wasxfail)) or None
        else:
            test.outcome = "passed"
    elif report.when == "teardown" and report.failed and test.outcome != "error":
        test.outcome, test.when = "error", "teardown"
        if exc is not None:
            test.exception, test.message = exc[0], exc[1]


def _skip_reason(report: pytest.TestReport) -> str | None:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return _short(str(longrepr[2]).removeprefix("Skipped: "))
    return _short(str(longrepr)) if longrepr else None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash[_STATE]
    if _is_worker(config):
        workeroutput: dict[str, Any] = config.workeroutput  # type: ignore[attr-defined]
        workeroutput[_WORKER_KEY] = json.dumps([e.to_dict() for e in state.entries])
        return
    state.record = build_record(
        state.entries,
        tests=[t.entry(nodeid) for nodeid, t in state.tests.items()],
        run={
            "exitstatus": int(exitstatus),
            "duration_s": round(time.time() - state.started, 3),
            "args": list(config.invocation_params.args),
            "rootdir": str(config.rootpath),
            "invocation_dir": str(config.invocation_params.dir),
        },
        cwd=config.rootpath,
    )
    mlflow_uri = _mlflow_uri(config)
    if state.record_path is None and state.history_path is None and mlflow_uri is None:
        return
    tr = config.pluginmanager.get_plugin("terminalreporter")
    path = None
    if state.record_path is not None:
        path = _write_record_safely(config, state.record, state.record_path, tr)
    report_dir = _report_dir(config)
    if report_dir is not None and path is not None:
        _render_report(config, path, report_dir, tr)
    state.record_path = path
    if state.history_path is not None:
        _append_history(state, state.record, path, tr)
    if mlflow_uri is not None:  # before the alerts, which link to the run
        _log_mlflow(config, state, mlflow_uri, report_dir, tr)
    if state.history_path is not None:
        _raise_alerts(config, state, path, report_dir)


_ON = frozenset({"true", "yes", "on", "1"})


def _mlflow_uri(config: pytest.Config) -> str | None:
    """--mlaudit-mlflow / the ``mlaudit_mlflow`` ini key: None off, "" MLflow's own URI."""
    value = config.getoption("mlaudit_mlflow")
    if value is None:
        value = config.getini("mlaudit_mlflow") or None
        if value is not None and str(value).strip().lower() in _ON:
            value = ""
    if value is None or str(value).strip().lower() in _OFF:
        return None
    return str(value).strip()


def _log_mlflow(
    config: pytest.Config, state: _SessionState, uri: str, report_dir: Path | None, tr: Any
) -> None:
    """Log the run to MLflow; a failure is one line, never a changed verdict."""
    experiment = config.getoption("mlaudit_mlflow_experiment") or config.getini(
        "mlaudit_mlflow_experiment"
    )
    files = []
    for name in ("audit.html", "audit.ipynb"):  # what --mlaudit-report rendered this run
        path = report_dir / name if report_dir is not None else None
        if path is not None and path.is_file() and path.stat().st_mtime >= state.started - 1:
            files.append(path)
    try:
        from pytest_mlaudit.integrations.mlflow.tracking import log_audit

        logged = log_audit(
            state.record, tracking_uri=uri or None, experiment=experiment or None, artifacts=files
        )
    except Exception as exc:  # the run's verdict must not depend on MLflow
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        later = ""
        if state.record_path is not None:  # the record is kept: it can be logged later
            where = f"--tracking-uri {uri}" if uri else "--mlflow"
            named = f" --mlflow-experiment {experiment}" if experiment else ""
            later = f"; log it later: mlaudit history add {state.record_path} {where}{named}"
        _say(
            tr,
            f"the audit was NOT logged to MLflow {uri or '(default URI)'}: {_short(detail)}{later}",
        )
        return
    state.mlflow_note = (
        f"audit logged to MLflow run {logged.run_id} (experiment "
        f"{experiment or 'mlaudit'!r} at {logged.tracking_uri})"
    )
    state.mlflow_run = logged.link


def _say(tr: Any, message: str, *, red: bool = False) -> None:
    """One line of output at session finish, on the terminal reporter when there is one."""
    if tr is not None:
        # at session finish the last progress line ("....  [100%]") is not ended yet,
        # and ensure_newline() does not know it
        if getattr(getattr(tr, "_tw", None), "width_of_current_line", 1):
            tr.line("")
        tr.write_line(f"mlaudit: {message}", red=red)
    else:
        import sys

        print(f"mlaudit: {message}", file=sys.stderr)


def _write_record_safely(config: pytest.Config, record: Any, target: Path, tr: Any) -> Path | None:
    """Write the record; when ``target`` cannot be written, keep it at a safe place instead.

    The run's exit status and verdicts never depend on it: a failure is one line of output.
    """
    try:
        return write_record(record, target)
    except OSError as exc:
        reason = f"{exc.strerror or type(exc).__name__}"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for folder in (config.rootpath / ".mlaudit" / "records", Path(tempfile.gettempdir())):
        fallback = folder / f"audit-{stamp}-{os.getpid()}.json"
        try:
            path = write_record(record, fallback)
        except OSError:
            continue
        _say(
            tr,
            f"could not write the record to {target} ({reason}); it was saved to {path} instead.",
            red=True,
        )
        return path
    _say(tr, f"could not write the record to {target} ({reason}), nor anywhere else.", red=True)
    return None


def _append_history(state: _SessionState, record: Any, json_path: Path | None, tr: Any) -> None:
    """Append the record to the audit history; a failure is reported, never raised, and
    never loses the record (see :func:`pytest_mlaudit.history.append_after_run`)."""
    assert state.history_path is not None
    try:
        from pytest_mlaudit.history import append_after_run

        ok, message = append_after_run(record, state.history_path, json_path=json_path)
    except Exception as exc:  # the run's verdict must not depend on the history
        ok, message = False, f"the history store could not be used ({exc!r})"
    state.history_note = message
    if not ok:  # say it now: the summary section is skipped when no check ran
        _say(tr, message, red=True)
        state.history_note = None


def _alert_webhook(config: pytest.Config) -> str | None:
    from pytest_mlaudit.alerts import parse_timeout, resolve_webhook
    from pytest_mlaudit.errors import MlauditInputError

    try:
        parse_timeout(config.getini("mlaudit_alert_timeout"))
        ini = config.getini("mlaudit_alert_webhook")
        return resolve_webhook(config.getoption("mlaudit_alert_webhook"), ini or None)
    except MlauditInputError as exc:
        raise pytest.UsageError(str(exc)) from None


def _raise_alerts(
    config: pytest.Config, state: _SessionState, record: Path | None, report_dir: Path | None
) -> None:
    """Fire and resolve the checks' alerts against the history, tell the conftest hook and
    the webhook; what happened is a line of the summary, never a changed verdict."""
    hook = config.hook.pytest_mlaudit_alert
    call = None
    if hook.get_hookimpls():

        def call(alerts: Any) -> None:
            hook(alerts=list(alerts), config=config)

    html = report_dir / "audit.html" if report_dir is not None else None
    try:
        from pytest_mlaudit.alerts import parse_timeout, raise_alerts

        assert state.history_path is not None
        outcome = raise_alerts(
            state.record,
            state.history_path,
            record_path=record,
            html_path=html if html is not None and html.is_file() else None,
            webhook=state.alert_webhook,
            timeout=parse_timeout(config.getini("mlaudit_alert_timeout")),
            hook=call,
            mlflow_run=state.mlflow_run,
        )
    except Exception as exc:  # the run's verdict must not depend on the alerts
        if state.alert_webhook is not None or call is not None:
            state.alert_lines.append((f"no alert was raised: {_short(str(exc))}", True))
        return
    state.alert_lines.extend(outcome.lines())


def _render_report(config: pytest.Config, record: Path, out_dir: Path, tr: Any) -> None:
    """Render the notebook report; a failure is reported but never changes the verdict."""

    def say(msg: str) -> None:
        if tr is not None:
            _say(tr, msg)

    try:
        from pytest_mlaudit.report import render_report

        template = config.getoption("mlaudit_template")
        render_report(record, out_dir, template=template, progress=say)
    except Exception as exc:  # the run's verdict must not depend on the report
        detail = str(exc)  # a ReportError names the record and the failing cell itself
        if str(record) not in detail and str(record.absolute()) not in detail:
            detail += f"; the record is kept at {record}"
        say(f"the report could not be rendered: {detail}")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: collect the entries a worker recorded."""
    raw = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if not raw:
        return
    state = node.config.stash[_STATE]
    state.entries.extend(CheckEntry.from_dict(d) for d in json.loads(raw))


_VERDICT = {
    "passed": "PASS",
    "failed": "FAIL",
    "xfailed": "XFAIL",
    "xpassed": "XPASS",
    "error": "ERROR",
    "skipped": "SKIP",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(summary: dict[str, int]) -> str:
    """``3 checks, 2 passed, 1 failed`` plus xfailed checks and errored/skipped tests."""
    s = summary
    parts = [_plural(s.get("checks", 0), "check"), f"{s.get('passed', 0)} passed"]
    parts.append(f"{s.get('failed', 0)} failed")
    if s.get("xfailed"):
        parts.append(f"{s['xfailed']} xfailed")
    text = ", ".join(parts)
    tests = []
    if s.get("errors"):
        tests.append(f"{_plural(s['errors'], 'test')} errored")
    if s.get("skipped"):
        tests.append(f"{s['skipped']} skipped")
    if s.get("xpassed"):
        tests.append(f"{s['xpassed']} xpassed")
    return text + ("; " + ", ".join(tests) if tests else "")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash[_STATE]
    record = state.record
    if _is_worker(config) or record is None or not (record.checks or record.tests):
        return
    failed = record.summary.get("failed", 0) + record.summary.get("errors", 0)
    terminalreporter.write_sep("=", f"mlaudit: {summary_line(record.summary)}", red=bool(failed))
    rows: list[tuple[str, str, str, str]] = []
    for e in record.checks:
        verdict = "PASS" if e.passed else _VERDICT.get(e.outcome, "FAIL")
        if not e.passed and e.outcome not in ("xfailed",):
            verdict = "FAIL"
        detail = e.headline.describe() + (f"  {e.brief}" if e.brief else "")
        rows.append((verdict, e.check, e.name, detail))
    for t in record.tests:  # tests that reached no verdict, and why (passing ones are
        # in the record; their checks, if any, are listed above)
        if t.outcome in ("error", "skipped") or (t.checks == 0 and t.outcome != "passed"):
            what = f"{t.exception}: {t.message}" if t.exception else (t.message or "")
            where = f" in {t.when}" if t.outcome == "error" and t.when != "call" else ""
            text = f"{what}{where}".strip() or t.outcome
            kind = ",".join(t.markers) or "mlaudit"
            rows.append((_VERDICT.get(t.outcome, t.outcome.upper()), kind, t.nodeid, text))
    vw = max((len(r[0]) for r in rows), default=0)
    kw = max((len(r[1]) for r in rows), default=0)
    for verdict, kind, name, detail in rows:
        bad = verdict in ("FAIL", "ERROR")
        line = f"{verdict.ljust(vw)} {kind.ljust(kw)} {name}  {detail}"
        terminalreporter.write_line(
            line, red=bad, green=verdict == "PASS", yellow=not bad and verdict != "PASS"
        )
    if state.record_path is not None:
        terminalreporter.write_line(f"mlaudit: record written to {state.record_path}")
    if state.history_note:
        terminalreporter.write_line(f"mlaudit: {state.history_note}")
    if state.mlflow_note:
        terminalreporter.write_line(f"mlaudit: {state.mlflow_note}")
    for line, bad in state.alert_lines:
        terminalreporter.write_line(f"mlaudit: {line}", red=bad)
