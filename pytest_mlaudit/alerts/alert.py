"""One alert: a check whose state changed between runs, and how checks are told apart.

A check is known across runs by its **alert key**, ``"<nodeid>::<check>#<seq>"``: the
test's node id, the check that ran (``drift``, ``gate``, ...) and its position among the
checks of that test (0, 1, ...), the identity the history keys its rows on. Renaming
the test, or putting another check before it in the test, makes a new key.

A check's verdict in one run is *failing* (it failed), *passing* (it passed), or none:
a failing check of an ``xfail`` test is expected to fail and changes nothing, and a
check that did not run (its test errored before it, was skipped or deselected) keeps
the state it had.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any, Literal

from pytest_mlaudit._serde import from_jsonable, to_jsonable
from pytest_mlaudit.record import AuditRecord, CheckEntry
from pytest_mlaudit.result import Measure

__all__ = ["Alert", "AlertState", "alert_key", "build_alert", "ci_run_url", "observe"]

AlertState = Literal["firing", "resolved"]


def alert_key(entry: CheckEntry) -> str:
    """How the check of ``entry`` is known across runs.

    Examples
    --------
    >>> from pytest_mlaudit.record import CheckEntry
    >>> from pytest_mlaudit.result import BadWhen, Measure
    >>> e = CheckEntry("tests/test_a.py::test_inputs", 0, "drift", "drift", ("drift",), False,
    ...                0.1, Measure("ks", 0.4, 0.05, BadWhen.ABOVE), {}, {}, "", {})
    >>> alert_key(e)
    'tests/test_a.py::test_inputs::drift#0'
    """
    return f"{entry.nodeid}::{entry.check}#{entry.seq}"


def observe(record: AuditRecord) -> dict[str, bool]:
    """Each check of ``record`` with a verdict: its alert key -> True failing, False passing
    (a failing check of an ``xfail`` test has none: it was expected to fail)."""
    out: dict[str, bool] = {}
    for entry in record.checks:
        if entry.passed:
            out[alert_key(entry)] = False
        elif entry.outcome != "xfailed":
            out[alert_key(entry)] = True
    return out


def ci_run_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The page of this CI run, when the environment says (GitHub Actions, GitLab CI)."""
    env = os.environ if environ is None else environ
    if env.get("CI_JOB_URL"):  # GitLab
        return env["CI_JOB_URL"]
    server, repo, run = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if server and repo and run:
        return f"{server}/{repo}/actions/runs/{run}"
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class Alert:
    """A check that started failing (``firing``) or passes again (``resolved``).

    What the ``pytest_mlaudit_alert`` hook receives, and what the webhook message holds
    (:meth:`to_dict`) for each alert.
    """

    state: AlertState
    key: str  #: the check's alert key (:func:`alert_key`)
    name: str  #: as the terminal summary and the report name it (node id, ``#n``)
    nodeid: str  #: the test's node id
    check: str  #: the check that ran: "drift", "gate", ...
    kind: str  #: the report kind
    verdict: str  #: the check's verdict in this run: "failed" or "passed"
    since: str  #: when the check started failing (ISO-8601 UTC; firing: this run)
    headline: Measure  #: the check's statistic against its threshold
    brief: str  #: a few words after the headline (e.g. the drifted columns)
    measures: tuple[Measure, ...]  #: every per-subject figure of the check
    figures: dict[str, float | int | str | bool]  #: the check's flat key figures
    #: the run: ``id`` (in the history), ``created_at``, ``git_commit``, ``url`` (CI page)
    run: dict[str, Any]
    #: the report: ``record`` (the JSON record's path) and ``html`` (the HTML report's), or None
    report: dict[str, str | None]

    @property
    def summary(self) -> str:
        """``ks=0.41 > 0.05  drifted: income``: the headline and the brief."""
        return self.headline.describe() + (f"  {self.brief}" if self.brief else "")

    def text(self) -> str:
        """The alert in one line (Slack mrkdwn): the headline and the check's own brief.

        Single measures are not listed: a measure past its own threshold is not a failure
        by itself (a drift column fails when its p-value *and* its effect do), so the line
        would name columns that did not drift; the payload carries every measure.
        """
        word = (
            ":red_circle: *FIRING*" if self.state == "firing" else ":large_green_circle: *RESOLVED*"
        )
        line = f"{word} {self.check} `{self.name}`: {self.summary}"
        if self.state == "resolved":
            line += f" (failing since {self.since})"
        return line

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        data["summary"] = self.summary
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        fields = {f.name for f in dataclasses.fields(cls)}
        return from_jsonable(cls, {k: v for k, v in data.items() if k in fields})


def build_alert(
    entry: CheckEntry,
    state: AlertState,
    since: str,
    *,
    run: Mapping[str, Any],
    report: Mapping[str, str | None],
) -> Alert:
    """The alert of ``entry``'s check in ``state``."""
    return Alert(
        state=state,
        key=alert_key(entry),
        name=entry.name or entry.nodeid,
        nodeid=entry.nodeid,
        check=entry.check,
        kind=entry.kind,
        verdict="passed" if entry.passed else "failed",
        since=since,
        headline=entry.headline,
        brief=entry.brief,
        measures=tuple(entry.measures),
        figures=dict(entry.figures),
        run=dict(run),
        report=dict(report),
    )
