"""The sections of the audit report, built from an audit record's JSON.

The report notebook (``notebooks/audit_report.ipynb``) is a few one-line cells that call
these functions; a custom template can call them too::

    from pytest_mlaudit.report import sections
    record = sections.read(record_path)
    sections.header(record)
    sections.summary(record)
    sections.drift(record)

Each function returns a :class:`Section` (shown by Jupyter as HTML and PNG outputs) or
``None`` when the record has nothing for it. They read the record as plain JSON with
defaults for every field, so a record written by an older or newer version, or holding
a kind of check this version does not know, still renders: an unknown kind appears in
the summary and in :func:`other`.

Everything taken from the record is escaped (see :mod:`pytest_mlaudit.report._html`);
no Markdown is ever built from data.
"""

from __future__ import annotations

import base64
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report._html import Html

__all__ = [
    "KNOWN_KINDS",
    "Section",
    "actions",
    "advice",
    "describe",
    "drift",
    "header",
    "labels",
    "load",
    "other",
    "read",
    "skew",
    "summary",
]

#: Report kinds that have a section of their own (the rest go to :func:`other`).
KNOWN_KINDS: Final = frozenset({"drift", "parity", "skew", "labels", "load", "capacity"})
#: Drifted columns plotted per drift check (the table lists them all).
MAX_HISTOGRAMS: Final = 9
#: Rows of the per-column drift table.
MAX_DRIFT_ROWS: Final = 200
#: Suspicious label rows shown.
MAX_LABEL_ROWS: Final = 20
#: Feature columns shown next to a suspicious label row.
MAX_FEATURES: Final = 10
#: Classes in the given -> suggested matrix.
MAX_MATRIX_CLASSES: Final = 15
#: Counterexamples shown per skew check.
MAX_COUNTEREXAMPLES: Final = 10

_WRAP: Final = (
    '<div class="mlaudit tex2jax_ignore mathjax_ignore" '
    'style="max-width:1200px;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;">'
)


class Section:
    """HTML fragments and PNG plots, in order; what one notebook cell shows.

    In a notebook it displays as separate ``text/html`` and ``image/png`` outputs (so
    the plots are images in the ``.ipynb`` and in the HTML export); :meth:`to_html`
    gives one self-contained HTML string (images as data URIs) for tests and scripts.
    """

    __slots__ = ("blocks",)

    def __init__(self) -> None:
        self.blocks: list[Html | tuple[bytes, str]] = []

    def html(self, *fragments: Any) -> Section:
        """Append fragments (escaped unless :class:`Html`)."""
        self.blocks.append(h.join(fragments))
        return self

    def png(self, data: bytes, alt: str) -> Section:
        """Append a PNG image with its alternative text."""
        self.blocks.append((data, alt))
        return self

    def extend(self, other: Section) -> Section:
        self.blocks.extend(other.blocks)
        return self

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def to_html(self) -> str:
        out = []
        for block in self.blocks:
            if isinstance(block, tuple):
                data, alt = block
                b64 = base64.b64encode(data).decode("ascii")
                out.append(f'<img src="data:image/png;base64,{b64}" alt="{h.text(alt)}"/>')
            else:
                out.append(f"{_WRAP}{block}</div>")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _ipython_display_(self) -> None:  # pragma: no cover - runs inside the kernel
        from IPython.display import HTML, Image, display

        for block in self.blocks:
            if isinstance(block, tuple):
                display(Image(data=block[0], format="png", alt=block[1]))  # type: ignore[no-untyped-call]
            else:
                display(HTML(f"{_WRAP}{block}</div>"))  # type: ignore[no-untyped-call]


# --------------------------------------------------------------------------- reading


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an audit record as plain JSON, checking only what every section relies on."""
    from pytest_mlaudit.record import SCHEMA_VERSION

    p = Path(path)
    if not str(path):
        raise MlauditInputError(
            "record_path is empty: render this notebook with `mlaudit report RECORD.json -o DIR` "
            "or `pytest --mlaudit-report=DIR`, which pass the record's path."
        )
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MlauditInputError(f"no audit record at {str(p)!r}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MlauditInputError(f"{str(p)!r} is not valid JSON: {exc}.") from None
    major = SCHEMA_VERSION.split(".")[0]
    version = data.get("schema_version") if isinstance(data, dict) else None
    if not isinstance(version, str) or version.split(".")[0] != major:
        raise MlauditInputError(
            f"{str(p)!r} is not an mlaudit record of schema {major}.x: schema_version={version!r}."
        )
    if not isinstance(data.get("checks", []), list):
        raise MlauditInputError(f"{str(p)!r}: 'checks' must be a list of check entries.")
    record: dict[str, Any] = data
    record["_path"] = str(p)
    return record


def _entries(record: Mapping[str, Any], kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
    wanted = None if kinds is None else set(kinds)
    out = []
    for entry in record.get("checks") or ():
        if not isinstance(entry, dict):
            continue
        if wanted is None or _kind(entry) in wanted:
            out.append(entry)
    return out


def _kind(entry: Mapping[str, Any]) -> str:
    result = entry.get("result")
    fallback = result.get("kind", "") if isinstance(result, dict) else ""
    return str(entry.get("kind") or fallback or entry.get("check") or "?")


def _result(entry: Mapping[str, Any]) -> dict[str, Any]:
    result = entry.get("result")
    return result if isinstance(result, dict) else {}


def _num(x: Any) -> float:
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, int | float):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            return math.nan
    return math.nan


def _opt(x: Any) -> float | None:
    """A number from the JSON, or None when absent/not a number."""
    return None if x is None else _num(x)


def _list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list | tuple) else []


def _dict(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def describe(headline: Mapping[str, Any] | None) -> str:
    """``name=statistic <op> threshold`` as :meth:`Measure.describe` writes it."""
    from pytest_mlaudit.result import fmt_number

    hl = _dict(headline)
    name = str(hl.get("name", "?"))
    stat, thr = _num(hl.get("statistic")), _num(hl.get("threshold"))
    above = hl.get("bad_when", "above") != "below"
    if math.isnan(stat):
        op = "?"
    elif above:
        op = ">" if stat > thr else "<="
    else:
        op = "<" if stat < thr else ">="
    return f"{name}={fmt_number(stat)} {op} {fmt_number(thr)}"


def _verdict(passed: Any) -> Html:
    return h.badge("PASS", "pass") if passed is True else h.badge("FAIL", "fail")


def _title(entry: Mapping[str, Any], what: str) -> Html:
    nodeid = str(entry.get("nodeid") or "(outside pytest)")
    seq = entry.get("seq")
    suffix = f" · check #{seq}" if isinstance(seq, int) and seq > 0 else ""
    return h.tag(
        "h3",
        _verdict(entry.get("passed")),
        " ",
        what,
        ": ",
        h.tag("code", h.nodeid(nodeid, limit=160)),
        suffix,
    )


def _safe(build: Callable[[dict[str, Any]], Section], entry: dict[str, Any]) -> Section:
    """Build one check's part; a malformed entry shows a note instead of stopping the report."""
    try:
        return build(entry)
    except Exception as exc:  # defensive: the rest of the report must still render
        return Section().html(
            h.tag(
                "p",
                h.badge("note", "warn"),
                f" The details of {entry.get('nodeid', '?')!s} ({_kind(entry)}) could not be "
                f"shown: {type(exc).__name__}: {exc}. Its verdict and figures are in the summary.",
            )
        )


