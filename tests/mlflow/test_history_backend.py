"""The audit history read from MLflow: the same rows and the same retrain decision as the
SQLite store gives for the same records; events shared between runners; a production
metric another job logs to MLflow as a retrain trigger. Real SQLite MLflow stores in
the test's folder, no mocks."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlflow import MlflowClient

from pytest_mlaudit.cli import main
from pytest_mlaudit.history import HistoryError, HistoryStore
from pytest_mlaudit.integrations.mlflow.history import MlflowHistory
from pytest_mlaudit.integrations.mlflow.tracking import log_audit
from pytest_mlaudit.record import AuditRecord
from pytest_mlaudit.retrain import EXIT_RETRAIN, EXIT_USAGE, should_retrain
from tests.history.records import drift_entry, gate_entry, record
from tests.mlflow._tracking_helpers import warm_mlflow


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    warm_mlflow(tmp_path_factory.mktemp("warm"))


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test in its own folder: MLflow's default store and the caches land there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLAUDIT_HISTORY_BACKEND", raising=False)
    monkeypatch.setenv("MLAUDIT_MLFLOW_CACHE", str(tmp_path / "cache-runner-1"))


def day(d: int, hour: int = 6) -> str:
    return f"2025-03-{d:02d}T{hour:02d}:00:00+00:00"


def week(d: int) -> AuditRecord:
    """Day ``d``'s audit: income's PSI grows and its drift fails from day 3; the
    production gate's accuracy falls 0.01 a day from 0.90."""
    psi = {"income": 0.05 * d, "age": 0.01}
    drift = drift_entry(psi=psi, failed_columns=["income"] if d >= 3 else [])
    gate = gate_entry(metric="accuracy", candidate=round(0.91 - 0.01 * d, 2), floor=0.8)
    return record(day(d), [drift, gate], tag=str(d))


POLICY = {
    "drift": {"runs": 2},
    "psi": {"features": ["income"], "threshold": 0.18, "runs": 2},
    "metric": [{"metric": "accuracy", "min": 0.87, "max_drop": 0.02, "runs": 2}],
    "min_days_between": 2,
}


def _both(tmp_path: Path, days: range) -> tuple[HistoryStore, str]:
    """The same records appended to an SQLite store and logged to MLflow, in order."""
    sqlite = HistoryStore(tmp_path / "history.sqlite")
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    for d in days:
        sqlite.append(week(d))
        log_audit(week(d), tracking_uri=uri, experiment="credit-risk")
    return sqlite, uri


def test_mlflow_gives_the_rows_and_the_decisions_of_sqlite(tmp_path: Path) -> None:
    sqlite, uri = _both(tmp_path, range(1, 8))
    mlflow = MlflowHistory(uri, experiment="credit-risk")
    assert mlflow.count_runs() == sqlite.count_runs() == 7
    # the same rows, but for where each run came from
    strip = [dataclasses.replace(r, source=None) for r in mlflow.runs()]
    assert strip == [dataclasses.replace(r, source=None) for r in sqlite.runs()]
    assert all(r.source and r.source.startswith("mlflow:") for r in mlflow.runs())
    assert mlflow.checks() == sqlite.checks() and mlflow.tests() == sqlite.tests()
    assert mlflow.measures() == sqlite.measures()
    assert mlflow.record(3) == sqlite.record(3) == week(3).to_dict()
    # the events: a retrain and a promotion, marked in each store
    for store in (sqlite, mlflow):
        store.add_event("promotion", at=day(2, 12), model="v7", run_id=2)
        store.add_event("retrain", at=day(5, 0), note="weekly")
    assert mlflow.events() == sqlite.events()
    assert mlflow.events("promotion")[0].run_id == 2
    decisions = []
    for now in (day(2, 23), day(3, 23), day(4, 23), day(5, 23), day(6, 23), day(7, 23)):
        a, b = should_retrain(sqlite, POLICY, now=now), should_retrain(mlflow, POLICY, now=now)
        assert a.to_dict() == b.to_dict(), now
        decisions.append((a.retrain, [f.rule for f in a.triggers if f.fired]))
    # the sequence says something: no evidence, then persistent drift; after the retrain
    # of day 5 one run is too few, then every rule fires but min_days_between blocks it
    # (1.96 days), and a day later it retrains
    every = ["drift", "psi", "metric:accuracy", "metric:accuracy:drop"]
    assert decisions == [
        (False, []),
        (False, []),
        (True, ["drift"]),
        (False, []),
        (False, every),
        (True, every),
    ], decisions


