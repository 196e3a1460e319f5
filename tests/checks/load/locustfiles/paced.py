"""Paced users on one path of the test app: PATH (default /fast), USER_RPS per user."""

import os

from locust import FastHttpUser, constant_throughput, task

PATH = os.environ.get("PATH_UNDER_TEST", "/fast")


class PacedUser(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("USER_RPS", "5")))

    @task
    def hit(self) -> None:
        self.client.get(PATH, name=PATH.split("?")[0])
