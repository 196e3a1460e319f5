"""Fixtures of the load checks' tests: one test server for the session, on 127.0.0.1.

Every locust run here targets that loopback server, is bounded to a few users and a few
seconds, and leaves no process behind (see test_processes.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from pytest_mlaudit.checks.load import Server, serve, uvicorn_command

HERE = Path(__file__).resolve().parent
LOCUSTFILES = HERE / "locustfiles"
#: /limited's concurrency and service time: its true capacity is K / S requests per second
LIMIT_K, LIMIT_S = 4, 0.05


@pytest.fixture(scope="session")
def test_server() -> Iterator[Server]:
    """The app of apps.py under uvicorn on a free 127.0.0.1 port."""
    env = {"LIMIT_K": str(LIMIT_K), "LIMIT_S": str(LIMIT_S)}
    with serve(uvicorn_command("apps:app", app_dir=HERE), env=env) as server:
        yield server


def processes_mentioning(token: str) -> list[psutil.Process]:
    """Live processes whose command line contains ``token`` (zombies excluded)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if any(token in part for part in proc.info["cmdline"] or ()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found