def _kinds_section(
    record: Mapping[str, Any],
    kinds: Iterable[str],
    heading: str,
    intro: str,
    build: Callable[[dict[str, Any]], Section],
) -> Section | None:
    entries = _entries(record, kinds)
    if not entries:
        return None
    section = Section().html(h.tag("h2", heading), h.tag("p", intro))
    for entry in entries:
        section.extend(_safe(build, entry))
    return section


# --------------------------------------------------------------------------- header


def _project(record: Mapping[str, Any]) -> str:
    run = _dict(record.get("run"))
    root = str(run.get("project") or run.get("rootdir") or "")
    return Path(root).name if root else ""


def header(record: Mapping[str, Any]) -> Section:
    """Title, verdict counts, when, git commit, versions and how the run was made."""
    summary_ = _dict(record.get("summary"))
    entries = _entries(record)
    n = int(_num(summary_.get("checks", len(entries))))
    failed = int(
        _num(summary_.get("failed", sum(1 for e in entries if e.get("passed") is not True)))
    )
    passed = int(_num(summary_.get("passed", n - failed)))
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
    counts = h.join(
        [
            h.badge(f"{n} checks", "info"),
            " ",
            h.badge(f"{passed} passed", "pass"),
            " ",
            h.badge(f"{failed} failed", "fail" if failed else "pass"),
            " ",
            status,
        ]
    )
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
    title = "Audit report" + (f": {project}" if project else "")
    return Section().html(h.tag("h1", title), h.tag("p", counts), h.definition_list(facts))


# --------------------------------------------------------------------------- summary


def _sizes(sizes: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in _dict(sizes).items())


def _seconds(x: Any) -> Html:
    v = _num(x)
    return h.Html(f"{v:.2f}") if math.isfinite(v) else h.number(x)


def summary(record: Mapping[str, Any]) -> Section:
    """One row per check: verdict, kind, test, headline statistic, details, sizes, time."""
    entries = _entries(record)
    section = Section().html(h.tag("h2", "Every check"))
    if not entries:
        return section.html(h.tag("p", "The record holds no checks: no test called mlaudit."))
    rows, levels = [], []
    for e in entries:
        rows.append(
            [
                _verdict(e.get("passed")),
                h.name(_kind(e)),
                h.tag("code", h.nodeid(e.get("nodeid") or "(outside pytest)", limit=160)),
                describe(e.get("headline")),
                h.text(str(e.get("brief", ""))) if e.get("brief") else "",
                _sizes(e.get("sizes")),
                _seconds(e.get("duration_s")),
            ]
        )
        levels.append(None if e.get("passed") is True else "fail")
    return section.html(
        h.table(
            ["verdict", "check", "test", "statistic vs threshold", "details", "sizes", "time (s)"],
            rows,
            numeric=[6],
            nowrap=[0, 1, 6],
            breakable=[2, 4],
            row_levels=levels,
        )
    )


# --------------------------------------------------------------------------- what to do


def _short_list(items: Sequence[Any], n: int = 5) -> str:
    shown = ", ".join(h.visible(str(i)) for i in items[:n])
    more = len(items) - n
    return shown + (f" and {more} more" if more > 0 else "")


def advice(entry: Mapping[str, Any]) -> str:
    """One sentence: what to do about a failing check."""
    kind = _kind(entry)
    r = _result(entry)
    fig = _dict(entry.get("figures"))
    if kind == "drift":
        cols = _list(r.get("drifted_columns"))
        if not cols and isinstance(fig.get("drifted_columns"), str):
            cols = [c for c in fig["drifted_columns"].split(",") if c]
        n_cols = len(_list(r.get("checked_columns"))) or fig.get("n_columns", "?")
        return (
            f"Retrain on recent data, or fix the upstream pipeline if the shift is a bug: "
            f"{len(cols)} of {n_cols} column(s) drifted ({_short_list(cols)})."
        )
    if kind == "parity":
        feats = _skew_failing_features(r)
        where = f" on {_short_list(feats)}" if feats else ""
        return (
            f"Fix the feature code: the online and offline features disagree{where}; make "
            "serving reuse the training transformation, and turn the counterexamples below "
            "into unit tests."
        )
    if kind == "skew":
        feats = _skew_failing_features(r)
        where = f" ({_short_list(feats)})" if feats else ""
        return (
            f"Fix the feature code or the serving logs: serving features differ from training"
            f"{where}; if the code is right and the world changed, retrain on recent data."
        )
    if kind == "labels":
        rows, issues = _num(r.get("rows")), _num(r.get("issues"))
        worst = fig.get("worst_class")
        return (
            "Relabel: review the most suspicious rows below "
            f"({int(issues) if issues == issues else '?'} of {int(rows) if rows == rows else '?'} "
            "rows flagged"
            + (f"; worst class {worst!r}" if worst is not None else "")
            + "), fix the labelling guideline where a class is confused, then retrain."
        )
    if kind == "load":
        breached = [m for m in _load_measures(r) if m[4]]
        what = ", ".join(f"{m[0]} {h.number(m[1])} vs {m[2]} {h.number(m[3])}" for m in breached)
        if _num(r.get("requests")) == 0:
            what = "the run made no requests"
        return (
            "Scale out (more replicas) or make the model cheaper to serve (batching, a "
            f"smaller model): {what or describe(entry.get('headline'))}."
        )
    if kind == "capacity":
        return (
            "Scale out: provision the replicas the capacity check computes, or raise the "
            f"per-replica throughput; {describe(entry.get('headline'))}."
        )
    return f"Investigate this check: {describe(entry.get('headline'))}."


