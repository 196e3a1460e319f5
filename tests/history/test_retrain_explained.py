"""Retrain decisions say what each rule tested; a policy name the history never saw is an
error; ``max_drop`` honours ``runs``; reading an empty history writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_mlaudit.cli import main
from pytest_mlaudit.history import HistoryStore
from pytest_mlaudit.retrain import EXIT_USAGE, should_retrain
from tests.history.records import drift_entry, gate_entry, record


def day(d: int, hour: int = 6) -> str:
    return f"2025-03-{d:02d}T{hour:02d}:00:00+00:00"


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history.sqlite")


def add(store: HistoryStore, d: int, *entries: dict[str, Any]) -> int:
    return store.append(record(day(d), list(entries), tag=str(d))).run_id


# --------------------------------------------------------------------------- explanations


def test_a_floor_that_did_not_fire_says_which_runs_were_below(store: HistoryStore) -> None:
    for d, auc in ((1, 0.934), (2, 0.931), (3, 0.6567)):
        add(store, d, gate_entry(metric="roc_auc", candidate=auc))
    policy = {"metric": [{"metric": "roc_auc", "min": 0.8, "runs": 3}]}
    decision = should_retrain(store, policy, now=day(3, 12))
    assert not decision.retrain and decision.exit_code == 0
    assert decision.reasons[0] == (
        "roc_auc not below the floor 0.8 in all of the last 3 run(s): 0.6567 was below "
        "but 0.931 and 0.934 were not"
    )
    add(store, 4, gate_entry(metric="roc_auc", candidate=0.95))
    policy = {"metric": [{"metric": "roc_auc", "min": 0.8, "runs": 2}]}
    decision = should_retrain(store, policy, now=day(4, 12))
    assert decision.reasons[0] == (
        "roc_auc not below the floor 0.8 in all of the last 2 run(s): 0.6567 was below "
        "but 0.95 was not"
    )
    policy = {"metric": [{"metric": "roc_auc", "min": 0.5, "max": 0.99}]}
    assert should_retrain(store, policy, now=day(4, 12)).reasons[0] == (
        "roc_auc not below the floor 0.5 in any of the last 1 run(s) (0.95); "
        "roc_auc not above the ceiling 0.99 in any of the last 1 run(s) (0.95)"
    )


def test_psi_that_did_not_fire_says_which_runs_were_above(store: HistoryStore) -> None:
    add(store, 1, drift_entry(psi={"income": 0.15, "age": 0.01}))
    add(store, 2, drift_entry(psi={"income": 0.5097, "age": 0.01}))
    policy = {"psi": {"features": ["income"], "threshold": 0.2, "runs": 2}}
    decision = should_retrain(store, policy, now=day(2, 12))
    assert not decision.retrain
    assert decision.reasons[0] == (
        "PSI of income not above 0.2 in all of the last 2 run(s): run #2 (income=0.5097) "
        "was above 0.2 but run #1 was not"
    )
    low = {"psi": {"features": ["age"], "threshold": 0.2, "runs": 2}}
    assert should_retrain(store, low, now=day(2, 12)).reasons[0] == (
        "PSI of age not above 0.2 in any of the last 2 run(s) (at most 0.01)"
    )


# --------------------------------------------------------------------------- max_drop runs


def test_max_drop_with_runs_needs_the_drop_to_persist(store: HistoryStore) -> None:
    run = add(store, 1, gate_entry(candidate=0.90))
    store.add_event("promotion", at=day(1, 7), run_id=run)
    policy = {"metric": [{"metric": "accuracy", "max_drop": 0.03, "runs": 3}]}
    add(store, 8, gate_entry(candidate=0.89))
    add(store, 15, gate_entry(candidate=0.88))
    add(store, 16, gate_entry(candidate=0.89))
    assert should_retrain(store, policy, now=day(16, 12)).reasons[0] == (
        "accuracy 0.9 at the last promotion, 0.89 now: the drop did not exceed max_drop 0.03 "
        "in any of the last 3 runs (drops, newest first: 0.01, 0.02, 0.01)"
    )
    add(store, 22, gate_entry(candidate=0.80))  # a one-week anomaly
    decision = should_retrain(store, policy, now=day(22, 12))
    assert not decision.retrain
    assert decision.reasons[0] == (
        "accuracy 0.9 at the last promotion, 0.8 now: the drop exceeded max_drop 0.03 in 1 "
        "of the last 3 runs, not in all (drops, newest first: 0.1, 0.01, 0.02)"
    )
    # one run alone fires a runs = 1 rule ...
    once = {"metric": [{"metric": "accuracy", "max_drop": 0.03}]}
    assert should_retrain(store, once, now=day(22, 12)).retrain
    # ... and a drop that persists three runs fires the runs = 3 rule
    add(store, 29, gate_entry(candidate=0.81))
    add(store, 30, gate_entry(candidate=0.82))
    decision = should_retrain(store, policy, now=day(30, 12))
    assert decision.retrain
    assert decision.reasons[0].startswith("accuracy degraded by 0.08 since the promotion")
    assert "in each of the last 3 runs (0.08, 0.09, 0.1)" in decision.reasons[0]


def test_max_drop_with_runs_counts_runs_since_the_promotion(store: HistoryStore) -> None:
    run = add(store, 1, gate_entry(candidate=0.90))
    store.add_event("promotion", at=day(1, 7), run_id=run)
    add(store, 8, gate_entry(candidate=0.70))
    policy = {"metric": [{"metric": "accuracy", "max_drop": 0.03, "runs": 2}]}
    decision = should_retrain(store, policy, now=day(8, 12))
    assert not decision.retrain
    assert "recorded in only 1 run(s) since the promotion" in decision.reasons[0]


# --------------------------------------------------------------------------- unknown names


def test_names_the_history_never_saw_are_errors_with_the_closest_ones(
    store: HistoryStore,
) -> None:
    add(
        store,
        1,
        drift_entry("tests/test_drift.py::test_inputs_have_not_drifted", psi={"income": 0.1}),
        gate_entry("tests/test_gate.py::test_production", metric="roc_auc"),
    )
    good = {
        "drift": {"tests": ["test_inputs_have_not_drifted"]},
        "psi": {"features": ["income"]},
        "metric": [{"metric": "roc_auc", "min": 0.7, "tests": ["test_production"]}],
    }
    assert should_retrain(store, good, now=day(1, 12)).problems == ()
    typo = {
        "drift": {"tests": ["test_input_have_not_drifted"]},
        "psi": {"features": ["incom"]},
        "metric": [
            {"metric": "rocauc", "min": 0.7},
            {"metric": "roc_auc", "check": "gates", "min": 0.7},
            {"figure": "drifted_shar", "check": "drift", "max": 0.5},
            {"metric": "roc_auc", "min": 0.7, "tests": ["test_prod_perf"]},
        ],
    }
    decision = should_retrain(store, typo, now=day(1, 12))
    assert decision.exit_code == EXIT_USAGE
    problems = "\n".join(decision.problems)
    assert len(decision.problems) == 6, problems
    assert (
        "[drift] tests: no drift check in the history ran in a test matching "
        "'test_input_have_not_drifted'; closest: 'test_inputs_have_not_drifted'"
    ) in problems
    assert "[psi] features: the history has no PSI of 'incom'; closest: 'income'" in problems
    assert "#1 metric: the history has no gate metric named 'rocauc'; closest: 'roc_auc'" in (
        problems
    )
    assert "#2 check: no 'gates' check in the history; closest: 'gate'" in problems
    assert "#3 figure: the history has no key figure named 'drifted_shar'; closest: " in problems
    assert "#4 tests: no 'roc_auc' in the history ran in a test matching 'test_prod_perf'" in (
        problems
    )
    assert "error: <mapping> [psi] features" in decision.summary()
    assert decision.to_dict()["exit_code"] == EXIT_USAGE


def test_an_empty_history_has_no_name_to_check_against(store: HistoryStore) -> None:
    decision = should_retrain(store, {"drift": {"tests": ["anything"]}})
    assert decision.problems == () and decision.exit_code == 0


def test_retrain_check_exits_2_and_names_the_typo(
    store: HistoryStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(store, 1, drift_entry(failed_columns=["income"]))
    add(store, 2, drift_entry(failed_columns=["income"]))
    policy = tmp_path / "retrain_policy.toml"
    policy.write_text('[drift]\nruns = 2\ntests = ["test_input_have_not_drifted"]\n')
    code = main(["retrain-check", "--db", str(store.path), "--policy", str(policy)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "closest: 'test_inputs_have_not_drifted'" in err and "error:" in out
    policy.write_text('[drift]\nruns = 2\ntests = ["test_inputs_have_not_drifted"]\n')
    assert main(["retrain-check", "--db", str(store.path), "--policy", str(policy)]) == 10


# --------------------------------------------------------------------------- reading


def test_deciding_on_an_empty_file_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "history.sqlite"
    empty.touch()
    decision = should_retrain(empty, {"drift": {"runs": 2}})
    assert not decision.retrain and decision.runs_considered == 0
    assert empty.stat().st_size == 0
