"""``--mlaudit-mlflow`` as a user runs it: one MLflow run per audit, read back with
MlflowClient from a real SQLite tracking store in the test's folder."""

from __future__ import annotations

import json
import math
import socket
import time
from pathlib import Path
from typing import Any

import mlflow
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlflow import MlflowClient

from pytest_mlaudit.integrations.mlflow.tracking import (
    audit_metrics,
    log_audit,
    metric_names,
    model_versions,
)
from pytest_mlaudit.record import read_record
from tests.history.records import drift_entry, gate_entry, record
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
        "--mlaudit-report=reports",
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
    rec = read_record(pytester.path / "reports" / "audit.json")
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
    # the record is an artifact, the same document as audit.json, and so is the report
    c = MlflowClient(uri)
    assert [a.path for a in c.list_artifacts(run.info.run_id)] == ["audit.json", "report"]
    report = sorted(a.path for a in c.list_artifacts(run.info.run_id, "report"))
    assert report == ["report/audit.html", "report/audit.ipynb"]
    html = c.download_artifacts(run.info.run_id, "report/audit.html", str(pytester.path / "dl"))
    assert Path(html).read_bytes() == (pytester.path / "reports" / "audit.html").read_bytes()
    local = c.download_artifacts(run.info.run_id, "audit.json", str(pytester.path / "dl"))
    assert json.loads(Path(local).read_text()) == rec.to_dict()
    # a second run is a second MLflow run
    again = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--mlaudit-mlflow={uri}")
    again.assert_outcomes(passed=1, failed=1)
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


def test_a_store_that_cannot_be_used_changes_no_verdict_and_says_so_in_one_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    (pytester.path / "not-a-folder").write_text("a file")
    uri = f"sqlite:///{pytester.path}/not-a-folder/mlflow.db"
    base = ("-p", "no:cacheprovider", "--mlaudit-json=audit.json", "--mlaudit-history=none")
    plain = pytester.runpytest_subprocess(*base)
    broken = pytester.runpytest_subprocess(*base, f"--mlaudit-mlflow={uri}")
    broken.assert_outcomes(passed=1, failed=1)
    assert broken.ret == plain.ret == 1
    lines = [ln for ln in broken.outlines if "MLflow" in ln]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"mlaudit: the audit was NOT logged to MLflow {uri}: ")
    assert lines[0].endswith(f"; log it later: mlaudit history add audit.json --tracking-uri {uri}")
    assert "Traceback" not in broken.stdout.str() + broken.stderr.str()
    assert (pytester.path / "audit.json").is_file()  # the record is kept all the same


def test_a_tracking_server_that_is_down_does_not_stall_the_run(pytester: pytest.Pytester) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pytester.makepyfile(test_audit=TESTS)
    started = time.monotonic()
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--mlaudit-mlflow=http://127.0.0.1:{port}"
    )
    took = time.monotonic() - started
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == 1
    (line,) = [ln for ln in result.outlines if "MLflow" in ln]
    assert line.startswith(f"mlaudit: the audit was NOT logged to MLflow http://127.0.0.1:{port}")
    assert took < 60, f"the run took {took:.0f}s against a server that is down"


@pytest.fixture
def two_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A store with a registered model ``credit-risk``: versions 1 and 2, each an MLflow 3
    logged model (no artifacts needed to be linked). Its URI and the model's name."""
    uri = f"sqlite:///{tmp_path}/registry.db"
    # MLflow's registry finds a version's logged model through the default tracking URI
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    c = MlflowClient(tracking_uri=uri, registry_uri=uri)
    exp = c.create_experiment("models", artifact_location=str(tmp_path / "art"))
    c.create_registered_model("credit-risk")
    for which in ("weak", "strong"):
        model = c.create_logged_model(exp, name=which)
        c.create_model_version("credit-risk", f"models:/{model.model_id}", model_id=model.model_id)
    return uri, "credit-risk"


def test_log_audit_links_the_audited_model_versions(
    two_versions: tuple[str, str], tmp_path: Path
) -> None:
    """A gate on registry URIs: the versions it compared are tags, and their MLflow 3
    logged models are inputs of the audit run; the HTML report goes under report/."""
    uri, registered = two_versions
    c = MlflowClient(tracking_uri=uri, registry_uri=uri)
    # the SQLite registry keeps a version's logged model as its source, models:/m-...
    strong, weak = (c.get_model_version(registered, v).source[8:] for v in ("2", "1"))
    entry = gate_entry(metric="roc_auc", candidate=0.81, baseline=0.52, floor=0.7)
    entry["result"]["candidate_source"] = {
        "uri": f"models:/{registered}@challenger",
        "name": registered,
        "version": "2",
        "alias": "challenger",
        "model_id": strong,  # the gate knew it
    }
    entry["result"]["baseline_source"] = {
        "uri": f"models:/{registered}@champion",
        "name": registered,
        "version": "1",
        "alias": "champion",  # no model_id: found through the registry
    }
    rec = record("2025-03-02T06:00:00+00:00", [entry])
    assert model_versions(rec) == {registered: "2,1"}
    html = tmp_path / "audit.html"
    html.write_text("<html>report</html>")
    logged = log_audit(rec, tracking_uri=uri, experiment="gate-audits", artifacts=[html])
    run = c.get_run(logged.run_id)
    tags = run.data.tags
    assert tags[f"mlaudit.model_version.{registered}"] == "2,1"
    assert tags["mlaudit.check.test_production_performance.candidate"] == (
        f"models:/{registered}/2"
    )
    assert tags["mlaudit.check.test_production_performance.baseline"] == (f"models:/{registered}/1")
    assert tags["mlaudit.verdict"] == "passed"
    linked = [m.model_id for m in run.inputs.model_inputs]
    assert sorted(linked) == sorted([strong, weak]) and strong.startswith("m-")
    assert run.data.metrics["test_production_performance.roc_auc.candidate"] == 0.81
    assert run.data.metrics["test_production_performance.roc_auc.diff"] == pytest.approx(0.29)
    paths = sorted(a.path for a in c.list_artifacts(logged.run_id, "report"))
    assert paths == ["report/audit.html"]
    # the run's time is the record's, so the MLflow UI orders audits as they happened
    assert run.info.end_time == 1740895200000
    # a new experiment of a local store keeps its artifacts beside the database
    exp = c.get_experiment(logged.experiment_id)
    assert (
        Path(exp.artifact_location.removeprefix("file://")) == tmp_path / "mlruns" / "gate-audits"
    )


