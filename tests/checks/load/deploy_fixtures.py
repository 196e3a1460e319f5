"""A capacity report (and a soak) measured under limits, with known numbers, and the
audit record holding them: the evidence the deployment-plan tests plan from.

The numbers, and what the documented rules (docs/load.md) make of them for a peak of
500 rps with 30% headroom:

* knee 50 rps at 6 users -> max replicas ceil(500 x 1.3 / 50) = 13, min replicas 2
* CPU at the knee 0.62 cores -> request 0.65 (rounded up to 0.05) = 650m; limit: the
  cpu_limit measured under, 1.0 = 1000m; 1 uvicorn worker
* peak RSS 180 MiB -> request ceil(180 x 1.3) = 234Mi; limit: the 512 MiB survived
* HPA target CPU round(100 x 0.62 / 1.3 / 0.65) = 73%
* health p95 700 ms, max 2500 ms under load -> readiness timeout ceil(1.4) = 2 s,
  liveness ceil(max(2.1, 2.5)) = 3 s
* prices 0.04 / vCPU-hour, 0.005 / GiB-hour -> a replica costs 0.65 x 0.04 + 234 / 1024 x
  0.005 = 0.0271426 per hour; 13 replicas 0.352853 per hour; per million predictions
  0.352853 / (500 x 3600) x 1e6 = 0.196030
"""

from __future__ import annotations

from pathlib import Path

from pytest_mlaudit.checks.load import SLO, CapacityReport, CapacityStep
from pytest_mlaudit.checks.load.limits import Limits
from pytest_mlaudit.record import CheckEntry, build_record, write_record
from tests.checks.soak.soak_fixtures import make_soak_report

TARGET_RPS, HEADROOM = 500.0, 0.3
PRICES = {"vcpu_hour": 0.04, "gib_hour": 0.005}


def make_limited_capacity(**changes: object) -> CapacityReport:
    steps = (
        CapacityStep(2, 0.0, 2.0, 40, 0, 30.0, 40.0, 45.0, 0.25, 150.0),
        CapacityStep(4, 3.0, 2.0, 80, 0, 35.0, 60.0, 70.0, 0.45, 170.0),
        CapacityStep(6, 6.0, 2.0, 100, 0, 60.0, 90.0, 110.0, 0.62, 180.0),
        CapacityStep(8, 9.0, 2.0, 101, 0, 120.0, 190.0, 250.0, 0.64, 180.0),
    )
    import dataclasses

    report = CapacityReport(
        locustfile="load/predict_closed_loop.py",
        host="http://127.0.0.1:8000",
        user_classes=(),
        distributed=0,
        seed=0,
        slo=SLO(p95_ms=100),
        step_s=3.0,
        settle_s=1.0,
        steps=steps,
        stop_reason="SLO broken at 8 users",
        target_rps=TARGET_RPS,
        headroom=HEADROOM,
        server_pid=42,
        peak_rss_mb=180.0,
        locust_version="2.47.0",
        limits=Limits(
            cpu_limit=1.0,
            memory_limit_mb=512.0,
            cpus=(0,),
            cpu_mechanism="cgroup v1 CPU quota + affinity",
            memory_mechanism="cgroup v1 memory limit",
        ),
        health_path="/health",
        health_p95_ms=700.0,
        health_max_ms=2500.0,
        price_vcpu_hour=PRICES["vcpu_hour"],
        price_gib_hour=PRICES["gib_hour"],
    )
    return dataclasses.replace(report, **changes)  # type: ignore[arg-type]


def write_fixture_record(path: Path, *, with_soak: bool = True) -> Path:
    entries = [
        CheckEntry.from_report(
            "capacity", make_limited_capacity(), nodeid="tests/test_load.py::test_capacity"
        )
    ]
    if with_soak:
        entries.append(
            CheckEntry.from_report(
                "soak", make_soak_report(), nodeid="tests/test_soak.py::test_soak"
            )
        )
    return write_record(build_record(entries), path)
