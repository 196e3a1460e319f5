"""The load reports: verdicts from stored numbers, the SLO table, JSON round trips."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from pytest_mlaudit import CheckFailed, MlauditInputError
from pytest_mlaudit.checks.load import (
    SLO,
    CapacityReport,
    CapacityStep,
    EndpointStats,
    FailureGroup,
    HealthProbes,
    Latency,
    LoadReport,
    ProbePoint,
    ResourceUsage,
    TimePoint,
)
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import BadWhen, report_from_dict


def make_load_report(**changes: object) -> LoadReport:
    latency = Latency(
        p50_ms=12.0, p90_ms=40.0, p95_ms=90.0, p99_ms=210.0, max_ms=251.3, mean_ms=20.5
    )
    report = LoadReport(
        locustfile="load/predict.py",
        host="http://127.0.0.1:8000",
        users=50,
        spawn_rate=10.0,
        run_time_s=20.0,
        distributed=0,
        user_classes=("PredictUser",),
        seed=0,
        requests=2000,
        failures=10,
        duration_s=19.5,
        rps_steady=110.2,
        latency=latency,
        endpoints=(EndpointStats("POST", "/predict", 2000, 10, 102.6, latency),),
        failure_groups=(
            FailureGroup("HTTP 500", "POST", "/predict", "LocustBadStatusCode(code=500)", 7),
            FailureGroup("timeout", "POST", "/predict", "timeout('timed out')", 3),
        ),
        series=(
            TimePoint(0.0, 1.0, 10, 50, 0, 10.0, 30.0),
            TimePoint(1.0, 1.0, 20, 100, 1, None, None),
        ),
        slo=SLO(p95_ms=150, error_rate=0.01, min_rps=100),
        health=HealthProbes(
            path="/health",
            interval_s=0.25,
            timeout_s=1.0,
            baseline_ms=1.5,
            ok_ms=26.5,
            probes_under_load=70,
            failed_under_load=1,
            p50_ms=3.0,
            p95_ms=40.0,
            max_ms=math.nan,
            recovered=True,
            recovery_s=0.8,
            recovery_timeout_s=15.0,
            series=(ProbePoint(-0.5, 1.4, True), ProbePoint(0.5, None, False)),
        ),
        resources=ResourceUsage(
            pid=123, samples=40, cpu_mean_cores=0.4, cpu_max_cores=0.9, peak_rss_mb=190.5
        ),
        locust_exceptions=0,
        locust_version="2.47.0",
    )
    return dataclasses.replace(report, **changes)  # type: ignore[arg-type]


def test_rps_is_requests_over_measured_duration() -> None:
    report = make_load_report()
    assert report.rps == pytest.approx(2000 / 19.5)
    assert report.error_rate == pytest.approx(0.005)
    assert report.failures_by_kind == {"HTTP 500": 7, "timeout": 3}


def test_passes_when_every_objective_holds() -> None:
    report = make_load_report()
    assert report.passed
    report.assert_ok()
    report.assert_slo()
    assert report.headline().name == "p95_ms"


def test_assert_slo_names_every_breached_objective_in_a_table() -> None:
    report = make_load_report()
    with pytest.raises(CheckFailed) as info:
        report.assert_slo(p95_ms=50, min_rps=200, error_rate=0.02)
    message = str(info.value)
    first_line = message.splitlines()[0]
    assert first_line.startswith("load SLO breached:")
    assert "p95_ms=90 > 50" in first_line and "min_rps=102.6 < 200" in first_line
    assert "error_rate" not in first_line  # 0.005 <= 0.02 holds
    assert "objective   measured  limit    verdict" in message
    assert "BREACHED" in message and "HTTP 500" in message  # the failures by type
    # the error carries the report as asserted: its verdict agrees with the failure
    assert isinstance(info.value, AssertionError)
    assert info.value.report.passed is False
    assert info.value.report.slo.p95_ms == 50.0
    assert report.slo.p95_ms == 150.0  # the original is unchanged (frozen)


def test_default_objective_is_the_error_rate() -> None:
    report = make_load_report(slo=SLO())
    assert SLO().names() == ("error_rate",)
    assert report.passed  # 0.5% <= 1%
    failing = make_load_report(slo=SLO(), failures=100)
    assert not failing.passed
    assert failing.headline().describe() == "error_rate=0.05 > 0.01"


def test_no_objective_at_all_passes_only_with_requests() -> None:
    report = make_load_report(slo=SLO(error_rate=None))
    assert report.passed and report.headline().name == "rps"
    assert not make_load_report(slo=SLO(error_rate=None), requests=0, failures=0).passed


def test_zero_requests_fail_closed() -> None:
    report = make_load_report(requests=0, failures=0)
    assert not report.passed
    with pytest.raises(CheckFailed, match="made no requests"):
        report.assert_slo()


def test_recovery_objective_uses_health_probes() -> None:
    report = make_load_report()
    report.assert_slo(max_recovery_s=2.0)
    with pytest.raises(CheckFailed, match=r"max_recovery_s=0.8 > 0.5"):
        report.assert_slo(max_recovery_s=0.5)
    assert report.health is not None
    never = make_load_report(
        health=dataclasses.replace(report.health, recovered=False, recovery_s=None)
    )
    with pytest.raises(CheckFailed, match="NOT recovered"):
        never.assert_slo(max_recovery_s=5)
    with pytest.raises(MlauditInputError, match="health_path"):
        make_load_report(health=None).assert_slo(max_recovery_s=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"error_rate": 2.0}, "fraction"),
        ({"p95_ms": -1}, "p95_ms must be a finite number >= 0"),
        ({"min_rps": float("inf")}, "min_rps"),
        ({"p99_ms": "fast"}, "p99_ms must be a number"),
    ],
)
def test_slo_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(MlauditInputError, match=match):
        SLO(**kwargs)  # type: ignore[arg-type]


def _roundtrip(report: object) -> None:
    data = report.to_dict()  # type: ignore[attr-defined]
    text = json.dumps(data, allow_nan=False)  # strict JSON
    back = report_from_dict(json.loads(text))
    assert type(back) is type(report)
    assert back.to_dict() == data
    assert back.passed == report.passed  # type: ignore[attr-defined]


def test_load_report_round_trips_through_json() -> None:
    report = make_load_report()
    _roundtrip(report)
    data = report.to_dict()
    assert data["kind"] == "load" and data["passed"] is True
    assert data["health"]["max_ms"] == "nan"
    entry = CheckEntry.from_report("load", report, nodeid="t::x")
    assert entry.headline.bad_when is BadWhen.ABOVE
    assert entry.figures["requests"] == 2000
    assert entry.report().to_dict() == data


def make_capacity_report(**changes: object) -> CapacityReport:
    steps = (
        CapacityStep(2, 0.0, 2.0, 76, 0, 50.0, 56.0, 59.0, 0.03, 47.2),
        CapacityStep(4, 3.0, 2.0, 150, 0, 53.0, 56.0, 57.0, 0.05, 47.2),
        CapacityStep(6, 6.0, 2.0, 156, 0, 98.0, 100.0, 110.0, 0.06, 47.3),
        CapacityStep(8, 9.0, 2.0, 151, 0, 100.0, 110.0, 110.0, 0.05, 47.3),
        CapacityStep(10, 12.0, 2.0, 160, 0, 60.0, 70.0, 80.0, 0.05, 47.3),  # after the break
    )
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
        target_rps=200.0,
        headroom=0.3,
        max_replicas=None,
        server_pid=42,
        peak_rss_mb=47.3,
        locust_version="2.47.0",
    )
    return dataclasses.replace(report, **changes)  # type: ignore[arg-type]


def test_knee_is_the_best_step_before_the_first_break() -> None:
    report = make_capacity_report()
    assert report.knee is report.steps[2]  # 78 rps at 6 users; step 10 came after the break
    assert (report.knee_users, report.knee_rps) == (6, 78.0)
    assert report.bounded
    # ceil(200 * 1.3 / 78) = ceil(3.33) = 4
    assert report.replicas == 4
    assert report.cpu_request_cores == 0.1  # 0.06 cores, rounded up to 0.05s
    assert report.memory_request_mb == math.ceil(47.3 * 1.3)
    assert report.passed and report.headline().describe() == "knee_rps=78 >= 0"
    text = report.summary()
    assert "<- knee" in text and "4 replicas" in text and "BROKE" in text


def test_capacity_verdicts() -> None:
    assert not make_capacity_report(slo=SLO(p95_ms=100, min_rps=90)).passed
    three = make_capacity_report(max_replicas=3)
    assert not three.passed and three.replicas == 4
    # replicas <= 3 needs 200 * 1.3 / 3 = 86.7 rps per replica
    assert three.headline().describe() == "knee_rps=78 < 86.67"
    assert make_capacity_report(max_replicas=4).passed
    nothing = make_capacity_report(slo=SLO(p95_ms=10))
    assert nothing.knee is None and not nothing.passed and nothing.replicas is None
    unbounded = make_capacity_report(slo=SLO(p95_ms=1000))
    assert not unbounded.bounded and unbounded.knee_users == 10
    assert "lower bound" in unbounded.summary()


def test_capacity_report_round_trips_through_json() -> None:
    report = make_capacity_report()
    _roundtrip(report)
    data = report.to_dict()
    assert data["kind"] == "capacity"
    # computed figures are written for readers of the record (the notebook)
    if "knee_rps" in data:
        assert data["knee_rps"] == 78.0 and data["replicas"] == 4
