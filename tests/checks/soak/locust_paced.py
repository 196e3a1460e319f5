"""Paced users for the soak tests: each at MLAUDIT_USER_RPS on PATH_UNDER_TEST."""

import os

from locust import FastHttpUser, constant_throughput, task

PATH = os.environ.get("PATH_UNDER_TEST", "/leaky")


class SoakUser(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("MLAUDIT_USER_RPS", "5")))

    @task
    def hit(self) -> None:
        self.client.get(PATH, name=PATH.split("?")[0])
