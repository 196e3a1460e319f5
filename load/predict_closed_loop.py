"""Closed-loop users for the credit-risk endpoint: each sends its next request as soon
as the previous one returns (no wait), so the offered load grows with the users and is
throttled by the server's latency. This is the scenario for ``find_capacity`` (the knee)
and for overload bursts.

    pytest: mlaudit.capacity("load/predict_closed_loop.py", host=url, p95_ms=100, max_users=30)
    by hand: locust -f load/predict_closed_loop.py --headless -H http://127.0.0.1:8000 \
        -u 10 -r 10 -t 10s
"""

from __future__ import annotations

import sys
from pathlib import Path

from locust import FastHttpUser, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _payloads import payloads, user_rng


class ClosedLoopPredictUser(FastHttpUser):
    """One applicant per request, back to back."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = user_rng()
        self.rows = payloads()

    @task
    def predict_one(self) -> None:
        row = self.rng.choice(self.rows)
        with self.rest("POST", "/predict", json=row, name="/predict") as resp:
            p = resp.js.get("probability") if isinstance(resp.js, dict) else None
            if resp.status_code == 200 and not (isinstance(p, float | int) and 0.0 <= p <= 1.0):
                resp.failure("bad prediction")
