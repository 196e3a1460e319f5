"""Soak tests of the example endpoint: a steady load held for a while (failure mode 6,
over time). A leak or a latency creep does not show in a load test of seconds; it shows
as a trend of a long steady run. Here the runs are seconds long, so the growth allowed
(32 MiB of RSS over the run) makes the slope limit steep; in CI, run minutes or hours:

    mlaudit.soak("load/predict.py", host=url, rps=200, duration="10m", server_pid=pid)

The second test starts the server with a seeded leak (``CREDIT_RISK_LEAK_KB``) and is
marked ``xfail(strict=True)``: it must fail, and it shows what a failing soak looks like.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_mlaudit import CheckFailed
from pytest_mlaudit.checks.load import serve

from .load_fixtures import SERVER_COMMAND

LOAD = Path(__file__).resolve().parents[3] / "load"


@pytest.mark.load
def test_steady_load_shows_no_leak(mlaudit, model_server, prod_df) -> None:
    report = mlaudit.soak(
        LOAD / "predict.py",
        host=model_server.url,
        rps=80,
        users=10,
        duration=8,
        payloads=prod_df,
        server_pid=model_server.pid,
        health_path="/health",
    )
    report.assert_ok()


@pytest.mark.load
@pytest.mark.xfail(
    strict=True,
    raises=CheckFailed,  # the soak's verdict, not a crash on the way to it
    reason="this server keeps ~256 KiB per prediction (CREDIT_RISK_LEAK_KB): its RSS "
    "climbs steadily, and the soak shows what a memory leak looks like",
)
def test_leaking_server_fails_the_soak(mlaudit, prod_df) -> None:
    env = {"CREDIT_RISK_LEAK_KB": "256"}
    with serve(SERVER_COMMAND, health_path="/health", startup_timeout_s=120, env=env) as server:
        report = mlaudit.soak(
            LOAD / "predict.py",
            host=server.url,
            rps=80,
            users=10,
            duration=8,
            payloads=prod_df,
            server_pid=server.pid,
        )
    report.assert_ok()
