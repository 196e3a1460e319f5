"""``mlaudit deploy-plan RECORD.json --target-rps 500 --headroom 0.3 -o deploy/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_mlaudit.cli import main
from tests.checks.load.deploy_fixtures import write_fixture_record


def test_writes_the_plan_and_prints_the_cost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = write_fixture_record(tmp_path / "mlaudit.json")
    out = tmp_path / "deploy"
    status = main(
        [
            "deploy-plan",
            str(record),
            "--target-rps",
            "500",
            "--headroom",
            "0.3",
            "-o",
            str(out),
            "--vcpu-hour",
            "0.04",
            "--gib-hour",
            "0.005",
            "--ecs",
            "--cloud-run",
        ]
    )
    text = capsys.readouterr().out
    assert status == 0
    assert "2..13 replicas of 0.65 CPU / 234 MiB (knee 50 rps per replica)" in text
    assert "HPA target CPU 73%" in text
    assert "cost at the peak: 0.3529 USD/hour, 0.1960 USD per million predictions" in text
    for name in (
        "Dockerfile",
        "k8s/deployment.yaml",
        "k8s/hpa.yaml",
        "k8s/pdb.yaml",
        "cloudrun.yaml",
        "ecs-task-definition.json",
        "PLAN.md",
    ):
        assert (out / name).is_file(), name
        assert f"wrote {out / name}" in text


def test_prices_from_a_file_and_no_cost_without_prices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = write_fixture_record(tmp_path / "mlaudit.json", with_soak=False)
    prices = tmp_path / "prices.toml"
    prices.write_text('vcpu_hour = 0.04\ngib_hour = 0.005\ncurrency = "EUR"\n')
    args = ["deploy-plan", str(record), "--target-rps", "500", "-o", str(tmp_path / "d")]
    assert main([*args, "--prices", str(prices)]) == 0
    assert "0.3529 EUR/hour" in capsys.readouterr().out
    assert main(args) == 0
    assert "cost at the peak" not in capsys.readouterr().out


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = write_fixture_record(tmp_path / "mlaudit.json")
    base = ["deploy-plan", str(record), "-o", str(tmp_path / "d")]
    assert main(base) == 2  # --target-rps is required
    assert main([*base, "--target-rps", "500", "--vcpu-hour", "0.04"]) == 2
    assert "--gib-hour" in capsys.readouterr().err
    assert main([*base, "--target-rps", "0"]) == 2
    assert "target_rps" in capsys.readouterr().err
