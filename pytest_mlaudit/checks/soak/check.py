"""The soak check: hold a steady load for a duration and look for slow failures.

A memory leak, a latency creep, a file-descriptor leak or error bursts under a
constant load do not show in a load test of seconds at the knee; they show as a trend
over a long, steady run. :func:`run_soak` runs the scenario with ``users`` users each
pacing at ``rps / users`` (``MLAUDIT_USER_RPS`` is exported to the scenario, whose
users read it in ``constant_throughput``), samples the server's RSS and open fds, and
fits robust (Theil-Sen) slopes per hour with confidence intervals; see
:class:`~pytest_mlaudit.checks.soak.report.SoakReport` for the verdict.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pytest_mlaudit.checks.load import DEFAULT_ERROR_RATE, LoadReport, run_load
from pytest_mlaudit.checks.soak._validate import check_plan
from pytest_mlaudit.checks.soak.report import SoakPoint, SoakReport, Trend
from pytest_mlaudit.checks.soak.trend import error_bursts, theil_sen
from pytest_mlaudit.checks.soak.watch import SoakSampler

__all__ = ["run_soak"]

#: Most points of the report's series.
MAX_POINTS = 120


def run_soak(
    locustfile: str | os.PathLike[str],
    *,
    host: str,
    rps: float,
    duration: int | float | str,
    users: int = 10,
    server_pid: int | None = None,
    health_path: str | None = None,
    max_rss_growth_mb: float = 32.0,
    max_p95_growth_ms: float = 50.0,
    max_fd_growth: float = 20.0,
    error_rate: float | None = DEFAULT_ERROR_RATE,
    max_error_bursts: int = 0,
    burst_error_rate: float = 0.05,
    warmup: float | None = None,
    sample_interval_s: float | None = None,
    user_classes: str | Sequence[str] = (),
    seed: int | None = 0,
    payloads: Any = None,
    env: Mapping[str, str] | None = None,
    allowed_hosts: Iterable[str] = (),
    timeout_s: float | None = None,
    output_dir: str | os.PathLike[str] | None = None,
) -> SoakReport:
    """Hold ``rps`` requests per second for ``duration`` and fail on an upward trend.

    Parameters
    ----------
    locustfile, host, user_classes, seed, payloads, env, allowed_hosts, timeout_s, output_dir
        As in :func:`~pytest_mlaudit.run_load`. The scenario's users should pace with
        ``constant_throughput(float(os.environ["MLAUDIT_USER_RPS"]))``.
    rps, users
        The steady rate and the users sharing it (each paces at ``rps / users``).
    duration
        Seconds, or a span such as ``"10m"``.
    server_pid
        The server's pid: its RSS and open fds are sampled (psutil) and trended.
    health_path
        Probe it during the soak; the report keeps its p95 (the deployment plan's
        probe timeouts use it).
    max_rss_growth_mb, max_p95_growth_ms, max_fd_growth
        Growth tolerated over the run; the slope limit is growth / duration, so it
        scales with the duration (a 10 s run allows 32 MiB in 10 s, a 10 min run 32 MiB
        in 10 min). A trend fails when its slope is above the limit and its 95%
        confidence interval is above zero.
    error_rate
        The overall error-rate objective (None: not checked).
    max_error_bursts, burst_error_rate
        At most that many runs of one-second bins whose error rate is above
        ``burst_error_rate``.
    warmup
        Seconds at the start left out of the trends (default 10% of the duration,
        1 s to 300 s).
    sample_interval_s
        Sampling period of RSS and fds (default ``duration / 120``, 0.25 s to 30 s).

    Examples
    --------
    >>> report = run_soak("load/predict.py", host=server.url, rps=200, duration="10m",
    ...                   server_pid=server.pid)  # doctest: +SKIP
    >>> report.rss.slope_per_h  # doctest: +SKIP
    """
    plan = check_plan(
        rps=rps,
        duration=duration,
        users=users,
        warmup=warmup,
        max_error_bursts=max_error_bursts,
        burst_error_rate=burst_error_rate,
        allowances={
            "max_rss_growth_mb": max_rss_growth_mb,
            "max_p95_growth_ms": max_p95_growth_ms,
            "max_fd_growth": max_fd_growth,
        },
    )
    interval = (
        min(max(plan.duration_s / MAX_POINTS, 0.25), 30.0)
        if sample_interval_s is None
        else float(sample_interval_s)
    )
    scenario_env = {**(env or {}), "MLAUDIT_USER_RPS": repr(plan.user_rps)}
    load_args: dict[str, Any] = {
        "host": host,
        "users": plan.users,
        "spawn_rate": float(plan.users),
        "run_time": plan.duration_s,
        "user_classes": user_classes,
        "error_rate": None,  # the soak judges its own error rate and bursts
        "health_path": health_path,
        "recovery_timeout_s": 5.0,
        "seed": seed,
        "payloads": payloads,
        "env": scenario_env,
        "allowed_hosts": allowed_hosts,
        "timeout_s": timeout_s,
        "output_dir": output_dir,
        "max_points": min(max(plan.duration_s, 2), 3600),  # one-second bins
    }
    sampler = None if server_pid is None else SoakSampler(server_pid, interval_s=interval)
    start = time.time()
    if sampler is not None:
        with sampler:
            load = run_load(locustfile, **load_args)
        sampler.sample()
    else:
        load = run_load(locustfile, **load_args)
    end = time.time()
    samples = [] if sampler is None else [s for s in sampler.samples if s[0] <= end]
    fit_from = start + plan.warmup_s + 1.0  # + locust's start-up
    fitted = [s for s in samples if s[0] >= fit_from]
    span = max(end - fit_from, 1e-9)
    rss = fds = None
    if sampler is not None:
        rss = _trend("rss_mb", "MiB", [(t, r) for t, r, _ in fitted], max_rss_growth_mb, span)
        if fitted and all(f is not None for _, _, f in fitted):
            fds = _trend(
                "open_fds", "fds", [(t, float(f or 0)) for t, _, f in fitted], max_fd_growth, span
            )
    bins = [p for p in load.series if p.t_s >= plan.warmup_s and p.p95_ms is not None]
    p95 = _trend(
        "p95_ms",
        "ms",
        [(p.t_s + p.width_s / 2, float(p.p95_ms or 0)) for p in bins],
        max_p95_growth_ms,
        max(load.duration_s - plan.warmup_s, 1e-9),
    )
    return SoakReport(
        locustfile=os.fspath(locustfile),
        host=load.host,
        users=plan.users,
        offered_rps=round(plan.user_rps * plan.users, 3),
        duration_s=float(plan.duration_s),
        warmup_s=plan.warmup_s,
        requests=load.requests,
        failures=load.failures,
        rps=round(load.rps, 3),
        p95_ms=None if math.isnan(load.latency.p95_ms) else load.latency.p95_ms,
        error_rate_limit=None if error_rate is None else float(error_rate),
        rss=rss,
        p95=p95,
        fds=fds,
        error_bursts=error_bursts(
            [(p.requests, p.failures) for p in load.series], max_error_rate=plan.burst_error_rate
        ),
        max_error_bursts=plan.max_error_bursts,
        burst_error_rate=plan.burst_error_rate,
        survived=_alive(server_pid),
        server_pid=server_pid,
        health_path=health_path,
        health_p95_ms=None if load.health is None else _finite(load.health.p95_ms),
        seed=seed,
        series=_points(samples, load, t0=start + 1.0),
    )


def _trend(
    name: str, unit: str, points: Sequence[tuple[float, float]], allowed: float, span_s: float
) -> Trend:
    xs = [t / 3600.0 for t, _ in points]
    ys = [v for _, v in points]
    slope, _, low, high = theil_sen(xs, ys)
    return Trend(
        name=name,
        unit=unit,
        slope_per_h=round(slope, 6),
        low_per_h=round(low, 6),
        high_per_h=round(high, 6),
        allowed_growth=float(allowed),
        duration_s=round(span_s, 3),
        points=len(points),
        first=round(ys[0], 3) if ys else None,
        last=round(ys[-1], 3) if ys else None,
    )


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 3)


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    import psutil

    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def _points(
    samples: Sequence[tuple[float, float, int | None]], load: LoadReport, *, t0: float
) -> tuple[SoakPoint, ...]:
    """At most MAX_POINTS samples, each with the load's bin around its time."""
    if not samples:
        return tuple(
            SoakPoint(t_s=p.t_s, rss_mb=None, open_fds=None, p95_ms=p.p95_ms, rps=round(p.rps, 3))
            for p in load.series[:: max(1, math.ceil(len(load.series) / MAX_POINTS))]
        )
    stride = max(1, math.ceil(len(samples) / MAX_POINTS))
    out = []
    for t, rss, fds in samples[::stride]:
        ts = t - t0
        near = min(load.series, key=lambda p: abs(p.t_s - ts), default=None)
        out.append(
            SoakPoint(
                t_s=round(ts, 3),
                rss_mb=round(rss, 2),
                open_fds=fds,
                p95_ms=None if near is None else near.p95_ms,
                rps=None if near is None else round(near.rps, 3),
            )
        )
    return tuple(out)
