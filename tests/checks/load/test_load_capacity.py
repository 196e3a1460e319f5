"""find_capacity on an endpoint with a known limit: at most K requests in service at
once, each taking S seconds, so its true capacity is K / S requests per second."""

from __future__ import annotations

import math

import pytest

from pytest_mlaudit.checks.load import CapacityReport, Server, find_capacity
from pytest_mlaudit.result import report_from_dict
from tests.checks.load.conftest import LIMIT_K, LIMIT_S, LOCUSTFILES

pytestmark = pytest.mark.slow  # capacity searches: a step load of 15-25 s each

TRUE_RPS = LIMIT_K / LIMIT_S  # 80 requests per second


@pytest.fixture(scope="module")
def capacity(test_server: Server) -> CapacityReport:
    # closed-loop users: latency stays ~S up to K users, then requests queue
    return find_capacity(
        LOCUSTFILES / "closed_loop.py",
        host=test_server.url,
        p95_ms=2 * LIMIT_S * 1000,  # 100 ms: twice the service time
        start_users=2,
        step_users=2,
        max_users=14,
        step_time=3,
        target_rps=200,
        headroom=0.3,
        server_pid=test_server.pid,
        env={"PATH_UNDER_TEST": "/limited"},
    )


def test_knee_is_within_25_percent_of_the_true_capacity(capacity: CapacityReport) -> None:
    assert capacity.bounded, capacity.summary()  # the SLO broke before max_users
    assert capacity.knee_rps == pytest.approx(TRUE_RPS, rel=0.25), capacity.summary()
    assert capacity.knee_users >= LIMIT_K - 2


def test_curve_rises_then_flattens(capacity: CapacityReport) -> None:
    steps = capacity.steps
    assert len(steps) >= 3 and steps[0].users == 2
    assert steps[0].rps == pytest.approx(2 / LIMIT_S, rel=0.3)  # 2 users: ~40 rps
    broke = next(s for s in steps if not s.held(capacity.slo))
    assert broke.rps <= TRUE_RPS * 1.25  # past the knee, more users add latency, not rps
    assert broke.p95_ms is not None and broke.p95_ms > 100
    assert "SLO broken" in capacity.stop_reason  # stopped early, not at max_users


def test_replicas_and_resource_requests(capacity: CapacityReport) -> None:
    assert capacity.replicas == math.ceil(200 * 1.3 / capacity.knee_rps)
    assert capacity.cpu_request_cores is not None and capacity.cpu_request_cores >= 0.05
    assert capacity.memory_request_mb is not None and capacity.memory_request_mb > 10
    assert capacity.passed
    text = capacity.summary()
    assert "<- knee" in text and "replicas" in text and "per replica" in text


def test_capacity_report_round_trips(capacity: CapacityReport) -> None:
    back = report_from_dict(capacity.to_dict())
    assert back == capacity and back.knee_rps == capacity.knee_rps


def test_distributed_capacity_finds_the_same_knee(test_server: Server) -> None:
    # a master and 2 workers: the master judges each step once the workers' numbers
    # for it have arrived (they report every 3 s)
    report = find_capacity(
        LOCUSTFILES / "closed_loop.py",
        host=test_server.url,
        p95_ms=2 * LIMIT_S * 1000,
        start_users=2,
        step_users=2,
        max_users=10,
        step_time=3,
        distributed=2,
        env={"PATH_UNDER_TEST": "/limited"},
    )
    assert report.distributed == 2
    assert report.bounded, report.summary()
    assert report.knee_rps == pytest.approx(TRUE_RPS, rel=0.25), report.summary()
