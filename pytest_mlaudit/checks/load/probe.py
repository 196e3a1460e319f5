"""Watchers that run in a thread of the calling process while locust loads the server.

* :class:`HealthProber` GETs the health endpoint on a fresh connection every
  ``interval_s`` (as an orchestrator's probe would), from outside the load generator, so
  its latency is the server's and not locust's.
* :class:`ResourceSampler` samples CPU and resident memory of the server's process tree
  with psutil (only when the server runs on this machine and its pid is known).
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

from pytest_mlaudit.checks.load.proc import http_get
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["HealthProber", "ResourceSampler"]


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