def actions(record: Mapping[str, Any]) -> Section:
    """The "what to do" list: one line per failing check."""
    failing = [e for e in _entries(record) if e.get("passed") is not True]
    section = Section().html(h.tag("h2", "What to do"))
    if not failing:
        return section.html(
            h.tag("p", h.badge("PASS", "pass"), " Every check passed; nothing to do.")
        )
    items = [
        h.tag(
            "li",
            h.tag("strong", _kind(e)),
            " ",
            h.tag("code", h.nodeid(e.get("nodeid") or "?", limit=160)),
            ": ",
            advice(e),
        )
        for e in failing
    ]
    return section.html(h.tag("ul", *items))


# --------------------------------------------------------------------------- drift


def _drift_sort_key(row: Mapping[str, Any]) -> tuple[bool, float]:
    effect, thr = _num(row.get("effect")), _num(row.get("threshold"))
    ratio = effect / thr if thr and thr > 0 else effect
    return (not row.get("drifted", False), -(ratio if ratio == ratio else math.inf))


def _missing_change(row: Mapping[str, Any]) -> float:
    return _num(row.get("missing_current")) - _num(row.get("missing_reference"))


def _plots_label(value: Any) -> str:
    from pytest_mlaudit.report._plots import label

    return label(value, 36)


def _drift_entry(entry: dict[str, Any]) -> Section:
    r = _result(entry)
    rows = [c for c in _list(r.get("columns")) if isinstance(c, dict)]
    checked = _list(r.get("checked_columns")) or list(dict.fromkeys(c.get("column") for c in rows))
    drifted = _list(r.get("drifted_columns"))
    if not drifted and rows:
        drifted = list(dict.fromkeys(c.get("column") for c in rows if c.get("drifted")))
    section = Section().html(_title(entry, "drift"))
    section.html(
        h.tag(
            "p",
            f"{len(drifted)} of {len(checked)} column(s) drifted ("
            + (
                "any drifted column fails the check"
                if not _num(r.get("drift_share", 0.0))
                else f"the check fails when more than {h.pct(r.get('drift_share'), 1)} do"
            )
            + "). Tests are "
            f"{r.get('correction', '?')}-corrected at alpha={h.number(r.get('alpha'))} and count "
            f"only with an effect above {h.number(r.get('min_effect'))}; "
            f"{h.number(r.get('n_reference'))} reference rows, {h.number(r.get('n_current'))} "
            "current rows.",
        )
    )
    # per-column table, largest effect (relative to its threshold) first
    ordered = sorted(rows, key=_drift_sort_key)
    table_rows, levels = [], []
    for c in ordered[:MAX_DRIFT_ROWS]:
        is_test = c.get("pvalue") is not None
        if c.get("drifted"):
            verdict, level = h.badge("DRIFT", "fail"), "fail"
        elif is_test and c.get("significant"):
            verdict, level = h.badge("significant, small effect", "warn"), None
        else:
            verdict, level = h.Html("ok"), None
        table_rows.append(
            [
                h.name(c.get("column", "?")),
                c.get("kind", "?"),
                c.get("method", "?"),
                _opt(c.get("statistic")),
                _opt(c.get("pvalue_adjusted")),
                _opt(c.get("effect")),
                _opt(c.get("threshold")),
                verdict,
            ]
        )
        levels.append(level)
    section.html(
        h.tag("h4", "Columns, largest effect first"),
        h.table(
            [
                "column",
                "type",
                "method",
                "statistic",
                "p (adjusted)",
                "effect",
                "threshold",
                "verdict",
            ],
            table_rows,
            numeric=[3, 4, 5, 6],
            row_levels=levels,
        ),
    )
    if len(ordered) > MAX_DRIFT_ROWS:
        section.html(h.tag("p", f"… {len(ordered) - MAX_DRIFT_ROWS} more rows in the record."))
    # distributions of the drifted columns
    hists = _dict(r.get("histograms"))
    panels = []
    for col in drifted:
        hist = hists.get(str(col))
        if not isinstance(hist, dict):
            continue
        best = [c for c in ordered if c.get("column") == col]
        what = ""
        if best:
            b = best[0]
            change = _num(b.get("missing_current")) - _num(b.get("missing_reference"))
            effect = (
                f"missing {100 * change:+.1f} pp"
                if b.get("method") == "missing"
                else f"{b.get('method')} effect {h.number(b.get('effect'))}"
            )
            what = f" ({effect})"
        panels.append((f"{_plots_label(col)}{what}", hist))
    if panels:
        from pytest_mlaudit.report import _plots

        shown = panels[:MAX_HISTOGRAMS]
        section.html(h.tag("h4", "Distributions of the drifted columns, reference vs current"))
        for png in _plots.drift_histograms(shown):
            section.png(png, "reference vs current distributions of the drifted columns")
        if len(panels) > MAX_HISTOGRAMS:
            section.html(
                h.tag("p", f"{len(panels) - MAX_HISTOGRAMS} more drifted column(s) not plotted.")
            )
    # null-rate changes
    seen: dict[str, dict[str, Any]] = {}
    for c in rows:
        col = str(c.get("column"))
        if c.get("method") == "missing" or col not in seen:
            seen[col] = c
    changed = [
        c
        for c in seen.values()
        if _num(c.get("missing_reference")) != _num(c.get("missing_current"))
    ]
    section.html(h.tag("h4", "Missing values"))
    if changed:
        changed.sort(
            key=lambda c: -abs(_num(c.get("missing_current")) - _num(c.get("missing_reference")))
        )
        section.html(
            h.table(
                ["column", "missing in reference", "missing in current", "change", "verdict"],
                [
                    [
                        h.name(c.get("column")),
                        h.pct(c.get("missing_reference")),
                        h.pct(c.get("missing_current")),
                        h.Html(f"{100 * _missing_change(c):+.2f} pp"),
                        (h.badge("DRIFT", "fail") if c.get("drifted") else "ok")
                        if c.get("method") == "missing"
                        else h.DASH,
                    ]
                    for c in changed
                ],
                numeric=[1, 2, 3],
            )
        )
    else:
        section.html(h.tag("p", "No column's share of missing values changed."))
    unseen = _dict(r.get("unseen_categories"))
    if unseen:
        section.html(
            h.tag("h4", "Categories never seen in the reference"),
            h.table(
                ["column", "unseen values (most frequent first)"],
                [
                    [
                        h.name(col),
                        h.join([h.tag("code", h.name(v, limit=40)) for v in _list(vals)], ", "),
                    ]
                    for col, vals in unseen.items()
                ],
            ),
        )
    unchecked = _list(r.get("unchecked_columns"))
    if unchecked:
        section.html(
            h.tag(
                "p",
                "Not checked (only in the current data): ",
                h.join([h.tag("code", h.name(c)) for c in unchecked], ", "),
            )
        )
    return section


