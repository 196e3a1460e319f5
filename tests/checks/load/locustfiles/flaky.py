"""Users whose inputs make /flaky fail 10% of the time with 500 and 10% with 400."""

import itertools
import os
import random

from locust import FastHttpUser, constant_throughput, task

_users = itertools.count()


class FlakyUser(FastHttpUser):
    wait_time = constant_throughput(10)

    def on_start(self) -> None:
        seed = os.environ.get("MLAUDIT_SEED", "0")
        self.rng = random.Random(f"{seed}/{os.environ.get('MLAUDIT_WORKER', '0')}/{next(_users)}")

    @task
    def hit(self) -> None:
        self.client.get(f"/flaky?x={self.rng.randrange(1000)}", name="/flaky")
