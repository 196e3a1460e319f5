"""The report sections of load runs (kind ``load``) and capacity searches (``capacity``).

Load: the SLO table, latency percentiles overall and per request, latency and
throughput over time, failures by type, health probes and server resources. Capacity:
the capacity curve with the knee, and the steps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

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
    _title,
    describe,
)

__all__ = ["advice_capacity", "advice_load", "render_capacity", "render_load"]

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


def advice_load(entry: Mapping[str, Any]) -> str:
    """Scale out or make serving cheaper: which objectives were breached."""
    r = _result(entry)
    breached = [m for m in _load_measures(r) if m[4]]
    what = ", ".join(f"{m[0]} {h.number(m[1])} vs {m[2]} {h.number(m[3])}" for m in breached)
    if _num(r.get("requests")) == 0:
        what = "the run made no requests"
    return (
        "Scale out (more replicas) or make the model cheaper to serve (batching, a "
        f"smaller model): {what or describe(entry.get('headline'))}."
    )


def advice_capacity(entry: Mapping[str, Any]) -> str:
    """Scale out: provision the replicas the capacity check computed."""
    return (
        "Scale out: provision the replicas the capacity check computes, or raise the "
        f"per-replica throughput; {describe(entry.get('headline'))}."
    )


def render_load(entry: dict[str, Any]) -> Section:
    """SLOs, latency percentiles, latency and throughput over time, failures, health."""
    r = _result(entry)
    section = Section().html(_title(entry, "load"))
    where = h.plural(r.get("distributed"), "worker") if r.get("distributed") else "one process"
    section.html(
        h.tag(
            "p",
            f"{h.plural(r.get('users'), 'user')} (spawn rate {h.number(r.get('spawn_rate'))}/s) "
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
    series = _dicts(r.get("series"))
    if series:
        from pytest_mlaudit.report import _plots

        slo = _dict(r.get("slo"))
        health = _dict(r.get("health"))
        section.png(
            _plots.load_timeline(
                series,
                p95_limit=_opt(slo.get("p95_ms")),
                min_rps=_opt(slo.get("min_rps")),
                probes=_dicts(health.get("series")),
            ),
            "latency and throughput over time",
        )
    groups = _dicts(r.get("failure_groups"))
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


def render_capacity(entry: dict[str, Any]) -> Section:
    """The capacity curve with its knee, and the steps."""
    r = _result(entry)
    slo = _dict(r.get("slo"))
    steps = _dicts(r.get("steps"))
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
            f" {h.plural(r.get('replicas'), 'replica')} "
            f"{'serves' if r.get('replicas') == 1 else 'serve'} {h.number(r.get('target_rps'))} "
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
    return section.extend(_capacity_extras(r))


def _capacity_extras(r: Mapping[str, Any]) -> Section:
    """The limits the server was measured under, its death, health latency, the cost."""
    section = Section()
    exit_ = _dict(r.get("server_exit"))
    if exit_:
        how = (
            "was killed by its memory limit"
            if exit_.get("memory_limit_hit")
            else f"exited (code {exit_.get('returncode')})"
        )
        section.html(
            h.tag(
                "p",
                h.badge("SERVER DIED", "fail"),
                f" The server {how} at {h.number(exit_.get('at_users'))} users, having reached "
                f"{h.number(exit_.get('rss_mb_reached'))} MiB.",
            )
        )
    limits = _dict(r.get("limits"))
    if limits:
        parts = []
        if limits.get("cpu_limit") is not None:
            parts.append(
                f"CPU {h.number(limits.get('cpu_limit'))} ({limits.get('cpu_mechanism')}, "
                f"CPUs {', '.join(str(c) for c in _list(limits.get('cpus')))})"
            )
        if limits.get("memory_limit_mb") is not None:
            parts.append(
                f"memory {h.number(limits.get('memory_limit_mb'))} MiB "
                f"({limits.get('memory_mechanism')})"
            )
        knee = f"; at the knee: CPU {h.number(r.get('knee_cpu_cores'))} cores, RSS " + (
            f"{h.number(r.get('knee_rss_mb'))} MiB"
        )
        section.html(h.tag("p", "One replica measured under its limits: ", "; ".join(parts), knee))
        section.extend(_notes(limits.get("notes")))
    if r.get("health_path") is not None:
        section.html(
            h.tag(
                "p",
                f"Health {r.get('health_path')} under load up to the knee: p95 "
                f"{h.number(r.get('health_p95_ms'))} ms, "
                f"max {h.number(r.get('health_max_ms'))} ms.",
            )
        )
    return section.extend(_cost_table(r))


def _cost_table(r: Mapping[str, Any]) -> Section:
    """Cost per hour and per million predictions at the target peak, by headroom."""
    section = Section()
    try:
        from pytest_mlaudit.checks.load import CapacityReport
        from pytest_mlaudit.result import report_from_dict

        report = report_from_dict(dict(r))
        costs = report.costs() if isinstance(report, CapacityReport) else ()
    except Exception:  # an entry from another version: no cost table rather than no section
        return section
    if not costs:
        return section
    mine = _num(r.get("headroom"))
    rows = [
        [
            h.join(
                [h.pct(c.headroom, 0), " (this check)" if abs(c.headroom - mine) < 1e-9 else ""]
            ),
            c.replicas,
            c.per_hour,
            c.per_million,
        ]
        for c in costs
    ]
    section.html(
        h.tag("h4", "Cost at the target peak"),
        h.tag(
            "p",
            f"{h.number(r.get('price_vcpu_hour'))} per vCPU-hour, "
            f"{h.number(r.get('price_gib_hour'))} per GiB-hour, billed on the per-replica "
            f"requests; the peak is {h.number(r.get('target_rps'))} requests/s.",
        ),
        h.table(
            ["headroom", "replicas", "per hour", "per million predictions"],
            rows,
            numeric=range(1, 4),
        ),
    )
    return section
