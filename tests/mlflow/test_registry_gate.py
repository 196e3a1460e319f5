"""The gate comparing registered models by URI, against a real SQLite registry store."""

from __future__ import annotations

import json

import pytest

from pytest_mlaudit import check_gate
from pytest_mlaudit.checks.gate import GateReport, ModelSource
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.integrations.mlflow import registry as reg
from pytest_mlaudit.report.sections.gate import render
from tests.mlflow.conftest import FEATURES, RegistryStore

METRICS = ["accuracy", "roc_auc", "log_loss"]


@pytest.fixture(scope="module")
def store_model(registry_store: RegistryStore) -> str:
    """One registered model for the read-only tests: v1 weak @champion, v2 strong
    @challenger."""
    name = "gate-read-only"
    weak, strong = registry_store.register(name, "weak", "strong")
    c = registry_store.client()
    c.set_registered_model_alias(name, "champion", weak)
    c.set_registered_model_alias(name, "challenger", strong)
    return name


@pytest.fixture(scope="module")
def by_alias(registry_store: RegistryStore, store_model: str) -> GateReport:
    s = registry_store
    return check_gate(
        f"models:/{store_model}@challenger",
        f"models:/{store_model}@champion",
        s.X_test[FEATURES],
        s.y_test,
        metrics=METRICS,
        n_boot=500,
        tracking_uri=s.uri,
    )


def test_the_gate_compares_registered_versions_by_alias(
    by_alias: GateReport, store_model: str, registry_store: RegistryStore
) -> None:
    report = by_alias
    assert report.passed, report.summary()
    # probability metrics work: the native scikit-learn model was loaded (predict_proba)
    auc = report.metric("roc_auc")
    assert 0.75 < auc.candidate < 0.9 and 0.45 < auc.baseline < 0.56, (auc.candidate, auc.baseline)
    assert report.metric("log_loss").difference < -0.05
    cand, base = report.candidate_source, report.baseline_source
    assert cand == ModelSource(
        f"models:/{store_model}@challenger",
        name=store_model,
        version="2",
        alias="challenger",
        run_id=registry_store.run_id,
        model_id=cand.model_id,
        flavor="mlflow.sklearn",
        registry=registry_store.uri,
    )
    assert cand.model_id and cand.model_id.startswith("m-")
    assert (base.name, base.version, base.alias) == (store_model, "1", "champion")
    run = registry_store.run_id
    assert report.candidate == (
        f"LogisticRegression from {store_model} version 2 (@challenger, run {run})"
    )
    assert report.key_figures()["candidate_version"] == "2"
    assert report.key_figures()["baseline_version"] == "1"
    # a registry candidate is an artifact: the release checks ran on it
    assert report.artifact is not None and report.artifact.passed
    assert report.artifact.path == f"models:/{store_model}@challenger"
    assert report.artifact.loader == "mlflow.pyfunc.load_model (mlflow.sklearn)"


def test_sources_round_trip_and_old_records_still_load(by_alias: GateReport) -> None:
    data = json.loads(json.dumps(by_alias.to_dict()))
    assert data["candidate_source"]["version_uri"] == data["candidate_source"]["uri"].replace(
        "@challenger", "/2"
    )
    assert GateReport.from_dict(data) == by_alias
    old = {k: v for k, v in data.items() if not k.endswith("_source")}
    restored = GateReport.from_dict(old)
    assert restored.candidate_source is None and restored.passed == by_alias.passed


def test_the_report_section_names_the_versions(by_alias: GateReport, store_model: str) -> None:
    html = render({"check": "gate", "nodeid": "t", "result": by_alias.to_dict()}).to_html()
    compared = html[html.index("Models compared") : html.index("<h4>Metrics")]
    assert f"models:/{store_model}@challenger" in compared
    assert "@champion" in compared and ">2<" in compared and ">1<" in compared


def test_a_worse_registered_candidate_fails(
    registry_store: RegistryStore, store_model: str
) -> None:
    s = registry_store
    report = check_gate(
        f"models:/{store_model}/1",
        f"models:/{store_model}/latest",
        s.X_test[FEATURES],
        s.y_test,
        metrics=["roc_auc"],
        n_boot=300,
        tracking_uri=s.uri,
    )
    assert not report.passed
    assert (report.candidate_source.version, report.candidate_source.alias) == ("1", None)
    assert report.baseline_source.version == "2"  # latest
    assert report.metric("roc_auc").significantly_worse


