# mypy: disable-error-code="import-untyped,untyped-decorator,no-untyped-call"
# (gevent has no type stubs and locust's event hooks are untyped; this file runs in locust)
"""The locust side of ``run_load``: a locustfile that locust loads next to the user's.

**Nothing in pytest_mlaudit imports this module.** ``run_load`` passes its path to the
locust subprocess (``locust -f user_file.py,<this file>``); importing locust patches the
process with gevent, which must never happen inside pytest. It defines no User class, so
it adds nothing to the scenario; it only listens to locust's events:

* every request is counted in a time bin of :data:`BIN_S` seconds (absolute wall time),
  with a histogram of its response time in locust's own buckets
  (:func:`locust.stats.bucket_response_time`), so per-second and per-step percentiles
  agree with the percentiles locust prints;
* the master (or the single local process) samples the user count in the same bins;
* in distributed mode each worker ships its bins to the master with locust's own
  ``report_to_master``/``worker_report`` events, and the master merges them;
* when ``MLAUDIT_STEP_PLAN`` is set, a :class:`~locust.LoadTestShape` raises the users
  step by step and stops early once a step breaks the SLO (``find_capacity``).

At ``quit`` the master (or the local process) writes everything as JSON to
``MLAUDIT_COLLECT_OUT``. The format is private to ``runner.read_collector``.
"""

from __future__ import annotations

import json
import math
import os
import time
from typing import Any, ClassVar

import gevent
from locust import LoadTestShape, events
from locust.runners import WORKER_REPORT_INTERVAL, MasterRunner, WorkerRunner
from locust.stats import bucket_response_time

BIN_S = 0.25  #: width of a time bin, seconds (absolute wall time: key = floor(t / BIN_S))
FORMAT = 1

_OUT = os.environ.get("MLAUDIT_COLLECT_OUT", "")

#: bin -> [requests, failures, {bucket_ms: count}]
_bins: dict[int, list[Any]] = {}
#: bin -> user count (master/local only)
_users: dict[int, int] = {}
_meta: dict[str, Any] = {
    "format": FORMAT,
    "bin_s": BIN_S,
    "test_start": None,
    "spawning_complete": None,
    "test_stop": None,
    "steps": [],
    "stop_reason": None,
    "workers_reported": 0,
}
_env: Any = None
_sampler: Any = None


def _add(b: int, n: int, f: int, hist: dict[Any, int]) -> None:
    row = _bins.get(b)
    if row is None:
        row = _bins[b] = [0, 0, {}]
    row[0] += n
    row[1] += f
    h = row[2]
    for k, c in hist.items():
        key = int(k)
        h[key] = h.get(key, 0) + c


@events.request.add_listener
def _on_request(
    request_type: str,
    name: str,
    response_time: float | None,
    response_length: int,
    exception: BaseException | None = None,
    **_: Any,
) -> None:
    b = math.floor(time.time() / BIN_S)
    row = _bins.get(b)
    if row is None:
        row = _bins[b] = [0, 0, {}]
    row[0] += 1
    if exception is not None:
        row[1] += 1
    if response_time is not None:
        key = bucket_response_time(response_time)
        h = row[2]
        h[key] = h.get(key, 0) + 1


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    global _env
    _env = environment


@events.report_to_master.add_listener
def _on_report_to_master(client_id: str, data: dict[str, Any]) -> None:
    # worker: ship the bins collected since the last report, then forget them
    data["mlaudit_bins"] = {
        str(b): [r[0], r[1], {str(k): c for k, c in r[2].items()}] for b, r in _bins.items()
    }
    _bins.clear()


#: master: when each worker's last report arrived (wall time)
_reported: dict[str, float] = {}


@events.worker_report.add_listener
def _on_worker_report(client_id: str, data: dict[str, Any]) -> None:
    # master: merge a worker's bins
    bins = data.get("mlaudit_bins")
    if bins is None:
        return
    _reported[client_id] = time.time()
    if not bins:
        return
    _meta["workers_reported"] += 1
    for b, (n, f, hist) in bins.items():
        _add(int(b), n, f, hist)


def _sample_users() -> None:
    while True:
        runner = _env.runner if _env is not None else None
        if runner is not None:
            _users[math.floor(time.time() / BIN_S)] = int(runner.user_count or 0)
        gevent.sleep(BIN_S)


@events.test_start.add_listener
def _on_test_start(environment: Any, **_: Any) -> None:
    global _sampler
    if isinstance(environment.runner, WorkerRunner):
        return
    if _meta["test_start"] is None:
        _meta["test_start"] = time.time()
    if _sampler is None:
        _sampler = gevent.spawn(_sample_users)


@events.spawning_complete.add_listener
def _on_spawning_complete(user_count: int, **_: Any) -> None:
    if _meta["spawning_complete"] is None:
        _meta["spawning_complete"] = time.time()


