"""LoadReport/CapacityReport.measures(): one per objective, breached exactly when it is."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pytest_mlaudit import MlauditInputError
from pytest_mlaudit.checks.load import SLO, find_capacity, run_load
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import BadWhen, report_from_dict
from tests.checks.load.conftest import LOCUSTFILES
from tests.checks.load.test_load_report import make_capacity_report, make_load_report

SLOS = [
    SLO(),
    SLO(p95_ms=150, error_rate=0.01, min_rps=100),
    SLO(p95_ms=50, p99_ms=100, error_rate=0.001, min_rps=200),
    SLO(p99_ms=500, error_rate=None, health_p95_ms=30, max_recovery_s=1.0),
    SLO(error_rate=None),
]


@pytest.mark.parametrize("slo", SLOS)
def test_load_measures_are_the_slo_objectives(slo: SLO) -> None:
    report = make_load_report(slo=slo)
    measures = report.measures()
    assert [m.name for m in measures] == list(slo.names())
    assert {m.subject for m in measures} <= {"slo"}
    assert not {(m.subject, m.name) for m in measures} & {("", k) for k in report.key_figures()}
    for m in measures:
        assert m.threshold == getattr(slo, m.name)
        assert m.bad_when is (BadWhen.BELOW if m.name == "min_rps" else BadWhen.ABOVE)
    assert report.passed == (not any(m.breached for m in measures))
    assert CheckEntry.from_report("load", report).measures == measures
    assert report_from_dict(report.to_dict()).measures() == measures


def test_each_measure_is_its_objectives_verdict() -> None:
    report = make_load_report(slo=SLO(p95_ms=150, error_rate=0.001, min_rps=100))
    verdicts = {m.name: m.breached for m in report.measures()}
    # 10/2000 = 0.5% failed > 0.1%; p95 90 <= 150; 2000 / 19.5 = 102.6 rps >= 100
    assert verdicts == {"error_rate": True, "p95_ms": False, "min_rps": False}
    assert report.headline().name == "error_rate"


@pytest.mark.parametrize(
    "slo", [SLO(p95_ms=100), SLO(p95_ms=100, min_rps=90), SLO(p95_ms=10), SLO(p95_ms=1000)]
)
@pytest.mark.parametrize("max_replicas", [None, 3, 4])
def test_capacity_measures_agree_with_the_knee_and_each_step(
    slo: SLO, max_replicas: int | None
) -> None:
    report = make_capacity_report(slo=slo, max_replicas=max_replicas)
    measures = report.measures()
    knee = measures[0]
    assert (knee.name, knee.subject, knee.bad_when) == ("rps", "knee", BadWhen.BELOW)
    assert knee.statistic == report.headline().statistic or not report.knee
    assert knee.threshold == pytest.approx(report.required_rps)
    assert knee.breached == (not report.passed)
    for step in report.steps:
        mine = [m for m in measures[1:] if m.subject == f"{step.users} users"]
        assert [m.name for m in mine] == [
            "rps",
            *(n for n in ("error_rate", "p95_ms", "p99_ms") if getattr(slo, n) is not None),
        ]
        assert mine[0].threshold is None and mine[0].statistic == step.rps
        assert any(m.breached for m in mine) == (not step.held(slo))
    assert report_from_dict(report.to_dict()).measures() == measures


def test_a_capacity_with_no_held_step_measures_nan() -> None:
    report = make_capacity_report(slo=SLO(p95_ms=10))
    assert math.isnan(report.measures()[0].statistic) and report.measures()[0].breached


def test_numpy_scalars_pass_validation() -> None:
    """np.int64 users and np.float64 rates are numbers like any other: the run gets as far
    as the reachability check (a closed port, so no traffic at all)."""
    with pytest.raises(MlauditInputError, match="is unreachable"):
        run_load(
            LOCUSTFILES / "paced.py",
            host="http://127.0.0.1:1",
            users=np.int64(5),
            spawn_rate=np.float32(2.5),
            run_time=np.int64(3),
            distributed=np.int64(0),
            seed=np.int64(3),
            probe_interval_s=np.float64(0.5),
            max_points=np.int32(50),
        )
    with pytest.raises(MlauditInputError, match="is unreachable"):
        find_capacity(
            LOCUSTFILES / "closed_loop.py",
            host="http://127.0.0.1:1",
            p95_ms=np.float64(100),
            start_users=np.int64(2),
            step_users=np.int16(2),
            max_users=np.int64(10),
            step_time=np.int64(3),
            settle_time=np.float64(1.0),
            headroom=np.float64(0.3),
            max_replicas=np.int64(4),
        )
    slo = SLO(p95_ms=np.float64(150), error_rate=np.float32(0.01), min_rps=np.int64(5))
    assert (type(slo.p95_ms), type(slo.min_rps)) == (float, float)
