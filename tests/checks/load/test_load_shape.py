"""The step-load shape of find_capacity, ticked on a simulated clock (no traffic).

A master judges a step only once its workers' numbers are in. The last step's end used
to be moved to "now" on every tick after the plan ran out, so a master never judged it
and the shape never stopped: ``test_distributed_capacity_finds_the_same_knee`` then ran
into its timeout whenever every step before the last held the SLO (an 8-user step right
at p95 = 100 ms). Locust ignores ``--run-time`` while a shape runs, so only the shape can
end the run. A master also waits for a report of *every* worker sent after the step
ended, so a worker starved of CPU (reporting late) does not leave its numbers out of the
verdict.
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
    import importlib.util, json, math, sys
    spec = importlib.util.spec_from_file_location("collector", sys.argv[1])
    col = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(col)
    from locust.runners import MasterRunner
    clock = {"t": 1000.0}
    class Clock:
        @staticmethod
        def time():
            return clock["t"]
    col.time = Clock
    mode, breach_at = sys.argv[2], json.loads(sys.argv[3])
    # worker -> seconds between its reports (worker b reports late when starved)
    every = {"a": 3.0, "b": 8.0 if mode == "starved" else 3.0}
    shape = col.MlauditStepShape()
    if mode != "local":
        class Node:
            def __init__(self, id):
                self.id = id
        class Nodes:
            all = [Node("a"), Node("b")]
        master = MasterRunner.__new__(MasterRunner)
        master.clients = Nodes()
        shape.runner = master
    shape.get_run_time = lambda: clock["t"] - 1000.0
    pending = {"a": {}, "b": {}}
    last = {"a": 1000.0, "b": 1000.0}
    stopped, users = None, []
    while clock["t"] < 1000.0 + 120:
        out = shape.tick()
        if out is None:
            stopped = clock["t"] - 1000.0
            break
        users.append(out[0])
        # one request per 0.25 s bin from each worker: 50 ms, or 500 ms from worker b
        # in a step that breaks the SLO (two requests, so that b's decide the p95)
        b = math.floor(clock["t"] / col.BIN_S)
        slow = out[0] in breach_at
        for w, ms, count in (("a", 50, 1), ("b", 500 if slow else 50, 2 if slow else 1)):
            row = pending[w].setdefault(str(b), [0, 0, {}])
            row[0] += count
            row[2][str(ms)] = row[2].get(str(ms), 0) + count
        if mode == "local":
            for w in pending:
                for k, (n, f, h) in pending[w].items():
                    col._add(int(k), n, f, h)
                pending[w] = {}
        else:
            for w in pending:
                if clock["t"] - last[w] >= every[w]:
                    col._on_worker_report(w, {"mlaudit_bins": pending[w]})
                    pending[w], last[w] = {}, clock["t"]
        clock["t"] += 0.25
    print(json.dumps({"stopped": stopped, "reason": col._meta["stop_reason"],
                      "users": sorted(set(users))}))
    """
)
MODES = ["local", "master", "starved"]
#: how long after a step ends its verdict may come: at once, the 3.5 s lag, a late report
WAIT = {"local": 0.5, "master": 3.5 + 0.5, "starved": 8.0 + 0.5}


def _tick(mode: str, breach_at: list[int]) -> dict[str, object]:
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
        [sys.executable, "-c", DRIVER, str(COLLECTOR), mode, json.dumps(breach_at)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("mode", MODES)
def test_the_shape_stops_after_the_last_step_when_every_step_held(mode: str) -> None:
    result = _tick(mode, breach_at=[])
    assert result["reason"] == "max_users reached"
    assert result["users"] == [2, 4, 6, 8, 10]
    # 5 steps of 3 s, then the wait for the last verdict: inside the run's budget
    # (find_capacity's run time is 5 * 3 + 2 + 5 = 22 s when distributed)
    stopped = result["stopped"]
    assert isinstance(stopped, float) and stopped <= 15 + WAIT[mode], result


@pytest.mark.parametrize("mode", MODES)
def test_the_shape_stops_at_the_first_broken_step(mode: str) -> None:
    """In "starved" mode the slow requests come from the worker that reports late: the
    master waits for them instead of judging the 8-user step on the other worker's."""
    result = _tick(mode, breach_at=[8, 10])
    assert result["reason"] == "SLO broken at 8 users", result
    stopped = result["stopped"]
    assert isinstance(stopped, float) and stopped <= 12 + WAIT[mode], result


@pytest.mark.parametrize("mode", MODES)
def test_only_the_last_step_breaking_is_judged_too(mode: str) -> None:
    result = _tick(mode, breach_at=[10])
    assert result["reason"] == "SLO broken at 10 users", result
    stopped = result["stopped"]
    assert isinstance(stopped, float) and stopped <= 15 + WAIT[mode], result
