"""A locustfile whose task raises before making any request."""

from locust import FastHttpUser, constant, task


class Raises(FastHttpUser):
    wait_time = constant(0.1)

    @task
    def hit(self) -> None:
        raise RuntimeError("scenario bug: no request made")
