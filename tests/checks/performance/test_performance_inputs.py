"""Bad inputs of the performance estimate: named errors; multiclass refused clearly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import Auditor, MlauditInputError, check_performance


class Binary:
    classes_ = np.array(["good", "bad"])

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-np.asarray(X, dtype=float)[:, 0]))
        return np.column_stack([1 - p, p])


class ThreeClasses:
    classes_ = np.array([0, 1, 2])

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return np.full((len(X), 3), 1 / 3)


def _data(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    p = Binary().predict_proba(X)[:, 1]
    y = np.where(rng.random(n) < p, "bad", "good")
    return X, y


def test_labels_are_the_models_classes() -> None:
    X, y = _data()
    report = check_performance(Binary(), X, y, X, y_current=pd.Series(y), n_simulations=100)
    assert report.positive_rate_reference == pytest.approx(np.mean(y == "bad"))
    assert report.estimate("accuracy").realised is not None


def test_multiclass_metrics_other_than_accuracy_are_refused_clearly() -> None:
    X, _ = _data()
    with pytest.raises(MlauditInputError, match="only the top-label accuracy is estimated"):
        check_performance(ThreeClasses(), X, np.arange(len(X)) % 3, X)
    with pytest.raises(MlauditInputError, match="not a class of the model"):
        check_performance(ThreeClasses(), X, np.arange(len(X)) % 4, X, metric="accuracy")
    with pytest.raises(MlauditInputError, match="model gives probabilities of 2"):
        check_performance(Binary(), X, np.arange(len(X)) % 3, X)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"metric": "auc"}, "metric must be one of"),
        ({"max_drop": -0.1}, "max_drop must be"),
        ({"confidence": 1.0}, "confidence must be"),
        ({"n_simulations": 10}, "n_simulations must be"),
        ({"calibration_method": "beta"}, "calibration_method must be"),
        ({"calibrate": "yes"}, "calibrate must be"),
        ({"y_current": ["bad"] * 3}, "y_current must hold one label per row"),
    ],
)
def test_bad_options_are_named(kwargs: dict[str, object], match: str) -> None:
    X, y = _data()
    with pytest.raises(MlauditInputError, match=match):
        check_performance(Binary(), X, y, X, **kwargs)  # type: ignore[arg-type]


def test_bad_models_and_labels_are_named() -> None:
    X, y = _data()
    with pytest.raises(MlauditInputError, match="predict_proba"):
        check_performance(object(), X, y, X)
    with pytest.raises(MlauditInputError, match="not a class of the model"):
        check_performance(Binary(), X, np.where(y == "bad", "ugly", "good"), X)
    with pytest.raises(MlauditInputError, match="one class only"):
        check_performance(Binary(), X, np.full(len(X), "bad"), X)
    with pytest.raises(MlauditInputError, match="missing labels"):
        check_performance(Binary(), X, pd.Series(y).where(np.arange(len(y)) > 0), X)
    with pytest.raises(MlauditInputError, match="has no rows"):
        check_performance(Binary(), X, y, X[:0])


def test_the_auditor_runs_it_with_drift_marker_defaults() -> None:
    X, y = _data()
    seen: list[str] = []
    audit = Auditor(
        defaults={"drift": {"alpha": 0.01, "n_simulations": 100}},
        sink=lambda check, report, s: seen.append(check),
    )
    report = audit.performance(Binary(), X, y, X, min_value=0.5)
    assert report.passed and report.n_simulations == 100 and seen == ["performance"]
