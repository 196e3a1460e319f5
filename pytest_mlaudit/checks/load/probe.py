"""Watchers that run in a thread of the calling process while locust loads the server.

* :class:`HealthProber` GETs the health endpoint on a fresh connection every
  ``interval_s`` (as an orchestrator's probe would), from outside the load generator, so
  its latency is the server's and not locust's.
* :class:`ResourceSampler` samples CPU and resident memory of the server's process tree
  with psutil (only when the server runs on this machine and its pid is known).
* :func:`watchers` starts both around a run and always stops them;
  :func:`health_probes` and :func:`resource_usage` turn their samples into the report's
  :class:`~.report.HealthProbes` and :class:`~.report.ResourceUsage`.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any, Final

from pytest_mlaudit.checks.load.proc import http_get
from pytest_mlaudit.checks.load.report import HealthProbes, ProbePoint, ResourceUsage
from pytest_mlaudit.checks.load.stats import recovery_time
from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "HealthProber",
    "ResourceSampler",
    "health_probes",
    "resource_usage",
    "wait_for_recovery",
    "watchers",
]

#: Consecutive healthy probes that count as "recovered".
RECOVERY_PROBES: Final = 3
#: Most health probes kept in the report's series.
MAX_PROBE_POINTS: Final = 240


class HealthProber:
    """Probe ``url`` every ``interval_s`` seconds in a daemon thread.

    ``samples`` holds ``(wall time, latency ms or None, ok)``; ``ok`` is HTTP 200 within
    ``timeout_s``.
    """

    __slots__ = ("_stop", "_thread", "interval_s", "samples", "timeout_s", "url")

    def __init__(self, url: str, *, interval_s: float = 0.2, timeout_s: float = 1.0) -> None:
        self.url = url
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.samples: list[tuple[float, float | None, bool]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def probe(self) -> tuple[float, float | None, bool]:
        t = time.time()
        status, seconds = http_get(self.url, timeout_s=self.timeout_s)
        ok = status == 200
        ms = seconds * 1000.0 if status is not None else None
        return t, ms, ok

    def baseline(self, n: int = 5, *, argument: str = "health_path") -> float:
        """Median latency (ms) of ``n`` probes before the load; raises if unhealthy."""
        latencies = []
        for _ in range(n):
            t, ms, ok = self.probe()
            self.samples.append((t, ms, ok))
            if not ok or ms is None:
                status, _ = http_get(self.url, timeout_s=self.timeout_s)
                raise MlauditInputError(
                    f"{argument}: {self.url} is not healthy before the load starts (status "
                    f"{status}); pass the path of an endpoint that answers 200, or "
                    f"{argument}=None."
                )
            latencies.append(ms)
            time.sleep(0.02)
        return float(statistics.median(latencies))

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.samples.append(self.probe())
            self._stop.wait(max(self.interval_s - (time.monotonic() - started), 0.0))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mlaudit-health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s + 1.0)


class ResourceSampler:
    """Sample CPU (cores) and RSS (MiB) of process ``pid`` and its children.

    ``samples`` holds ``(wall time, cpu cores, rss MiB)``.
    """

    __slots__ = ("_known", "_proc", "_psutil", "_stop", "_thread", "interval_s", "pid", "samples")

    def __init__(self, pid: int, *, interval_s: float = 0.5, argument: str = "server_pid") -> None:
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil is in the [load] extra
            raise ImportError(
                f"{argument} needs psutil to sample the server: pip install 'pytest-mlaudit[load]'"
            ) from None
        if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
            raise MlauditInputError(f"{argument} must be a process id (int > 0); got {pid!r}.")
        try:
            self._proc = psutil.Process(pid)
        except psutil.NoSuchProcess:
            raise MlauditInputError(f"{argument}={pid} is not a running process.") from None
        self._psutil: Any = psutil
        self.pid = pid
        self.interval_s = interval_s
        self.samples: list[tuple[float, float, float]] = []
        self._known: dict[int, Any] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _tree(self) -> list[Any]:
        """The process and its descendants (the same psutil objects across calls)."""
        try:
            found = [self._proc, *self._proc.children(recursive=True)]
        except self._psutil.Error:
            return []
        return [self._known.setdefault(p.pid, p) for p in found]

    def _run(self) -> None:
        psutil = self._psutil
        while not self._stop.is_set():
            cpu = 0.0
            rss = 0
            for proc in self._tree():
                try:
                    with proc.oneshot():
                        cpu += proc.cpu_percent(None) / 100.0
                        rss += proc.memory_info().rss
                except psutil.Error:
                    continue
            if rss:
                self.samples.append((time.time(), cpu, rss / 2**20))
            self._stop.wait(self.interval_s)

    def start(self) -> None:
        for p in self._tree():  # prime cpu_percent: its first call always returns 0
            try:
                p.cpu_percent(None)
            except self._psutil.Error:
                pass
        self._thread = threading.Thread(target=self._run, name="mlaudit-resources", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s + 2.0)


def resource_usage(sampler: ResourceSampler | None) -> ResourceUsage | None:
    """The report's summary of the sampler's CPU and memory (None without samples)."""
    if sampler is None or not sampler.samples:
        return None
    cpus = [c for _, c, _ in sampler.samples]
    return ResourceUsage(
        pid=sampler.pid,
        samples=len(cpus),
        cpu_mean_cores=round(sum(cpus) / len(cpus), 3),
        cpu_max_cores=round(max(cpus), 3),
        peak_rss_mb=round(max(r for _, _, r in sampler.samples), 1),
    )


def health_probes(
    prober: HealthProber,
    *,
    path: str,
    baseline_ms: float,
    ok_ms: float,
    t0: float,
    load_start: float,
    load_stop: float,
    recovery_timeout_s: float,
) -> HealthProbes:
    """The report's health section: probes during ``[load_start, load_stop]``, their
    latency, and the recovery after ``load_stop`` (``RECOVERY_PROBES`` healthy in a row)."""
    under = [(t, ms, ok) for t, ms, ok in prober.samples if load_start <= t <= load_stop]
    latencies = sorted(ms for _, ms, ok in under if ok and ms is not None)
    rec = recovery_time(prober.samples, since=load_stop, ok_ms=ok_ms, consecutive=RECOVERY_PROBES)
    series = [
        ProbePoint(t_s=round(t - t0, 3), latency_ms=None if ms is None else round(ms, 2), ok=ok)
        for t, ms, ok in prober.samples
    ]
    if len(series) > MAX_PROBE_POINTS:
        stride = math.ceil(len(series) / MAX_PROBE_POINTS)
        series = series[::stride]
    return HealthProbes(
        path=path,
        interval_s=prober.interval_s,
        timeout_s=prober.timeout_s,
        baseline_ms=round(baseline_ms, 3),
        ok_ms=round(ok_ms, 3),
        probes_under_load=len(under),
        failed_under_load=sum(1 for _, _, ok in under if not ok),
        p50_ms=_exact_quantile(latencies, 0.50),
        p95_ms=_exact_quantile(latencies, 0.95),
        max_ms=round(latencies[-1], 3) if latencies else math.nan,
        recovered=rec is not None,
        recovery_s=None if rec is None else round(rec, 3),
        recovery_timeout_s=recovery_timeout_s,
        series=tuple(series),
    )


def _exact_quantile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank quantile of exact probe latencies (nan when empty)."""
    if not sorted_values:
        return math.nan
    k = max(math.ceil(q * len(sorted_values)) - 1, 0)
    return round(float(sorted_values[k]), 3)