def drift(record: Mapping[str, Any]) -> Section | None:
    """Per drift check: columns by effect, drifted distributions, null rates, unseen values."""
    return _kinds_section(
        record,
        ["drift"],
        "Data drift",
        "Is production data still distributed like the training data? Each column is "
        "compared on its own; a column drifts when its difference is both significant and "
        "larger than the effect floor (or a distance is above its threshold).",
        _drift_entry,
    )


# --------------------------------------------------------------------------- skew


def _skew_failing_features(r: Mapping[str, Any]) -> list[str]:
    feats = [
        str(f) for key in ("mismatched_features", "skewed_features") for f in _list(r.get(key))
    ]
    if not feats:  # an older/newer record without the computed lists
        for f in _list(r.get("features")):
            if isinstance(f, dict) and _num(f.get("mismatched")) > 0:
                feats.append(str(f.get("feature", "?")))
    return list(dict.fromkeys(feats))


_CX_KIND: Final = {
    "offline_raised": "the offline pipeline raised, the online one did not",
    "online_raised": "the online pipeline raised, the offline one did not",
    "offline_dropped": "the offline pipeline returned no row",
    "online_dropped": "the online pipeline returned no row",
    "moved": "the offline pipeline returned this row out of order",
}


def _counterexample(i: int, cx: Mapping[str, Any]) -> Html:
    feature = cx.get("feature")
    kind = str(cx.get("kind", "?"))
    what: Any = (
        h.join(["feature ", h.tag("code", h.name(feature)), f": {kind} mismatch"])
        if feature is not None
        else _CX_KIND.get(kind, kind)
    )
    if cx.get("origin") == "generated":
        src = "minimal generated record" if cx.get("shrunk") else "generated record (not shrunk)"
        src += f" (hypothesis, seed={cx.get('seed')})"
    else:
        simplified = ", simplified (fields set to typical values while it still fails)"
        src = f"real row {cx.get('row')}" + (simplified if cx.get("shrunk") else "")
    fields = _dict(cx.get("record"))
    rows: list[list[Any]] = [
        [h.name(k), h.tag("code", h.name(v, limit=120))] for k, v in fields.items()
    ]
    values: list[list[Any]] = [
        ["offline", h.tag("code", h.name(cx.get("offline", "?"), limit=200))],
        ["online", h.tag("code", h.name(cx.get("online", "?"), limit=200))],
    ]
    if cx.get("abs_diff") is not None:
        diff = h.number(cx.get("abs_diff"))
        if cx.get("rel_diff") is not None:
            diff = h.Html(f"{diff} (relative {h.number(cx.get('rel_diff'))})")
        values.append(["|difference|", diff])
    if cx.get("detail"):
        values.append(["why", h.text(str(cx.get("detail")))])
    parts: list[Any] = [
        h.tag("p", h.tag("strong", f"Counterexample {i}"), f" {h.DASH} ", what, f"; {src}."),
        h.tag(
            "div",
            h.table(["raw field", "value"], rows),
            h.table(["pipeline", "feature value"], values),
            style="display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap;",
        ),
    ]
    if cx.get("record_literal"):
        parts.append(
            h.tag(
                "details",
                h.tag("summary", "the record as a Python literal"),
                h.tag("pre", str(cx.get("record_literal"))),
            )
        )
    if cx.get("traceback"):
        parts.append(
            h.tag("details", h.tag("summary", "traceback"), h.tag("pre", str(cx.get("traceback"))))
        )
    return h.join(parts)


