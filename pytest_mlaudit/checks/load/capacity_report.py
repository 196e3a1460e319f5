"""The capacity report: :class:`CapacityStep` (one step of the step load) and
:class:`CapacityReport` (the knee, replicas, per-replica resources, the limits the server
was measured under and whether it survived them). Re-exported by :mod:`.report`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

from pytest_mlaudit.checks.load.limits import Limits
from pytest_mlaudit.checks.load.report import _SLO_BAD_WHEN, SLO, _ms, _nan_if_none
from pytest_mlaudit.result import BadWhen, CheckReport, Measure, fmt_number, format_table

__all__ = ["CapacityReport", "CapacityStep", "Limits", "ServerExit"]


@dataclasses.dataclass(frozen=True, slots=True)
class ServerExit:
    """The server died during the search (an OOM kill under its memory limit, a crash)."""

    returncode: int | None  #: negative: killed by that signal (-9: SIGKILL, the OOM killer)
    #: the most memory seen before it died: the highest RSS sampled, or the cgroup's own
    #: peak when a cgroup held it (sampling every 0.25 s misses a fast climb)
    rss_mb_reached: float | None
    at_users: int | None  #: the step it died in
    memory_limit_hit: bool  #: the cgroup counted an OOM kill, or SIGKILL under a limit

    def describe(self) -> str:
        how = (
            "was killed by its memory limit"
            if self.memory_limit_hit
            else f"exited (code {self.returncode})"
        )
        rss = "-" if self.rss_mb_reached is None else fmt_number(self.rss_mb_reached)
        at = "" if self.at_users is None else f" at {self.at_users} users"
        return f"the server {how}{at}, having reached {rss} MiB RSS"


@dataclasses.dataclass(frozen=True, slots=True)
class CapacityStep:
    """One step of the step load: a fixed number of users for ``duration_s``."""

    users: int
    start_s: float  #: seconds since the test started
    duration_s: float  #: measured window (the step minus its settle time)
    requests: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    cpu_cores: float | None = None  #: mean server CPU in the window (when sampled)
    rss_mb: float | None = None  #: peak server RSS in the window

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else math.nan

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else math.nan

    def objectives(self, slo: SLO) -> tuple[Measure, ...]:
        """This step's error rate and latency against the objectives of ``slo`` that set
        them (``subject`` is the step, e.g. ``"8 users"``); ``min_rps`` is the knee's."""
        values = {
            "error_rate": self.error_rate,
            "p95_ms": _nan_if_none(self.p95_ms),
            "p99_ms": _nan_if_none(self.p99_ms),
        }
        return tuple(
            Measure(name, value, limit, _SLO_BAD_WHEN[name], subject=f"{self.users} users")
            for name, value in values.items()
            if (limit := getattr(slo, name)) is not None
        )

    def held(self, slo: SLO) -> bool:
        """Did this step meet the latency and error objectives of ``slo``?"""
        if self.requests == 0:
            return False
        return not any(m.breached for m in self.objectives(slo))


