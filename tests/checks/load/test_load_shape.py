"""The step-load shape of find_capacity, ticked on a simulated clock (no traffic).

A master judges a step only once its workers' numbers are in (``WORKER_REPORT_INTERVAL``
+ 0.5 s after the step ended). The last step's end used to be moved to "now" on every
tick after the plan ran out, so a master never judged it and the shape never stopped:
``test_distributed_capacity_finds_the_same_knee`` then ran into its timeout whenever every
step before the last held the SLO (an 8-user step right at p95 = 100 ms). Locust ignores
``--run-time`` while a shape runs, so only the shape can end the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from pytest_mlaudit.checks.load.runner import COLLECTOR

DRIVER = textwrap.dedent(
    """
    import importlib.util, json, sys
    spec = importlib.util.spec_from_file_location("collector", sys.argv[1])
    col = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(col)
    clock = {"t": 1000.0}
    class Clock:
        @staticmethod
        def time():
            return clock["t"]
    col.time = Clock
    shape = col.MlauditStepShape()
    lag = float(sys.argv[2])
    shape._lag = lambda: lag
    shape.get_run_time = lambda: clock["t"] - 1000.0
    breach_at = json.loads(sys.argv[3])  # users of the steps whose requests are slow
    stopped, users = None, []
    while clock["t"] < 1000.0 + 120:
        out = shape.tick()
        if out is None:
            stopped = clock["t"] - 1000.0
            break
        users.append(out[0])
        # one request per 0.25 s bin: 50 ms, or 500 ms in a step that breaks the SLO
        ms = 500 if out[0] in breach_at else 50
        col._on_request("GET", "/x", ms, 0)
        clock["t"] += 0.25
    print(json.dumps({"stopped": stopped, "reason": col._meta["stop_reason"],
                      "users": sorted(set(users))}))
    """
)


def _tick(lag: float, breach_at: list[int]) -> dict[str, object]:
    plan = {
        "users": [2, 4, 6, 8, 10],
        "step_s": 3,
        "settle_s": 1.0,
        "spawn_rate": 40.0,
        "slo": {"p95_ms": 100},
        "stop_after": 1,
    }
    env = {**os.environ, "MLAUDIT_STEP_PLAN": json.dumps(plan)}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(COLLECTOR), str(lag), json.dumps(breach_at)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("lag", [0.0, 3.5], ids=["local", "master"])
def test_the_shape_stops_after_the_last_step_when_every_step_held(lag: float) -> None:
    result = _tick(lag, breach_at=[])
    assert result["reason"] == "max_users reached"
    assert result["users"] == [2, 4, 6, 8, 10]
    # 5 steps of 3 s, then the lag for the last verdict: well inside the run's budget
    # (find_capacity's run time is 5 * 3 + 2 + 5 = 22 s when distributed)
    assert isinstance(result["stopped"], float) and result["stopped"] <= 15 + lag + 0.5


@pytest.mark.parametrize("lag", [0.0, 3.5], ids=["local", "master"])
def test_the_shape_stops_at_the_first_broken_step(lag: float) -> None:
    result = _tick(lag, breach_at=[8, 10])
    assert result["reason"] == "SLO broken at 8 users"
    assert isinstance(result["stopped"], float) and result["stopped"] <= 12 + lag + 0.5


@pytest.mark.parametrize("lag", [0.0, 3.5], ids=["local", "master"])
def test_only_the_last_step_breaking_is_judged_too(lag: float) -> None:
    result = _tick(lag, breach_at=[10])
    assert result["reason"] == "SLO broken at 10 users"
    assert isinstance(result["stopped"], float) and result["stopped"] <= 15 + lag + 0.5
