"""The report section of a drift check: one record entry of kind ``drift``.

Columns by effect, the distributions of the drifted columns, null-rate changes and the
categories never seen in the reference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections._common import (
    Section,
    _code_list,
    _dict,
    _dicts,
    _list,
    _notes,
    _num,
    _opt,
    _result,
    _short_list,
    _title,
)

__all__ = ["advice", "render", "sort_key"]

#: Drifted columns plotted per drift check (the table lists them all).
MAX_HISTOGRAMS: Final = 9
#: Rows of the per-column drift table.
MAX_DRIFT_ROWS: Final = 200


def advice(entry: Mapping[str, Any]) -> str:
    """Retrain, or fix the pipeline: which columns drifted."""
    r = _result(entry)
    fig = _dict(entry.get("figures"))
    cols = _list(r.get("drifted_columns"))
    if not cols and isinstance(fig.get("drifted_columns"), str):
        cols = [c for c in fig["drifted_columns"].split(",") if c]
    n_cols = len(_list(r.get("checked_columns"))) or fig.get("n_columns", "?")
    return (
        f"Retrain on recent data, or fix the upstream pipeline if the shift is a bug: "
        f"{len(cols)} of {h.plural(n_cols, 'column')} drifted ({_short_list(cols)})."
    )


def sort_key(row: Mapping[str, Any]) -> tuple[bool, float]:
    """Drifted columns first, then by effect relative to its threshold, largest first."""
    effect, thr = _num(row.get("effect")), _num(row.get("threshold"))
    ratio = effect / thr if thr and thr > 0 else effect
    return (not row.get("drifted", False), -(ratio if ratio == ratio else math.inf))


def _missing_change(row: Mapping[str, Any]) -> float:
    return _num(row.get("missing_current")) - _num(row.get("missing_reference"))


def _plots_label(value: Any) -> str:
    from pytest_mlaudit.report._plots import label

    return label(value, 36)


def render(entry: dict[str, Any]) -> Section:
    """Columns by effect, drifted distributions, null rates, unseen values."""
    r = _result(entry)
    rows = _dicts(r.get("columns"))
    checked = _list(r.get("checked_columns")) or list(dict.fromkeys(c.get("column") for c in rows))
    drifted = _list(r.get("drifted_columns"))
    if not drifted and rows:
        drifted = list(dict.fromkeys(c.get("column") for c in rows if c.get("drifted")))
    section = Section().html(_title(entry, "drift"))
    section.html(
        h.tag(
            "p",
            f"{len(drifted)} of {h.plural(len(checked), 'column')} drifted ("
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
    ordered = sorted(rows, key=sort_key)
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
                _pvalue_cell(c),
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
                h.tag(
                    "p",
                    f"{h.plural(len(panels) - MAX_HISTOGRAMS, 'more drifted column')} not plotted.",
                )
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
    unchecked = r.get("unchecked_columns")
    section.extend(_code_list("Not checked (only in the current data): ", unchecked))
    excluded = r.get("excluded_columns")
    section.extend(_code_list("Left out on purpose (not in columns=): ", excluded))
    section.extend(_notes(r.get("notes"), "Notes"))
    return section


def _pvalue_cell(c: Mapping[str, Any]) -> Any:
    """The corrected p-value; ``<= bound`` where the check kept Massart's bound instead of
    scipy's slow exact sum (``ks_method == "bound"``: the verdict is the exact one's)."""
    value = _opt(c.get("pvalue_adjusted"))
    details = c.get("details")
    if value is not None and isinstance(details, Mapping) and details.get("ks_method") == "bound":
        return h.Html("&le;&#8239;" + h.number(value))
    return value