def test_a_run_uri_loads_the_model_logged_in_that_run(registry_store: RegistryStore) -> None:
    s = registry_store
    report = check_gate(
        f"runs:/{s.run_id}/strong",
        None,
        s.X_test[FEATURES],
        s.y_test,
        metrics="roc_auc",
        floor=0.75,
        n_boot=100,
        artifact=False,
        tracking_uri=s.uri,
    )
    assert report.passed, report.summary()
    src = report.candidate_source
    assert (src.run_id, src.name, src.version) == (s.run_id, None, None)
    assert src.model_id == s.logged["strong"].removeprefix("models:/")


def test_an_unknown_candidate_alias_fails_its_artifact_check(
    registry_store: RegistryStore, store_model: str
) -> None:
    s = registry_store
    report = check_gate(
        f"models:/{store_model}@nope",
        f"models:/{store_model}@champion",
        s.X_test[FEATURES],
        s.y_test,
        n_boot=100,
        tracking_uri=s.uri,
    )
    assert not report.passed and report.metrics == ()
    assert report.artifact is not None and not report.artifact.loaded
    (problem,) = report.failures
    assert "alias nope not found" in problem and s.uri in problem
    assert report.candidate_source is None


@pytest.mark.parametrize(
    ("baseline", "message"),
    [
        ("models:/no-such-model/1", "the baseline cannot be loaded: the baseline "),
        ("models:/gate-read-only/99", "version=99"),
    ],
)
def test_an_unknown_baseline_is_bad_input(
    registry_store: RegistryStore, store_model: str, baseline: str, message: str
) -> None:
    s = registry_store
    with pytest.raises(MlauditInputError, match=message) as info:
        check_gate(
            f"models:/{store_model}@challenger",
            baseline,
            s.X_test[FEATURES],
            s.y_test,
            n_boot=100,
            tracking_uri=s.uri,
        )
    assert "Traceback" not in str(info.value) and s.uri in str(info.value)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("models:/credit-risk", "names no version or alias"),
        ("models:/credit-risk/Production", "stages such as Production are deprecated"),
        ("models:/@champion", "is not NAME@ALIAS"),
        ("runs:/abc", "needs a run id and an artifact path"),
        ("models://host/credit-risk/1", "registry host"),
    ],
)
def test_malformed_uris_are_refused(uri: str, message: str) -> None:
    with pytest.raises(MlauditInputError, match=message):
        reg.parse_model_uri(uri)
    with pytest.raises(MlauditInputError, match=message):
        check_gate(uri, None, [[0.0]], [0, 1], floor=0.5)


def test_a_store_that_cannot_be_opened_fails_the_candidate_not_the_run(tmp_path) -> None:
    (tmp_path / "file").write_text("not a folder")
    broken = f"sqlite:///{tmp_path}/file/mlflow.db"  # MLflow would create a missing folder
    report = check_gate(
        "models:/credit-risk@challenger", None, [[0.0]] * 2, [0, 1], floor=0.5, tracking_uri=broken
    )
    assert not report.passed and not report.artifact.loaded
    (problem,) = report.failures
    assert problem.startswith(
        "artifact does not load: the candidate models:/credit-risk@challenger: cannot reach the "
        f"registry {broken} ("
    ), problem


def test_a_run_uri_also_reads_a_model_saved_as_plain_run_artifacts(
    registry_store: RegistryStore, tmp_path
) -> None:
    """MLflow 2 kept models as run artifacts (no logged model): ``runs:/ID/PATH`` finds them."""
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression

    s = registry_store
    c = s.client()
    run = c.create_run(c.get_experiment_by_name("models").experiment_id)
    fitted = LogisticRegression().fit(s.X_test[FEATURES], s.y_test)
    mlflow.sklearn.save_model(fitted, tmp_path / "legacy", pip_requirements=["scikit-learn"])
    c.log_artifacts(run.info.run_id, str(tmp_path / "legacy"), "legacy_model")
    report = check_gate(
        f"runs:/{run.info.run_id}/legacy_model",
        None,
        s.X_test[FEATURES],
        s.y_test,
        metrics="log_loss",
        floor=0.6,
        n_boot=100,
        tracking_uri=s.uri,
    )
    assert report.passed and report.metric("log_loss").candidate < 0.6, report.summary()
    src = report.candidate_source
    assert (src.run_id, src.model_id, src.flavor) == (run.info.run_id, None, "mlflow.sklearn")
