"""Closed-loop users on one path of the test app (PATH_UNDER_TEST, default /limited)."""

import os

from locust import FastHttpUser, constant, task

PATH = os.environ.get("PATH_UNDER_TEST", "/limited")


class ClosedLoopUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self) -> None:
        self.client.get(PATH, name=PATH.split("?")[0])
