"""Sample the server's resident memory and open file descriptors during a soak.

:class:`SoakSampler` walks the server's process tree (psutil) every ``interval_s`` in a
daemon thread; ``samples`` holds ``(wall time, RSS MiB, open fds)``. File descriptors
are counted with ``num_fds`` (POSIX); where that is unavailable they are None.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["SoakSampler"]


class SoakSampler:
    """RSS (MiB) and open fds of ``pid`` and its descendants, every ``interval_s``."""

    def __init__(self, pid: int, *, interval_s: float) -> None:
        import psutil

        try:
            self._proc = psutil.Process(pid)
        except psutil.NoSuchProcess:
            raise MlauditInputError(f"server_pid={pid} is not a running process.") from None
        self._psutil: Any = psutil
        self.interval_s = interval_s
        self.samples: list[tuple[float, float, int | None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        psutil = self._psutil
        try:
            procs = [self._proc, *self._proc.children(recursive=True)]
        except psutil.Error:
            return
        rss = 0
        fds: int | None = 0
        for proc in procs:
            try:
                rss += proc.memory_info().rss
                if fds is not None:
                    fds += proc.num_fds()
            except AttributeError:  # pragma: no cover - no num_fds on Windows
                fds = None
            except psutil.Error:
                continue
        if rss:
            self.samples.append((time.time(), rss / 2**20, fds))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def __enter__(self) -> SoakSampler:
        self._thread = threading.Thread(target=self._run, name="mlaudit-soak", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s + 2.0)
