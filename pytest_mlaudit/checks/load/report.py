"""The reports of the load checks: :class:`LoadReport` and :class:`CapacityReport`.

Both keep the numbers *and* the service-level objective (:class:`SLO`) they were held
against, and compute every verdict from them, so a report read back from the audit record
gives the same verdict. Latencies are in milliseconds and come from locust's response-time
histogram, which rounds to about two significant digits (147 ms is counted as 150 ms,
3432 ms as 3400 ms; below 100 ms to the millisecond): percentiles are exact to that
resolution only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import ClassVar, Final

from pytest_mlaudit._validation import check_float, check_fraction
from pytest_mlaudit.errors import CheckFailed, MlauditInputError
from pytest_mlaudit.result import BadWhen, CheckReport, Measure, fmt_number, format_table

__all__ = [
    "DEFAULT_ERROR_RATE",
    "SLO",
    "EndpointStats",
    "FailureGroup",
    "HealthProbes",
    "Latency",
    "LoadReport",
    "ProbePoint",
    "ResourceUsage",
    "TimePoint",
]

#: The error-rate objective every load run is held to unless told otherwise: a run in
#: which more than 1% of requests fail did not hold its load, whatever else was asked.
DEFAULT_ERROR_RATE: Final = 0.01


def _nan_if_none(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _ms(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt_number(x)


@dataclasses.dataclass(frozen=True, slots=True)
class SLO:
    """Service-level objectives of a load run; ``None`` means "not checked".

    Examples
    --------
    >>> SLO(p95_ms=150, error_rate=0.01, min_rps=100).names()
    ('error_rate', 'p95_ms', 'min_rps')
    """

    p95_ms: float | None = None  #: 95th-percentile latency must stay at or below this
    p99_ms: float | None = None  #: 99th-percentile latency must stay at or below this
    error_rate: float | None = DEFAULT_ERROR_RATE  #: failed / all requests, at most
    min_rps: float | None = None  #: achieved requests per second, at least
    health_p95_ms: float | None = None  #: p95 of /health probe latency under load, at most
    max_recovery_s: float | None = None  #: seconds until /health is fast again, at most

    #: the order in which objectives are listed and the headline is chosen
    ORDER: ClassVar[tuple[str, ...]] = (
        "error_rate",
        "p95_ms",
        "p99_ms",
        "min_rps",
        "health_p95_ms",
        "max_recovery_s",
    )

    def __post_init__(self) -> None:
        for name in self.ORDER:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "error_rate":
                value = check_fraction(
                    name,
                    value,
                    hint="(error_rate is the fraction of requests that may fail: 0.01 = 1%; "
                    "None: not checked.)",
                )
            else:
                value = check_float(
                    name,
                    value,
                    low=0.0,
                    hint=f"({name} must be a number in its unit, or None: not checked.)",
                )
            object.__setattr__(self, name, value)

    def names(self) -> tuple[str, ...]:
        """The objectives that are set, in :attr:`ORDER`."""
        return tuple(n for n in self.ORDER if getattr(self, n) is not None)

    def merged(self, overrides: Mapping[str, float | None]) -> SLO:
        """A copy with ``overrides`` applied (``None`` drops an objective)."""
        unknown = sorted(set(overrides) - set(self.ORDER))
        if unknown:
            raise MlauditInputError(
                f"unknown SLO {', '.join(map(repr, unknown))}; known: {', '.join(self.ORDER)}."
            )
        return dataclasses.replace(self, **overrides)  # type: ignore[arg-type]


#: The side of its limit that breaks each objective of an :class:`SLO`: ``min_rps`` below,
#: every other one above.
_SLO_BAD_WHEN: Final[Mapping[str, BadWhen]] = {
    name: BadWhen.BELOW if name == "min_rps" else BadWhen.ABOVE for name in SLO.ORDER
}


@dataclasses.dataclass(frozen=True, slots=True)
class Latency:
    """Response-time statistics in ms (percentiles from locust's bucketed histogram)."""

    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float


@dataclasses.dataclass(frozen=True, slots=True)
class EndpointStats:
    """One request name (locust's ``name``, usually the path) of the scenario."""

    method: str
    name: str
    requests: int
    failures: int
    rps: float  #: requests / the run's measured duration
    latency: Latency


@dataclasses.dataclass(frozen=True, slots=True)
class FailureGroup:
    """Failed requests that share a request name and an error."""

    kind: str  #: the error's type: ``"HTTP 500"``, ``"ConnectionRefusedError"``, ``"timeout"``
    method: str
    name: str
    error: str  #: locust's error text, as in its failures CSV
    occurrences: int


@dataclasses.dataclass(frozen=True, slots=True)
class TimePoint:
    """One bin of the time series (one second unless the run was long)."""

    t_s: float  #: start of the bin, seconds since the test started
    width_s: float  #: width of the bin, seconds
    users: int  #: running users at the end of the bin
    requests: int  #: requests completed in the bin
    failures: int
    p50_ms: float | None  #: None when no request completed in the bin
    p95_ms: float | None

    @property
    def rps(self) -> float:
        return self.requests / self.width_s if self.width_s > 0 else math.nan


@dataclasses.dataclass(frozen=True, slots=True)
class ProbePoint:
    """One health probe."""

    t_s: float  #: seconds since the test started (negative: before the load)
    latency_ms: float | None  #: None when the probe timed out or could not connect
    ok: bool  #: HTTP 200 within the probe timeout


@dataclasses.dataclass(frozen=True, slots=True)
class HealthProbes:
    """The health endpoint, probed during the load and after it stopped.

    "Healthy" means a 200 answer within :attr:`ok_ms`; the server has *recovered* at
    the first of three consecutive healthy probes after the load stopped.
    """

    path: str
    interval_s: float
    timeout_s: float  #: a probe slower than this counts as failed
    baseline_ms: float  #: median probe latency before the load started
    ok_ms: float  #: latency threshold of a healthy probe
    probes_under_load: int
    failed_under_load: int
    p50_ms: float  #: probe latency under load (nan when no probe succeeded)
    p95_ms: float
    max_ms: float
    recovered: bool
    recovery_s: float | None  #: None when not recovered within ``recovery_timeout_s``
    recovery_timeout_s: float
    series: tuple[ProbePoint, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class ResourceUsage:
    """CPU and memory of the server process tree while the load ran (psutil)."""

    pid: int
    samples: int
    cpu_mean_cores: float  #: mean CPU use, in cores (1.0 = one core busy)
    cpu_max_cores: float
    peak_rss_mb: float  #: peak resident memory of the process tree, MiB


def _latency_line(lat: Latency) -> str:
    return (
        f"latency (ms, locust-bucketed): p50={_ms(lat.p50_ms)} p90={_ms(lat.p90_ms)} "
        f"p95={_ms(lat.p95_ms)} p99={_ms(lat.p99_ms)} max={_ms(lat.max_ms)} "
        f"mean={_ms(lat.mean_ms)}"
    )


def _slo_table(measures: Sequence[Measure]) -> str:
    rows = [
        [
            m.name,
            fmt_number(m.statistic),
            f"{m.bad_when.symbol} {fmt_number(m.threshold)}",
            "BREACHED" if m.breached else "ok",
        ]
        for m in measures
    ]
    return format_table(["objective", "measured", "limit", "verdict"], rows)


@dataclasses.dataclass(frozen=True, slots=True)
class LoadReport(CheckReport):
    """What a locust run did to an endpoint, held against its :class:`SLO`.

    ``passed`` is true when requests were made and no objective in :attr:`slo` is
    breached. By default the only objective is ``error_rate <= 0.01``; latency and
    throughput objectives come from ``run_load(p95_ms=..., min_rps=...)``, the
    ``@pytest.mark.load(...)`` marker or ``mlaudit_defaults``, and are recorded with the
    numbers. :meth:`assert_slo` checks them, optionally tightened or extended.

    ``rps`` is requests divided by the measured duration of the test (from the start
    of the test to the last completed request, ramp-up included: what locust's final
    "Requests/s" shows), not locust's trailing-window ``current_rps``.
    ``rps_steady`` counts only the time after all users were spawned.

    Examples
    --------
    >>> report = run_load("load/predict.py", host=url, users=20, spawn_rate=10,
    ...                   run_time=10, p95_ms=150)  # doctest: +SKIP
    >>> report.assert_slo(min_rps=50)  # doctest: +SKIP
    """

    kind: ClassVar[str] = "load"
    json_properties: ClassVar[tuple[str, ...]] = ("rps", "error_rate", "failures_by_kind")

    locustfile: str  #: the scenario, as given
    host: str  #: the base URL that was loaded
    users: int  #: peak users
    spawn_rate: float  #: users started per second
    run_time_s: float  #: the requested run time
    distributed: int  #: number of locust worker processes (0: a single local process)
    user_classes: tuple[str, ...]  #: the User classes selected (empty: all in the file)
    seed: int | None  #: exported to the scenario as MLAUDIT_SEED
    requests: int
    failures: int
    duration_s: float  #: measured: test start to the last completed request
    rps_steady: float | None  #: requests/s after all users were spawned
    latency: Latency
    endpoints: tuple[EndpointStats, ...]
    failure_groups: tuple[FailureGroup, ...]
    series: tuple[TimePoint, ...]
    slo: SLO
    health: HealthProbes | None = None
    resources: ResourceUsage | None = None
    locust_exceptions: int = 0  #: exceptions raised by the scenario code (not the server)
    locust_version: str = ""

    @property
    def rps(self) -> float:
        """Achieved requests per second over the measured duration."""
        return self.requests / self.duration_s if self.duration_s > 0 else math.nan

    @property
    def error_rate(self) -> float:
        """Failed requests / all requests (nan when there were none)."""
        return self.failures / self.requests if self.requests else math.nan

    @property
    def failures_by_kind(self) -> dict[str, int]:
        """Failure counts per error type, most frequent first."""
        out: dict[str, int] = {}
        for g in self.failure_groups:
            out[g.kind] = out.get(g.kind, 0) + g.occurrences
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    def _statistic(self, name: str) -> float:
        if name == "error_rate":
            return self.error_rate
        if name == "p95_ms":
            return self.latency.p95_ms
        if name == "p99_ms":
            return self.latency.p99_ms
        if name == "min_rps":
            return self.rps
        if name == "health_p95_ms":
            return self.health.p95_ms if self.health is not None else math.nan
        if name == "max_recovery_s":
            if self.health is None:
                return math.nan
            return _nan_if_none(self.health.recovery_s)
        raise KeyError(name)

    def objectives(self, slo: SLO | None = None) -> tuple[Measure, ...]:
        """One :class:`Measure` per objective of ``slo`` (default: the report's own):
        the objective's name, the measured value, its limit and the side that breaks it
        (``min_rps`` below, every other objective above)."""
        slo = self.slo if slo is None else slo
        return tuple(
            Measure(name, self._statistic(name), getattr(slo, name), _SLO_BAD_WHEN[name])
            for name in slo.names()
        )

    def measures(self) -> tuple[Measure, ...]:
        """The objectives of the report's SLO (:meth:`objectives`) with ``subject="slo"``
        (apart from the key figures of the same names): each breaches exactly when its
        objective is breached.

        Examples
        --------
        >>> [m.describe() for m in report.measures()]  # doctest: +SKIP
        ['slo: error_rate=0 <= 0.01', 'slo: p95_ms=42 <= 150', 'slo: min_rps=96.5 >= 50']
        """
        return tuple(dataclasses.replace(m, subject="slo") for m in self.objectives())

    @property
    def passed(self) -> bool:
        return self.requests > 0 and not any(m.breached for m in self.objectives())

    def headline(self) -> Measure:
        measures = self.objectives()
        for m in measures:
            if m.breached:
                return m
        # error_rate is checked by default; an objective the caller chose says more
        for preferred in ("p95_ms", "p99_ms", "min_rps", "max_recovery_s", "health_p95_ms"):
            for m in measures:
                if m.name == preferred:
                    return m
        if measures:
            return measures[0]
        return Measure("rps", self.rps, 0.0, BadWhen.BELOW)

    def sizes(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "failures": self.failures,
            "users": self.users,
            "workers": self.distributed,
            "endpoints": len(self.endpoints),
        }

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)
        figures.update(
            {
                "requests": self.requests,
                "failures": self.failures,
                "rps": self.rps,
                "error_rate": self.error_rate,
                "p50_ms": self.latency.p50_ms,
                "p95_ms": self.latency.p95_ms,
                "p99_ms": self.latency.p99_ms,
            }
        )
        if self.health is not None:
            figures["health_p95_ms"] = self.health.p95_ms
            figures["recovery_s"] = _nan_if_none(self.health.recovery_s)
        return figures

    def brief(self) -> str:
        return (
            f"{fmt_number(self.rps)} rps, p95 {_ms(self.latency.p95_ms)} ms, "
            f"{fmt_number(100 * self.error_rate)}% errors, {self.users} users"
        )

    def summary(self, slo: SLO | None = None) -> str:
        """The SLO table, latency, endpoints, failures by type, health and resources."""
        where = f"{self.distributed} workers" if self.distributed else "1 process"
        lines = [
            f"load test of {self.host} with {self.locustfile} ({where}): {self.users} users, "
            f"{fmt_number(self.run_time_s)} s; {self.requests} requests, {self.failures} "
            f"failed ({fmt_number(100 * self.error_rate)}%), {fmt_number(self.rps)} rps over "
            f"{fmt_number(self.duration_s)} s"
            + (f", {fmt_number(self.rps_steady)} rps after ramp-up" if self.rps_steady else ""),
            "",
        ]
        measures = self.objectives(slo)
        if measures:
            lines += [_slo_table(measures), ""]
        lines.append(_latency_line(self.latency))
        if self.endpoints:
            rows = [
                [
                    e.method,
                    e.name,
                    str(e.requests),
                    str(e.failures),
                    fmt_number(e.rps),
                    _ms(e.latency.p50_ms),
                    _ms(e.latency.p95_ms),
                    _ms(e.latency.p99_ms),
                ]
                for e in self.endpoints
            ]
            lines += [
                "",
                format_table(
                    ["method", "name", "requests", "failures", "rps", "p50_ms", "p95_ms", "p99_ms"],
                    rows,
                ),
            ]
        if self.failure_groups:
            rows = [
                [g.kind, str(g.occurrences), f"{g.method} {g.name}", _clip(g.error, 70)]
                for g in self.failure_groups
            ]
            lines += [
                "",
                "failures by type:",
                format_table(["kind", "count", "request", "error"], rows),
            ]
        if self.locust_exceptions:
            lines += [
                "",
                f"the scenario itself raised {self.locust_exceptions} exceptions "
                "(see locust's exceptions CSV); they are not counted as failed requests.",
            ]
        if self.health is not None:
            h = self.health
            rec = (
                f"recovered {fmt_number(h.recovery_s)} s after the load stopped"
                if h.recovered and h.recovery_s is not None
                else f"NOT recovered within {fmt_number(h.recovery_timeout_s)} s"
            )
            lines += [
                "",
                f"health {h.path}: baseline {_ms(h.baseline_ms)} ms; under load p50="
                f"{_ms(h.p50_ms)} p95={_ms(h.p95_ms)} max={_ms(h.max_ms)} ms, "
                f"{h.failed_under_load}/{h.probes_under_load} probes failed; {rec} "
                f"(healthy: 200 within {fmt_number(h.ok_ms)} ms)",
            ]
        if self.resources is not None:
            r = self.resources
            lines += [
                "",
                f"server pid {r.pid}: CPU mean {fmt_number(r.cpu_mean_cores)} cores, max "
                f"{fmt_number(r.cpu_max_cores)}; peak RSS {fmt_number(r.peak_rss_mb)} MiB",
            ]
        return "\n".join(lines)

    def supersedes(self, recorded: CheckReport) -> bool:
        """True when this is ``recorded`` with another SLO (what ``assert_slo`` raises)."""
        return isinstance(recorded, LoadReport) and (
            dataclasses.replace(recorded, slo=self.slo) == self
        )

    def assert_slo(
        self,
        *,
        p95_ms: float | None = None,
        p99_ms: float | None = None,
        error_rate: float | None = None,
        min_rps: float | None = None,
        health_p95_ms: float | None = None,
        max_recovery_s: float | None = None,
    ) -> None:
        """Raise :class:`~pytest_mlaudit.CheckFailed` naming every breached objective.

        The objectives are the report's :attr:`slo` with the given ones added or
        replacing them (an objective not given keeps the report's value). The error is
        an ``AssertionError`` whose message is the table of every objective; its
        ``report`` is this report with the asserted SLO, so its ``passed`` is False.

        Examples
        --------
        >>> report.assert_slo(p95_ms=150, error_rate=0.01, min_rps=100)  # doctest: +SKIP
        """
        given = {
            "p95_ms": p95_ms,
            "p99_ms": p99_ms,
            "error_rate": error_rate,
            "min_rps": min_rps,
            "health_p95_ms": health_p95_ms,
            "max_recovery_s": max_recovery_s,
        }
        slo = self.slo.merged({k: v for k, v in given.items() if v is not None})
        if slo.health_p95_ms is not None or slo.max_recovery_s is not None:
            if self.health is None:
                raise MlauditInputError(
                    "health_p95_ms/max_recovery_s need health probes: run the load with "
                    "health_path='/health' (or your health endpoint)."
                )
        asserted = dataclasses.replace(self, slo=slo)
        if asserted.passed:
            return
        breached = [m for m in asserted.objectives() if m.breached]
        if self.requests == 0:
            head = "load SLO not met: the run made no requests"
        else:
            head = "load SLO breached: " + ", ".join(m.describe() for m in breached)
        raise CheckFailed(asserted, head + "\n\n" + asserted.summary())

    def assert_ok(self) -> None:
        """Same as :meth:`assert_slo` with the report's own SLO."""
        self.assert_slo()


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def __getattr__(name: str) -> object:
    """``CapacityReport`` and ``CapacityStep`` live in :mod:`.capacity_report`; they are
    importable from here as before (lazily: that module imports this one)."""
    if name in ("CapacityReport", "CapacityStep"):
        from pytest_mlaudit.checks.load import capacity_report

        return getattr(capacity_report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
