"""The soak report: steady load for a duration, and the trends that show a slow failure.

A :class:`Trend` is a Theil-Sen slope per hour with its 95% confidence interval and an
allowance. The allowance is a *growth over the run* (``max_rss_growth_mb`` MiB,
``max_p95_growth_ms`` ms, ``max_fd_growth`` descriptors), so the slope limit is
``allowance / duration``: it scales with the duration, and a run of seconds tests a
leak that would grow by the allowance in those seconds. A trend is *breached* when its
slope exceeds the limit *and* its lower confidence bound is above zero (the rise is
both large and real). The report passes when no trend is breached, no more than
``max_error_bursts`` error bursts occurred, the overall error rate holds, and the
server is still running at the end.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

from pytest_mlaudit.result import BadWhen, CheckReport, Measure, fmt_number, format_table

__all__ = ["SoakPoint", "SoakReport", "Trend"]


def _num(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt_number(x)


@dataclasses.dataclass(frozen=True, slots=True)
class Trend:
    """A robust slope of one series over the soak, per hour."""

    name: str  #: "rss_mb", "p95_ms" or "open_fds"
    unit: str  #: unit of the series ("MiB", "ms", "fds")
    slope_per_h: float  #: Theil-Sen slope, unit per hour (nan: too few points)
    low_per_h: float  #: lower bound of its 95% confidence interval
    high_per_h: float  #: upper bound
    allowed_growth: float  #: growth over the whole run that is tolerated
    duration_s: float  #: the span the slope was fitted over
    points: int  #: points in the fit
    first: float | None = None  #: the series' first value in the fit
    last: float | None = None  #: its last value

    @property
    def limit_per_h(self) -> float:
        """The slope limit: ``allowed_growth / duration`` (per hour)."""
        hours = self.duration_s / 3600.0
        return self.allowed_growth / hours if hours > 0 else math.inf

    @property
    def growth(self) -> float:
        """The fitted growth over the run (slope x duration)."""
        return self.slope_per_h * self.duration_s / 3600.0

    @property
    def breached(self) -> bool:
        return (
            math.isfinite(self.slope_per_h)
            and self.slope_per_h > self.limit_per_h
            and self.low_per_h > 0
        )

    def measure(self) -> Measure:
        return Measure(
            f"{self.name}_slope_per_h", self.slope_per_h, self.limit_per_h, BadWhen.ABOVE
        )

    def describe(self) -> str:
        return (
            f"{self.name}: {_num(self.slope_per_h)} {self.unit}/h "
            f"[95% CI {_num(self.low_per_h)}, {_num(self.high_per_h)}] vs limit "
            f"{_num(self.limit_per_h)} {self.unit}/h ({_num(self.allowed_growth)} {self.unit} "
            f"over {_num(self.duration_s)} s); fitted growth {_num(self.growth)} {self.unit}"
        )


@dataclasses.dataclass(frozen=True, slots=True)
class SoakPoint:
    """One sample of the server during the soak (``t_s`` since the load started)."""

    t_s: float
    rss_mb: float | None
    open_fds: int | None
    p95_ms: float | None  #: p95 latency of the load's time bin around this time
    rps: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class SoakReport(CheckReport):
    """A steady load held for a duration, and whether anything drifted upwards."""

    kind: ClassVar[str] = "soak"
    json_properties: ClassVar[tuple[str, ...]] = ("rps", "error_bursts", "survived")

    locustfile: str
    host: str
    users: int
    offered_rps: float  #: users x MLAUDIT_USER_RPS, the pace asked of the scenario
    duration_s: float  #: the load's length
    warmup_s: float  #: left out of every trend
    requests: int
    failures: int
    rps: float  #: achieved requests per second
    p95_ms: float | None  #: over the whole run
    error_rate_limit: float | None  #: the overall error-rate objective
    rss: Trend | None  #: None without server_pid
    p95: Trend
    fds: Trend | None  #: None without server_pid (or without num_fds)
    error_bursts: int
    max_error_bursts: int
    burst_error_rate: float  #: a bin with a higher error rate is part of a burst
    survived: bool = True  #: the server was still running when the soak ended
    server_pid: int | None = None
    health_path: str | None = None
    health_p95_ms: float | None = None  #: health-probe latency under the soak load
    seed: int | None = 0
    series: tuple[SoakPoint, ...] = ()

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else math.nan

    def trends(self) -> tuple[Trend, ...]:
        return tuple(t for t in (self.rss, self.p95, self.fds) if t is not None)

    def _error_rate_breached(self) -> bool:
        limit = self.error_rate_limit
        return limit is not None and not (self.error_rate <= limit)

    @property
    def passed(self) -> bool:
        return (
            self.survived
            and self.requests > 0
            and not any(t.breached for t in self.trends())
            and self.error_bursts <= self.max_error_bursts
            and not self._error_rate_breached()
        )

    def headline(self) -> Measure:
        measures = self.measures()
        for m in measures:
            if m.breached:
                return m
        return measures[0]

    def measures(self) -> tuple[Measure, ...]:
        out = [t.measure() for t in self.trends()]  # memory, latency, fds
        out.append(
            Measure(
                "error_bursts",
                float(self.error_bursts),
                float(self.max_error_bursts),
                BadWhen.ABOVE,
            )
        )
        if self.error_rate_limit is not None:
            out.append(Measure("error_rate", self.error_rate, self.error_rate_limit, BadWhen.ABOVE))
        return tuple(out)

    def sizes(self) -> dict[str, int]:
        return {"requests": self.requests, "users": self.users, "samples": len(self.series)}

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)
        figures["rps"] = round(self.rps, 3)
        figures["duration_s"] = self.duration_s
        figures["survived"] = self.survived
        for t in self.trends():
            figures[f"{t.name}_slope_per_h"] = t.slope_per_h
        return figures

    def brief(self) -> str:
        if not self.survived:
            return "the server died during the soak"
        broken = [t.name for t in self.trends() if t.breached]
        if broken:
            return "upward trend: " + ", ".join(broken)
        if self.error_bursts > self.max_error_bursts:
            return f"{self.error_bursts} error bursts"
        return f"steady for {fmt_number(self.duration_s)} s at {fmt_number(self.rps)} rps"

    def summary(self) -> str:
        lines = [
            f"soak of {self.host} with {self.locustfile}: {self.users} users, offered "
            f"{fmt_number(self.offered_rps)} rps, achieved {fmt_number(self.rps)} rps for "
            f"{fmt_number(self.duration_s)} s (first {fmt_number(self.warmup_s)} s left out "
            "of the trends)",
            f"requests {self.requests}, failures {self.failures} "
            f"(error rate {_num(self.error_rate)}"
            + (
                f", limit {_num(self.error_rate_limit)})"
                if self.error_rate_limit is not None
                else ")"
            ),
            "",
        ]
        rows = [
            [
                t.name,
                _num(t.slope_per_h),
                f"[{_num(t.low_per_h)}, {_num(t.high_per_h)}]",
                _num(t.limit_per_h),
                _num(t.growth),
                "BREACHED" if t.breached else "ok",
            ]
            for t in self.trends()
        ]
        lines.append(format_table(["trend", "slope/h", "95% CI", "limit/h", "growth", ""], rows))
        lines.append("")
        lines.append(
            f"error bursts (bins with error rate > {_num(self.burst_error_rate)}): "
            f"{self.error_bursts} (at most {self.max_error_bursts})"
        )
        if self.health_path is not None:
            lines.append(
                f"health {self.health_path} p95 under the soak: {_num(self.health_p95_ms)} ms"
            )
        if not self.survived:
            lines.append("FAILED: the server was not running when the soak ended.")
        for t in self.trends():
            if t.breached:
                lines.append(f"FAILED: {t.describe()}")
        return "\n".join(lines)
