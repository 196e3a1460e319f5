"""run_load against a real uvicorn server on 127.0.0.1 (a few users, a few seconds each)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pytest_mlaudit import CheckFailed
from pytest_mlaudit.checks.load import LoadReport, Server, run_load
from pytest_mlaudit.result import report_from_dict
from tests.checks.load.conftest import LOCUSTFILES

SLOW_MS = 60


@pytest.fixture(scope="module")
def slow_run(
    test_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> tuple[LoadReport, Path]:
    """5 paced users, 5 requests/s each, on an endpoint that answers after 60 ms."""
    out = tmp_path_factory.mktemp("slow")
    report = run_load(
        LOCUSTFILES / "paced.py",
        host=test_server.url,
        users=5,
        spawn_rate=10,
        run_time=4,
        env={"PATH_UNDER_TEST": f"/slow?ms={SLOW_MS}", "USER_RPS": "5"},
        health_path="/health",
        server_pid=test_server.pid,
        output_dir=out,
    )
    return report, out


def test_an_slo_that_holds_passes(slow_run: tuple[LoadReport, Path]) -> None:
    report, _ = slow_run
    assert report.passed  # the default objective: error_rate <= 0.01
    report.assert_slo(p95_ms=1000, error_rate=0.01, min_rps=5)
    assert report.failures == 0 and report.requests > 40
    assert report.latency.p50_ms >= SLOW_MS  # asyncio.sleep(60 ms) is a floor


def test_an_slo_that_cannot_hold_fails_with_the_table(slow_run: tuple[LoadReport, Path]) -> None:
    report, _ = slow_run
    with pytest.raises(CheckFailed) as info:
        report.assert_slo(p95_ms=30, min_rps=1000)  # 60 ms per request; 25 rps offered
    text = str(info.value)
    head = text.splitlines()[0]
    assert "p95_ms=" in head and "> 30" in head and "min_rps=" in head and "< 1000" in head
    assert "error_rate" not in head
    assert "objective" in text and "BREACHED" in text and "GET     /slow" in text


def test_numbers_agree_with_locusts_own_totals(slow_run: tuple[LoadReport, Path]) -> None:
    # the collector keeps locust's own final aggregate (stats.total) for this comparison;
    # the report's numbers are computed independently from locust's per-name JSON
    report, out = slow_run
    total = json.loads((out / "collector.json").read_text())["locust_total"]
    assert report.requests == total["num_requests"]
    assert report.failures == total["num_failures"]
    for q, value in total["percentiles"].items():
        ours = {
            "0.5": report.latency.p50_ms,
            "0.9": report.latency.p90_ms,
            "0.95": report.latency.p95_ms,
            "0.99": report.latency.p99_ms,
        }[q]
        assert ours == value, q
    # locust's total_rps: requests / (last request - test start), as ours
    assert report.rps == pytest.approx(total["total_rps"], rel=0.01)


def test_time_series_accounts_for_every_request(slow_run: tuple[LoadReport, Path]) -> None:
    report, _ = slow_run
    assert 3 <= len(report.series) <= 6  # per second over ~4 s
    assert sum(p.requests for p in report.series) == report.requests
    assert max(p.users for p in report.series) == 5
    assert all(p.width_s > 0 for p in report.series)
    assert report.rps_steady is not None and report.rps_steady >= report.rps * 0.9


def test_health_and_resources_are_recorded(slow_run: tuple[LoadReport, Path]) -> None:
    report, _ = slow_run
    assert report.health is not None and report.resources is not None
    assert report.health.probes_under_load >= 8 and report.health.failed_under_load == 0
    assert report.health.recovered
    assert report.resources.pid == report.resources.pid and report.resources.peak_rss_mb > 10


def test_record_round_trip_of_a_real_report(slow_run: tuple[LoadReport, Path]) -> None:
    report, _ = slow_run
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    back = report_from_dict(data)
    assert back == report


def test_errors_fail_on_error_rate_grouped_by_type(test_server: Server) -> None:
    report = run_load(
        LOCUSTFILES / "flaky.py", host=test_server.url, users=3, spawn_rate=10, run_time=3, seed=7
    )
    assert not report.passed
    kinds = report.failures_by_kind
    assert set(kinds) == {"HTTP 500", "HTTP 400"}
    assert sum(kinds.values()) == report.failures
    assert 0.1 < report.error_rate < 0.35  # 20% expected
    with pytest.raises(CheckFailed) as info:
        report.assert_slo()
    text = str(info.value)
    assert text.startswith("load SLO breached: error_rate=")
    assert "failures by type:" in text and "HTTP 500" in text and "HTTP 400" in text


@pytest.mark.slow
def test_health_under_overload_and_recovery(test_server: Server) -> None:
    # /hog blocks the event loop for 25 ms: 40 rps at most; 8 users x 10 rps offer 80
    report = run_load(
        LOCUSTFILES / "paced.py",
        host=test_server.url,
        users=8,
        spawn_rate=20,
        run_time=4,
        env={"PATH_UNDER_TEST": "/hog?ms=25", "USER_RPS": "10"},
        health_path="/health",
        probe_interval_s=0.1,
        max_recovery_s=5,
        error_rate=None,
    )
    health = report.health
    assert health is not None
    assert health.probes_under_load >= 3  # each probe waits for the blocked event loop
    # probes queue behind the blocked event loop: much slower than before the load
    assert health.p50_ms > 3 * health.baseline_ms and health.p50_ms > 20
    assert health.recovered and health.recovery_s is not None and health.recovery_s <= 5
    assert report.passed  # recovery within 5 s is the objective here
    with pytest.raises(CheckFailed, match="health_p95_ms="):
        report.assert_slo(health_p95_ms=health.baseline_ms)
    assert min(p.t_s for p in health.series) < 0  # the baseline, before the load
    assert max(p.t_s for p in health.series) > report.duration_s  # after it


@pytest.mark.slow
def test_distributed_gives_the_same_report_shape(test_server: Server) -> None:
    kwargs = dict(
        host=test_server.url,
        users=4,
        spawn_rate=20,
        run_time=3,
        env={"PATH_UNDER_TEST": "/fast", "USER_RPS": "10"},
    )
    local = run_load(LOCUSTFILES / "paced.py", **kwargs)  # type: ignore[arg-type]
    spread = run_load(LOCUSTFILES / "paced.py", distributed=2, **kwargs)  # type: ignore[arg-type]
    assert spread.distributed == 2 and local.distributed == 0
    assert [f.name for f in dataclasses.fields(spread)] == [
        f.name for f in dataclasses.fields(local)
    ]
    local_d, spread_d = local.to_dict(), spread.to_dict()
    assert local_d.keys() == spread_d.keys()
    for key in local_d:
        assert type(local_d[key]) is type(spread_d[key]) or None in (local_d[key], spread_d[key]), (
            key
        )
    assert spread.passed and spread.requests > 50
    assert sum(p.requests for p in spread.series) == spread.requests  # the workers' bins merged
    assert max(p.users for p in spread.series) == 4
    # 4 users x 10 rps either way (ramp-up included)
    assert spread.rps == pytest.approx(local.rps, rel=0.25)