@events.test_stop.add_listener
def _on_test_stop(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    if _meta["test_stop"] is None:
        _meta["test_stop"] = time.time()


@events.quit.add_listener
def _on_quit(exit_code: int, **_: Any) -> None:
    if _sampler is not None:
        _sampler.kill(block=False)
    if not _OUT or (_env is not None and isinstance(_env.runner, WorkerRunner)):
        return
    doc = dict(_meta)
    runner = _env.runner if _env is not None else None
    if runner is not None:
        # locust's own final tables: its errors, the exceptions raised by the scenario, and
        # its aggregated numbers (``stats.total`` is not reset by the JSON export, the
        # per-name entries are). Its CSV files are rewritten once a second and may miss
        # the last second; these are complete.
        stats = runner.stats
        doc["errors"] = [e.to_dict() for e in stats.errors.values()]
        doc["exceptions"] = [
            {"count": e["count"], "msg": e["msg"]} for e in runner.exceptions.values()
        ]
        total = stats.total
        doc["locust_total"] = {
            "num_requests": total.num_requests,
            "num_failures": total.num_failures,
            "total_rps": total.total_rps,
            "percentiles": {
                str(q): total.get_response_time_percentile(q) for q in (0.5, 0.9, 0.95, 0.99)
            },
        }
    doc["bins"] = {
        str(b): [r[0], r[1], {str(k): c for k, c in r[2].items()}] for b, r in sorted(_bins.items())
    }
    doc["users"] = {str(b): u for b, u in sorted(_users.items())}
    tmp = _OUT + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    os.replace(tmp, _OUT)


# ---------------------------------------------------------------------------------------
# find_capacity: the step-load shape (defined only when asked for, so that a plain
# run_load never picks it up: locust uses any LoadTestShape it finds)
# ---------------------------------------------------------------------------------------


def _window_breached(start: float, end: float, slo: dict[str, float]) -> bool | None:
    """Did the requests completed in [start, end) break the SLO? None when no data."""
    lo, hi = math.ceil(start / BIN_S), math.floor(end / BIN_S)
    n = f = 0
    hist: dict[int, int] = {}
    for b in range(lo, hi):
        row = _bins.get(b)
        if row is None:
            continue
        n += row[0]
        f += row[1]
        for k, c in row[2].items():
            hist[k] = hist.get(k, 0) + c
    if n == 0:
        return None
    if "error_rate" in slo and f / n > slo["error_rate"]:
        return True
    timed = sum(hist.values())
    for name, q in (("p95_ms", 0.95), ("p99_ms", 0.99)):
        if name in slo and timed:
            if _percentile(hist, timed, q) > slo[name]:
                return True
    return False


def _percentile(hist: dict[int, int], total: int, q: float) -> int:
    # the same rule as locust.stats.calculate_response_time_percentile
    target = int(total * q)
    seen = 0
    for k in sorted(hist, reverse=True):
        seen += hist[k]
        if total - seen <= target:
            return k
    return 0


if os.environ.get("MLAUDIT_STEP_PLAN"):
    _PLAN: dict[str, Any] = json.loads(os.environ["MLAUDIT_STEP_PLAN"])

    class MlauditStepShape(LoadTestShape):
        """Raise users step by step; stop after ``stop_after`` consecutive breached steps."""

        users: ClassVar[list[int]] = list(_PLAN["users"])
        step_s: float = float(_PLAN["step_s"])
        settle_s: float = float(_PLAN["settle_s"])
        spawn_rate: float = float(_PLAN["spawn_rate"])
        slo: ClassVar[dict[str, float]] = dict(_PLAN["slo"])
        stop_after: int = int(_PLAN.get("stop_after", 1))

        def __init__(self) -> None:
            super().__init__()
            self._index = -1
            self._breaches = 0
            self._evaluated = 0  # steps judged so far

        def _lag(self) -> float:
            # a master hears from its workers every WORKER_REPORT_INTERVAL seconds: judge
            # a step only once its numbers have arrived
            if isinstance(self.runner, MasterRunner):
                return WORKER_REPORT_INTERVAL + 0.5
            return 0.0

        def _arrived(self, end: float, now: float) -> bool:
            """Have the numbers of a step that ended at ``end`` arrived?

            Locally at once. A master waits for a report of every worker sent after the
            step ended (a worker starved of CPU reports late), and at most
            ``3 * WORKER_REPORT_INTERVAL`` past the usual lag, so a lost worker cannot
            stall the search.
            """
            lag = self._lag()
            if end > now - lag:
                return False
            if not isinstance(self.runner, MasterRunner):
                return True
            workers = [c.id for c in self.runner.clients.all]
            reported = all(_reported.get(w, 0.0) >= end for w in workers)
            return reported or end <= now - lag - 3 * WORKER_REPORT_INTERVAL

        def _judge(self, now: float) -> str | None:
            """Judge the finished steps whose data is in; a stop reason, or None."""
            steps = _meta["steps"]
            while self._evaluated < len(steps):
                step = steps[self._evaluated]
                if step["end"] is None or not self._arrived(step["end"], now):
                    break
                start = step["start"] + self.settle_s
                verdict = _window_breached(start, step["end"], self.slo)
                self._breaches = self._breaches + 1 if verdict else 0
                self._evaluated += 1
                if self._breaches >= self.stop_after:
                    return f"SLO broken at {step['users']} users"
            return None

        def tick(self) -> tuple[int, float] | None:
            now = time.time()
            steps = _meta["steps"]
            index = int(self.get_run_time() // self.step_s)
            if index != self._index and steps and steps[-1]["end"] is None:
                # the step ends once: past the last step ``index`` stays ahead of
                # ``_index``, and moving the end on every tick would keep the last step
                # "too recent" to judge for a master (its lag > 0) forever
                steps[-1]["end"] = now
            reason = self._judge(now)
            if reason is not None:
                _meta["stop_reason"] = reason
                return None
            if index != self._index:
                if index >= len(self.users):
                    if self._evaluated < len(steps):  # wait for the last verdicts
                        return self.users[self._index], self.spawn_rate
                    _meta["stop_reason"] = "max_users reached"
                    return None
                self._index = index
                steps.append({"users": self.users[index], "start": now, "end": None})
            return self.users[self._index], self.spawn_rate
