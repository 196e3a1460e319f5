"""The generic section: any check kind without a section of its own.

A user's own :class:`~pytest_mlaudit.result.CheckReport` subclass, a kind registered
without ``section=``, or a kind this version does not know is shown from the fields
every record entry has: the headline against its threshold, the brief, the key figures
and the per-subject ``measures`` (one row per column, class, metric, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections._common import (
    Section,
    _dict,
    _dicts,
    _kind,
    _num,
    _title,
    describe,
)

__all__ = ["advice", "render"]


def _measure_row(m: Mapping[str, Any]) -> tuple[list[Any], str | None]:
    thr = m.get("threshold")
    stat = _num(m.get("statistic"))
    above = m.get("bad_when", "above") != "below"
    if thr is None:
        verdict: Any = "tracked"
        bad = False
    else:
        t = _num(thr)
        bad = stat != stat or (stat > t if above else stat < t)
        verdict = h.badge("BREACHED", "fail") if bad else "ok"
    limit: Any = h.DASH if thr is None else h.Html(f"{'<=' if above else '>='} {h.number(thr)}")
    row = [
        h.name(m.get("subject") or h.DASH),
        h.name(m.get("name", "?")),
        m.get("statistic"),
        limit,
        verdict,
    ]
    return row, "fail" if bad else None


def render(entry: dict[str, Any]) -> Section:
    """Headline, brief, key figures and the entry's measures as a table."""
    figures = _dict(entry.get("figures"))
    section = Section().html(_title(entry, _kind(entry)))
    brief = str(entry.get("brief", ""))
    section.html(h.tag("p", describe(entry.get("headline")), ". " if brief else ".", brief))
    measures = _dicts(entry.get("measures"))
    if measures:
        rows, levels = zip(*(_measure_row(m) for m in measures), strict=True)
        section.html(
            h.tag("h4", "Measures"),
            h.table(
                ["subject", "measure", "value", "limit", "verdict"],
                list(rows),
                numeric=[2, 3],
                row_levels=list(levels),
            ),
        )
    if figures:
        section.html(
            h.tag("h4", "Key figures") if measures else "",
            h.table(["figure", "value"], [[h.name(k), v] for k, v in figures.items()], numeric=[1]),
        )
    return section


def advice(entry: Mapping[str, Any]) -> str:
    """A sentence naming the headline, for kinds without advice of their own."""
    brief = str(entry.get("brief") or "")
    return f"Investigate this check: {describe(entry.get('headline'))}" + (
        f" ({h.visible(brief)})." if brief else "."
    )
