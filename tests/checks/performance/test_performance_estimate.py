"""The performance estimate without labels: coverage, tracking under covariate shift,
calibration, verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_mlaudit import check_performance
from pytest_mlaudit.checks.performance import PerformanceReport
from pytest_mlaudit.result import report_from_dict


class Oracle:
    """A perfectly calibrated binary classifier: the true probability of the simulation."""

    classes_ = np.array([0, 1])

    def __init__(self, sharpen: float = 1.0) -> None:
        self.sharpen = sharpen  #: > 1: overconfident (miscalibrated) probabilities

    def logit(self, X: np.ndarray) -> np.ndarray:
        return 1.5 * X[:, 0] - 1.0 * X[:, 1] + 0.3

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-self.sharpen * self.logit(X)))
        return np.column_stack([1 - p, p])


def _labels(rng: np.random.Generator, X: np.ndarray) -> np.ndarray:
    return (rng.random(len(X)) < Oracle().predict_proba(X)[:, 1]).astype(int)


@pytest.mark.slow
def test_realised_metrics_lie_inside_the_interval_in_at_least_93_percent_of_trials() -> None:
    model = Oracle()
    inside = {"accuracy": 0, "roc_auc": 0}
    for trial in range(200):
        rng = np.random.default_rng(1000 + trial)
        Xr = rng.normal(size=(2000, 2))
        Xc = rng.normal(0.5, 1.0, size=(1000, 2))  # covariate shift too
        report = check_performance(
            model,
            Xr,
            _labels(rng, Xr),
            Xc,
            y_current=_labels(rng, Xc),
            n_simulations=500,
            seed=trial,
        )
        for metric in inside:
            inside[metric] += bool(report.estimate(metric).inside)
    # measured: accuracy 189/200 (94.5%), roc_auc 192/200 (96%)
    assert inside["accuracy"] >= 186 and inside["roc_auc"] >= 186, inside


def test_the_estimate_tracks_the_realised_drop_under_covariate_shift() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    X_train = rng.normal(size=(30_000, 2))
    model = LogisticRegression().fit(X_train, _labels(rng, X_train))
    Xr = rng.normal(size=(3000, 2))
    yr = _labels(rng, Xr)
    errors: dict[str, list[float]] = {"accuracy": [], "roc_auc": []}
    realised_auc = []
    # the current rows move towards the decision boundary and shrink: the model gets worse
    for shift, scale in [(0.0, 1.0), (-0.3, 0.8), (-0.6, 0.6), (-0.9, 0.45), (-1.2, 0.3)]:
        Xc = rng.normal(shift, scale, size=(3000, 2)) + np.array([0.0, 0.0])
        report = check_performance(model, Xr, yr, Xc, y_current=_labels(rng, Xc), seed=1)
        for metric in errors:
            e = report.estimate(metric)
            assert e.error is not None
            errors[metric].append(abs(e.error))
        realised_auc.append(report.estimate("roc_auc").realised)
    assert realised_auc[0] - realised_auc[-1] > 0.1  # a real drop
    mae = {m: float(np.mean(v)) for m, v in errors.items()}
    print(f"covariate shift MAE: {mae}")  # measured: accuracy 0.0056, roc_auc 0.0053
    assert mae["accuracy"] < 0.02 and mae["roc_auc"] < 0.02, mae


def test_a_miscalibrated_model_is_reported_and_fails() -> None:
    rng = np.random.default_rng(5)
    Xr, Xc = rng.normal(size=(3000, 2)), rng.normal(size=(3000, 2))
    report = check_performance(Oracle(sharpen=3.0), Xr, _labels(rng, Xr), Xc, min_value=0.5)
    assert not report.calibration.calibrated
    assert not report.passed  # even though the estimate is far above the floor
    assert report.calibration.ece > 0.05
    assert "MISCALIBRATED" in report.summary() and "calibrate=True" in report.summary()
    assert "MISCALIBRATED" in report.brief()


@pytest.mark.parametrize("method", ["isotonic", "platt"])
def test_calibrate_true_repairs_it_cross_fitted(method: str) -> None:
    rng = np.random.default_rng(6)
    Xr, Xc = rng.normal(size=(4000, 2)), rng.normal(0.3, 1.0, size=(3000, 2))
    yc = _labels(rng, Xc)
    model = Oracle(sharpen=3.0)
    raw = check_performance(model, Xr, _labels(rng, Xr), Xc, y_current=yc)
    fixed = check_performance(
        model,
        Xr,
        _labels(np.random.default_rng(6), Xr),
        Xc,
        y_current=yc,
        calibrate=True,
        calibration_method=method,
    )
    assert fixed.calibration.calibrated and fixed.calibration.method == method
    assert fixed.calibration.raw_ece > 0.05  # the model's own probabilities, reported too
    assert fixed.passed
    for metric in ("accuracy", "roc_auc", "f1"):
        e_fixed, e_raw = fixed.estimate(metric), raw.estimate(metric)
        assert e_fixed.error is not None and e_raw.error is not None
        assert abs(e_fixed.error) < 0.02, (metric, e_fixed)
        assert abs(e_fixed.error) <= abs(e_raw.error) + 0.005
    assert any("cross-fitted" in n for n in fixed.notes)


def test_min_value_and_max_drop_decide_the_verdict() -> None:
    rng = np.random.default_rng(7)
    Xr = rng.normal(size=(3000, 2))
    yr = _labels(rng, Xr)
    hard = rng.normal(0.0, 0.3, size=(3000, 2))  # rows near the boundary: lower accuracy
    model = Oracle()
    easy = check_performance(model, Xr, yr, Xr, metric="accuracy", max_drop=0.03)
    assert easy.passed
    dropped = check_performance(model, Xr, yr, hard, metric="accuracy", max_drop=0.03)
    assert not dropped.passed
    ref = dropped.estimate().reference
    assert dropped.floor == pytest.approx(ref - 0.03)
    assert dropped.headline().name == "estimated_accuracy" and dropped.headline().breached
    floor = check_performance(model, Xr, yr, hard, metric="accuracy", min_value=0.99)
    assert not floor.passed and floor.floor == 0.99
    assert check_performance(model, Xr, yr, hard).passed  # no floor: calibration only


def test_report_round_trips_and_gives_measures() -> None:
    rng = np.random.default_rng(8)
    Xr, Xc = rng.normal(size=(1000, 2)), rng.normal(size=(800, 2))
    report = check_performance(
        Oracle(),
        Xr,
        _labels(rng, Xr),
        Xc,
        y_current=_labels(rng, Xc),
        min_value=0.7,
        n_simulations=200,
    )
    again = report_from_dict(report.to_dict())
    assert isinstance(again, PerformanceReport) and again == report
    measures = {(m.name, m.subject): m for m in report.measures()}
    assert measures[("estimated", "roc_auc")].threshold == 0.7
    assert measures[("estimated", "accuracy")].threshold is None
    assert ("realised", "f1") in measures and ("ece", "calibration") in measures
    figures = report.key_figures()
    assert figures["estimated_roc_auc"] == report.estimate("roc_auc").estimate
    assert report.sizes() == {"n_reference": 1000, "n_current": 800}
    assert "\n" not in report.brief()


def test_the_estimate_is_seeded() -> None:
    rng = np.random.default_rng(9)
    Xr, Xc = rng.normal(size=(500, 2)), rng.normal(size=(500, 2))
    yr = _labels(rng, Xr)
    a = check_performance(Oracle(), Xr, yr, Xc, seed=3, n_simulations=100)
    b = check_performance(Oracle(), Xr, yr, Xc, seed=3, n_simulations=100)
    assert a == b


class Softmax:
    """A calibrated three-class model (``sharpen`` > 1: overconfident)."""

    classes_ = np.array(["low", "mid", "high"])

    def __init__(self, sharpen: float = 1.0) -> None:
        self.sharpen = sharpen

    def truth(self, X: np.ndarray) -> np.ndarray:
        z = np.column_stack([-X[:, 0], 0.2 * X[:, 1], X[:, 0]]) * 1.5
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = self.truth(X) ** self.sharpen
        return p / p.sum(axis=1, keepdims=True)


def _classes(rng: np.random.Generator, X: np.ndarray) -> np.ndarray:
    p = Softmax().truth(X)
    idx = (rng.random(len(X))[:, None] > p.cumsum(axis=1)).sum(axis=1)
    return Softmax.classes_[idx]


def test_multiclass_top_label_accuracy_is_estimated() -> None:
    inside, errors = 0, []
    for trial in range(40):
        rng = np.random.default_rng(500 + trial)
        Xr, Xc = rng.normal(size=(2000, 2)), rng.normal(0.0, 0.6, size=(1500, 2))
        report = check_performance(
            Softmax(),
            Xr,
            _classes(rng, Xr),
            Xc,
            y_current=_classes(rng, Xc),
            metric="accuracy",
            n_simulations=300,
            seed=trial,
        )
        e = report.estimate()
        assert [x.metric for x in report.estimates] == ["accuracy"] and report.n_classes == 3
        inside += bool(e.inside)
        assert e.error is not None
        errors.append(abs(e.error))
    assert inside >= 35, inside  # measured: 38 of 40
    assert float(np.mean(errors)) < 0.015
    rng = np.random.default_rng(9)
    Xr = rng.normal(size=(3000, 2))
    bad = check_performance(Softmax(sharpen=3.0), Xr, _classes(rng, Xr), Xr, metric="accuracy")
    assert not bad.calibration.calibrated and not bad.passed
    fixed = check_performance(
        Softmax(sharpen=3.0),
        Xr,
        _classes(np.random.default_rng(9), Xr),
        Xr,
        metric="accuracy",
        calibrate=True,
    )
    assert fixed.calibration.calibrated
