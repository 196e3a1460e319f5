"""Retrain policies on what drift does to the model: the estimated performance
(``[performance]``), prediction drift and importance-weighted drift (``[impact]``), and a
fired drift rule that says whether the drift reaches the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import MlauditInputError, check_drift, check_impact, check_performance
from pytest_mlaudit.history import HistoryStore
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import CheckReport
from pytest_mlaudit.retrain import RetrainPolicy, should_retrain
from tests.history.records import record


class Model:
    classes_ = np.array([0, 1])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        z = 2.0 * X["signal"].to_numpy() + 0.5 * X["helper"].to_numpy()
        p = 1 / (1 + np.exp(-z))
        return np.column_stack([1 - p, p])


def _frame(rng: np.random.Generator, n: int, shift: float = 0.0, scale: float = 1.0):
    return pd.DataFrame(
        {
            "signal": rng.normal(shift, scale, n),
            "helper": rng.normal(size=n),
            "noise": rng.normal(size=n),
        }
    )


def _entries(shifted: bool, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    ref = _frame(rng, 2000)
    y = (rng.random(2000) < Model().predict_proba(ref)[:, 1]).astype(int)
    # shifted: the rows crowd the decision boundary (worse performance) and the score moves
    cur = _frame(rng, 2000, shift=0.4, scale=0.3) if shifted else _frame(rng, 2000)
    reports: list[tuple[str, str, CheckReport]] = [
        ("tests/test_model.py::test_drift", "drift", check_drift(ref, cur)),
        (
            "tests/test_model.py::test_performance",
            "performance",
            check_performance(Model(), ref, y, cur, min_value=0.8, n_simulations=200),
        ),
        (
            "tests/test_model.py::test_impact",
            "impact",
            check_impact(Model(), ref, cur, y_reference=y),
        ),
    ]
    out = []
    for nodeid, check, report in reports:
        entry = CheckEntry.from_report(check, report, nodeid=nodeid, markers=("drift",)).to_dict()
        entry["outcome"] = "passed" if report.passed else "failed"
        out.append(entry)
    return out


def day(d: int) -> str:
    return f"2025-03-{d:02d}T06:00:00+00:00"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> HistoryStore:
    path: Path = tmp_path_factory.mktemp("history") / "h.sqlite"
    store = HistoryStore(path)
    for d, shifted in ((1, False), (2, True), (3, True)):
        store.append(record(day(d), _entries(shifted, seed=d), tag=str(d)))
    return store


def test_the_estimated_performance_fires_and_explains(store: HistoryStore) -> None:
    policy = {"performance": {"metric": "roc_auc", "min": 0.8, "runs": 2}}
    decision = should_retrain(store, policy, now=day(3))
    assert decision.retrain and decision.problems == ()
    finding = decision.triggers[0]
    assert finding.rule == "performance:roc_auc" and finding.fired
    assert finding.detail.startswith(
        "estimated roc_auc below the floor 0.8 in each of the last 2 run(s)"
    )
    assert "no labels yet; latest run #3:" in finding.detail and "(reference " in finding.detail
    calm = should_retrain(store, policy, now=day(2))  # runs 1-2: only one is low
    assert not calm.retrain
    assert "not below the floor 0.8 in all of the last 2 run(s)" in calm.triggers[0].detail


def test_max_drop_from_the_reference(store: HistoryStore) -> None:
    policy = {"performance": {"metric": "roc_auc", "max_drop": 0.05}}
    decision = should_retrain(store, policy, now=day(3))
    assert decision.retrain
    assert (
        "the drop of the estimated roc_auc from the reference above max_drop 0.05"
        in (decision.reasons[0])
    )
    assert not should_retrain(store, policy, now=day(1)).retrain


def test_prediction_drift_and_weighted_drift(store: HistoryStore) -> None:
    decision = should_retrain(
        store, {"impact": {"prediction_psi": 0.2, "drifted_importance": 0.3}}, now=day(3)
    )
    assert decision.retrain
    detail = decision.triggers[0].detail
    assert "the PSI of the model's score above 0.2" in detail
    assert "drifted columns the model relies on: signal (" in detail
    quiet = should_retrain(store, {"impact": {"prediction_psi": 0.2}}, now=day(1))
    assert not quiet.retrain
    assert "no drifted column the model relies on" in quiet.triggers[0].detail


def test_a_fired_drift_rule_says_whether_the_drift_reaches_the_model(
    store: HistoryStore,
) -> None:
    decision = should_retrain(store, {"drift": {"runs": 2}}, now=day(3))
    assert decision.retrain
    reason = decision.reasons[0]
    assert "in that run the model's score moved by PSI" in reason
    assert "estimated roc_auc without labels" in reason


def test_rules_are_validated_and_unknown_tests_are_problems(store: HistoryStore) -> None:
    with pytest.raises(MlauditInputError, match="metric must be one of"):
        RetrainPolicy.from_mapping({"performance": {"metric": "auc", "min": 0.7}})
    with pytest.raises(MlauditInputError, match="set min, max_drop or both"):
        RetrainPolicy.from_mapping({"performance": {"metric": "f1"}})
    with pytest.raises(MlauditInputError, match="set prediction_psi, drifted_importance"):
        RetrainPolicy.from_mapping({"impact": {"runs": 2}})
    with pytest.raises(MlauditInputError, match="unknown key"):
        RetrainPolicy.from_mapping({"impact": {"psi": 0.2}})
    decision = should_retrain(
        store, {"impact": {"prediction_psi": 0.2, "tests": ["test_impakt"]}}, now=day(3)
    )
    assert decision.problems and "test_impakt" in decision.problems[0]
