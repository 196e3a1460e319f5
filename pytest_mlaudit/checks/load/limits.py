"""Confine a running server to the CPU and memory one replica will get, without Docker.

:func:`confine` applies, to a server process and every process and thread under it:

* **CPU** — affinity (``os.sched_setaffinity`` on every thread of the tree) to
  ``ceil(cpu_limit)`` whole CPUs, and, where a cgroup is writable, a CFS quota of
  ``cpu_limit`` CPUs (cgroup v2 ``cpu.max``, or v1 ``cpu.cfs_quota_us``). Affinity alone
  gives whole CPUs only: a fractional limit without a cgroup is measured with the CPUs
  rounded up, and the report says so.
* **Memory** — a cgroup memory limit (v2 ``memory.max``, or v1
  ``memory.limit_in_bytes``): past it the kernel kills the server, as a container's
  OOM killer would. Without a writable cgroup, ``RLIMIT_AS`` (``prlimit``) on every
  process: allocations past it fail (``MemoryError``, usually answered as HTTP 500)
  instead of a kill, and since it caps *virtual* size, which exceeds RSS, it bites
  earlier than a container limit would.

Processes forked after the limits are set inherit the affinity, the cgroup and the
rlimit. Everything is undone (the processes moved back, the cgroup removed) when the
block ends. Only Linux; elsewhere the limits are refused with a clear error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from pytest_mlaudit._validation import check_float
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["Limits", "confine", "parse_memory"]

_MIB: Final = 2**20
_PERIOD_US: Final = 100_000
_CGROUP_ROOT: Final = Path("/sys/fs/cgroup")
_UNITS: Final = {
    "": 1,
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """The limits a server was measured under, and how each was enforced."""

    cpu_limit: float | None  #: CPUs granted (None: not limited)
    memory_limit_mb: float | None  #: MiB granted (None: not limited)
    cpus: tuple[int, ...] = ()  #: the CPUs of the affinity mask
    cpu_mechanism: str = "none"  #: "cgroup v2 cpu.max + affinity", "affinity", ...
    memory_mechanism: str = "none"  #: "cgroup v2 memory.max", "RLIMIT_AS", ...
    notes: tuple[str, ...] = ()  #: what the measurement means given the mechanisms

    def describe(self) -> str:
        parts = []
        if self.cpu_limit is not None:
            parts.append(f"cpu {self.cpu_limit:g} ({self.cpu_mechanism})")
        if self.memory_limit_mb is not None:
            parts.append(f"memory {self.memory_limit_mb:g} MiB ({self.memory_mechanism})")
        return ", ".join(parts) or "no limits"


def parse_memory(value: object, *, argument: str = "memory_limit") -> float:
    """A memory size in MiB, from a Kubernetes quantity (``"1Gi"``, ``"512Mi"``,
    ``"1G"``) or a number of bytes.

    Examples
    --------
    >>> parse_memory("1Gi"), parse_memory("512Mi"), parse_memory(2**20)
    (1024.0, 512.0, 1.0)
    """
    hint = "Pass a quantity such as '512Mi' or '1Gi' (or a number of bytes)."
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(Ki|Mi|Gi|k|M|G|)\s*", value)
        if m is None:
            raise MlauditInputError(
                f"{argument} must be a memory quantity; got {argument}={value!r}. {hint}"
            )
        nbytes = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        nbytes = check_float(argument, value, low=0.0, low_open=True, hint=hint)
    if nbytes < _MIB:
        raise MlauditInputError(
            f"{argument} must be at least 1 MiB; got {argument}={value!r}. {hint}"
        )
    return nbytes / _MIB


def _tree(pid: int) -> list[Any]:
    import psutil

    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        raise MlauditInputError(f"server_pid={pid} is not a running process.") from None


def _threads(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return [pid]


class _Cgroup:
    """A cgroup made for the server, under the caller's own cgroup (v2, else v1)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dirs: dict[str, Path] = {}  # controller -> the new cgroup's directory
        self.homes: dict[str, Path] = {}  # controller -> the caller's cgroup
        self.version = 0

    @staticmethod
    def _own_paths() -> dict[str, str]:
        paths: dict[str, str] = {}
        with contextlib.suppress(OSError):
            for line in Path("/proc/self/cgroup").read_text().splitlines():
                _, ctrls, path = line.split(":", 2)
                for c in ctrls.split(",") if ctrls else [""]:
                    paths[c] = path
        return paths

    def make(self, controllers: tuple[str, ...]) -> bool:
        own = self._own_paths()
        v2 = _CGROUP_ROOT / "cgroup.controllers"
        if v2.exists():
            home = _CGROUP_ROOT / own.get("", "/").lstrip("/")
            try:
                enabled = (home / "cgroup.subtree_control").read_text().split()
                if all(c in enabled for c in controllers):
                    new = home / self.name
                    new.mkdir(exist_ok=True)
                    self.version = 2
                    for c in controllers:
                        self.dirs[c], self.homes[c] = new, home
                    return True
            except OSError:
                pass
        for c in controllers:
            root = _CGROUP_ROOT / c
            if not (root / "tasks").exists():
                self.remove()
                return False
            home = root / own.get(c, "/").lstrip("/")
            try:
                (home / self.name).mkdir(exist_ok=True)
            except OSError:
                self.remove()
                return False
            self.dirs[c], self.homes[c] = home / self.name, home
        self.version = 1
        return True

    def write(self, controller: str, v2_file: str, v1_file: str, value: str) -> None:
        path = self.dirs[controller] / (v2_file if self.version == 2 else v1_file)
        path.write_text(value)

    def add(self, pids: list[int]) -> None:
        for d in self.dirs.values():
            for pid in pids:
                with contextlib.suppress(OSError):
                    (d / "cgroup.procs").write_text(str(pid))
            if self.version == 2:
                break

    def oom_killed(self) -> bool:
        d = self.dirs.get("memory")
        if d is None:
            return False
        with contextlib.suppress(OSError, ValueError):
            if self.version == 2:
                for line in (d / "memory.events").read_text().splitlines():
                    key, _, n = line.partition(" ")
                    if key == "oom_kill" and int(n) > 0:
                        return True
            else:
                return int((d / "memory.failcnt").read_text()) > 0
        return False

    def peak_mb(self) -> float | None:
        """The most memory the cgroup held (v2 ``memory.peak``, v1
        ``memory.max_usage_in_bytes``), None when unknown."""
        d = self.dirs.get("memory")
        if d is None:
            return None
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int((d / name).read_text()) / _MIB
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        for c, d in list(self.dirs.items()):
            home = self.homes[c]
            with contextlib.suppress(OSError):
                for pid in (d / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        (home / "cgroup.procs").write_text(pid)
            with contextlib.suppress(OSError):
                d.rmdir()
        self.dirs.clear()


@dataclasses.dataclass(slots=True)
class Confinement:
    """What :func:`confine` applied; ``oom_killed()`` asks the cgroup after the run."""

    limits: Limits
    cgroup: _Cgroup | None = None

    def oom_killed(self) -> bool:
        return self.cgroup is not None and self.cgroup.oom_killed()

    def peak_mb(self) -> float | None:
        return None if self.cgroup is None else self.cgroup.peak_mb()


@contextlib.contextmanager
def confine(
    pid: int, *, cpu_limit: float | None, memory_limit: object = None
) -> Iterator[Confinement]:
    """Confine process ``pid`` and its descendants to ``cpu_limit`` CPUs and
    ``memory_limit``; undo it when the block ends. See the module docstring."""
    cpu = None
    if cpu_limit is not None:
        cpu = check_float(
            "cpu_limit", cpu_limit, low=0.0, low_open=True, hint="Pass CPUs, e.g. 1.0 or 0.5."
        )
    mem_mb = None if memory_limit is None else parse_memory(memory_limit)
    if cpu is None and mem_mb is None:
        yield Confinement(Limits(None, None))
        return
    if not sys.platform.startswith("linux"):
        raise MlauditInputError(
            "cpu_limit and memory_limit confine the server with Linux affinity, cgroups and "
            f"rlimits; this platform is {sys.platform!r}. Run the check on Linux or drop them."
        )
    procs = _tree(pid)
    pids = [p.pid for p in procs]
    notes: list[str] = []
    controllers = tuple(c for c, on in (("cpu", cpu), ("memory", mem_mb)) if on is not None)
    cgroup: _Cgroup | None = _Cgroup(f"mlaudit-{pid}")
    assert cgroup is not None
    if not cgroup.make(controllers):
        cgroup = None
    cpus: tuple[int, ...] = ()
    cpu_mech = mem_mech = "none"
    saved_affinity: dict[int, set[int]] = {}
    saved_rlimits: dict[int, tuple[int, int]] = {}
    try:
        if cpu is not None:
            available = sorted(os.sched_getaffinity(0))
            want = max(1, math.ceil(cpu - 1e-9))
            if want > len(available):
                notes.append(
                    f"cpu_limit={cpu:g} asks for more CPUs than this process may use "
                    f"({len(available)}): measured on {len(available)}."
                )
            cpus = tuple(available[:want])
            for p in pids:
                for tid in _threads(p):
                    with contextlib.suppress(OSError):
                        saved_affinity.setdefault(tid, os.sched_getaffinity(tid))
                        os.sched_setaffinity(tid, cpus)
            cpu_mech = "affinity"
            if cgroup is not None:
                quota = max(1000, round(cpu * _PERIOD_US))
                try:
                    cgroup.write(
                        "cpu",
                        "cpu.max",
                        "cpu.cfs_quota_us",
                        f"{quota} {_PERIOD_US}" if cgroup.version == 2 else str(quota),
                    )
                    cpu_mech = f"cgroup v{cgroup.version} CPU quota + affinity"
                except OSError as exc:
                    notes.append(f"the cgroup CPU quota could not be set ({exc}).")
            if cpu_mech == "affinity" and want != cpu:
                notes.append(
                    f"without a writable cgroup only whole CPUs can be granted: cpu_limit="
                    f"{cpu:g} was measured on {want} CPU(s), an upper bound of the capacity."
                )
        if mem_mb is not None:
            nbytes = int(mem_mb * _MIB)
            if cgroup is not None:
                try:
                    cgroup.write("memory", "memory.max", "memory.limit_in_bytes", str(nbytes))
                    mem_mech = f"cgroup v{cgroup.version} memory limit"
                    if cgroup.version == 2:
                        with contextlib.suppress(OSError):
                            cgroup.write("memory", "memory.swap.max", "", "0")
                except OSError as exc:
                    notes.append(f"the cgroup memory limit could not be set ({exc}).")
            if mem_mech == "none":
                import resource

                for p in pids:
                    with contextlib.suppress(OSError):
                        saved_rlimits[p] = resource.prlimit(p, resource.RLIMIT_AS)
                        resource.prlimit(p, resource.RLIMIT_AS, (nbytes, nbytes))
                mem_mech = "RLIMIT_AS"
                notes.append(
                    "memory is capped with RLIMIT_AS (virtual size, not RSS): allocations "
                    "past it fail (MemoryError, HTTP 500s) instead of an OOM kill, and the "
                    "cap bites before a container limit of the same size would."
                )
        if cgroup is not None:
            cgroup.add(pids)
        limits = Limits(
            cpu_limit=cpu,
            memory_limit_mb=None if mem_mb is None else round(mem_mb, 3),
            cpus=cpus,
            cpu_mechanism=cpu_mech,
            memory_mechanism=mem_mech,
            notes=tuple(notes),
        )
        yield Confinement(limits, cgroup)
    finally:
        for tid, mask in saved_affinity.items():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(tid, mask)
        if saved_rlimits:
            import resource

            for p, old in saved_rlimits.items():
                with contextlib.suppress(OSError):
                    resource.prlimit(p, resource.RLIMIT_AS, old)
        if cgroup is not None:
            cgroup.remove()