def _parity_entry(entry: dict[str, Any]) -> Section:
    r = _result(entry)
    features = [f for f in _list(r.get("features")) if isinstance(f, dict)]
    mismatched = _skew_failing_features(r)
    n_examples, both = _num(r.get("n_examples")), _num(r.get("n_both_rejected"))
    compared = n_examples - (both if both == both else 0)
    sources = []
    if r.get("n_rows"):
        sources.append(f"{r.get('n_rows')} real row(s)")
    if r.get("n_generated"):
        sources.append(f"{r.get('n_generated')} generated record(s) (seed {r.get('seed')})")
    section = Section().html(_title(entry, "online/offline parity"))
    section.html(
        h.tag(
            "p",
            f"{len(mismatched)} of {len(features)} feature(s) differ between the offline "
            f"(training) and online (serving) code; {h.number(r.get('n_mismatched'))} of "
            f"{h.number(compared)} compared example(s) mismatched "
            f"({describe(entry.get('headline'))}). Checked {' and '.join(sources) or 'nothing'}; "
            f"rtol={h.number(r.get('rtol'))}, atol={h.number(r.get('atol'))}, "
            f"online_mode={r.get('online_mode', '?')}.",
        )
    )
    counts = [
        (r.get("n_offline_raised"), "example(s) only the offline pipeline raised on"),
        (r.get("n_online_raised"), "example(s) only the online pipeline raised on"),
        (r.get("n_dropped"), "example(s) one pipeline returned no row for"),
        (r.get("n_moved"), "row(s) returned out of input order"),
        (r.get("n_both_rejected"), "example(s) both pipelines rejected (not compared)"),
    ]
    items = [h.tag("li", f"{n} {text}") for n, text in counts if n]
    if items:
        section.html(h.tag("ul", *items))
    if features:
        ordered = sorted(
            features, key=lambda f: (not _num(f.get("mismatched")) > 0, -_num(f.get("mismatched")))
        )
        section.html(
            h.tag("h4", "Features, most mismatched first"),
            h.table(
                [
                    "feature",
                    "checked",
                    "mismatched",
                    "rate",
                    "value",
                    "type",
                    "missing",
                    "max |diff|",
                    "max rel. diff",
                    "offline type",
                    "online type",
                ],
                [
                    [
                        h.name(f.get("feature")),
                        f.get("checked"),
                        f.get("mismatched"),
                        h.pct(_opt(f.get("mismatch_rate"))),
                        f.get("value_mismatches"),
                        f.get("type_mismatches"),
                        f.get("missing_mismatches"),
                        _opt(f.get("max_abs_diff")),
                        _opt(f.get("max_rel_diff")),
                        h.name(f.get("offline_type", "?")),
                        h.name(f.get("online_type", "?")),
                    ]
                    for f in ordered
                ],
                numeric=range(1, 9),
                row_levels=["fail" if _num(f.get("mismatched")) > 0 else None for f in ordered],
            ),
        )
    examples = [x for x in _list(r.get("counterexamples")) if isinstance(x, dict)]
    if examples:
        section.html(
            h.tag("h4", "Minimal counterexamples"),
            h.tag(
                "p",
                "Raw inputs on which the two code paths disagree, shrunk to "
                "the fewest unusual fields; paste the literal into a unit test.",
            ),
        )
        for i, x in enumerate(examples[:MAX_COUNTEREXAMPLES], 1):
            section.html(_counterexample(i, x))
    notes = [str(n) for n in _list(r.get("notes"))]
    if notes:
        section.html(h.tag("ul", *[h.tag("li", n, style="white-space:pre-wrap;") for n in notes]))
    return section


def _skew_entry(entry: dict[str, Any]) -> Section:
    r = _result(entry)
    skewed = _skew_failing_features(r)
    checked = _list(r.get("checked_features"))
    section = Section().html(_title(entry, "training/serving skew"))
    section.html(
        h.tag(
            "p",
            f"{len(skewed)} of {len(checked)} feature(s) skewed between the training features "
            f"({h.number(r.get('n_training'))} rows) and the logged serving features "
            f"({h.number(r.get('n_serving'))} rows). Distributions fail above "
            f"L-infinity {h.number(r.get('linf_threshold'))} (categorical) or Jensen-Shannon "
            f"{h.number(r.get('js_threshold'))} (numeric).",
        )
    )
    dist = [d for d in _list(r.get("distribution")) if isinstance(d, dict)]
    if dist:

        def ratio(d: Mapping[str, Any]) -> float:
            t = _num(d.get("threshold"))
            return _num(d.get("statistic")) / t if t > 0 else _num(d.get("statistic"))

        ordered = sorted(dist, key=lambda d: (not d.get("skewed"), -ratio(d)))
        section.html(
            h.tag("h4", "Distributions, most skewed first"),
            h.table(
                [
                    "feature",
                    "type",
                    "method",
                    "statistic",
                    "threshold",
                    "missing (training)",
                    "missing (serving)",
                    "verdict",
                ],
                [
                    [
                        h.name(d.get("feature")),
                        d.get("kind", "?"),
                        d.get("method", "?"),
                        _opt(d.get("statistic")),
                        _opt(d.get("threshold")),
                        h.pct(d.get("missing_training")),
                        h.pct(d.get("missing_serving")),
                        h.badge("SKEW", "fail") if d.get("skewed") else "ok",
                    ]
                    for d in ordered
                ],
                numeric=range(3, 7),
                row_levels=["fail" if d.get("skewed") else None for d in ordered],
            ),
        )
    join = _dict(r.get("join"))
    joined = [j for j in _list(r.get("joined")) if isinstance(j, dict)]
    if join:
        section.html(
            h.tag("h4", "Examples joined on their id"),
            h.tag(
                "p",
                "Joined on ",
                h.join([h.tag("code", h.name(c)) for c in _list(join.get("id_columns"))], ", "),
                f": {h.number(join.get('n_joined'))} example(s) in both; "
                f"{h.number(join.get('training_ids_only'))} training-only and "
                f"{h.number(join.get('serving_ids_only'))} serving-only id(s).",
            ),
        )
    if joined:

        def joined_skewed(j: Mapping[str, Any]) -> bool:
            if isinstance(j.get("skewed"), bool):
                return bool(j["skewed"])
            rate = _num(j.get("diff_rate"))
            return math.isnan(rate) or rate > _num(j.get("threshold", 0.0))

        ordered_j = sorted(joined, key=lambda j: (not joined_skewed(j), -_num(j.get("diff_count"))))
        section.html(
            h.table(
                [
                    "feature",
                    "joined",
                    "match",
                    "mismatch",
                    "training only",
                    "serving only",
                    "diff rate",
                    "max |diff|",
                ],
                [
                    [
                        h.name(j.get("feature")),
                        j.get("n_joined"),
                        j.get("match_count"),
                        j.get("mismatch_count"),
                        j.get("training_only"),
                        j.get("serving_only"),
                        h.pct(_opt(j.get("diff_rate"))),
                        _opt(j.get("max_abs_diff")),
                    ]
                    for j in ordered_j
                ],
                numeric=range(1, 8),
                row_levels=["fail" if joined_skewed(j) else None for j in ordered_j],
            )
        )
    examples = [x for x in _list(r.get("examples")) if isinstance(x, dict)]
    if examples:
        section.html(
            h.tag("h4", "Joined examples that differ"),
            h.table(
                ["feature", "id", "training value", "serving value"],
                [
                    [
                        h.name(x.get("feature")),
                        h.tag("code", h.name(x.get("id"))),
                        h.tag("code", h.name(x.get("training"))),
                        h.tag("code", h.name(x.get("serving"))),
                    ]
                    for x in examples
                ],
            ),
        )
    unchecked = _list(r.get("unchecked_features"))
    if unchecked:
        section.html(
            h.tag(
                "p",
                "Not checked (serving only): ",
                h.join([h.tag("code", h.name(c)) for c in unchecked], ", "),
            )
        )
    return section


