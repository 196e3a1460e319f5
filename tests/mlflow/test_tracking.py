"""``--mlaudit-mlflow`` as a user runs it: one MLflow run per audit, read back with
MlflowClient from a real SQLite tracking store in the test's folder."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

from pytest_mlaudit.record import read_record
from tests.history.test_history_plugin import TESTS  # test_same passes, test_shifted drifts
from tests.mlflow._tracking_helpers import warm_mlflow


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    warm_mlflow(tmp_path_factory.mktemp("warm"))



def _runs(uri: str, experiment: str) -> list[mlflow.entities.Run]:
    c = MlflowClient(uri)
    exp = c.get_experiment_by_name(experiment)
    assert exp is not None, f"no experiment {experiment!r} at {uri}"
    return list(c.search_runs([exp.experiment_id]))


def test_a_run_is_logged_with_metrics_tags_and_the_record(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    uri = f"sqlite:///{pytester.path}/mlruns.db"
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--mlaudit-json=audit.json",
        "--mlaudit-history=none",
        f"--mlaudit-mlflow={uri}",
        "--mlaudit-mlflow-experiment=credit-risk-audit",
    )
    result.assert_outcomes(passed=1, failed=1)
    (run,) = _runs(uri, "credit-risk-audit")
    result.stdout.fnmatch_lines(
        [f"mlaudit: audit logged to MLflow run {run.info.run_id} (experiment 'credit-risk-audit'*"]
    )
    tags, metrics = run.data.tags, run.data.metrics
    assert tags["mlaudit.kind"] == "audit" and tags["mlaudit.verdict"] == "failed"
    assert tags["mlaudit.check.test_same.verdict"] == "passed"
    assert tags["mlaudit.check.test_shifted.verdict"] == "failed"
    assert tags["mlaudit.check.test_shifted.kind"] == "drift"
    assert run.info.status == "FINISHED"
    # the numbers are the record's: each key figure and each per-column measure
    rec = read_record(pytester.path / "audit.json")
    shifted = next(c for c in rec.checks if c.nodeid.endswith("test_shifted"))
    psi = next(m for m in shifted.measures if m.name == "psi" and m.subject == "x")
    assert psi.statistic > 0.2
    assert metrics["test_shifted.x.psi"] == pytest.approx(psi.statistic)
    assert metrics["test_shifted.drifted_share"] == 1.0
    assert metrics["test_same.drifted_share"] == 0.0
    assert (metrics["mlaudit.checks"], metrics["mlaudit.passed"], metrics["mlaudit.failed"]) == (
        2.0,
        1.0,
        1.0,
    )
    # the record is an artifact, the same document as audit.json
    c = MlflowClient(uri)
    assert [a.path for a in c.list_artifacts(run.info.run_id)] == ["audit.json"]
    local = c.download_artifacts(run.info.run_id, "audit.json", str(pytester.path / "dl"))
    assert json.loads(Path(local).read_text()) == rec.to_dict()
    # a second run is a second MLflow run
    pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--mlaudit-mlflow={uri}").assert_outcomes(
        passed=1, failed=1
    )
    assert len(_runs(uri, "mlaudit")) == 1  # the default experiment


def test_ini_key_logs_to_mlflows_default_store_in_the_working_folder(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(pytester.path)
    pytester.makeini("[pytest]\nmlaudit_mlflow = true\nmlaudit_mlflow_experiment = nightly\n")
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    assert (pytester.path / "mlflow.db").is_file()  # MLflow's own default: sqlite:///mlflow.db
    (run,) = _runs(f"sqlite:///{pytester.path}/mlflow.db", "nightly")
    assert run.data.metrics["mlaudit.failed"] == 1.0
    assert "mlaudit: audit logged to MLflow run" in result.stdout.str()
