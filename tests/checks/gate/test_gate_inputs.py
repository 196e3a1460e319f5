"""Bad input raises MlauditInputError naming the argument and what to do."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import LinearSVC

from pytest_mlaudit.checks.gate import GateMetric, check_gate
from pytest_mlaudit.errors import MlauditInputError

RNG = np.random.default_rng(0)
Y = RNG.integers(0, 2, 200)
P = RNG.random(200)
L = RNG.integers(0, 2, 200)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": 0.5}, "alpha is the one-sided error rate"),
        ({"alpha": 0}, "alpha"),
        ({"alpha": float("nan")}, "alpha must be a finite number"),
        ({"n_boot": 10}, r"n_boot must be an integer >= 100"),
        ({"n_boot": 1000.0}, "n_boot must be an integer"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"seed": True}, "seed must be an integer"),
        ({"correction": "holm"}, "correction must be one of"),
        ({"min_delta": -0.01}, "min_delta is a tolerance .* must be >= 0"),
        ({"min_delta": {"auc": 0.1}}, "min_delta names 'auc', which is not among"),
        ({"floor": "high"}, "floor must be a number"),
        ({"metrics": "precision"}, "unknown metric 'precision'"),
        ({"metrics": "rmse"}, "metric 'rmse' is for regression, but this is a classification"),
        ({"metrics": []}, "metrics is empty"),
        ({"metrics": ["accuracy", "accuracy"]}, "listed twice"),
        ({"metrics": [len]}, "bare callable: its direction is unknown"),
        ({"metrics": 3}, "metrics must be a metric name"),
        ({"metrics": "log_loss"}, "given as predicted labels, but a metric needs probabilities"),
        ({"max_latency_ms": 0}, "max_latency_ms must be > 0"),
        ({"artifact": "yes"}, "artifact must be True, False or None"),
        ({"artifact": True}, "artifact=True needs a model"),
        ({"task": "ranking"}, "task must be 'classification', 'regression'"),
        ({"pos_label": 7}, r"pos_label=7 is not one of the classes"),
        ({"classes": [0, 0]}, "classes must list distinct labels"),
        ({"classes": [1, 2]}, "y has label 0 .* not in classes"),
    ],
)
def test_bad_options(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(MlauditInputError, match=match):
        check_gate(L, L, None, Y, **kwargs)


@pytest.mark.parametrize(
    ("candidate", "baseline", "X", "y", "match"),
    [
        (None, L, None, Y, "candidate is None"),
        (L[:100], L, None, Y, "candidate predictions have 100 rows but y has 200"),
        (
            L,
            P * 3,
            None,
            Y,
            r"baseline: 1-D predictions that are not class labels \[0, 1\] are read",
        ),
        (L, np.full(200, 5), None, Y, r"baseline predictions contain 5 \(row 0\)"),
        (L, RNG.random((200, 3)), None, Y, r"probabilities must have shape \(n_rows, 2\)"),
        (L, L, None, np.ones((200, 2)), "y must be one-dimensional"),
        (L[:1], L[:1], None, Y[:1], "at least 2 rows"),
        (L, L, None, np.where(Y == 1, np.nan, 0.0), "y has a missing label"),
        (L, L, None, None, "y is None: without labels the gate can only run the artifact checks"),
        (L, L, np.zeros((10, 2)), Y, "X has 10 rows but y has 200"),
        (LogisticRegression(), L, None, Y, "candidate is a model, so X .* is required"),
    ],
)
def test_bad_data(candidate: Any, baseline: Any, X: Any, y: Any, match: str) -> None:
    with pytest.raises(MlauditInputError, match=match):
        check_gate(candidate, baseline, X, y)


def test_probabilities_outside_the_unit_interval() -> None:
    bad = np.column_stack([P, P + 1])
    with pytest.raises(MlauditInputError, match="finite and within"):
        check_gate(bad, L, None, Y)


def test_regression_inputs() -> None:
    y = RNG.normal(size=200)
    with pytest.raises(MlauditInputError, match="metric 'accuracy' is for classification"):
        check_gate(y, y, None, y, metrics="accuracy")
    with pytest.raises(MlauditInputError, match="y has non-finite values"):
        check_gate(y, y, None, np.r_[y[:-1], np.inf], task="regression")
    with pytest.raises(MlauditInputError, match="non-finite values"):
        check_gate(np.r_[y[:-1], np.nan], y, None, y)
    X = RNG.normal(size=(200, 2))
    lr = LinearRegression().fit(X, y)
    assert check_gate(lr, lr, X, y).task == "regression"


def test_auc_needs_both_classes_and_scores() -> None:
    with pytest.raises(MlauditInputError, match="roc_auc needs both classes"):
        check_gate(P, P, None, np.ones(200, dtype=int), metrics="roc_auc", classes=[0, 1])
    X = RNG.normal(size=(200, 2))

    class LabelsOnly:
        def predict(self, X: Any) -> np.ndarray:
            return np.zeros(len(X), dtype=int)

    with pytest.raises(MlauditInputError, match="neither predict_proba nor decision_function"):
        check_gate(LabelsOnly(), P, X, Y, metrics="roc_auc")
    with pytest.raises(MlauditInputError, match="has no predict_proba, but a metric needs"):
        check_gate(LinearSVC().fit(X, Y), P, X, Y, metrics="log_loss")


def test_a_model_with_a_wrong_output_shape() -> None:
    class Short:
        def predict(self, X: Any) -> np.ndarray:
            return np.zeros(3)

    with pytest.raises(MlauditInputError, match=r"candidate.predict\(X\) returned shape \(3,\)"):
        check_gate(Short(), L, RNG.normal(size=(200, 2)), Y)


def test_unsortable_labels_need_classes() -> None:
    y = np.array([1, "a"] * 50, dtype=object)
    with pytest.raises(MlauditInputError, match="cannot be sorted; pass classes"):
        check_gate(y, y, None, y)
    assert check_gate(y, y, None, y, classes=[1, "a"]).passed


def test_a_failing_user_metric_names_itself() -> None:
    def boom(t: Any, p: Any) -> float:
        raise ZeroDivisionError("no")

    with pytest.raises(MlauditInputError, match="metric 'boom' raised ZeroDivisionError"):
        check_gate(
            L, L, None, Y, metrics=GateMetric("boom", boom, greater_is_better=True), n_boot=100
        )


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("accuracy", len, True), "is a built-in metric"),
        (("my metric", len, True), "must be an identifier"),
        (("m", 3, True), "fn must be callable"),
        (("m", len, 1), "greater_is_better must be True or False"),
        (("m", len, True, "decision_function"), "response must be"),
    ],
)
def test_bad_gate_metrics(args: tuple[Any, ...], match: str) -> None:
    with pytest.raises(MlauditInputError, match=match):
        GateMetric(*args)