@dataclasses.dataclass(frozen=True, slots=True)
class CapacityReport(CheckReport):
    """The capacity knee of one server: the most throughput that still met the SLO.

    The knee is the step with the highest RPS among the steps that held the SLO before
    the first step that broke it. ``bounded`` is False when the largest step still held
    (the knee is then a lower bound: raise ``max_users``). Given a target peak RPS,
    ``replicas = ceil(target_rps * (1 + headroom) / knee_rps)``; the per-replica
    resource requests are the server's CPU at the knee step and its peak memory plus
    headroom.

    ``passed`` is true when some step held the SLO and the knee reaches
    :attr:`required_rps`: ``min_rps`` and, with ``max_replicas``, the RPS per replica that
    ``target_rps`` needs (``replicas <= max_replicas`` exactly when ``knee_rps >=
    target_rps * (1 + headroom) / max_replicas``).

    Examples
    --------
    >>> report = find_capacity("load/predict_closed_loop.py", host=url, p95_ms=100,
    ...                        max_users=40, target_rps=500)  # doctest: +SKIP
    >>> report.knee_rps, report.replicas  # doctest: +SKIP
    """

    kind: ClassVar[str] = "capacity"
    json_properties: ClassVar[tuple[str, ...]] = (
        "knee_users",
        "knee_rps",
        "knee_p95_ms",
        "bounded",
        "replicas",
        "required_rps",
        "cpu_request_cores",
        "memory_request_mb",
        "knee_cpu_cores",
        "knee_rss_mb",
    )

    locustfile: str
    host: str
    user_classes: tuple[str, ...]
    distributed: int
    seed: int | None
    slo: SLO  #: error_rate/p95_ms/p99_ms decide each step; min_rps applies to the knee
    step_s: float  #: seconds per step
    settle_s: float  #: seconds at the start of each step left out of its numbers
    steps: tuple[CapacityStep, ...]
    stop_reason: str
    target_rps: float | None
    headroom: float  #: fraction of spare capacity to provision above target_rps
    max_replicas: int | None = None
    server_pid: int | None = None
    peak_rss_mb: float | None = None  #: over the whole search
    locust_version: str = ""
    #: the CPU and memory the server was confined to, and how (None: not confined)
    limits: Limits | None = None
    #: the server died during the search (None: it survived)
    server_exit: ServerExit | None = None
    health_path: str | None = None  #: probed during the search (None: not probed)
    #: p95 / max latency of the health probes during the steps up to the knee
    health_p95_ms: float | None = None
    health_max_ms: float | None = None
    price_vcpu_hour: float | None = None  #: for the cost figures (None: no cost)
    price_gib_hour: float | None = None

    def costs(self) -> tuple[Any, ...]:
        """Cost at ``target_rps`` by headroom (:class:`~pytest_mlaudit.deploy.CostRow`),
        billed on the per-replica requests; empty without prices, a target or a knee."""
        cpu, mem = self.cpu_request_cores, self.memory_request_mb
        if (
            self.price_vcpu_hour is None
            or self.price_gib_hour is None
            or self.target_rps is None
            or not self.knee_rps > 0
            or cpu is None
            or mem is None
        ):
            return ()
        from pytest_mlaudit.deploy.cost import HEADROOMS, Prices, cost_rows

        return cost_rows(
            Prices(self.price_vcpu_hour, self.price_gib_hour, source="the capacity check"),
            target_rps=self.target_rps,
            knee_rps=self.knee_rps,
            cpu_cores=cpu,
            memory_mib=mem,
            headrooms=(*HEADROOMS, self.headroom),
        )

    @property
    def knee(self) -> CapacityStep | None:
        """The step at the knee, or None when no step held the SLO."""
        best: CapacityStep | None = None
        for step in self.steps:
            if not step.held(self.slo):
                break
            if best is None or step.rps > best.rps:
                best = step
        return best

    @property
    def bounded(self) -> bool:
        """True when a step broke the SLO (the knee is a measured limit)."""
        return any(not s.held(self.slo) for s in self.steps)

    @property
    def knee_users(self) -> int:
        knee = self.knee
        return 0 if knee is None else knee.users

    @property
    def knee_rps(self) -> float:
        knee = self.knee
        return 0.0 if knee is None else knee.rps

    @property
    def knee_p95_ms(self) -> float | None:
        knee = self.knee
        return None if knee is None else knee.p95_ms

    @property
    def replicas(self) -> int | None:
        """Replicas needed for ``target_rps`` with ``headroom`` (None without a target)."""
        if self.target_rps is None:
            return None
        knee_rps = self.knee_rps
        if not knee_rps > 0:
            return None
        return max(1, math.ceil(self.target_rps * (1 + self.headroom) / knee_rps - 1e-9))

    @property
    def cpu_request_cores(self) -> float | None:
        """CPU one replica used at the knee, rounded up to 0.05 cores."""
        knee = self.knee
        if knee is None or knee.cpu_cores is None:
            return None
        return math.ceil(knee.cpu_cores * 20 - 1e-9) / 20 or 0.05

    @property
    def memory_request_mb(self) -> float | None:
        """Peak RSS plus headroom, rounded up to a whole MiB."""
        if self.peak_rss_mb is None:
            return None
        return float(math.ceil(self.peak_rss_mb * (1 + self.headroom)))

    @property
    def required_rps(self) -> float:
        """The knee RPS that passes: ``min_rps``, and with ``max_replicas`` also
        ``target_rps * (1 + headroom) / max_replicas`` (0 when neither is set)."""
        need = self.slo.min_rps or 0.0
        if self.max_replicas is not None and self.target_rps is not None:
            need = max(need, self.target_rps * (1 + self.headroom) / self.max_replicas)
        return need

    @property
    def knee_cpu_cores(self) -> float | None:
        """Mean server CPU (cores) in the knee step's window."""
        knee = self.knee
        return None if knee is None else knee.cpu_cores

    @property
    def knee_rss_mb(self) -> float | None:
        """Peak server RSS (MiB) in the knee step's window."""
        knee = self.knee
        return None if knee is None else knee.rss_mb

    @property
    def passed(self) -> bool:
        return (
            self.server_exit is None
            and self.knee is not None
            and self.knee_rps >= self.required_rps
        )

    def headline(self) -> Measure:
        knee_rps = self.knee_rps if self.knee is not None else math.nan
        return Measure("knee_rps", knee_rps, self.required_rps, BadWhen.BELOW)

    def measures(self) -> tuple[Measure, ...]:
        """The knee's RPS against its requirement (``subject="knee"``, breached exactly
        when the report fails), then per step (``subject="<n> users"``) its RPS (tracked)
        and its objectives: a step past the knee breaches them, that is how the knee is
        found."""
        head = self.headline()
        out = [dataclasses.replace(head, name="rps", subject="knee")]
        for step in self.steps:
            subject = f"{step.users} users"
            out.append(Measure("rps", step.rps, None, BadWhen.BELOW, subject=subject))
            out.extend(step.objectives(self.slo))
        return tuple(out)

    def sizes(self) -> dict[str, int]:
        return {
            "steps": len(self.steps),
            "requests": sum(s.requests for s in self.steps),
            "max_users": max((s.users for s in self.steps), default=0),
            "workers": self.distributed,
        }

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)
        figures["knee_users"] = self.knee_users
        figures["bounded"] = self.bounded
        if self.replicas is not None:
            figures["replicas"] = self.replicas
        if self.cpu_request_cores is not None:
            figures["cpu_request_cores"] = self.cpu_request_cores
        if self.memory_request_mb is not None:
            figures["memory_request_mb"] = self.memory_request_mb
        return figures

    def brief(self) -> str:
        if self.server_exit is not None:
            return self.server_exit.describe()
        if self.knee is None:
            return "no step held the SLO"
        text = f"knee at {self.knee_users} users"
        if not self.bounded:
            text += " (lower bound: SLO never broke)"
        if self.replicas is not None:
            s = "" if self.replicas == 1 else "s"
            text += f"; {self.replicas} replica{s} for {fmt_number(self.target_rps)} rps"
        return text

    def summary(self) -> str:
        slo = ", ".join(
            f"{n} {'>=' if n == 'min_rps' else '<='} {fmt_number(getattr(self.slo, n))}"
            for n in self.slo.names()
        )
        lines = [
            f"capacity of {self.host} with {self.locustfile}: steps of {fmt_number(self.step_s)} s "
            f"(first {fmt_number(self.settle_s)} s of each left out); SLO: {slo or 'none'}",
            f"stopped: {self.stop_reason}",
            "",
        ]
        knee = self.knee
        rows = []
        for s in self.steps:
            mark = "held" if s.held(self.slo) else "BROKE"
            if s is knee:
                mark += " <- knee"
            row = [
                str(s.users),
                fmt_number(s.rps),
                _ms(s.p50_ms),
                _ms(s.p95_ms),
                _ms(s.p99_ms),
                fmt_number(s.error_rate),
                _ms(s.cpu_cores),
                _ms(s.rss_mb),
                mark,
            ]
            rows.append(row)
        lines.append(
            format_table(
                ["users", "rps", "p50_ms", "p95_ms", "p99_ms", "error_rate", "cpu", "rss_mb", ""],
                rows,
            )
        )
        lines.append("")
        if knee is None:
            lines.append("no step held the SLO: the server cannot meet it even at the first step.")
        else:
            lines.append(
                f"knee: {fmt_number(self.knee_rps)} rps at {self.knee_users} users "
                f"(p95 {_ms(knee.p95_ms)} ms)"
                + ("" if self.bounded else "; the SLO never broke, so this is a lower bound")
            )
        if self.target_rps is not None:
            lines.append(
                f"for a peak of {fmt_number(self.target_rps)} rps with "
                f"{fmt_number(100 * self.headroom)}% headroom: {self.replicas or '-'} replicas"
                + (f" (at most {self.max_replicas} allowed)" if self.max_replicas else "")
            )
        if self.cpu_request_cores is not None or self.memory_request_mb is not None:
            lines.append(
                f"per replica: cpu {_ms(self.cpu_request_cores)} cores, "
                f"memory {_ms(self.memory_request_mb)} MiB"
            )
        for c in self.costs():
            if abs(c.headroom - self.headroom) < 1e-9:
                lines.append(
                    f"cost at the peak: {fmt_number(c.per_hour)} per hour, "
                    f"{fmt_number(c.per_million)} per million predictions ({c.replicas} replicas)"
                )
        if self.limits is not None:
            lines.append(f"measured under limits: {self.limits.describe()}")
            lines.extend(f"  note: {n}" for n in self.limits.notes)
        if self.health_path is not None:
            lines.append(
                f"health {self.health_path} under load (up to the knee): p95 "
                f"{_ms(self.health_p95_ms)} ms, max {_ms(self.health_max_ms)} ms"
            )
        if self.server_exit is not None:
            lines.append(f"FAILED: {self.server_exit.describe()}.")
        return "\n".join(lines)
