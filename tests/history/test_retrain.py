"""Retrain decisions: the policy, each rule, the blocker, and ``mlaudit retrain-check``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_mlaudit.cli import main
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.history import HistoryStore
from pytest_mlaudit.retrain import (
    EXIT_RETRAIN,
    RetrainPolicy,
    load_policy,
    should_retrain,
)
from tests.history.records import drift_entry, gate_entry, record


def day(d: int, hour: int = 6) -> str:
    return f"2025-03-{d:02d}T{hour:02d}:00:00+00:00"


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history.sqlite")


def add_drift(store: HistoryStore, d: int, *, failed: bool, psi: float = 0.05) -> int:
    entry = drift_entry(
        psi={"income": psi, "age": 0.01}, failed_columns=["income"] if failed else []
    )
    return store.append(record(day(d), [entry], tag=str(d))).run_id


# --------------------------------------------------------------------------- the policy


def test_policy_from_a_file_pyproject_and_mapping(tmp_path: Path) -> None:
    (tmp_path / "retrain_policy.toml").write_text(
        "min_days_between = 7\n[drift]\nruns = 2\n[psi]\nfeatures = ['income']\nthreshold = 0.25\n"
        "[[metric]]\nmetric = 'roc_auc'\nmin = 0.7\nmax_drop = 0.03\n"
    )
    policy = load_policy(cwd=tmp_path)
    assert policy.min_days_between == 7 and policy.drift is not None and policy.drift.runs == 2
    assert policy.psi is not None and policy.psi.threshold == 0.25 and policy.psi.runs == 1
    (m,) = policy.metrics
    assert (m.metric, m.check, m.min, m.max_drop, m.higher_is_better) == (
        "roc_auc",
        "gate",
        0.7,
        0.03,
        True,
    )
    # pyproject.toml wins when it has the table
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mlaudit.retrain]\n[tool.mlaudit.retrain.drift]\n"
    )
    assert load_policy(cwd=tmp_path).drift.runs == 3  # type: ignore[union-attr]
    assert "pyproject.toml" in load_policy(cwd=tmp_path).source
    # a pyproject without it falls through to the file
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert load_policy(cwd=tmp_path).min_days_between == 7
    nested = tmp_path / "p.toml"
    nested.write_text("[retrain]\nmax_days_between = 90\n")
    assert load_policy(nested).max_days_between == 90


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (
            {"drift": {"runs": 2}, "min_days": 7},
            r"unknown key\(s\) 'min_days'; known: min_days_between",
        ),
        ({"min_days_between": 7}, "no rule that can ask for a retrain"),
        ({"drift": {"runs": 0}}, r"runs must be an integer >= 1"),
        ({"drift": {"tests": "a"}, "psi": {"threshold": 0.1}}, "features must name at least one"),
        ({"psi": {"features": ["x"], "threshold": -1}}, "threshold must be > 0"),
        ({"metric": [{"metric": "auc", "figure": "x", "min": 1}]}, "exactly one of metric"),
        ({"metric": [{"metric": "accuracy"}]}, "set min, max or max_drop"),
        ({"metric": [{"figure": "cost", "max_drop": 1.0}]}, "max_drop needs the direction"),
        ({"metric": [{"metric": "accuracy", "min": "high"}]}, "min must be a finite number"),
        ({"drift": 3}, r"\[drift\] must be a table"),
        ({"drift": {}, "min_days_between": -1}, "min_days_between must be >= 0"),
    ],
)
def test_bad_policies_say_what_to_fix(table: dict[str, object], match: str) -> None:
    with pytest.raises(MlauditInputError, match=match):
        RetrainPolicy.from_mapping(table)


def test_missing_and_broken_policy_files(tmp_path: Path) -> None:
    with pytest.raises(
        MlauditInputError, match=r"no retrain policy: add a \[tool.mlaudit.retrain\]"
    ):
        load_policy(cwd=tmp_path)
    with pytest.raises(MlauditInputError, match="no retrain policy file at"):
        load_policy(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[drift\n")
    with pytest.raises(MlauditInputError, match="is not valid TOML"):
        load_policy(bad)


# --------------------------------------------------------------------------- the rules


def test_drift_must_persist_for_k_runs(store: HistoryStore) -> None:
    policy = {"drift": {"runs": 3}}
    add_drift(store, 1, failed=True)
    add_drift(store, 2, failed=False)
    add_drift(store, 3, failed=True)
    add_drift(store, 4, failed=True)
    decision = should_retrain(store, policy, now=day(4, 12))
    assert not decision.retrain and "1 of the last 3 run(s) passed" in decision.reasons[0]
    add_drift(store, 5, failed=True)
    decision = should_retrain(store, policy, now=day(5, 12))
    assert decision.retrain and decision.exit_code == EXIT_RETRAIN
    assert "each of the last 3 run(s)" in decision.reasons[0]
    assert "drifted: income" in decision.reasons[0]
    assert decision.triggers[0].runs == (5, 4, 3)
    # replaying the past: as of day 4 the same store says no
    assert not should_retrain(store, policy, now=day(4, 12)).retrain


def test_evidence_counts_only_since_the_last_retrain(store: HistoryStore) -> None:
    for d in (1, 2, 3):
        add_drift(store, d, failed=True)
    store.add_event("retrain", at=day(3, 12))
    add_drift(store, 4, failed=True)
    decision = should_retrain(store, {"drift": {"runs": 2}}, now=day(4, 12))
    assert not decision.retrain and decision.runs_considered == 1
    assert "only 1 run(s) with a drift check since the last retrain" in decision.reasons[0]
    assert decision.last_retrain == day(3, 12)


def test_psi_on_important_features(store: HistoryStore) -> None:
    policy = {"psi": {"features": ["income"], "threshold": 0.2, "runs": 2}}
    add_drift(store, 1, failed=False, psi=0.25)
    add_drift(store, 2, failed=False, psi=0.15)
    assert not should_retrain(store, policy, now=day(2, 12)).retrain
    add_drift(store, 3, failed=False, psi=0.3)
    add_drift(store, 4, failed=False, psi=0.35)
    decision = should_retrain(store, policy, now=day(4, 12))
    assert decision.retrain and "income=0.35" in decision.reasons[0]
    # an unimportant feature's PSI does not count
    other = {"psi": {"features": ["age"], "threshold": 0.2, "runs": 2}}
    assert not should_retrain(store, other, now=day(4, 12)).retrain


def test_metric_floor_and_degradation_since_the_last_promotion(store: HistoryStore) -> None:
    run = store.append(record(day(1), [gate_entry(candidate=0.90)], tag="1")).run_id
    store.add_event("promotion", at=day(1, 7), model="m1", run_id=run)
    store.append(record(day(8), [gate_entry(candidate=0.885)], tag="8"))
    floor = {"metric": [{"metric": "accuracy", "min": 0.85, "runs": 1}]}
    drop = {"metric": [{"metric": "accuracy", "max_drop": 0.02}]}
    assert not should_retrain(store, floor, now=day(8, 12)).retrain
    decision = should_retrain(store, drop, now=day(8, 12))
    assert not decision.retrain and "0.9 at the last promotion, 0.885 now" in decision.reasons[0]
    store.append(record(day(15), [gate_entry(candidate=0.84)], tag="15"))
    decision = should_retrain(store, floor, now=day(15, 12))
    assert decision.retrain and "accuracy below the floor 0.85" in decision.reasons[0]
    decision = should_retrain(store, drop, now=day(15, 12))
    assert decision.retrain and "degraded by 0.06 since the promotion" in decision.reasons[0]
    # a key figure instead of a gate metric, with a ceiling
    figure = {"metric": [{"figure": "accuracy_candidate", "check": "gate", "max": 0.8}]}
    decision = should_retrain(store, figure, now=day(15, 12))
    assert decision.retrain and "above the ceiling 0.8" in decision.reasons[0]
    figure["metric"][0]["max"] = 0.9
    assert not should_retrain(store, figure, now=day(15, 12)).retrain


def test_degradation_needs_a_promotion(store: HistoryStore) -> None:
    store.append(record(day(1), [gate_entry(candidate=0.7)]))
    decision = should_retrain(
        store, {"metric": [{"metric": "accuracy", "max_drop": 0.01}]}, now=day(2)
    )
    assert not decision.retrain and "no promotion recorded" in decision.reasons[0]


def test_min_days_between_blocks_and_max_days_between_forces(store: HistoryStore) -> None:
    store.add_event("retrain", at=day(1))
    for d in (2, 3):
        add_drift(store, d, failed=True)
    policy = {"min_days_between": 7, "drift": {"runs": 2}}
    decision = should_retrain(store, policy, now=day(3, 12))
    assert not decision.retrain and decision.exit_code == 0
    assert decision.reasons[0].startswith("the last retrain was 2.2 days ago (min_days_between 7)")
    assert decision.reasons[1].startswith("(would retrain: drift persisted")
    assert "[x] min_days_between" in decision.summary()
    assert should_retrain(store, policy, now=day(9)).retrain
    stale = {"max_days_between": 30}
    assert not should_retrain(store, stale, now=day(20)).retrain
    assert should_retrain(store, stale, now="2025-04-15T00:00:00Z").retrain
    fresh = HistoryStore(store.path.with_name("fresh.sqlite"))
    assert "no retrain recorded yet" in should_retrain(fresh, stale).reasons[0]


def test_an_empty_history_says_dont_retrain(store: HistoryStore) -> None:
    decision = should_retrain(store, {"drift": {"runs": 2}})
    assert not decision.retrain and decision.runs_considered == 0
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["retrain"] is False and data["exit_code"] == 0 and data["reasons"]


# --------------------------------------------------------------------------- the command


def test_retrain_check_command(
    store: HistoryStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = tmp_path / "retrain_policy.toml"
    policy.write_text("[drift]\nruns = 2\n")
    db = str(store.path)
    add_drift(store, 1, failed=True)
    assert main(["retrain-check", "--db", db, "--policy", str(policy)]) == 0
    assert "don't retrain" in capsys.readouterr().out
    add_drift(store, 2, failed=True)
    out_file = tmp_path / "gh_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out_file))
    code = main(["retrain-check", "--db", db, "--policy", str(policy), "--json", "--github-output"])
    assert code == 10
    data = json.loads(capsys.readouterr().out)
    assert data["retrain"] is True and data["exit_code"] == 10 and data["triggers"][0]["fired"]
    assert out_file.read_text() == "retrain=true\n"
    assert main(["retrain-check", "--db", db, "--policy", str(policy), "--now", day(1, 12)]) == 0
    capsys.readouterr()
    # 2: bad policy or arguments; 1: the store cannot be used
    policy.write_text("[drift]\nrun = 2\n")
    assert main(["retrain-check", "--db", db, "--policy", str(policy)]) == 2
    assert "unknown key(s) 'run'" in capsys.readouterr().err
    policy.write_text("[drift]\nruns = 2\n")
    assert (
        main(["retrain-check", "--db", str(tmp_path / "none.sqlite"), "--policy", str(policy)]) == 1
    )
    assert "no history store at" in capsys.readouterr().err
    monkeypatch.delenv("GITHUB_OUTPUT")
    assert main(["retrain-check", "--db", db, "--policy", str(policy), "--github-output"]) == 2


def test_the_example_repos_policy_is_valid() -> None:
    path = Path(__file__).resolve().parents[2] / "examples" / "credit_risk" / "retrain_policy.toml"
    policy = load_policy(path)
    assert policy.min_days_between == 14 and policy.drift is not None and policy.psi is not None
    assert [m.metric for m in policy.metrics] == ["roc_auc"]
