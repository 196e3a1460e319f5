"""The report section of an impact check: one record entry of kind ``impact``.

The score's drift, the columns by importance with their drift, and under each drifted
important column the segments its root-cause search examined.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections._common import (
    Section,
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

__all__ = ["advice", "render"]


def _segment_text(s: Mapping[str, Any], column: str) -> str:
    where = f"{s.get('column')}={s.get('value')}"
    if s.get("new"):
        text = f"{where} is new and holds {_num(s.get('share_current')):.0%} of current rows"
    else:
        text = (
            f"{where} went from {_num(s.get('share_reference')):.0%} to "
            f"{_num(s.get('share_current')):.0%} of the rows"
        )
    return text + (f"; without it, {column} does not drift" if s.get("explains") else "")


def render(entry: dict[str, Any]) -> Section:
    """Score drift, the importance table, and each drifted column's segments."""
    r = _result(entry)
    p = _dict(r.get("prediction"))
    section = Section().html(_title(entry, "drift weighted by the model"))
    moved = bool(p.get("drifted"))
    section.html(
        h.tag(
            "p",
            f"The model's score ({h.visible(str(p.get('score', 'score')))}): PSI ",
            h.number(_opt(p.get("psi"))),
            " (max ",
            h.number(_opt(p.get("psi_threshold"))),
            "), KS D ",
            h.number(_opt(p.get("ks_statistic"))),
            ", mean ",
            h.number(_opt(p.get("mean_reference"))),
            " \u2192 ",
            h.number(_opt(p.get("mean_current"))),
            " ",
            h.badge("MOVED", "fail") if moved else h.badge("stable", "pass"),
            f". Drifted columns important to the model (importance \u2265 "
            f"{_num(r.get('min_importance')):.0%}, {h.visible(str(r.get('importance_method')))})"
            f" hold {_num(r.get('drifted_importance')):.0%} of its importance (max "
            f"{_num(r.get('max_drifted_importance')):.0%}).",
        )
    )
    rows, levels = [], []
    for c in _dicts(r.get("columns")):
        drifted, important = bool(c.get("drifted")), bool(c.get("important"))
        rows.append(
            [
                h.name(c.get("column", "?")),
                h.pct(_opt(c.get("importance")), 1),
                h.badge("DRIFT", "fail")
                if drifted and important
                else ("drift (ignored)" if drifted else "no"),
                h.name(c.get("method", "")),
                _opt(c.get("effect")),
                _opt(c.get("threshold")),
            ]
        )
        levels.append("fail" if drifted and important else ("warn" if drifted else None))
    section.html(
        h.table(
            ["column", "importance", "drift", "method", "effect", "threshold"],
            rows,
            numeric=[1, 4, 5],
            row_levels=levels,
        )
    )
    for cause in _dicts(r.get("causes")):
        column = str(cause.get("column", "?"))
        segments = _dicts(cause.get("segments"))
        blamed = [s for s in segments if s.get("explains")]
        lead = (
            _segment_text(blamed[0], column)
            if blamed
            else f"no single segment explains the drift of {column} (a shift across the rows)"
        )
        section.html(
            h.tag("h4", "root cause of ", h.tag("code", h.name(column))), h.tag("p", h.text(lead))
        )
        if segments:
            section.html(
                h.table(
                    ["segment", "reference share", "current share", "drift without it", "explains"],
                    [
                        [
                            h.name(f"{s.get('column')}={s.get('value')}"),
                            h.pct(_opt(s.get("share_reference")), 1),
                            h.pct(_opt(s.get("share_current")), 1),
                            _opt(s.get("drift_without")),
                            "yes" if s.get("explains") else "no",
                        ]
                        for s in segments
                    ],
                    numeric=[1, 2, 3],
                )
            )
    return section.extend(_notes(r.get("notes")))


def advice(entry: Mapping[str, Any]) -> str:
    """Name the drifted columns that matter, the score's move and the blamed segment."""
    r = _result(entry)
    p = _dict(r.get("prediction"))
    cols = _list(r.get("important_drifted"))
    blamed = [
        _segment_text(s, str(c.get("column")))
        for c in _dicts(r.get("causes"))
        for s in _dicts(c.get("segments"))[:1]
        if s.get("explains")
    ]
    text = (
        f"The drift reaches the model: the score's PSI is {_num(p.get('psi')):.3f} and the "
        f"drifted columns it relies on ({_short_list(cols) if cols else 'none'}) hold "
        f"{_num(r.get('drifted_importance')):.0%} of its importance."
    )
    if blamed:
        text += f" Start with the segment: {h.visible(blamed[0])}."
    return text + " Retrain on recent data, or fix the pipeline if the shift is a bug."
