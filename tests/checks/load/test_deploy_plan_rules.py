"""The deployment plan follows from the fixture record by the documented rules, and what
it writes passes the offline validators (kubernetes-validate strict, hadolint)."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pytest_mlaudit.deploy import Prices, load_prices, make_plan, plan_from_record, write_plan
from pytest_mlaudit.errors import MlauditInputError
from tests.checks.load.deploy_fixtures import (
    HEADROOM,
    PRICES,
    TARGET_RPS,
    make_limited_capacity,
    write_fixture_record,
)
from tests.checks.soak.soak_fixtures import make_soak_report

#: a recent Kubernetes release whose schemas kubernetes-validate ships
K8S_VERSION = "1.33.0"


def _plan(**kw: object):  # type: ignore[no-untyped-def]
    return make_plan(
        make_limited_capacity(),
        target_rps=TARGET_RPS,
        headroom=HEADROOM,
        prices=Prices(**PRICES),
        **kw,  # type: ignore[arg-type]
    )


def test_numbers_follow_the_rules() -> None:
    n = _plan().numbers
    assert n["max_replicas"].value == math.ceil(500 * 1.3 / 50) == 13
    assert n["min_replicas"].value == 2
    assert n["cpu_request_m"].value == 650 and n["cpu_limit_m"].value == 1000
    assert n["memory_request_mib"].value == math.ceil(180 * 1.3) == 234
    assert n["memory_limit_mib"].value == 512
    assert n["target_cpu_utilization"].value == round(100 * 0.62 / 1.3 / 0.65) == 73
    assert n["readiness_timeout_s"].value == 2 and n["liveness_timeout_s"].value == 3
    assert n["workers"].value == 1
    assert "knee" in n["max_replicas"].source and "cgroup" in n["cpu_limit"].source


def test_cost_per_hour_and_per_million() -> None:
    plan = _plan()
    row = plan.cost_at_headroom()
    assert row is not None and row.replicas == 13
    replica_hour = 0.65 * 0.04 + 234 / 1024 * 0.005
    assert row.per_hour == pytest.approx(13 * replica_hour, abs=1e-6)
    assert row.per_million == pytest.approx(13 * replica_hour / (500 * 3600) * 1e6, abs=1e-6)
    by_headroom = {c.headroom: c for c in plan.costs}
    assert by_headroom[0.0].replicas == 10 and by_headroom[1.0].replicas == 20
    costs = [c.per_hour for c in plan.costs]
    assert costs == sorted(costs)  # more headroom never costs less
    # the capacity report computes the same table from its own prices
    assert make_limited_capacity().costs() == plan.costs


def test_prices_from_toml(tmp_path: Path) -> None:
    f = tmp_path / "prices.toml"
    f.write_text('vcpu_hour = 0.04\ngib_hour = 0.005\ncurrency = "EUR"\n')
    assert load_prices(f) == Prices(0.04, 0.005, currency="EUR", source="prices.toml")
    f.write_text("vcpu_hour = 0.04\n")
    with pytest.raises(MlauditInputError, match="gib_hour"):
        load_prices(f)


def test_health_from_the_soak_and_defaults() -> None:
    cap = make_limited_capacity(health_path=None, health_p95_ms=None, health_max_ms=None)
    plan = make_plan(cap, target_rps=TARGET_RPS, soak=make_soak_report())
    assert plan["readiness_timeout_s"].value == 1 and "soak" in plan["readiness_timeout_s"].source
    plan = make_plan(cap, target_rps=TARGET_RPS)
    assert "not measured" in plan["liveness_timeout_s"].source


def test_refuses_a_dead_server_and_warns_of_a_failing_soak() -> None:
    from pytest_mlaudit.checks.load.capacity_report import ServerExit

    dead = make_limited_capacity(server_exit=ServerExit(-9, 512.0, 6, True))
    with pytest.raises(MlauditInputError, match="killed by its memory limit"):
        make_plan(dead, target_rps=TARGET_RPS)
    plan = make_plan(
        make_limited_capacity(), target_rps=TARGET_RPS, soak=make_soak_report(rss_slope=900.0)
    )
    assert any("soak check FAILED" in w for w in plan.warnings)


def test_from_record(tmp_path: Path) -> None:
    record = write_fixture_record(tmp_path / "mlaudit.json")
    plan = plan_from_record(record, target_rps=TARGET_RPS, headroom=HEADROOM)
    assert plan["max_replicas"].value == 13
    assert plan.evidence == {
        "capacity": "tests/test_load.py::test_capacity",
        "soak": "tests/test_soak.py::test_soak",
    }
    with pytest.raises(MlauditInputError, match="no capacity check named 'nope'"):
        plan_from_record(record, target_rps=1, capacity_check="nope")


def _written(tmp_path: Path) -> Path:
    out = tmp_path / "deploy"
    write_plan(_plan(), out, ecs=True, cloud_run=True)
    return out


def test_every_number_in_a_manifest_has_its_source(tmp_path: Path) -> None:
    out = _written(tmp_path)
    for path in [*sorted((out / "k8s").glob("*.yaml")), out / "cloudrun.yaml"]:
        for line in path.read_text().splitlines():
            if re.search(r":\s+\"?\d", line) and not line.lstrip().startswith("#"):
                assert "#" in line, f"{path.name}: a number without its source: {line!r}"
    docs = list(yaml.safe_load_all((out / "k8s" / "deployment.yaml").read_text()))
    res = docs[0]["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert res == {
        "requests": {"cpu": "650m", "memory": "234Mi"},
        "limits": {"cpu": "1000m", "memory": "512Mi"},
    }
    hpa = yaml.safe_load((out / "k8s" / "hpa.yaml").read_text())
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 13)
    ecs = json.loads((out / "ecs-task-definition.json").read_text())
    assert ecs["cpu"] == "1024" and ecs["memory"] == "512"
    assert "1000m" not in (out / "ecs-task-definition.sources.txt").read_text()
    assert "| 30% (this plan) | 13 |" in (out / "PLAN.md").read_text()


def test_manifests_pass_kubernetes_validate_strict(tmp_path: Path) -> None:
    import kubernetes_validate

    out = _written(tmp_path)
    for path in sorted((out / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    hadolint = shutil.which("hadolint") or str(
        Path(__import__("sys").executable).parent / "hadolint"
    )
    out = _written(tmp_path)
    proc = subprocess.run(
        [hadolint, "--no-color", str(out / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (out / "Dockerfile").read_text()
    assert "USER 10001" in text and "HEALTHCHECK" in text and "FROM python:3.11.11-slim" in text


def test_max_replicas_is_never_below_min_replicas() -> None:
    plan = make_plan(make_limited_capacity(), target_rps=20, headroom=0.3)
    assert plan["min_replicas"].value == plan["max_replicas"].value == 2  # ceil(26 / 50) = 1
    assert "min replicas" in plan["max_replicas"].source
    plan = make_plan(make_limited_capacity(), target_rps=500, min_replicas=4)
    assert (plan["min_replicas"].value, plan["max_replicas"].value) == (4, 13)