def _skew_or_parity(entry: dict[str, Any]) -> Section:
    return _parity_entry(entry) if _kind(entry) == "parity" else _skew_entry(entry)


def skew(record: Mapping[str, Any]) -> Section | None:
    """Per parity/skew check: per-feature mismatches and the minimal counterexamples."""
    return _kinds_section(
        record,
        ["parity", "skew"],
        "Training/serving skew",
        "Do the online (serving) features equal the offline (training) features for the "
        "same raw input, and are the logged serving features distributed like the training "
        "features? A parity mismatch is a bug in one of the two code paths.",
        _skew_or_parity,
    )


# --------------------------------------------------------------------------- labels


def _labels_entry(entry: dict[str, Any]) -> Section:
    r = _result(entry)
    rows, issues = _num(r.get("rows")), _num(r.get("issues"))
    rate = issues / rows if rows > 0 else math.nan
    section = Section().html(_title(entry, "label noise"))
    how = str(r.get("probabilities", "?"))
    if r.get("cv"):
        how += f", {r.get('cv')}-fold, seed {r.get('seed')}"
    section.html(
        h.tag(
            "p",
            f"{h.number(r.get('issues'))} of {h.number(r.get('rows'))} rows flagged as likely "
            f"mislabelled ({h.pct(rate)}; limit {h.pct(r.get('max_issue_rate'))}). Out-of-sample "
            f"probabilities from {how}; cleanlab filter_by={r.get('filter_by', '?')}, "
            f"ranked by {r.get('rank_by', '?')}.",
        )
    )
    if r.get("model"):
        section.html(h.tag("p", "Model: ", h.tag("code", h.name(r.get("model"), limit=200))))
    per_class = [c for c in _list(r.get("per_class")) if isinstance(c, dict)]
    if per_class:
        table_rows, levels, names, rates, limits = [], [], [], [], []
        for c in per_class:
            n, k = _num(c.get("rows")), _num(c.get("issues"))
            cr = k / n if n > 0 else 0.0
            lim = _opt(c.get("max_rate"))
            bad = lim is not None and cr > lim
            table_rows.append(
                [
                    h.name(c.get("label")),
                    c.get("rows"),
                    c.get("issues"),
                    h.pct(cr),
                    h.pct(lim) if lim is not None else h.DASH,
                    h.badge("FAIL", "fail") if bad else ("ok" if lim is not None else h.DASH),
                ]
            )
            levels.append("fail" if bad else None)
            names.append(str(c.get("label")))
            rates.append(cr)
            limits.append(lim)
        section.html(
            h.tag("h4", "Per class"),
            h.table(
                ["class (given)", "rows", "flagged", "rate", "limit", "verdict"],
                table_rows,
                numeric=[1, 2, 3, 4],
                row_levels=levels,
            ),
        )
        from pytest_mlaudit.report import _plots

        section.png(
            _plots.class_rates(names, rates, limits, overall_limit=_opt(r.get("max_issue_rate"))),
            "share of flagged rows per class",
        )
    skipped = [c for c in _list(r.get("skipped")) if isinstance(c, dict)]
    if skipped:
        section.html(
            h.tag(
                "p",
                "Rare classes left out of the audit: ",
                h.join(
                    [
                        h.join([h.tag("code", h.name(c.get("label"))), f" ({c.get('rows')} rows)"])
                        for c in skipped
                    ],
                    ", ",
                ),
            )
        )
    section.extend(_confusion_matrix(r))
    suspicious = [x for x in _list(r.get("suspicious")) if isinstance(x, dict)]
    if suspicious:
        shown = suspicious[:MAX_LABEL_ROWS]
        feats: list[str] = []
        for row in shown:
            for feature in _dict(row.get("features")):
                if feature not in feats:
                    feats.append(feature)
        feats = feats[:MAX_FEATURES]
        section.html(
            h.tag(
                "h4",
                f"Most suspicious rows ({len(shown)} of {len(suspicious)} kept, "
                "lowest label quality first)",
            ),
            h.table(
                ["row", "index", "given", "suggested", "label quality", *feats],
                [
                    [
                        row.get("position"),
                        h.name(row.get("index")),
                        h.name(row.get("given")),
                        h.name(row.get("suggested")),
                        _opt(row.get("quality")),
                        *[_dict(row.get("features")).get(f) for f in feats],
                    ]
                    for row in shown
                ],
                numeric=[0, 4],
            ),
        )
    notes = [str(n) for n in _list(r.get("notes"))]
    if notes:
        section.html(
            h.tag("h4", "Notes"),
            h.tag("ul", *[h.tag("li", n, style="white-space:pre-wrap;") for n in notes]),
        )
    return section


