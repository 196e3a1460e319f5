"""Launch traffic for the credit-risk endpoint: paced (open-loop-like) users.

Each ``PredictUser`` sends single predictions at a fixed pace of ``PREDICT_USER_RPS``
requests per second (``constant_throughput``; default 4), whatever the latency, so 50
users offer ~160 single predictions per second; one user in five is a
``BatchPredictUser`` sending batches of ``PREDICT_BATCH`` applicants (default 16) at a
quarter of that pace. Users start at a random point of their period (independent
clients are not in phase). A response whose probability is missing or outside [0, 1] counts
as a failure ("bad prediction") even when its status is 200.

    pytest: mlaudit.load("load/predict.py", host=url, users=50, spawn_rate=10, run_time=20)
    soak:   mlaudit.soak("load/predict.py", host=url, rps=200, duration="10m") (each user
            then paces at MLAUDIT_USER_RPS = rps / users; batch users at a quarter of it)
    by hand: locust -f load/predict.py --headless -H http://127.0.0.1:8000 -u 50 -r 10 -t 20s
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from locust import FastHttpUser, constant_throughput, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _payloads import payloads, user_rng

# PREDICT_USER_RPS, else the pace a soak asks for (MLAUDIT_USER_RPS = rps / users), else 4
USER_RPS = float(os.environ.get("PREDICT_USER_RPS") or os.environ.get("MLAUDIT_USER_RPS", "4"))
BATCH = int(os.environ.get("PREDICT_BATCH", "16"))


def _valid_probability(js: object) -> bool:
    p = js.get("probability") if isinstance(js, dict) else None
    return isinstance(p, float | int) and 0.0 <= p <= 1.0


class PredictUser(FastHttpUser):
    """One applicant per request, at a fixed pace."""

    weight = 4
    wait_time = constant_throughput(USER_RPS)

    def on_start(self) -> None:
        self.rng = user_rng()
        self.rows = payloads()
        # independent clients are not in phase: start at a random point of the period
        time.sleep(self.rng.uniform(0, 1 / USER_RPS))

    @task
    def predict_one(self) -> None:
        row = self.rng.choice(self.rows)
        with self.rest("POST", "/predict", json=row, name="/predict") as resp:
            if resp.status_code == 200 and not _valid_probability(resp.js):
                resp.failure("bad prediction")


class BatchPredictUser(FastHttpUser):
    """A batch of applicants per request, at a quarter of the single-row pace."""

    weight = 1
    wait_time = constant_throughput(USER_RPS / 4)

    def on_start(self) -> None:
        self.rng = user_rng()
        self.rows = payloads()
        time.sleep(self.rng.uniform(0, 4 / USER_RPS))

    @task
    def predict_batch(self) -> None:
        batch = [self.rng.choice(self.rows) for _ in range(BATCH)]
        with self.rest("POST", "/predict", json=batch, name="/predict [batch]") as resp:
            if resp.status_code == 200:
                preds = resp.js.get("predictions") if isinstance(resp.js, dict) else None
                if (
                    not isinstance(preds, list)
                    or len(preds) != BATCH
                    or not all(_valid_probability(p) for p in preds)
                ):
                    resp.failure("bad prediction")
