"""The report section of a soak (kind ``soak``): the trends with their confidence
intervals and limits, error bursts, and the server's memory over time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections._common import (
    Section,
    _dict,
    _dicts,
    _num,
    _result,
    _title,
    describe,
)

__all__ = ["advice", "render"]


def _limit(t: Mapping[str, Any]) -> float:
    hours = _num(t.get("duration_s")) / 3600.0
    return _num(t.get("allowed_growth")) / hours if hours > 0 else float("inf")


def _breached(t: Mapping[str, Any]) -> bool:
    slope, low = _num(t.get("slope_per_h")), _num(t.get("low_per_h"))
    return slope == slope and slope > _limit(t) and low > 0


def advice(entry: Mapping[str, Any]) -> str:
    """Find the leak: which trend rose."""
    r = _result(entry)
    risen = [
        str(t.get("name")) for k in ("rss", "p95", "fds") if (t := _dict(r.get(k))) and _breached(t)
    ]
    if "rss_mb" in risen:
        return (
            "Find the memory leak (caches without a bound, per-request state kept, "
            "tracemalloc snapshots diff) before it reaches the container's limit; "
            f"{describe(entry.get('headline'))}."
        )
    if risen:
        return f"Find what grows with time under a steady load ({', '.join(risen)})."
    return (
        "Look at the error bursts and the server's log around them; "
        f"{describe(entry.get('headline'))}."
    )


def render(entry: dict[str, Any]) -> Section:
    """The trends table, bursts and the memory series."""
    r = _result(entry)
    section = Section().html(_title(entry, "soak"))
    section.html(
        h.tag(
            "p",
            f"{h.number(r.get('users'))} users held {h.number(r.get('rps'))} requests/s "
            f"(offered {h.number(r.get('offered_rps'))}) for {h.number(r.get('duration_s'))} s "
            "against ",
            h.tag("code", h.name(r.get("host", "?"))),
            f"; the first {h.number(r.get('warmup_s'))} s are left out of the trends. "
            f"{h.number(r.get('requests'))} requests, {h.number(r.get('failures'))} failed; "
            f"{h.number(r.get('error_bursts'))} error bursts (at most "
            f"{h.number(r.get('max_error_bursts'))}).",
            "" if r.get("survived", True) else h.badge("SERVER DIED", "fail"),
        )
    )
    rows, levels = [], []
    for key in ("rss", "p95", "fds"):
        t = _dict(r.get(key))
        if not t:
            continue
        bad = _breached(t)
        rows.append(
            [
                t.get("name"),
                t.get("slope_per_h"),
                h.join(
                    ["[", h.number(t.get("low_per_h")), ", ", h.number(t.get("high_per_h")), "]"]
                ),
                _limit(t),
                t.get("allowed_growth"),
                h.badge("RISING", "fail") if bad else "steady",
            ]
        )
        levels.append("fail" if bad else None)
    section.html(
        h.tag("h4", "Trends (Theil-Sen slope per hour, 95% confidence interval)"),
        h.table(
            ["series", "slope/h", "95% CI", "limit/h", "allowed growth over the run", ""],
            rows,
            numeric=(1, 3, 4),
            row_levels=levels,
        ),
    )
    series = _dicts(r.get("series"))
    if series:
        shown = series[:: max(1, len(series) // 12)]
        section.html(
            h.tag("h4", "Server over time"),
            h.table(
                ["t s", "RSS MiB", "open fds", "p95 ms", "rps"],
                [
                    [
                        p.get("t_s"),
                        p.get("rss_mb"),
                        p.get("open_fds"),
                        p.get("p95_ms"),
                        p.get("rps"),
                    ]
                    for p in shown
                ],
                numeric=range(5),
            ),
        )
    return section
