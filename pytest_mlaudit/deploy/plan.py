"""Deployment settings from measurements: the rules, each number with its source.

:func:`make_plan` turns a capacity report (and optionally a soak report) into a
:class:`DeployPlan`: every number is a :class:`Number` that says which measurement it came
from. The rules (docs/load.md, "From load test to deployment"):

* ``max_replicas = max(ceil(target_rps x (1 + headroom) / knee_rps), min_replicas)``;
  ``min_replicas`` is 2 unless given (two, so that one can be drained or rescheduled
  while the other serves).
* CPU limit: the ``cpu_limit`` the capacity was measured under; without one, the CPU
  request. CPU request: the server's mean CPU at the knee, rounded up to 0.05 cores
  (never above the limit).
* Memory request: the peak RSS (capacity search, or the soak's last sample when higher)
  x (1 + headroom), rounded up to a MiB. Memory limit: the ``memory_limit`` the server
  was measured under and survived, when it is at least the request; else the request.
* HPA target CPU utilisation: ``100 x knee CPU / (1 + headroom) / CPU request``, 10..95%:
  at the target peak each replica carries ``knee_rps / (1 + headroom)``.
* Probe timeouts: readiness ``ceil(2 x health p95 under load)`` s, liveness
  ``ceil(max(3 x p95, max))`` s, at least 1 s; the health latency comes from the
  capacity search (``health_path``), else the soak; without either, 1 s / 2 s defaults
  that say so.
* Server workers: ``ceil(cpu limit)`` uvicorn workers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_mlaudit._validation import check_float, check_int
from pytest_mlaudit.deploy.cost import HEADROOMS, CostRow, Prices, cost_rows, replicas_for
from pytest_mlaudit.errors import MlauditInputError

if TYPE_CHECKING:
    from pytest_mlaudit.checks.load import CapacityReport
    from pytest_mlaudit.checks.soak import SoakReport

__all__ = ["DEFAULT_BASE_IMAGE", "DeployPlan", "Number", "make_plan", "template_values"]

#: The base image of the Dockerfile: an exact tag (a digest needs the registry).
DEFAULT_BASE_IMAGE = "python:3.11.11-slim-bookworm"


@dataclasses.dataclass(frozen=True, slots=True)
class Number:
    """A number of the plan and the measurement (or rule) it came from."""

    value: float
    source: str

    def text(self, digits: int = 3) -> str:
        v = round(self.value, digits)
        return str(int(v)) if float(v).is_integer() else str(v)


@dataclasses.dataclass(frozen=True, slots=True)
class DeployPlan:
    """What ``mlaudit deploy-plan`` writes: names, numbers with sources, the cost."""

    name: str
    app: str
    port: int
    health_path: str
    base_image: str
    image: str
    target_rps: float
    headroom: float
    numbers: Mapping[str, Number]
    costs: tuple[CostRow, ...] = ()
    prices: Prices | None = None
    warnings: tuple[str, ...] = ()
    evidence: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __getitem__(self, key: str) -> Number:
        return self.numbers[key]

    def cost_at_headroom(self) -> CostRow | None:
        return next((c for c in self.costs if abs(c.headroom - self.headroom) < 1e-9), None)


def _ceil_to(x: float, step: float) -> float:
    return math.ceil(x / step - 1e-9) * step


def make_plan(
    capacity: CapacityReport,
    *,
    target_rps: float,
    headroom: float = 0.3,
    soak: SoakReport | None = None,
    prices: Prices | None = None,
    min_replicas: int | None = None,
    name: str = "model-server",
    app: str = "server:app",
    port: int = 8000,
    health_path: str | None = None,
    base_image: str = DEFAULT_BASE_IMAGE,
    image: str | None = None,
    evidence: Mapping[str, str] | None = None,
) -> DeployPlan:
    """The plan for ``target_rps`` with ``headroom`` from the reports (see the module)."""
    target = check_float("target_rps", target_rps, low=0.0, low_open=True)
    h = check_float("headroom", headroom, low=0.0, hint="0.3 provisions 30% above the peak.")
    port = check_int("port", port, minimum=1, maximum=65535)
    if capacity.server_exit is not None:
        raise MlauditInputError(
            f"the capacity check's server died: {capacity.server_exit.describe()}; a plan "
            "from it would under-provision. Give it more memory (memory_limit) and measure again."
        )
    knee = capacity.knee
    if knee is None or not capacity.knee_rps > 0:
        raise MlauditInputError(
            "the capacity check found no step that held the SLO (no knee); nothing to plan from."
        )
    warnings: list[str] = []
    if not capacity.bounded:
        warnings.append(
            "the capacity search never broke the SLO: the knee is a lower bound, so the plan "
            "over-provisions (raise max_users and measure again)."
        )
    if soak is not None and not soak.passed:
        warnings.append(f"the soak check FAILED ({soak.brief()}): fix that before deploying.")
    n: dict[str, Number] = {}
    knee_src = f"capacity knee {capacity.knee_rps:.4g} rps at {capacity.knee_users} users"
    n["knee_rps"] = Number(capacity.knee_rps, knee_src)
    n["knee_users"] = Number(capacity.knee_users, "users in flight at the capacity knee")
    n["target_rps"] = Number(target, "--target-rps")
    n["headroom_pct"] = Number(round(100 * h, 3), "--headroom")
    if min_replicas is None:
        n["min_replicas"] = Number(2, "default 2: one can be drained while the other serves")
    else:
        low = check_int("min_replicas", min_replicas, minimum=1, maximum=100_000)
        n["min_replicas"] = Number(low, "--min-replicas")
    need = replicas_for(target, h, capacity.knee_rps)
    rule = f"ceil({target:g} rps x (1 + {h:g}) / {capacity.knee_rps:.4g} rps at the knee)"
    if need >= n["min_replicas"].value:
        n["max_replicas"] = Number(need, rule)
    else:
        n["max_replicas"] = Number(n["min_replicas"].value, f"min replicas ({rule} = {need})")

    limits = capacity.limits
    knee_cpu = knee.cpu_cores
    request = capacity.cpu_request_cores
    if limits is not None and limits.cpu_limit is not None:
        cpu_limit = Number(
            limits.cpu_limit, f"cpu_limit the capacity was measured under ({limits.cpu_mechanism})"
        )
    elif request is not None:
        cpu_limit = Number(request, "no cpu_limit was measured: the CPU request")
    else:
        raise MlauditInputError(
            "the capacity check has no CPU figures: run find_capacity with server_pid (and "
            "cpu_limit) so that the plan can size the replicas."
        )
    if request is None:
        cpu_request = Number(cpu_limit.value, "no CPU sampled at the knee: the CPU limit")
    else:
        cpu_request = Number(
            min(request, cpu_limit.value),
            f"server CPU at the knee {knee_cpu:.3g} cores, rounded up to 0.05",
        )
    n["cpu_request"] = cpu_request
    n["cpu_limit"] = cpu_limit
    n["cpu_request_m"] = Number(round(cpu_request.value * 1000), cpu_request.source)
    n["cpu_limit_m"] = Number(round(cpu_limit.value * 1000), cpu_limit.source)
    n["workers"] = Number(max(1, math.ceil(cpu_limit.value - 1e-9)), "ceil(CPU limit)")

    peak, peak_src = capacity.peak_rss_mb, "peak RSS of the capacity search"
    if soak is not None and soak.rss is not None and soak.rss.last is not None:
        if peak is None or soak.rss.last > peak:
            peak, peak_src = soak.rss.last, "RSS at the end of the soak"
    if peak is None:
        raise MlauditInputError(
            "the capacity check has no memory figures: run find_capacity with server_pid."
        )
    mem_request = float(math.ceil(peak * (1 + h) - 1e-9))
    n["memory_request_mib"] = Number(
        mem_request, f"{peak_src} {peak:.4g} MiB x (1 + {h:g}), rounded up"
    )
    if limits is not None and limits.memory_limit_mb is not None:
        if limits.memory_limit_mb >= mem_request:
            n["memory_limit_mib"] = Number(
                math.ceil(limits.memory_limit_mb),
                f"memory_limit the server survived under ({limits.memory_mechanism})",
            )
        else:
            n["memory_limit_mib"] = Number(
                mem_request, "the memory request (above the limit measured)"
            )
            warnings.append(
                f"the memory request ({mem_request:g} MiB) is above the limit the capacity was "
                f"measured under ({limits.memory_limit_mb:g} MiB): the limit is raised to it."
            )
    else:
        n["memory_limit_mib"] = Number(mem_request, "no memory_limit was measured: the request")

    util = 100.0 / (1 + h)
    util_src = f"100% / (1 + {h:g}): no CPU sampled at the knee"
    if knee_cpu is not None and cpu_request.value > 0:
        util = 100.0 * knee_cpu / (1 + h) / cpu_request.value
        util_src = f"knee CPU {knee_cpu:.3g} / (1 + {h:g}) / request {cpu_request.value:g} cores"
    n["target_cpu_utilization"] = Number(min(95, max(10, round(util))), util_src)

    hp95: float | None = capacity.health_p95_ms
    hmax: float | None = capacity.health_max_ms
    hsrc = "capacity search"
    if hp95 is None and soak is not None and soak.health_p95_ms is not None:
        hp95, hmax, hsrc = soak.health_p95_ms, None, "soak"
    if hp95 is None:
        n["readiness_timeout_s"] = Number(1, "default: health latency was not measured")
        n["liveness_timeout_s"] = Number(2, "default: health latency was not measured")
    else:
        n["readiness_timeout_s"] = Number(
            max(1, math.ceil(2 * hp95 / 1000 - 1e-9)),
            f"ceil(2 x health p95 {hp95:.4g} ms under load, {hsrc})",
        )
        worst = max(3 * hp95, hmax or 0.0)
        n["liveness_timeout_s"] = Number(
            max(1, math.ceil(worst / 1000 - 1e-9)),
            f"ceil(max(3 x health p95, max) = {worst:.4g} ms under load, {hsrc})",
        )
    n["readiness_period_s"] = Number(5, "default period")
    n["liveness_period_s"] = Number(10, "default period")
    n["failure_threshold"] = Number(3, "default: three failed probes in a row")
    n["port"] = Number(port, "--port")

    costs: tuple[CostRow, ...] = ()
    if prices is not None:
        costs = cost_rows(
            prices,
            target_rps=target,
            knee_rps=capacity.knee_rps,
            cpu_cores=cpu_request.value,
            memory_mib=mem_request,
            headrooms=(*HEADROOMS, h),
        )
    return DeployPlan(
        name=name,
        app=app,
        port=port,
        health_path=health_path or capacity.health_path or "/health",
        base_image=base_image,
        image=image or f"{name}:latest",
        target_rps=target,
        headroom=h,
        numbers=n,
        costs=costs,
        prices=prices,
        warnings=tuple(warnings),
        evidence=dict(evidence or {}),
    )


def template_values(plan: DeployPlan) -> dict[str, Any]:
    """``$key`` and ``$key_src`` for every number, and the plan's names."""
    values: dict[str, Any] = {
        "name": plan.name,
        "app": plan.app,
        "health_path": plan.health_path,
        "base_image": plan.base_image,
        "image": plan.image,
    }
    for key, number in plan.numbers.items():
        values[key] = number.text()
        values[f"{key}_src"] = number.source
    return values
