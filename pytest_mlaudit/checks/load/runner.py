"""Run locust in subprocesses (one local process, or a master and N workers on loopback)
and read back what it wrote.

Locust is never imported here: it monkey-patches the process with gevent. It runs as
``python -m locust --headless`` with the user's locustfile plus
``collector.py`` (the per-bin time series), writes its final statistics with
``--json-file`` and its failures with ``--csv``, and exits on its own after ``-t``. The
whole process group is stopped however the run ends (see :mod:`.proc`).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import importlib.util
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from pytest_mlaudit.checks.load.proc import LOOPBACK, ProcessGroup, free_port, tail
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["COLLECTOR", "LocustPlan", "LocustResult", "locust_version", "run_locust"]

#: The locust-side collector, passed to locust by path (never imported here).
COLLECTOR: Final = Path(__file__).with_name("collector.py")
#: Seconds allowed for locust (and its workers) to start and to shut down.
STARTUP_S: Final = 30.0
#: How long a master waits for its workers to connect.
WORKERS_WAIT_S: Final = 30


@dataclasses.dataclass(frozen=True, slots=True)
class LocustPlan:
    """Everything one locust run needs."""

    locustfile: Path  #: absolute path of the scenario
    host: str
    users: int
    spawn_rate: float
    run_time_s: int
    out_dir: Path
    timeout_s: float  #: hard limit on the whole run, startup and shutdown included
    user_classes: tuple[str, ...] = ()
    distributed: int = 0
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    step_plan: Mapping[str, Any] | None = None  #: find_capacity's step-load shape


@dataclasses.dataclass(slots=True)
class LocustResult:
    """What locust wrote, as plain data."""

    entries: list[dict[str, Any]]  #: locust's ``--json-file`` (one dict per request name)
    failures: list[dict[str, str]]  #: rows of ``*_failures.csv``
    exceptions: list[dict[str, str]]  #: rows of ``*_exceptions.csv``
    collector: dict[str, Any] | None  #: the collector's JSON (None if it wrote none)
    started: float  #: wall time the locust process started
    ended: float  #: wall time it exited
    log: str  #: the tail of locust's output


def locust_version() -> str:
    try:
        return metadata.version("locust")
    except metadata.PackageNotFoundError:
        return ""


def _require_locust() -> None:
    if importlib.util.find_spec("locust") is None:
        raise ImportError(
            "the load checks run locust, which is not installed: pip install 'pytest-mlaudit[load]'"
        )


def _child_env(plan: LocustPlan, extra: Mapping[str, str]) -> dict[str, str]:
    # LOCUST_* variables would silently change the run (users, host, master flags):
    # the run is defined by the plan alone.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    env.update(plan.env)
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _base_argv(plan: LocustPlan) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        f"{plan.locustfile},{COLLECTOR}",
        "--loglevel",
        "INFO",
    ]


def _run_argv(plan: LocustPlan, prefix: Path) -> list[str]:
    return [
        *_base_argv(plan),
        "--headless",
        "--web-host",
        LOOPBACK,
        "--host",
        plan.host,
        "--users",
        str(plan.users),
        "--spawn-rate",
        repr(float(plan.spawn_rate)),
        "--run-time",
        f"{plan.run_time_s}s",
        "--csv",
        str(prefix),
        "--json-file",
        str(prefix),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        *plan.user_classes,
    ]


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        return []


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def run_locust(plan: LocustPlan, *, on_started: Callable[[], None] | None = None) -> LocustResult:
    """Run locust as planned and return what it wrote.

    Raises
    ------
    MlauditInputError
        Locust could not start or run the scenario (the message ends with its output).
    TimeoutError
        The run took longer than ``plan.timeout_s``; every process was stopped.
    """
    _require_locust()
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    prefix = plan.out_dir / "locust"
    collector_out = plan.out_dir / "collector.json"
    for stale in (collector_out, prefix.with_suffix(".json")):
        stale.unlink(missing_ok=True)
    main_env: dict[str, str] = {"MLAUDIT_COLLECT_OUT": str(collector_out)}
    if plan.step_plan is not None:
        main_env["MLAUDIT_STEP_PLAN"] = json.dumps(dict(plan.step_plan))
    argv = _run_argv(plan, prefix)
    master_log = plan.out_dir / ("master.log" if plan.distributed else "locust.log")
    started = time.time()
    deadline = time.monotonic() + plan.timeout_s
    with ProcessGroup() as group:
        workers = []
        if plan.distributed:
            port = free_port()
            argv += [
                "--master",
                "--master-bind-host",
                LOOPBACK,
                "--master-bind-port",
                str(port),
                "--expect-workers",
                str(plan.distributed),
                "--expect-workers-max-wait",
                str(WORKERS_WAIT_S),
            ]
        main = group.spawn(argv, log_path=master_log, env=_child_env(plan, main_env))
        if plan.distributed:
            for i in range(plan.distributed):
                worker_argv = [
                    *_base_argv(plan),
                    "--worker",
                    "--master-host",
                    LOOPBACK,
                    "--master-port",
                    str(port),
                    *plan.user_classes,
                ]
                workers.append(
                    (
                        group.spawn(
                            worker_argv,
                            log_path=plan.out_dir / f"worker{i}.log",
                            env=_child_env(plan, {"MLAUDIT_WORKER": str(i)}),
                        ),
                        plan.out_dir / f"worker{i}.log",
                    )
                )
        if on_started is not None:
            on_started()
        while True:
            with contextlib.suppress(subprocess.TimeoutExpired):
                main.wait(timeout=0.2)
            if main.poll() is not None:
                break
            for proc, log in workers:
                code = proc.poll()
                if code is not None and code != 0:
                    raise MlauditInputError(
                        f"a locust worker exited with code {code} before the run ended; "
                        f"locustfile={str(plan.locustfile)!r}. Its output ends with:\n{tail(log)}"
                    )
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"locust did not finish within timeout_s={plan.timeout_s:g} s "
                    f"(run_time {plan.run_time_s} s); every process it started was stopped. "
                    f"Its output ends with:\n{tail(master_log)}"
                )
        ended = time.time()
        # workers got "quit" from the master; give them a moment, then the group stops them
        for proc, _ in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(min(5.0, deadline - time.monotonic()), 0.1))
    code = main.returncode
    log_tail = tail(master_log, 40)
    entries = _read_json(prefix.with_suffix(".json"))
    if code != 0 or entries is None:
        raise MlauditInputError(
            f"locust exited with code {code} and no results; locustfile="
            f"{str(plan.locustfile)!r}, host={plan.host!r}. Its output ends with:\n{log_tail}"
        )
    collector = _read_json(collector_out)
    if collector is not None and "errors" in collector:
        # the collector's copy of locust's final tables (its CSVs may miss the last second)
        failures = [
            {
                "Method": e["method"],
                "Name": e["name"],
                "Error": str(e["error"]),
                "Occurrences": str(e["occurrences"]),
            }
            for e in collector["errors"]
        ]
        exceptions = [
            {"Count": str(e["count"]), "Message": str(e["msg"])} for e in collector["exceptions"]
        ]
    else:
        failures = _read_csv(plan.out_dir / "locust_failures.csv")
        exceptions = _read_csv(plan.out_dir / "locust_exceptions.csv")
    return LocustResult(
        entries=list(entries),
        failures=failures,
        exceptions=exceptions,
        collector=collector,
        started=started,
        ended=ended,
        log=log_tail,
    )


def default_timeout(run_time_s: float, distributed: int) -> float:
    """The hard limit of a run: its run time plus generous startup/shutdown time."""
    return math.ceil(run_time_s + STARTUP_S + (WORKERS_WAIT_S if distributed else 0))