def _confusion_matrix(r: Mapping[str, Any]) -> Section:
    cells = [c for c in _list(r.get("confusion")) if isinstance(c, dict)]
    section = Section()
    if not cells:
        return section
    flagged: dict[tuple[str, str], float] = {}
    totals: dict[str, float] = {}
    for c in cells:
        g, s, k = str(c.get("given")), str(c.get("suggested")), _num(c.get("flagged"))
        if k != k:
            continue
        flagged[(g, s)] = flagged.get((g, s), 0.0) + k
        totals[g] = totals.get(g, 0.0) + k
        totals[s] = totals.get(s, 0.0) + k
    order = [str(c) for c in _list(r.get("classes"))] or list(totals)
    classes = sorted((c for c in order if totals.get(c, 0) > 0), key=lambda c: -totals[c])
    classes = [c for c in order if c in set(classes[:MAX_MATRIX_CLASSES])]
    if not classes:
        return section
    peak = max((v for (g, s), v in flagged.items() if g != s), default=0.0) or 1.0
    head = "".join(h.tag("th", h.name(c, limit=20), style="text-align:right;") for c in classes)
    body = []
    for g in classes:
        tds = []
        for s in classes:
            v = flagged.get((g, s), 0.0)
            if g == s:
                style = "text-align:right;color:#888;"
            else:
                alpha = 0.1 + 0.6 * v / peak if v else 0.0
                style = f"text-align:right;background:rgba(232,116,59,{alpha:.2f});"
            tds.append(f'<td style="{style}">{h.number(int(v)) if v else "·"}</td>')
        body.append(
            f'<tr><th style="text-align:left;">{h.name(g, limit=30)}</th>{"".join(tds)}</tr>'
        )
    matrix = h.Html(
        '<table class="mlaudit-table"><thead><tr><th style="text-align:left;">'
        "given ↓ · suggested →</th>"
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    return section.html(
        h.tag("h4", "Flagged rows: given label → suggested label"),
        h.tag(
            "p",
            "Each cell counts the rows flagged with that given label whose "
            "out-of-sample prediction favours the suggested one; the darker, the more.",
        ),
        matrix,
    )


def labels(record: Mapping[str, Any]) -> Section | None:
    """Per label audit: per-class rates, the given -> suggested matrix, suspicious rows."""
    return _kinds_section(
        record,
        ["labels"],
        "Label noise",
        "Are the training labels right? Rows whose given label is unlikely under a model "
        "that did not see them (out-of-sample) are flagged; a person should look at them.",
        _labels_entry,
    )


# --------------------------------------------------------------------------- load

_SLO_ORDER: Final = ("error_rate", "p95_ms", "p99_ms", "min_rps", "health_p95_ms", "max_recovery_s")


def _load_measures(r: Mapping[str, Any]) -> list[tuple[str, float, str, float, bool]]:
    """(objective, measured, op, limit, breached) for each objective of the run's SLO."""
    slo = _dict(r.get("slo"))
    lat = _dict(r.get("latency"))
    health = _dict(r.get("health"))
    requests, failures = _num(r.get("requests")), _num(r.get("failures"))
    duration = _num(r.get("duration_s"))
    measured = {
        "error_rate": _num(r.get("error_rate", failures / requests if requests else math.nan)),
        "p95_ms": _num(lat.get("p95_ms")),
        "p99_ms": _num(lat.get("p99_ms")),
        "min_rps": _num(r.get("rps", requests / duration if duration > 0 else math.nan)),
        "health_p95_ms": _num(health.get("p95_ms")),
        "max_recovery_s": _num(health.get("recovery_s")),
    }
    out = []
    for name in _SLO_ORDER:
        limit = slo.get(name)
        if limit is None:
            continue
        lim, val = _num(limit), measured[name]
        below = name == "min_rps"
        bad = math.isnan(val) or (val < lim if below else val > lim)
        out.append((name, val, ">=" if below else "<=", lim, bad))
    return out


def _load_entry(entry: dict[str, Any]) -> Section:
    r = _result(entry)
    section = Section().html(_title(entry, "load"))
    where = f"{r.get('distributed')} workers" if r.get("distributed") else "one process"
    section.html(
        h.tag(
            "p",
            f"{h.number(r.get('users'))} users (spawn rate {h.number(r.get('spawn_rate'))}/s) "
            f"against ",
            h.tag("code", h.name(r.get("host", "?"))),
            " with ",
            h.tag("code", h.name(r.get("locustfile", "?"))),
            f" ({where}) for {h.number(r.get('run_time_s'))} s: {h.number(r.get('requests'))} "
            f"requests, {h.number(r.get('failures'))} failed, {h.number(_opt(r.get('rps')))} "
            "requests/s"
            + (f" ({h.number(r.get('rps_steady'))} after ramp-up)" if r.get("rps_steady") else "")
            + ".",
        )
    )
    measures = _load_measures(r)
    if measures:
        section.html(
            h.tag("h4", "Service-level objectives"),
            h.table(
                ["objective", "measured", "limit", "verdict"],
                [
                    [
                        m[0],
                        h.pct(m[1], 3) if m[0] == "error_rate" else m[1],
                        h.Html(
                            f"{h.text(m[2])} "
                            f"{h.pct(m[3], 3) if m[0] == 'error_rate' else h.number(m[3])}"
                        ),
                        h.badge("BREACHED", "fail") if m[4] else "ok",
                    ]
                    for m in measures
                ],
                numeric=[1, 2],
                row_levels=["fail" if m[4] else None for m in measures],
            ),
        )
    lat = _dict(r.get("latency"))
    pcts = ["p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms"]
    lat_rows = [
        [
            "all requests",
            "",
            r.get("requests"),
            r.get("failures"),
            _opt(r.get("rps")),
            *[_opt(lat.get(p)) for p in pcts],
        ]
    ]
    for e in _list(r.get("endpoints")):
        if isinstance(e, dict):
            el = _dict(e.get("latency"))
            lat_rows.append(
                [
                    h.name(e.get("name")),
                    e.get("method", ""),
                    e.get("requests"),
                    e.get("failures"),
                    _opt(e.get("rps")),
                    *[_opt(el.get(p)) for p in pcts],
                ]
            )
    section.html(
        h.tag("h4", "Latency percentiles (ms)"),
        h.table(
            [
                "request",
                "method",
                "requests",
                "failures",
                "rps",
                "p50",
                "p90",
                "p95",
                "p99",
                "max",
                "mean",
            ],
            lat_rows,
            numeric=range(2, 11),
        ),
    )
    series = [p for p in _list(r.get("series")) if isinstance(p, dict)]
    if series:
        from pytest_mlaudit.report import _plots

        slo = _dict(r.get("slo"))
        health = _dict(r.get("health"))
        section.png(
            _plots.load_timeline(
                series,
                p95_limit=_opt(slo.get("p95_ms")),
                min_rps=_opt(slo.get("min_rps")),
                probes=[p for p in _list(health.get("series")) if isinstance(p, dict)],
            ),
            "latency and throughput over time",
        )
    groups = [g for g in _list(r.get("failure_groups")) if isinstance(g, dict)]
    if groups:
        section.html(
            h.tag("h4", "Failures by type"),
            h.table(
                ["type", "count", "request", "error"],
                [
                    [
                        h.name(g.get("kind")),
                        g.get("occurrences"),
                        h.name(f"{g.get('method', '')} {g.get('name', '')}"),
                        h.name(g.get("error"), limit=160),
                    ]
                    for g in groups
                ],
                numeric=[1],
            ),
        )
    health = _dict(r.get("health"))
    if health:
        rec = (
            f"recovered {h.number(health.get('recovery_s'))} s after the load stopped"
            if health.get("recovered")
            else f"NOT recovered within {h.number(health.get('recovery_timeout_s'))} s"
        )
        section.html(
            h.tag(
                "p",
                "Health endpoint ",
                h.tag("code", h.name(health.get("path", "?"))),
                f": baseline {h.number(health.get('baseline_ms'))} ms; under load p50 "
                f"{h.number(health.get('p50_ms'))}, p95 {h.number(health.get('p95_ms'))}, max "
                f"{h.number(health.get('max_ms'))} ms; {h.number(health.get('failed_under_load'))} "
                f"of {h.number(health.get('probes_under_load'))} probes failed; {rec}.",
            )
        )
    res = _dict(r.get("resources"))
    if res:
        section.html(
            h.tag(
                "p",
                f"Server (pid {res.get('pid', '?')}): CPU mean "
                f"{h.number(res.get('cpu_mean_cores'))} cores, max "
                f"{h.number(res.get('cpu_max_cores'))}; peak memory "
                f"{h.number(res.get('peak_rss_mb'))} MiB.",
            )
        )
    if r.get("locust_exceptions"):
        section.html(
            h.tag(
                "p",
                h.badge("note", "warn"),
                f" The scenario itself raised {r.get('locust_exceptions')} exceptions "
                "(not counted as failed requests).",
            )
        )
    return section


def _step_held(step: Mapping[str, Any], slo: Mapping[str, Any]) -> bool:
    requests, failures = _num(step.get("requests")), _num(step.get("failures"))
    if not requests > 0:
        return False
    for limit, value in (
        (slo.get("error_rate"), failures / requests),
        (slo.get("p95_ms"), _num(step.get("p95_ms"))),
        (slo.get("p99_ms"), _num(step.get("p99_ms"))),
    ):
        if limit is not None and (math.isnan(value) or value > _num(limit)):
            return False
    return True


def _capacity_entry(entry: dict[str, Any]) -> Section:
    r = _result(entry)
    slo = _dict(r.get("slo"))
    steps = [s for s in _list(r.get("steps")) if isinstance(s, dict)]
    section = Section().html(_title(entry, "capacity"))
    slo_text = ", ".join(
        f"{k} {'>=' if k == 'min_rps' else '<='} {h.number(slo[k])}"
        for k in _SLO_ORDER
        if slo.get(k) is not None
    )
    knee_users = _opt(r.get("knee_users"))
    knee_txt = (
        f"The knee: {h.number(r.get('knee_rps'))} requests/s at {h.number(r.get('knee_users'))} "
        f"users (p95 {h.number(r.get('knee_p95_ms'))} ms)"
        + ("" if r.get("bounded", True) else ", a lower bound: no step broke the SLO")
        + "."
        if knee_users
        else "No step held the SLO."
    )
    parts = [
        "Steps of ",
        h.number(r.get("step_s")),
        " s against ",
        h.tag("code", h.name(r.get("host", "?"))),
        f" (SLO: {slo_text or 'none'}); stopped: ",
        h.text(str(r.get("stop_reason", "?"))),
        ". ",
        knee_txt,
    ]
    if r.get("replicas") is not None:
        parts.append(
            f" {h.number(r.get('replicas'))} replica(s) serve {h.number(r.get('target_rps'))} "
            f"requests/s with {h.pct(r.get('headroom'), 0)} headroom"
            + (f" (at most {r.get('max_replicas')} allowed)" if r.get("max_replicas") else "")
            + "."
        )
    if r.get("cpu_request_cores") is not None or r.get("memory_request_mb") is not None:
        parts.append(
            f" Per replica: CPU {h.number(r.get('cpu_request_cores'))} cores, memory "
            f"{h.number(r.get('memory_request_mb'))} MiB."
        )
    section.html(h.tag("p", *parts))
    if steps:
        held = [_step_held(s, slo) for s in steps]
        rows, levels = [], []
        for s, ok in zip(steps, held, strict=True):
            req, dur = _num(s.get("requests")), _num(s.get("duration_s"))
            is_knee = knee_users is not None and _num(s.get("users")) == knee_users
            rows.append(
                [
                    s.get("users"),
                    req / dur if dur > 0 else None,
                    _opt(s.get("p50_ms")),
                    _opt(s.get("p95_ms")),
                    _opt(s.get("p99_ms")),
                    h.pct(_num(s.get("failures")) / req if req else math.nan),
                    _opt(s.get("cpu_cores")),
                    h.badge("knee", "pass")
                    if is_knee
                    else ("held" if ok else h.badge("BROKE", "fail")),
                ]
            )
            levels.append(None if ok else "fail")
        from pytest_mlaudit.report import _plots

        section.png(
            _plots.capacity_curve(
                steps, knee_users=knee_users, p95_limit=_opt(slo.get("p95_ms")), held=held
            ),
            "capacity curve: throughput and p95 latency per step of users",
        )
        section.html(
            h.tag("h4", "Steps"),
            h.table(
                ["users", "rps", "p50 ms", "p95 ms", "p99 ms", "errors", "CPU cores", "SLO"],
                rows,
                numeric=range(0, 7),
                row_levels=levels,
            ),
        )
    return section


def load(record: Mapping[str, Any]) -> Section | None:
    """Per load run: SLOs, latency percentiles and RPS over time; capacity curves with knee."""

    def build(entry: dict[str, Any]) -> Section:
        return _capacity_entry(entry) if _kind(entry) == "capacity" else _load_entry(entry)

    return _kinds_section(
        record,
        ["load", "capacity"],
        "Load and capacity",
        "Does the serving endpoint hold its service-level objectives under the expected "
        "load, and where does it stop scaling?",
        build,
    )


# --------------------------------------------------------------------------- other


def _other_entry(entry: dict[str, Any]) -> Section:
    figures = _dict(entry.get("figures"))
    section = Section().html(_title(entry, _kind(entry)))
    section.html(h.tag("p", describe(entry.get("headline")), ". ", str(entry.get("brief", ""))))
    if figures:
        section.html(
            h.table(["figure", "value"], [[h.name(k), v] for k, v in figures.items()], numeric=[1])
        )
    return section


def other(record: Mapping[str, Any]) -> Section | None:
    """Checks of kinds without a section of their own: their key figures."""
    kinds = {_kind(e) for e in _entries(record)} - KNOWN_KINDS
    if not kinds:
        return None
    return _kinds_section(
        record,
        sorted(kinds),
        "Other checks",
        "Checks this version of the report has no dedicated section for; their key figures.",
        _other_entry,
    )
