"""Soak reports built from numbers (no locust): a steady one and a leaking one."""

from __future__ import annotations

from pytest_mlaudit.checks.soak import SoakPoint, SoakReport, Trend


def make_trend(name: str, unit: str, slope: float, allowed: float, *, spread: float = 1.0) -> Trend:
    return Trend(
        name=name,
        unit=unit,
        slope_per_h=slope,
        low_per_h=slope - spread,
        high_per_h=slope + spread,
        allowed_growth=allowed,
        duration_s=600.0,
        points=100,
        first=100.0,
        last=100.0 + slope / 6,
    )


def make_soak_report(
    *, rss_slope: float = 0.5, bursts: int = 0, survived: bool = True
) -> SoakReport:
    """A 10-minute soak; ``rss_slope`` MiB/h (the limit is 32 MiB / 10 min = 192 MiB/h)."""
    return SoakReport(
        locustfile="load/predict.py",
        host="http://127.0.0.1:8000",
        users=20,
        offered_rps=200.0,
        duration_s=600.0,
        warmup_s=60.0,
        requests=120_000,
        failures=12,
        rps=199.5,
        p95_ms=42.0,
        error_rate_limit=0.01,
        rss=make_trend("rss_mb", "MiB", rss_slope, 32.0, spread=0.2 * abs(rss_slope) + 0.1),
        p95=make_trend("p95_ms", "ms", 0.0, 50.0),
        fds=make_trend("open_fds", "fds", 0.0, 20.0, spread=0.0),
        error_bursts=bursts,
        max_error_bursts=0,
        burst_error_rate=0.05,
        survived=survived,
        server_pid=1234,
        health_path="/health",
        health_p95_ms=4.5,
        series=tuple(
            SoakPoint(
                t_s=float(t),
                rss_mb=100.0 + rss_slope * t / 3600,
                open_fds=12,
                p95_ms=42.0,
                rps=200.0,
            )
            for t in range(0, 600, 30)
        ),
    )