@contextlib.contextmanager
def watchers(
    url: str,
    *,
    health_path: str | None,
    probe_interval_s: float,
    probe_timeout_s: float,
    server_pid: int | None,
    sample_interval_s: float = 0.5,
) -> Iterator[tuple[HealthProber | None, float, ResourceSampler | None]]:
    """Start the health prober (after a baseline) and the resource sampler; stop both."""
    prober = sampler = None
    baseline = math.nan
    try:
        if health_path is not None:
            prober = HealthProber(
                url + health_path, interval_s=probe_interval_s, timeout_s=probe_timeout_s
            )
            baseline = prober.baseline()
            prober.start()
        if server_pid is not None:
            sampler = ResourceSampler(server_pid, interval_s=sample_interval_s)
            sampler.start()
        yield prober, baseline, sampler
    finally:
        if prober is not None:
            prober.stop()
        if sampler is not None:
            sampler.stop()


def wait_for_recovery(
    prober: HealthProber, *, since: float, ok_ms: float, timeout_s: float
) -> None:
    """Wait until the prober has seen the server recover since ``since``, or ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (
            recovery_time(prober.samples, since=since, ok_ms=ok_ms, consecutive=RECOVERY_PROBES)
            is not None
        ):
            return
        time.sleep(prober.interval_s / 2)