def test_a_second_runner_shares_the_history_and_its_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Runner 1 logs the audits and marks the retrain; runner 2, with a cache of its own,
    sees all of it through MLflow: the CLI as a scheduled job runs it."""
    _, uri = _both(tmp_path, range(1, 5))
    (tmp_path / "retrain_policy.toml").write_text(
        '[drift]\nruns = 2\n\n[history]\nbackend = "mlflow"\nexperiment = "credit-risk"\n'
        f'tracking_uri = "{uri}"\n'
    )
    assert main(["retrain-check", "--now", day(4, 23)]) == EXIT_RETRAIN
    out = capsys.readouterr().out
    assert out.startswith("RETRAIN") and "runs #4, #3" in out
    # runner 1 marks the retrain in MLflow; the CLI finds MLflow through the policy
    assert main(["history", "mark", "retrain", "--at", day(4, 12), "--note", "weekly"]) == 0
    assert "recorded retrain" in capsys.readouterr().out
    monkeypatch.setenv("MLAUDIT_MLFLOW_CACHE", str(tmp_path / "cache-runner-2"))
    assert main(["retrain-check", "--now", day(4, 23), "--json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["last_retrain"] == day(4, 12) and decision["runs_considered"] == 0
    assert (tmp_path / "cache-runner-2").is_dir()
    # `mlaudit history` reads the same history, explicitly too
    args = ["history", "runs", "--json", "--tracking-uri", uri, "--mlflow-experiment"]
    assert main([*args, "credit-risk"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in runs] == [4, 3, 2, 1]
    assert [r["created_at"] for r in runs] == [day(4), day(3), day(2), day(1)]
    # and `--db` still means the SQLite store, whatever the policy says
    assert main(["history", "runs", "--json", "--db", str(tmp_path / "history.sqlite")]) == 0
    sources = [r["source"] for r in json.loads(capsys.readouterr().out)]
    assert len(sources) == 4 and not any(str(s).startswith("mlflow:") for s in sources)


def test_history_add_logs_a_saved_record_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    saved = tmp_path / "audit.json"
    saved.write_text(json.dumps(week(3).to_dict()))
    args = ["history", "add", str(saved), "--tracking-uri", uri]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == f"{saved}: appended as run #1"
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == f"{saved}: already stored as run #1"
    c = MlflowClient(uri)
    (run,) = c.search_runs([c.get_experiment_by_name("mlaudit").experiment_id])
    assert run.data.tags["mlaudit.verdict"] == "failed"


def test_a_run_deleted_in_mlflow_leaves_the_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, uri = _both(tmp_path, range(1, 4))
    history = MlflowHistory(uri, experiment="credit-risk")
    assert history.count_runs() == 3 and history.sync() == 0  # nothing new to read
    c = MlflowClient(uri)
    (newest,) = [r for r in history.runs() if r.id == 3]
    assert newest.source is not None
    c.delete_run(newest.source.removeprefix("mlflow:"))
    again = MlflowHistory(uri, experiment="credit-risk")
    assert [r.created_at for r in again.runs()] == [day(2), day(1)]
    # a new audit is read on its own; a run tagged as an audit without its record (cut
    # short) is skipped and said, not a broken history
    log_audit(week(5), tracking_uri=uri, experiment="credit-risk")
    exp = c.get_experiment_by_name("credit-risk").experiment_id
    bare = c.create_run(exp, tags={"mlaudit.kind": "audit"})
    c.set_terminated(bare.info.run_id)
    assert again.sync() == 1 and again.count_runs() == 3
    assert [run_id for run_id, _ in again.skipped] == [bare.info.run_id]
    assert (
        main(["history", "runs", "--tracking-uri", uri, "--mlflow-experiment", "credit-risk"]) == 0
    )
    err = capsys.readouterr().err
    assert err == (
        f"mlaudit: 1 MLflow audit run(s) without a readable record left out: {bare.info.run_id}\n"
    )


def test_an_experiment_that_does_not_exist_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    with pytest.raises(HistoryError, match="no MLflow experiment 'nope' at sqlite"):
        MlflowHistory(uri, experiment="nope")
    (tmp_path / "retrain_policy.toml").write_text("[drift]\nruns = 2\n")
    code = main(["retrain-check", "--tracking-uri", uri, "--mlflow-experiment", "nope"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("mlaudit: error: no MLflow experiment 'nope'") and err.count("\n") == 1
    assert main(["history", "--db", "x.sqlite", "--mlflow"]) == 2
    assert "not both" in capsys.readouterr().err


# --------------------------------------------------------------------------- a production metric


def _production_job(uri: str, values: list[float], *, start_day: int = 1) -> None:
    """Another job: one MLflow run a day with the accuracy measured on labelled traffic."""
    c = MlflowClient(uri)
    exp = c.create_experiment("credit-risk-production", artifact_location=f"{uri[10:]}.art")
    for i, value in enumerate(values):
        started = int(1740808800000 + (start_day - 1 + i) * 86_400_000)  # day N, 06:00 UTC
        run = c.create_run(exp, start_time=started, tags={"model": "credit-risk"})
        c.log_metric(run.info.run_id, "accuracy", value, timestamp=started)
        c.log_metric(run.info.run_id, "n_labelled", 1200, timestamp=started)
        c.set_terminated(run.info.run_id, end_time=started + 1000)
    other = c.create_run(exp, start_time=1740808800000, tags={"model": "fraud"})
    c.log_metric(other.info.run_id, "accuracy", 0.2)  # another model's run: filtered out


def test_a_production_metric_logged_by_another_job_drives_the_retrain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, uri = _both(tmp_path, range(1, 3))  # the audits pass: no drift before day 3
    _production_job(uri, [0.86, 0.84, 0.79, 0.77])
    rule = {
        "experiment": "credit-risk-production",
        "metric": "accuracy",
        "min": 0.8,
        "runs": 2,
        "filter": "tags.model = 'credit-risk'",
    }
    policy = {"drift": {"runs": 2}, "mlflow_metric": [rule]}
    history = MlflowHistory(uri, experiment="credit-risk")
    early = should_retrain(history, policy, now=day(3, 12))
    assert not early.retrain
    (finding,) = [f for f in early.triggers if f.rule.startswith("mlflow:")]
    assert "not below the floor 0.8 in all of the last 2 run(s): 0.79 was below but 0.84" in (
        finding.detail
    )
    late = should_retrain(history, policy, now=day(4, 12))
    assert late.retrain and late.exit_code == EXIT_RETRAIN
    (finding,) = [f for f in late.triggers if f.fired]
    assert finding.rule == "mlflow:credit-risk-production/accuracy"
    assert finding.detail.startswith(
        "accuracy of MLflow experiment 'credit-risk-production' below the floor 0.8 in each "
        "of the last 2 run(s) (0.77, 0.79) (MLflow runs "
    )
    # since a retrain, the old model's bad days no longer count
    history.add_event("retrain", at=day(4, 8))
    assert not should_retrain(history, policy, now=day(4, 12)).retrain
    # from the command line, the policy's tracking URI is the history's; a typo is exit 2
    (tmp_path / "retrain_policy.toml").write_text(
        '[history]\nbackend = "mlflow"\nexperiment = "credit-risk"\n'
        f'tracking_uri = "{uri}"\n\n[[mlflow_metric]]\nexperiment = "credit-risk-production"\n'
        'metric = "acuracy"\nmin = 0.8\n'
    )
    assert main(["retrain-check", "--now", day(3, 12)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "[[mlflow_metric]] #1 metric: no run of 'credit-risk-production' logged 'acuracy'" in err
    assert "closest: 'accuracy'" in err


# --------------------------------------------------------------------------- the policy's keys


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({"mlflow_metric": [{"metric": "accuracy", "min": 0.8}]}, "name the MLflow experiment"),
        (
            {"mlflow_metric": [{"experiment": "p", "metric": "accuracy"}]},
            r"\(accuracy\): set min, max or both",
        ),
        (
            {"mlflow_metric": [{"experiment": "p", "metric": "a", "min": 1, "step": 2}]},
            r"unknown key\(s\) 'step'; known: experiment, metric",
        ),
        ({"drift": {}, "history": {"backend": "s3"}}, "backend must be one of sqlite, mlflow"),
        ({"drift": {}, "history": {"backend": "mlflow", "experiment": ""}}, "non-empty string"),
        ({"drift": {}, "mlflow_metric": 3}, r"\[\[mlflow_metric\]\] must be an array"),
    ],
)
def test_bad_mlflow_keys_say_what_to_fix(table: dict[str, object], match: str) -> None:
    from pytest_mlaudit.errors import MlauditInputError
    from pytest_mlaudit.retrain import RetrainPolicy

    with pytest.raises(MlauditInputError, match=match):
        RetrainPolicy.from_mapping(table)


def test_the_history_table_is_read_from_pyproject_without_the_rules(tmp_path: Path) -> None:
    from pytest_mlaudit.retrain import HistorySettings, history_settings, load_policy

    assert history_settings(cwd=tmp_path) is None
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mlaudit.retrain.history]\nbackend = 'mlflow'\nexperiment = 'credit-risk'\n"
    )
    # `mlaudit history` needs only where the history is, even without a rule yet
    assert history_settings(cwd=tmp_path) == HistorySettings("mlflow", None, "credit-risk")
    from pytest_mlaudit.errors import MlauditInputError

    with pytest.raises(MlauditInputError, match="no rule that can ask for a retrain"):
        load_policy(cwd=tmp_path)
    # a policy of [[mlflow_metric]] rules alone can ask for a retrain
    (tmp_path / "pyproject.toml").write_text(
        "[[tool.mlaudit.retrain.mlflow_metric]]\nexperiment = 'prod'\nmetric = 'accuracy'\n"
        "min = 0.8\nruns = 3\n"
    )
    (rule,) = load_policy(cwd=tmp_path).mlflow_metrics
    assert (rule.experiment, rule.metric, rule.min, rule.max, rule.runs) == (
        "prod",
        "accuracy",
        0.8,
        None,
        3,
    )
    assert rule.label == "mlflow:prod/accuracy"


# --------------------------------------------------------------------------- any sequence

_DAY = st.tuples(
    st.booleans(),  # the drift check failed
    st.floats(0.0, 0.5, allow_nan=False),  # income's PSI
    st.floats(0.6, 0.95, allow_nan=False),  # the production gate's accuracy
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.lists(_DAY, min_size=1, max_size=7),
    retrain=st.none() | st.integers(1, 7),
    promotion=st.none() | st.integers(1, 7),
)
def test_any_sequence_gives_the_same_decisions_from_both_backends(
    mlflow_store: str,
    days: list[tuple[bool, float, float]],
    retrain: int | None,
    promotion: int | None,
) -> None:
    import tempfile
    import uuid

    experiment = f"seq-{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = HistoryStore(Path(tmp) / "history.sqlite")
        for d, (failed, psi, acc) in enumerate(days, start=1):
            drift = drift_entry(psi={"income": psi}, failed_columns=["income"] if failed else [])
            rec = record(day(d), [drift, gate_entry(candidate=round(acc, 3), floor=0.8)])
            sqlite.append(rec)
            log_audit(rec, tracking_uri=mlflow_store, experiment=experiment)
        mlflow = MlflowHistory(mlflow_store, experiment=experiment, cache=Path(tmp) / "c.sqlite")
        for store in (sqlite, mlflow):
            if promotion is not None and promotion <= len(days):
                store.add_event("promotion", at=day(promotion, 12), run_id=promotion)
            if retrain is not None:
                store.add_event("retrain", at=day(retrain, 12))
        for d in range(1, len(days) + 2):
            now = day(d, 23)
            a, b = should_retrain(sqlite, POLICY, now=now), should_retrain(mlflow, POLICY, now=now)
            assert a.to_dict() == b.to_dict(), now


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One MLflow store for the property test (its schema is created once)."""
    return f"sqlite:///{tmp_path_factory.mktemp('seq')}/mlflow.db"
