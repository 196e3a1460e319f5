"""One FastHttpUser (geventhttpclient) on /fast of the test app, 5 requests per second."""

from locust import FastHttpUser, constant_throughput, task


class GeventUser(FastHttpUser):
    wait_time = constant_throughput(5)

    @task
    def hit(self) -> None:
        self.client.get("/fast")
