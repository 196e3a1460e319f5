"""The overview parts of the report: the header, every check, what to do, the footer.

None of them knows a check kind: the advice of "What to do" comes from the registry
(:func:`pytest_mlaudit.report.sections._dispatch.advice`).
"""

from __future__ import annotations

import math
import os
import shlex
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Final

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report._html import Html
from pytest_mlaudit.report.sections._common import (
    Section,
    _badge,
    _dict,
    _dicts,
    _entries,
    _kind,
    _level,
    _list,
    _needs_action,
    _num,
    _outcome,
    _shown_name,
    describe,
)
from pytest_mlaudit.report.sections._dispatch import advice

__all__ = ["actions", "footer", "header", "summary"]

# --------------------------------------------------------------------------- header


def _project(record: Mapping[str, Any]) -> str:
    run = _dict(record.get("run"))
    root = str(run.get("project") or run.get("rootdir") or "")
    return Path(root).name if root else ""


def _tests_dir(record: Mapping[str, Any]) -> str:
    """The directory all the checks' tests live in, below the project, without a final
    ``tests``: ``examples/credit_risk`` for ``examples/credit_risk/tests/test_x.py::...``."""
    parts_of = [
        PurePosixPath(str(e.get("nodeid")).split("::")[0]).parent.parts
        for e in _entries(record)
        if e.get("nodeid")
    ]
    if not parts_of:
        return ""
    common: list[str] = []
    for level in zip(*parts_of, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    while common and common[-1] in ("tests", "test"):
        common.pop()
    return "/".join(common)


def header(record: Mapping[str, Any]) -> Section:
    """Title, verdict counts, when, git commit, versions and how the run was made."""
    summary_ = _dict(record.get("summary"))
    entries = _entries(record)
    n = int(_num(summary_.get("checks", len(entries))))
    xfailed = int(
        _num(summary_.get("xfailed", sum(1 for e in entries if _outcome(e) == "xfailed")))
    )
    failed = int(_num(summary_.get("failed", sum(1 for e in entries if _needs_action(e)))))
    passed = int(_num(summary_.get("passed", n - failed - xfailed)))
    tests = _dicts(record.get("tests"))
    others = {
        key: int(_num(summary_.get(key, sum(1 for t in tests if t.get("outcome") == outcome))))
        for key, outcome in (("errors", "error"), ("skipped", "skipped"), ("xpassed", "xpassed"))
    }
    env = _dict(record.get("environment"))
    run = _dict(record.get("run"))
    pkg = _dict(record.get("package"))
    project = _project(record)

    commit = env.get("git_commit")
    commit_text: Any = h.DASH
    if commit:
        commit_text = str(commit) + (" (with uncommitted changes)" if env.get("git_dirty") else "")
    exitstatus = run.get("exitstatus")
    status: Html = (
        h.badge(
            "run passed" if exitstatus == 0 else f"run failed (exit status {exitstatus})",
            "pass" if exitstatus == 0 else "fail",
        )
        if exitstatus is not None
        else h.Html("")
    )
    badges: list[Any] = [
        h.badge(h.plural(n, "check"), "info"),
        h.badge(f"{passed} passed", "pass"),
        h.badge(f"{failed} failed", "fail" if failed else "pass"),
    ]
    if xfailed:
        badges.append(h.badge(f"{xfailed} xfailed (expected)", "warn"))
    if others["errors"]:
        badges.append(h.badge(h.plural(others["errors"], "test") + " errored", "fail"))
    if others["xpassed"]:
        badges.append(h.badge(f"{others['xpassed']} xpassed", "warn"))
    if others["skipped"]:
        badges.append(h.badge(f"{others['skipped']} skipped", "info"))
    if exitstatus is not None:
        badges.append(status)
    counts = h.join(badges, " ")
    facts: dict[str, Any] = {
        "written": record.get("created_at", h.DASH),
        "git commit": h.tag("code", commit_text) if commit else commit_text,
        "duration": f"{h.number(run.get('duration_s'))} s" if "duration_s" in run else h.DASH,
        "pytest arguments": h.tag("code", " ".join(map(str, _list(run.get("args"))))) or h.DASH,
        "python": f"{env.get('python', '?')} ({env.get('implementation', '?')}) on "
        f"{env.get('platform', '?')}",
        "pytest-mlaudit": pkg.get("version", "?"),
        "record": h.tag("code", record.get("_path", "")),
    }
    packages = _dict(env.get("packages"))
    if packages:
        facts["package versions"] = h.join(
            [h.join([h.tag("code", f"{k} {v}") for k, v in sorted(packages.items())], ", ")]
        )
    where = _tests_dir(record)
    title = "Audit report" + (f": {project}" if project else "") + (f" · {where}" if where else "")
    return Section().html(h.tag("h1", title), h.tag("p", counts), h.definition_list(facts))


# --------------------------------------------------------------------------- summary


def _sizes(sizes: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in _dict(sizes).items())


def _seconds(x: Any) -> Html:
    v = _num(x)
    return h.Html(f"{v:.2f}") if math.isfinite(v) else h.number(x)


_SUMMARY_COLUMNS: Final = (
    "verdict",
    "check",
    "test",
    "statistic vs threshold",
    "details",
    "sizes",
    "time (s)",
)


def summary(record: Mapping[str, Any]) -> Section:
    """One row per check: verdict, kind, name, headline statistic, details, sizes, time;
    then the marked tests that recorded no check (an error before the check, a skip)."""
    entries = _entries(record)
    section = Section().html(h.tag("h2", "Every check"))
    if not entries:
        section.html(h.tag("p", "The record holds no checks: no test called mlaudit."))
    else:
        rows = [
            [
                _badge(e),
                h.name(_kind(e)),
                h.tag("code", h.nodeid(_shown_name(e), limit=160)),
                describe(e.get("headline")),
                h.text(str(e.get("brief", ""))) if e.get("brief") else "",
                _sizes(e.get("sizes")),
                _seconds(e.get("duration_s")),
            ]
            for e in entries
        ]
        section.html(
            h.table(
                _SUMMARY_COLUMNS,
                rows,
                numeric=[6],
                nowrap=[0, 1, 6],
                breakable=[4],
                ids=[2],
                row_levels=[_level(e) for e in entries],
            )
        )
    bare = _tests_without_checks(record)
    if bare:
        section.html(
            h.tag("h3", "Marked tests that recorded no check"),
            h.table(
                ["outcome", "markers", "test", "phase", "what happened", "time (s)"],
                [
                    [
                        _badge(t),
                        h.name(", ".join(map(str, _list(t.get("markers")))) or h.DASH),
                        h.tag("code", h.nodeid(t.get("nodeid") or "?", limit=160)),
                        h.name(t.get("when") or h.DASH),
                        h.text(_happened(t)),
                        _seconds(t.get("duration_s")),
                    ]
                    for t in bare
                ],
                numeric=[5],
                nowrap=[0, 3, 5],
                breakable=[4],
                ids=[2],
                row_levels=[_level(t) for t in bare],
            ),
        )
    return section


def _tests_without_checks(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The record's marked tests (schema >= 1.1) that recorded no check entry."""
    with_checks = {str(e.get("nodeid")) for e in _entries(record)}
    out = []
    for t in _dicts(record.get("tests")):
        if str(t.get("nodeid")) in with_checks or _num(t.get("checks", 0)) > 0:
            continue
        t = dict(t)
        t["passed"] = t.get("outcome") in ("passed", "xpassed")
        out.append(t)
    return out


def _happened(test: Mapping[str, Any]) -> str:
    exc, msg = test.get("exception"), test.get("message")
    text = ": ".join(str(x) for x in (exc, msg) if x)
    return h.visible(text) if text else str(test.get("outcome", "?"))


# --------------------------------------------------------------------------- what to do


def actions(record: Mapping[str, Any]) -> Section:
    """The "what to do" list: one line per failing check and per errored test; the
    expected failures (xfail) are listed apart, as needing nothing."""
    entries = _entries(record)
    failing = [e for e in entries if _needs_action(e)]
    errored = [t for t in _dicts(record.get("tests")) if t.get("outcome") == "error"]
    expected = [e for e in entries if _outcome(e) == "xfailed" and e.get("passed") is not True]
    section = Section().html(h.tag("h2", "What to do"))
    if not failing and not errored:
        done = "Every check passed" if not expected else "No check needs action"
        section.html(h.tag("p", h.badge("PASS", "pass"), f" {done}; nothing to do."))
    else:
        items = [
            h.tag(
                "li",
                h.tag("strong", _kind(e)),
                " ",
                h.tag("code", h.nodeid(_shown_name(e), limit=160)),
                ": ",
                advice(e),
            )
            for e in failing
        ]
        items += [
            h.tag(
                "li",
                h.tag("strong", "error"),
                " ",
                h.tag("code", h.nodeid(t.get("nodeid") or "?", limit=160)),
                ": Fix the test or its inputs: it raised ",
                h.text(_happened(t)),
                f" (in {t.get('when') or '?'})",
                "; its checks' verdicts do not stand for the test."
                if _num(t.get("checks", 0)) > 0
                else ", so no check reached a verdict.",
            )
            for t in errored
        ]
        section.html(h.tag("ul", *items))
    if expected:
        reasons = {str(t.get("nodeid")): t.get("message") for t in _dicts(record.get("tests"))}
        items = []
        for e in expected:
            reason = reasons.get(str(e.get("nodeid")))
            items.append(
                h.tag(
                    "li",
                    h.tag("code", h.nodeid(_shown_name(e), limit=160)),
                    f": {h.visible(str(reason))}" if reason else "",
                )
            )
        section.html(
            h.tag(
                "p",
                h.badge("XFAIL", "warn"),
                f" {h.plural(len(expected), 'check')} failed as expected (xfail, not counted "
                "as failed):",
            ),
            h.tag("ul", *items),
        )
    return section


# --------------------------------------------------------------------------- footer


def _shown_path(path: str, base: Path | None) -> str:
    """``path`` relative to ``base`` when it lies under it, else absolute."""
    p = Path(path).absolute()
    if base is not None:
        try:
            return str(p.relative_to(base))
        except ValueError:
            pass
    return str(p)


def rerender_command(
    record: Mapping[str, Any], out_dir: str | os.PathLike[str] | None = None
) -> tuple[str, str | None]:
    """The ``mlaudit report RECORD -o DIR`` command that renders this report again.

    ``out_dir`` defaults to the working directory (the report's output directory while
    :func:`~pytest_mlaudit.report.render_report` runs the notebook). Both paths are shown
    relative to the run's directory (``run.invocation_dir``, else ``run.rootdir``) when
    they lie under it, and that directory is returned beside the command (else None).
    """
    run = _dict(record.get("run"))
    base_text = run.get("invocation_dir") or run.get("rootdir")
    base = Path(str(base_text)).absolute() if base_text else None
    path = str(record.get("_path") or "audit.json")
    out = str(out_dir) if out_dir is not None else os.getcwd()
    rec_shown, out_shown = _shown_path(path, base), _shown_path(out, base)
    relative = base is not None and not (
        Path(rec_shown).is_absolute() and Path(out_shown).is_absolute()
    )
    if relative and out_shown == ".":
        out_shown = "./"
    elif not out_shown.endswith(("/", os.sep)):
        out_shown += "/"
    command = f"mlaudit report {shlex.quote(rec_shown)} -o {shlex.quote(out_shown)}"
    return command, (str(base) if relative else None)


def footer(record: Mapping[str, Any], out_dir: str | os.PathLike[str] | None = None) -> Section:
    """Where the report came from, and the command that renders it again."""
    command, base = rerender_command(record, out_dir)
    where: list[Any] = [" (from ", h.tag("code", h.name(base, limit=200)), ")"] if base else []
    return Section().html(
        h.Html("<hr/>"),
        h.tag(
            "p",
            "Rendered by pytest-mlaudit from the run's audit record ",
            h.tag("code", h.name(str(record.get("_path", "?")), limit=200)),
            ". Render it again with ",
            h.tag("code", h.name(command, limit=400)),
            *where,
            ".",
            style="color:#5f6368;",
        ),
    )
