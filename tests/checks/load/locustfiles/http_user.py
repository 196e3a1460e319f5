"""One HttpUser (requests/urllib3) on /fast of the test app, 5 requests per second."""

from locust import HttpUser, constant_throughput, task


class RequestsUser(HttpUser):
    wait_time = constant_throughput(5)

    @task
    def hit(self) -> None:
        self.client.get("/fast")
