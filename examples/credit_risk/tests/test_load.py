"""Load tests of the example credit-risk endpoint, before launch (failure mode 6).

They start the model server on 127.0.0.1 (see load_fixtures.py); run them against
staging with ``pytest -m load --mlaudit-target-url=https://staging.example.com``.
The objectives go in the marker, so the audit record holds them with the numbers;
``assert_slo()`` then fails the test with the table of objectives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

LOAD = Path(__file__).resolve().parents[3] / "load"  # the repo's locust scenarios


@pytest.mark.load(p95_ms=150, error_rate=0.01, min_rps=100)
def test_endpoint_holds_launch_load(mlaudit, model_server, prod_df) -> None:
    # 50 paced users (~4 predictions/s each, one in five sends batches of 16) sending
    # yesterday's production rows
    report = mlaudit.load(
        LOAD / "predict.py",
        host=model_server.url,
        payloads=prod_df,
        users=50,
        spawn_rate=25,
        run_time=8,
        health_path="/health",
        server_pid=model_server.pid,
    )
    report.assert_slo()


@pytest.mark.load(p95_ms=50)
def test_capacity_covers_the_launch_peak(mlaudit, model_server) -> None:
    # closed-loop users, 4 -> 36 in steps of 8 every 3 s, until p95 > 50 ms
    report = mlaudit.capacity(
        LOAD / "predict_closed_loop.py",
        host=model_server.url,
        start_users=4,
        step_users=8,
        max_users=36,
        step_time=3,
        target_rps=1_000,
        headroom=0.3,
        max_replicas=10,
        server_pid=model_server.pid,
    )
    report.assert_ok()


@pytest.mark.load
def test_health_recovers_after_an_overload_burst(mlaudit, model_server) -> None:
    # 40 closed-loop users for 5 s: /health must stay answerable and be fast again
    # within 5 s of the burst
    report = mlaudit.load(
        LOAD / "predict_closed_loop.py",
        host=model_server.url,
        users=40,
        spawn_rate=40,
        run_time=5,
        health_path="/health",
        max_recovery_s=5,
    )
    report.assert_slo()


@pytest.mark.load(p95_ms=50)
def test_one_replica_under_its_limits(mlaudit, model_server, tmp_path) -> None:
    # the server confined to what one container gets (1 CPU, 1 GiB: affinity and cgroup
    # limits where writable, else RLIMIT_AS; the report says which), its /health probed
    # under load for the probe timeouts, and prices for the cost; then a deployment plan
    # from this very report (scripts/example.sh writes one from the audit record too)
    from pytest_mlaudit.deploy import make_plan, write_plan

    report = mlaudit.capacity(
        LOAD / "predict_closed_loop.py",
        host=model_server.url,
        start_users=4,
        step_users=8,
        max_users=36,
        step_time=3,
        target_rps=500,
        headroom=0.3,
        server_pid=model_server.pid,
        cpu_limit=1.0,
        memory_limit="1Gi",
        health_path="/health",
        price_vcpu_hour=0.04,
        price_gib_hour=0.005,
    )
    report.assert_ok()
    plan = make_plan(report, target_rps=500, headroom=0.3, name="credit-risk")
    written = write_plan(plan, tmp_path / "deploy")
    # the HPA scales up to the replicas the measured knee needs, and never below its minimum
    assert plan["max_replicas"].value == max(report.replicas, plan["min_replicas"].value)
    assert {p.name for p in written} >= {"Dockerfile", "deployment.yaml", "hpa.yaml", "pdb.yaml"}