def test_metric_names_are_valid_unique_and_skip_what_is_not_finite() -> None:
    a = drift_entry("tests/a.py::test_x[income-0.2]", psi={"income": float("nan")})
    b = drift_entry("tests/b.py::test_x[income-0.2]", psi={"inc/ome": 0.3})
    rec = record("2025-03-01T06:00:00+00:00", [a, b])
    names = metric_names(rec.checks)
    assert names == ["tests/a.py__test_x_income-0.2_", "tests/b.py__test_x_income-0.2_"]
    metrics = audit_metrics(rec)
    assert all(math.isfinite(v) for v in metrics.values())
    assert f"{names[0]}.income.psi" not in metrics  # NaN is left out, not logged as 0
    assert metrics[f"{names[1]}.inc/ome.psi"] == 0.3
    from mlflow.utils.validation import _validate_metric_name

    for key in metrics:
        _validate_metric_name(key)
        assert len(key) <= 250


def test_a_real_gate_on_registry_uris_links_the_versions_it_compared(
    registry_store: Any, registered: str, tmp_path: Path
) -> None:
    """check_gate on ``models:/NAME@challenger`` vs ``@champion``: the audit run names the
    versions the aliases resolved to and links both logged models."""
    from pytest_mlaudit import check_gate
    from pytest_mlaudit.record import CheckEntry, build_record
    from tests.mlflow.conftest import FEATURES

    s = registry_store
    report = check_gate(
        f"models:/{registered}@challenger",
        f"models:/{registered}@champion",
        s.X_test[FEATURES],
        s.y_test,
        metrics=["accuracy", "roc_auc"],
        n_boot=200,
        tracking_uri=s.uri,
    )
    entry = CheckEntry.from_report("gate", report, nodeid="tests/test_gate.py::test_challenger")
    rec = build_record([entry])
    assert model_versions(rec) == {registered: "2,1"}
    logged = log_audit(rec, tracking_uri=s.uri, experiment="gate-e2e")
    run = s.client().get_run(logged.run_id)
    assert run.data.tags[f"mlaudit.model_version.{registered}"] == "2,1"
    assert run.data.tags["mlaudit.check.test_challenger.candidate"] == f"models:/{registered}/2"
    assert run.data.tags["mlaudit.check.test_challenger.verdict"] == "passed"
    ids = {report.candidate_source.model_id, report.baseline_source.model_id}
    assert None not in ids and {m.model_id for m in run.inputs.model_inputs} == ids
    auc = report.metric("roc_auc")
    assert run.data.metrics["test_challenger.roc_auc.candidate"] == pytest.approx(auc.candidate)
    assert run.data.metrics["test_challenger.roc_auc.baseline"] == pytest.approx(auc.baseline)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("a/. :[]#-_é\t"), max_size=600) | st.text(max_size=300))
def test_any_name_becomes_a_key_mlflow_accepts(text: str) -> None:
    from mlflow.utils.validation import _validate_metric_name, _validate_tag_name

    from pytest_mlaudit.integrations.mlflow.tracking import _key

    key = _key(text)
    assert 1 <= len(key) <= 250
    _validate_metric_name(key)
    _validate_tag_name(key)
    assert key == _key(key)  # already a key: unchanged


def test_an_alert_links_the_mlflow_run_of_its_audit(pytester: pytest.Pytester) -> None:
    from tests.alerts.receiver import receiver

    pytester.makepyfile(test_audit=TESTS)
    uri = f"sqlite:///{pytester.path}/mlruns.db"
    with receiver() as rec:
        result = pytester.runpytest_subprocess(
            "-p",
            "no:cacheprovider",
            "--mlaudit-json=audit.json",
            f"--mlaudit-mlflow={uri}",
            f"--mlaudit-alert-webhook={rec.url}",
        )
    result.assert_outcomes(passed=1, failed=1)
    (run,) = _runs(uri, "mlaudit")
    (message,) = rec.bodies  # test_shifted fires on the first run
    link = f"runs:/{run.info.run_id}"
    assert message["mlaudit"]["report"] == {"record": "audit.json", "html": None, "mlflow": link}
    assert message["text"].splitlines()[-1] == f"report: audit.json, MLflow run {link}"


def test_the_link_of_a_run_on_a_tracking_server_is_its_page() -> None:
    from pytest_mlaudit.integrations.mlflow.tracking import LoggedAudit

    on_server = LoggedAudit("abc", "7", "https://mlflow.example/", {}, {}, [])
    assert on_server.link == "https://mlflow.example/#/experiments/7/runs/abc"
    assert LoggedAudit("abc", "7", "sqlite:///m.db", {}, {}, []).link == "runs:/abc"
