"""Load tests before launch (failure mode 6): locust scenarios, SLO verdicts, the
capacity knee and health under overload.

* :func:`run_load` runs a locust scenario against an endpoint and returns a
  :class:`LoadReport`: requests, failures grouped by type, achieved RPS, bucketed
  latency percentiles, a small time series, health probes and server resources, held
  against an :class:`SLO`.
* :func:`find_capacity` raises the users step by step until the SLO breaks and returns
  a :class:`CapacityReport`: the knee (most RPS that held the SLO), the latency/RPS
  curve, replicas for a target peak and per-replica resource requests.
* :func:`serve` starts a server on a free 127.0.0.1 port and always stops it.

Locust runs in subprocesses (``python -m locust --headless``); it is never imported in
this process. Load targets loopback only unless a host is allowed explicitly
(``allowed_hosts``, or ``--mlaudit-target-url`` under pytest). Every process started
here is stopped on success, failure, timeout and Ctrl-C. This module does not import
pytest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_mlaudit._validation import check_float, check_int
from pytest_mlaudit.checks.load._validate import (
    MAX_USERS,
    MAX_WORKERS,
    check_env,
    check_health_path,
    check_locustfile,
    check_run_time,
    check_user_classes,
    write_payloads,
)
from pytest_mlaudit.checks.load.capacity_report import CapacityReport, CapacityStep, ServerExit
from pytest_mlaudit.checks.load.limits import Limits, confine
from pytest_mlaudit.checks.load.probe import (
    health_probes,
    resource_usage,
    wait_for_recovery,
    watchers,
)
from pytest_mlaudit.checks.load.proc import (
    Server,
    check_host,
    check_reachable,
    serve,
    uvicorn_command,
)
from pytest_mlaudit.checks.load.report import (
    DEFAULT_ERROR_RATE,
    SLO,
    EndpointStats,
    FailureGroup,
    HealthProbes,
    Latency,
    LoadReport,
    ProbePoint,
    ResourceUsage,
    TimePoint,
)
from pytest_mlaudit.checks.load.runner import (
    LocustPlan,
    LocustResult,
    default_timeout,
    locust_version,
    run_locust,
)
from pytest_mlaudit.checks.load.stats import (
    Bin,
    group_failures,
    latency_of,
    merge,
    parse_bins,
    step_rows,
    time_series,
)
from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "DEFAULT_ERROR_RATE",
    "SLO",
    "CapacityReport",
    "CapacityStep",
    "EndpointStats",
    "FailureGroup",
    "HealthProbes",
    "Latency",
    "LoadReport",
    "ProbePoint",
    "ResourceUsage",
    "Server",
    "TimePoint",
    "find_capacity",
    "run_load",
    "serve",
    "uvicorn_command",
]

# ---------------------------------------------------------------------------------------
# shared plumbing
# ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _run_dir(output_dir: str | os.PathLike[str] | None) -> Iterator[Path]:
    """Where locust writes; a temporary directory unless ``output_dir`` is given."""
    if output_dir is not None:
        path = Path(output_dir)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="mlaudit-load-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _scenario_env(
    out: Path, *, seed: int | None, payloads: object, env: Mapping[str, str]
) -> dict[str, str]:
    extra = dict(env)
    if seed is not None:
        extra["MLAUDIT_SEED"] = str(seed)
    if payloads is not None:
        extra["MLAUDIT_PAYLOADS"] = str(write_payloads(payloads, out / "payloads.jsonl"))
    return extra


def _check_common(
    locustfile: object,
    host: object,
    allowed_hosts: Iterable[str],
    user_classes: object,
    distributed: object,
    seed: object,
    env: object,
    server_pid: object,
) -> tuple[Path, str, tuple[str, ...], int, dict[str, str], int | None, int | None]:
    path = check_locustfile(locustfile)
    if isinstance(allowed_hosts, str):
        allowed_hosts = (allowed_hosts,)
    base = check_host(host, allowed_hosts=allowed_hosts)
    classes = check_user_classes(user_classes)
    workers = check_int("distributed", distributed, minimum=0, maximum=MAX_WORKERS)
    if seed is not None:
        seed = check_int(
            "seed", seed, hint="seed may also be None (no MLAUDIT_SEED for the scenario)."
        )
    if server_pid is not None:
        server_pid = check_int(
            "server_pid", server_pid, minimum=1, hint="Pass the server's pid, or None."
        )
    return path, base, classes, workers, check_env(env), seed, server_pid  # type: ignore[return-value]


def _t0(result: LocustResult) -> float:
    col = result.collector or {}
    if col.get("test_start"):
        return float(col["test_start"])
    starts = [e["start_time"] for e in result.entries if e.get("start_time")]
    return float(min(starts)) if starts else result.started


def _bins(result: LocustResult) -> tuple[dict[int, Bin], dict[int, int], float]:
    col = result.collector or {}
    bin_s = float(col.get("bin_s", 0.25))
    bins = parse_bins(col.get("bins", {}))
    users = {int(k): int(v) for k, v in col.get("users", {}).items()}
    return bins, users, bin_s


# ---------------------------------------------------------------------------------------
# run_load
# ---------------------------------------------------------------------------------------


def run_load(
    locustfile: str | os.PathLike[str],
    *,
    host: str,
    users: int,
    spawn_rate: float,
    run_time: int | float | str,
    user_classes: str | Sequence[str] = (),
    p95_ms: float | None = None,
    p99_ms: float | None = None,
    error_rate: float | None = DEFAULT_ERROR_RATE,
    min_rps: float | None = None,
    health_p95_ms: float | None = None,
    max_recovery_s: float | None = None,
    health_path: str | None = None,
    probe_interval_s: float = 0.25,
    probe_timeout_s: float = 1.0,
    healthy_ms: float | None = None,
    recovery_timeout_s: float = 15.0,
    server_pid: int | None = None,
    distributed: int = 0,
    seed: int | None = 0,
    payloads: Any = None,
    env: Mapping[str, str] | None = None,
    allowed_hosts: Iterable[str] = (),
    timeout_s: float | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    max_points: int = 120,
) -> LoadReport:
    """Run a locust scenario against ``host`` and hold the result against an SLO.

    Locust runs headless in a subprocess (or a master and ``distributed`` workers, all
    bound to 127.0.0.1) for ``run_time`` seconds with ``users`` users started at
    ``spawn_rate`` per second, then stops; every process is stopped however the call
    ends.

    Parameters
    ----------
    locustfile
        The scenario, a local ``.py`` file (e.g. ``load/predict.py``).
    host
        Base URL of the endpoint. Loopback only (127.0.0.1, ::1, localhost) unless its
        origin is in ``allowed_hosts``.
    users, spawn_rate, run_time
        Peak users, users started per second, and seconds (or ``"1m30s"``).
    user_classes
        Names of the User classes to run (default: every class in the file).
    p95_ms, p99_ms, error_rate, min_rps, health_p95_ms, max_recovery_s
        The service-level objectives recorded on the report and deciding ``passed``.
        ``error_rate`` defaults to 0.01; the others are unchecked unless given.
    health_path
        Probe this path (e.g. ``"/health"``) every ``probe_interval_s`` from this process
        during the load and, after it stops, until it is healthy again (a 200 within
        ``healthy_ms``, default ``max(3 x baseline, baseline + 25 ms)``, three times in a
        row) or ``recovery_timeout_s`` passes.
    server_pid
        The server's pid, to sample its CPU and peak RSS (psutil).
    distributed
        Number of locust worker processes (0: one local process).
    seed
        Exported to the scenario as ``MLAUDIT_SEED`` (payload choice).
    payloads
        Request bodies for the scenario (DataFrame, list of dicts, or a .jsonl/.json/.csv
        path), written as JSON lines to the file named by ``MLAUDIT_PAYLOADS``.
    env
        More environment variables for the scenario (``LOCUST_*`` variables of this
        process are not passed on).
    allowed_hosts
        Non-loopback base URLs that may be loaded (a staging endpoint, on purpose).
    timeout_s
        Hard limit on the whole run (default: run time + 30 s, +30 s when distributed);
        beyond it every process is stopped and :class:`TimeoutError` is raised.
    output_dir
        Keep locust's CSV/JSON/logs there (default: a temporary directory, removed).
    max_points
        Most points of the time series (per second up to that, wider bins beyond).

    Returns
    -------
    LoadReport

    Raises
    ------
    MlauditInputError
        Bad arguments, an unreachable or non-loopback host, a missing locustfile, or
        locust failing to start or to run the scenario.
    TimeoutError
        The run exceeded ``timeout_s``.

    Examples
    --------
    >>> report = run_load("load/predict.py", host="http://127.0.0.1:8000", users=20,
    ...                   spawn_rate=10, run_time=10, p95_ms=150)  # doctest: +SKIP
    >>> report.assert_slo(min_rps=40)  # doctest: +SKIP
    """
    path, base, classes, workers, extra_env, seed, server_pid = _check_common(
        locustfile, host, allowed_hosts, user_classes, distributed, seed, env, server_pid
    )
    n_users = check_int("users", users, minimum=1, maximum=MAX_USERS)
    rate = check_float("spawn_rate", spawn_rate, low=0.0, low_open=True)
    seconds = check_run_time(run_time)
    slo = SLO(
        p95_ms=p95_ms,
        p99_ms=p99_ms,
        error_rate=error_rate,
        min_rps=min_rps,
        health_p95_ms=health_p95_ms,
        max_recovery_s=max_recovery_s,
    )
    if health_path is None and (health_p95_ms is not None or max_recovery_s is not None):
        raise MlauditInputError(
            "health_p95_ms and max_recovery_s need health probes: pass health_path='/health' "
            f"(or your health endpoint); got health_path=None, health_p95_ms={health_p95_ms!r}, "
            f"max_recovery_s={max_recovery_s!r}."
        )
    check_health_path(health_path)
    probe_interval_s = check_float("probe_interval_s", probe_interval_s, low=0.0, low_open=True)
    probe_timeout_s = check_float("probe_timeout_s", probe_timeout_s, low=0.0, low_open=True)
    recovery_timeout_s = check_float("recovery_timeout_s", recovery_timeout_s, low=0.0)
    if healthy_ms is not None:
        healthy_ms = check_float("healthy_ms", healthy_ms, low=0.0, low_open=True)
    max_points = check_int("max_points", max_points, minimum=2, maximum=10_000)
    timeout = (
        default_timeout(seconds, workers)
        if timeout_s is None
        else check_float("timeout_s", timeout_s, low=0.0, low_open=True)
    )
    check_reachable(base)

    with _run_dir(output_dir) as out:
        plan = LocustPlan(
            locustfile=path,
            host=base,
            users=n_users,
            spawn_rate=rate,
            run_time_s=seconds,
            out_dir=out,
            timeout_s=timeout,
            user_classes=classes,
            distributed=workers,
            env=_scenario_env(out, seed=seed, payloads=payloads, env=extra_env),
        )
        with watchers(
            base,
            health_path=health_path,
            probe_interval_s=probe_interval_s,
            probe_timeout_s=probe_timeout_s,
            server_pid=server_pid,
        ) as (prober, baseline, sampler):
            result = run_locust(plan)
            col = result.collector or {}
            load_stop = float(col.get("test_stop") or result.ended)
            if prober is not None:
                ok_ms = healthy_ms if healthy_ms is not None else max(3 * baseline, baseline + 25)
                wait_for_recovery(
                    prober, since=load_stop, ok_ms=ok_ms, timeout_s=recovery_timeout_s
                )
        health = None
        if prober is not None:
            health = health_probes(
                prober,
                path=str(health_path),
                baseline_ms=baseline,
                ok_ms=ok_ms,
                t0=_t0(result),
                load_start=float(col.get("test_start") or result.started),
                load_stop=load_stop,
                recovery_timeout_s=float(recovery_timeout_s),
            )
        return _build_load_report(
            result,
            locustfile=os.fspath(locustfile),
            plan=plan,
            slo=slo,
            seed=seed,
            health=health,
            resources=resource_usage(sampler),
            max_points=max_points,
        )


def _build_load_report(
    result: LocustResult,
    *,
    locustfile: str,
    plan: LocustPlan,
    slo: SLO,
    seed: int | None,
    health: HealthProbes | None,
    resources: ResourceUsage | None,
    max_points: int,
) -> LoadReport:
    entries = result.entries
    requests = sum(int(e["num_requests"]) for e in entries)
    failures = sum(int(e["num_failures"]) for e in entries)
    exceptions = sum(int(float(r.get("Count", "0") or 0)) for r in result.exceptions)
    if requests == 0 and exceptions:
        messages = "; ".join(r.get("Message", "") for r in result.exceptions[:3])
        raise MlauditInputError(
            f"the scenario {locustfile!r} made no requests: its code raised {exceptions} "
            f"exceptions ({messages})."
        )
    t0 = _t0(result)
    lasts = [float(e["last_request_timestamp"]) for e in entries if e.get("last_request_timestamp")]
    t_last = max(lasts) if lasts else t0
    duration = max(t_last - t0, 0.0)
    timed = sum(int(e["num_requests"]) - int(e.get("num_none_requests", 0)) for e in entries)
    total_rt = sum(float(e["total_response_time"]) for e in entries)
    hist = merge(e["response_times"] for e in entries)
    max_ms = max((float(e["max_response_time"]) for e in entries), default=math.nan)
    latency = latency_of(
        hist, max_ms=max_ms if hist else math.nan, mean_ms=total_rt / timed if timed else math.nan
    )

    endpoints = []
    for e in sorted(entries, key=lambda e: (e["name"], e["method"])):
        n_timed = int(e["num_requests"]) - int(e.get("num_none_requests", 0))
        endpoints.append(
            EndpointStats(
                method=str(e["method"]),
                name=str(e["name"]),
                requests=int(e["num_requests"]),
                failures=int(e["num_failures"]),
                rps=int(e["num_requests"]) / duration if duration > 0 else math.nan,
                latency=latency_of(
                    merge([e["response_times"]]),
                    max_ms=float(e["max_response_time"]) if n_timed else math.nan,
                    mean_ms=float(e["total_response_time"]) / n_timed if n_timed else math.nan,
                ),
            )
        )

    bins, users, bin_s = _bins(result)
    col = result.collector or {}
    t_end = max(float(col.get("test_stop") or t_last), t_last)
    series = time_series(bins, users, bin_s, t0=t0, t_end=t_end, max_points=max_points)
    rps_steady = None
    spawned = col.get("spawning_complete")
    if spawned and t_last - float(spawned) >= 1.0:
        after = sum(r.requests for b, r in bins.items() if b * bin_s >= float(spawned) - 1e-6)
        first = math.ceil(float(spawned) / bin_s - 1e-6) * bin_s
        if t_last > first:
            rps_steady = round(after / (t_last - first), 3)
    return LoadReport(
        locustfile=locustfile,
        host=plan.host,
        users=plan.users,
        spawn_rate=plan.spawn_rate,
        run_time_s=float(plan.run_time_s),
        distributed=plan.distributed,
        user_classes=plan.user_classes,
        seed=seed,
        requests=requests,
        failures=failures,
        duration_s=round(duration, 3),
        rps_steady=rps_steady,
        latency=latency,
        endpoints=tuple(endpoints),
        failure_groups=group_failures(result.failures),
        series=series,
        slo=slo,
        health=health,
        resources=resources,
        locust_exceptions=exceptions,
        locust_version=locust_version(),
    )


# ---------------------------------------------------------------------------------------
# find_capacity
# ---------------------------------------------------------------------------------------


def find_capacity(
    locustfile: str | os.PathLike[str],
    *,
    host: str,
    p95_ms: float | None = None,
    p99_ms: float | None = None,
    error_rate: float | None = DEFAULT_ERROR_RATE,
    min_rps: float | None = None,
    start_users: int = 1,
    step_users: int = 1,
    max_users: int = 50,
    step_time: int = 3,
    settle_time: float = 1.0,
    stop_after: int = 1,
    target_rps: float | None = None,
    headroom: float = 0.3,
    max_replicas: int | None = None,
    server_pid: int | None = None,
    cpu_limit: float | None = None,
    memory_limit: str | float | None = None,
    health_path: str | None = None,
    price_vcpu_hour: float | None = None,
    price_gib_hour: float | None = None,
    user_classes: str | Sequence[str] = (),
    distributed: int = 0,
    seed: int | None = 0,
    payloads: Any = None,
    env: Mapping[str, str] | None = None,
    allowed_hosts: Iterable[str] = (),
    timeout_s: float | None = None,
    output_dir: str | os.PathLike[str] | None = None,
) -> CapacityReport:
    """Find the capacity knee: raise users step by step until the SLO breaks.

    One locust run with a step-load shape: ``start_users``, then ``step_users`` more
    every ``step_time`` seconds, up to ``max_users``. Each step is measured after its
    first ``settle_time`` seconds; the run stops as soon as ``stop_after`` consecutive
    steps break the latency/error objectives. Use closed-loop users (no wait time) so
    that more users means more offered load.

    Parameters
    ----------
    locustfile, host, user_classes, distributed, seed, payloads, env, allowed_hosts
        As in :func:`run_load`.
    p95_ms, p99_ms, error_rate
        The objectives each step must meet (at least one is needed).
    min_rps
        The knee must reach this RPS for ``passed``.
    start_users, step_users, max_users, step_time, settle_time, stop_after
        The step plan (``step_time`` in whole seconds; ``settle_time < step_time``).
    target_rps, headroom, max_replicas
        Replicas for a peak of ``target_rps``: ``ceil(target_rps * (1 + headroom) /
        knee_rps)``; ``passed`` requires ``replicas <= max_replicas`` when given.
    server_pid
        Sample the server's CPU and RSS (psutil) for per-replica resource requests.
    cpu_limit, memory_limit
        Measure one replica under the limits it will run with (Linux; needs
        ``server_pid``): ``cpu_limit`` CPUs (e.g. ``1.0``; affinity to whole CPUs plus a
        cgroup CPU quota where writable) and ``memory_limit`` (``"1Gi"``, ``"512Mi"`` or
        bytes; a cgroup memory limit where writable, else ``RLIMIT_AS``). The report's
        :attr:`~CapacityReport.limits` says which mechanism was used and what that means;
        a server killed by its limit fails the check with the RSS it reached (see
        :mod:`.limits`).
    health_path
        Probe this path every 0.25 s during the search; the report keeps the probes' p95
        and max latency up to the knee (the deployment plan's probe timeouts use them).
    price_vcpu_hour, price_gib_hour
        Prices per vCPU-hour and GiB-hour: the report (and its section) then states the
        cost per hour at ``target_rps`` and per million predictions, by headroom.
    timeout_s, output_dir
        As in :func:`run_load`.

    Returns
    -------
    CapacityReport

    Examples
    --------
    >>> report = find_capacity("load/predict_closed_loop.py", host=server.url,
    ...                        p95_ms=100, max_users=30, target_rps=400,
    ...                        server_pid=server.pid)  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    """
    path, base, classes, workers, extra_env, seed, server_pid = _check_common(
        locustfile, host, allowed_hosts, user_classes, distributed, seed, env, server_pid
    )
    slo = SLO(p95_ms=p95_ms, p99_ms=p99_ms, error_rate=error_rate, min_rps=min_rps)
    if p95_ms is None and p99_ms is None and error_rate is None:
        raise MlauditInputError(
            "find_capacity needs an objective that load can break: p95_ms, p99_ms or "
            "error_rate; got all three None."
        )
    first = check_int("start_users", start_users, minimum=1, maximum=MAX_USERS)
    step = check_int("step_users", step_users, minimum=1, maximum=MAX_USERS)
    top = check_int("max_users", max_users, minimum=first, maximum=MAX_USERS)
    step_s = check_run_time(step_time, argument="step_time")
    if step_s < 2:
        raise MlauditInputError(f"step_time must be at least 2 s; got step_time={step_time!r}.")
    settle = check_float("settle_time", settle_time, low=0.0)
    if settle >= step_s:
        raise MlauditInputError(
            f"settle_time must be shorter than step_time={step_s}; got settle_time={settle_time!r}."
        )
    n_stop = check_int("stop_after", stop_after, minimum=1, maximum=100)
    if target_rps is not None:
        target_rps = check_float("target_rps", target_rps, low=0.0, low_open=True)
    headroom = check_float("headroom", headroom, low=0.0)
    if max_replicas is not None:
        max_replicas = check_int("max_replicas", max_replicas, minimum=1, maximum=100_000)
    plan_users = list(range(first, top + 1, step))
    run_s = len(plan_users) * step_s + 2 + (5 if workers else 0)  # + the master's lag
    timeout = (
        default_timeout(run_s, workers)
        if timeout_s is None
        else check_float("timeout_s", timeout_s, low=0.0, low_open=True)
    )
    if (cpu_limit is not None or memory_limit is not None) and server_pid is None:
        raise MlauditInputError(
            "cpu_limit and memory_limit confine the server process: pass server_pid (e.g. "
            f"server_pid=server.pid from serve()); got cpu_limit={cpu_limit!r}, "
            f"memory_limit={memory_limit!r}, server_pid=None."
        )
    check_health_path(health_path)
    prices = [
        None if v is None else check_float(k, v, low=0.0)
        for k, v in (("price_vcpu_hour", price_vcpu_hour), ("price_gib_hour", price_gib_hour))
    ]
    if (prices[0] is None) != (prices[1] is None):
        raise MlauditInputError(
            "price_vcpu_hour and price_gib_hour go together; got "
            f"price_vcpu_hour={price_vcpu_hour!r}, price_gib_hour={price_gib_hour!r}."
        )
    check_reachable(base)
    step_plan = {
        "users": plan_users,
        "step_s": step_s,
        "settle_s": settle,
        "spawn_rate": float(max(first, step) * 20),
        "slo": {
            k: v
            for k, v in (
                ("p95_ms", slo.p95_ms),
                ("p99_ms", slo.p99_ms),
                ("error_rate", slo.error_rate),
            )
            if v is not None
        },
        "stop_after": n_stop,
    }
    with _run_dir(output_dir) as out:
        plan = LocustPlan(
            locustfile=path,
            host=base,
            users=top,
            spawn_rate=step_plan["spawn_rate"],  # type: ignore[arg-type]
            run_time_s=run_s,
            out_dir=out,
            timeout_s=timeout,
            user_classes=classes,
            distributed=workers,
            env=_scenario_env(out, seed=seed, payloads=payloads, env=extra_env),
            step_plan=step_plan,
        )
        with (
            confine(server_pid or 0, cpu_limit=cpu_limit, memory_limit=memory_limit) as confinement,
            watchers(
                base,
                health_path=health_path,
                probe_interval_s=0.25,
                probe_timeout_s=2.0,
                server_pid=server_pid,
                sample_interval_s=0.25,
            ) as (prober, _, sampler),
        ):
            result = run_locust(plan)
            oom = confinement.oom_killed()
            cgroup_peak = confinement.peak_mb()
        limits = confinement.limits if server_pid is not None else None
        col = result.collector or {}
        if not col.get("steps"):
            raise MlauditInputError(
                f"locust ran no step of the step load; is a LoadTestShape defined in "
                f"{os.fspath(locustfile)!r}? (find_capacity brings its own.) Locust's output "
                f"ends with:\n{result.log}"
            )
        bins, _, bin_s = _bins(result)
        t0 = _t0(result)
        t_stop = float(col.get("test_stop") or result.ended)
        samples = sampler.samples if sampler is not None else []
        steps = step_rows(
            col["steps"], bins, bin_s, t0=t0, t_stop=t_stop, settle_s=settle, resources=samples
        )
        died = _server_exit(
            server_pid, samples, steps, t0=t0, limits=limits, oom=oom, cgroup_peak=cgroup_peak
        )
        report = CapacityReport(
            locustfile=os.fspath(locustfile),
            host=base,
            user_classes=classes,
            distributed=workers,
            seed=seed,
            slo=slo,
            step_s=float(step_s),
            settle_s=settle,
            steps=steps,
            stop_reason=str(col.get("stop_reason") or "run time reached"),
            target_rps=None if target_rps is None else float(target_rps),
            headroom=float(headroom),
            max_replicas=max_replicas,
            server_pid=server_pid,
            peak_rss_mb=round(max(r for _, _, r in samples), 1) if samples else None,
            locust_version=locust_version(),
            limits=None
            if limits is None or limits.cpu_limit is limits.memory_limit_mb is None
            else limits,
            server_exit=died,
            health_path=health_path,
            price_vcpu_hour=prices[0],
            price_gib_hour=prices[1],
        )
        if prober is None:
            return report
        h_p95, h_max = _health_up_to_knee(report, prober.samples, t0=t0, timeout_s=2.0)
        return dataclasses.replace(report, health_p95_ms=h_p95, health_max_ms=h_max)


def _server_exit(
    pid: int | None,
    samples: Sequence[tuple[float, float, float]],
    steps: Sequence[CapacityStep],
    *,
    t0: float,
    limits: Limits | None,
    oom: bool,
    cgroup_peak: float | None,
) -> ServerExit | None:
    """Did the server die during the search? (None: it is alive, or was not watched.)"""
    if pid is None:
        return None
    import psutil

    try:
        if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
            return None
    except psutil.NoSuchProcess:
        pass
    code = _exit_code(pid)
    at = None
    if samples:
        last = samples[-1][0] - t0
        started = [s.users for s in steps if s.start_s <= last]
        at = started[-1] if started else None
    if at is None and steps:
        at = steps[0].users
    limited = limits is not None and limits.memory_limit_mb is not None
    reached = [r for _, _, r in samples] + ([cgroup_peak] if cgroup_peak else [])
    return ServerExit(
        returncode=code,
        rss_mb_reached=round(max(reached), 1) if reached else None,
        at_users=at,
        memory_limit_hit=oom or (limited and code in (None, -9)),
    )


def _exit_code(pid: int) -> int | None:
    """A zombie's exit status from /proc (negative: the signal that killed it)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = int(fields[-1])  # field 52, exit_code, in waitpid() format
    except (OSError, IndexError, ValueError):
        return None
    return -(status & 0x7F) if status & 0x7F else (status >> 8) & 0xFF


def _health_up_to_knee(
    report: CapacityReport,
    probes: Sequence[tuple[float, float | None, bool]],
    *,
    t0: float,
    timeout_s: float,
) -> tuple[float | None, float | None]:
    """p95 and max health-probe latency (a failed probe counts as the timeout) from the
    start of the search to the end of the knee step."""
    knee = report.knee
    end = (knee.start_s if knee is not None else 0.0) + report.step_s
    ms = sorted(
        (m if ok and m is not None else timeout_s * 1000.0)
        for t, m, ok in probes
        if 0.0 <= t - t0 <= end
    )
    if not ms:
        return None, None
    k = max(math.ceil(0.95 * len(ms)) - 1, 0)
    return round(ms[k], 3), round(ms[-1], 3)
