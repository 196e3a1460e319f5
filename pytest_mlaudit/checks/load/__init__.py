"""Load tests (failure mode 6): locust scenarios, SLO verdicts, the capacity knee.

Files: ``report.py`` the result types, ``check.py`` :func:`run_load` and
:func:`find_capacity`, ``_validate.py``, then the machinery: ``hosts.py`` (base URLs read as
the HTTP clients read them, the loopback rule), ``proc.py`` (child processes,
``serve()``), ``runner.py`` (locust in subprocesses), ``collector.py`` (runs
inside locust; never imported here), ``probe.py`` (health and resource watchers),
``stats.py`` (pure numbers), ``limits.py`` (``cpu_limit``/``memory_limit``: affinity,
cgroups, rlimits); ``capacity_report.py`` holds :class:`CapacityReport` (re-exported by
``report.py``).
"""

from __future__ import annotations

from pytest_mlaudit.checks.load.capacity_report import ServerExit
from pytest_mlaudit.checks.load.check import (
    DEFAULT_ERROR_RATE,
    SLO,
    CapacityReport,
    CapacityStep,
    EndpointStats,
    FailureGroup,
    HealthProbes,
    Latency,
    LoadReport,
    ProbePoint,
    ResourceUsage,
    Server,
    TimePoint,
    find_capacity,
    run_load,
    serve,
    uvicorn_command,
)
from pytest_mlaudit.checks.load.limits import Limits

__all__ = [
    "DEFAULT_ERROR_RATE",
    "SLO",
    "CapacityReport",
    "CapacityStep",
    "EndpointStats",
    "FailureGroup",
    "HealthProbes",
    "Latency",
    "Limits",
    "LoadReport",
    "ProbePoint",
    "ResourceUsage",
    "Server",
    "ServerExit",
    "TimePoint",
    "find_capacity",
    "run_load",
    "serve",
    "uvicorn_command",
]
