"""GateReport: the verdict rule per direction, the corrections, what the report says, and
JSON round trips."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import recall_score
from sklearn.svm import LinearSVC

from pytest_mlaudit.checks.gate import GateMetric, GateReport, MetricComparison, check_gate
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import BadWhen, report_from_dict


def noisy_labels(y: np.ndarray, accuracy: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.where(rng.random(y.size) < accuracy, y, 1 - y)


@pytest.fixture(scope="module")
def y() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 2, 2000)


def probs(y: np.ndarray, quality: float, seed: int) -> np.ndarray:
    """P(class 1) that separates the classes better as ``quality`` grows."""
    rng = np.random.default_rng(seed)
    z = quality * (2 * y - 1) + rng.normal(0, 1, y.size)
    return 1 / (1 + np.exp(-z))


def roundtrip(report: GateReport) -> GateReport:
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    again = GateReport.from_dict(data)
    assert again == report
    assert report_from_dict(data) == report
    assert again.passed == report.passed and data["passed"] == report.passed
    return again


def test_a_significantly_worse_candidate_fails_and_says_why(y: np.ndarray) -> None:
    report = check_gate(noisy_labels(y, 0.80, 1), noisy_labels(y, 0.88, 2), None, y)
    m = report.metric("accuracy")
    assert not report.passed and m.significantly_worse and not m.below_floor
    assert m.ci_low is not None and m.ci_high is not None and m.difference is not None
    assert m.ci_low <= m.difference <= m.ci_high < 0
    assert m.confidence == pytest.approx(0.95) and m.alpha == pytest.approx(0.025)
    head = report.headline()
    assert (head.name, head.bad_when, head.threshold) == ("accuracy_diff_ucb", BadWhen.BELOW, 0.0)
    assert head.statistic == m.ci_high and head.breached
    text = report.summary()
    assert text.startswith("gate FAILED")
    for needle in (
        "candidate",
        "baseline",
        "95% CI",
        "why it failed",
        "significantly worse",
        "McNemar",
        f"{m.candidate:.4g}",
        f"{m.baseline:.4g}",
    ):
        assert needle in text
    assert "significantly worse" in report.brief()
    assert m.mcnemar is not None and m.mcnemar.pvalue_worse < 0.001
    roundtrip(report)


def test_an_equally_good_candidate_passes_even_when_its_estimate_is_lower(y: np.ndarray) -> None:
    base = noisy_labels(y, 0.85, 3)
    for seed in range(4, 40):
        cand = noisy_labels(y, 0.85, seed)
        if (cand == y).mean() < (base == y).mean():
            break
    report = check_gate(cand, base, None, y)
    assert report.passed and report.metric("accuracy").difference < 0
    assert "within the noise" in report.summary() and "why it passed" in report.summary()
    assert report.failures == ()
    roundtrip(report)


def test_min_delta_tolerates_a_small_loss(y: np.ndarray) -> None:
    cand, base = noisy_labels(y, 0.84, 5), noisy_labels(y, 0.88, 6)
    strict = check_gate(cand, base, None, y)
    lenient = check_gate(cand, base, None, y, min_delta=0.10)
    assert not strict.passed and lenient.passed
    assert lenient.headline().threshold == -0.10
    # the interval does not depend on min_delta
    assert strict.metric("accuracy").ci_high == lenient.metric("accuracy").ci_high


def test_lower_is_better_metrics_fail_on_the_lower_bound(y: np.ndarray) -> None:
    good, bad = probs(y, 2.0, 7), probs(y, 0.8, 8)
    report = check_gate(bad, good, None, y, metrics="log_loss")
    m = report.metric("log_loss")
    assert not m.greater_is_better and m.difference > 0 and not report.passed
    head = report.headline()
    assert (head.name, head.bad_when) == ("log_loss_diff_lcb", BadWhen.ABOVE)
    assert head.statistic == m.ci_low > 0
    assert check_gate(good, bad, None, y, metrics="log_loss").passed


def test_swapping_the_models_flips_the_difference(y: np.ndarray) -> None:
    a, b = probs(y, 1.5, 9), probs(y, 1.2, 10)
    ab = check_gate(a, b, None, y, metrics=["roc_auc", "brier"], seed=3, n_boot=500)
    ba = check_gate(b, a, None, y, metrics=["roc_auc", "brier"], seed=3, n_boot=500)
    for name in ("roc_auc", "brier"):
        x, z = ab.metric(name), ba.metric(name)
        assert x.difference == pytest.approx(-z.difference)
        assert x.ci_low == pytest.approx(-z.ci_high) and x.ci_high == pytest.approx(-z.ci_low)


def test_identical_models_never_fail(y: np.ndarray) -> None:
    p = probs(y, 1.0, 11)
    report = check_gate(
        p, p, None, y, metrics=["accuracy", "roc_auc", "log_loss", "f1", "brier"], n_boot=500
    )
    assert report.passed
    assert all(m.ci_low == m.ci_high == 0 for m in report.metrics)


def test_bonferroni_splits_alpha_over_the_metrics(y: np.ndarray) -> None:
    p, q = probs(y, 1.0, 12), probs(y, 1.1, 13)
    three = check_gate(p, q, None, y, metrics=["accuracy", "roc_auc", "log_loss"])
    assert all(m.alpha == pytest.approx(0.025 / 3) for m in three.metrics)
    assert three.metric("accuracy").confidence == pytest.approx(1 - 0.05 / 3)
    none = check_gate(p, q, None, y, metrics=["accuracy", "roc_auc", "log_loss"], correction="none")
    assert all(m.alpha == 0.025 for m in none.metrics)
    wide, narrow = three.metric("roc_auc"), none.metric("roc_auc")
    assert wide.ci_low < narrow.ci_low and wide.ci_high > narrow.ci_high
    assert "(bonferroni)" in three.summary()


def test_floors_apply_to_the_first_metric_or_by_name(y: np.ndarray) -> None:
    p = probs(y, 1.0, 14)
    report = check_gate(p, None, None, y, metrics=["roc_auc", "log_loss"], floor=0.99)
    assert not report.passed and report.metric("roc_auc").below_floor
    assert report.metric("log_loss").floor is None
    assert report.headline().name == "roc_auc" and report.headline().bad_when is BadWhen.BELOW
    # a floor of a loss is its worst acceptable value: a ceiling
    capped = check_gate(p, None, None, y, metrics=["roc_auc", "log_loss"], floor={"log_loss": 0.1})
    assert capped.metric("log_loss").below_floor and not capped.passed
    assert "log_loss" in capped.brief() and "> floor" in capped.brief()
    fine = check_gate(p, None, None, y, metrics="roc_auc", floor=0.5)
    assert fine.passed and fine.headline().name == "roc_auc"
    assert fine.metric("roc_auc").baseline is None and fine.baseline is None
    roundtrip(report)


def test_the_same_seed_gives_the_same_report(y: np.ndarray) -> None:
    a, b = probs(y, 1.0, 15), probs(y, 1.05, 16)
    r1 = check_gate(a, b, None, y, metrics=["roc_auc"], seed=5, n_boot=300)
    r2 = check_gate(a, b, None, y, metrics=["roc_auc"], seed=5, n_boot=300)
    r3 = check_gate(a, b, None, y, metrics=["roc_auc"], seed=6, n_boot=300)
    assert r1 == r2 and r1.metric("roc_auc").ci_low != r3.metric("roc_auc").ci_low


def test_passed_is_computed_from_the_numbers(y: np.ndarray) -> None:
    report = check_gate(noisy_labels(y, 0.85, 17), noisy_labels(y, 0.85, 18), None, y)
    assert report.passed
    m = report.metrics[0]
    worse = dataclasses.replace(m, ci_high=-0.5)
    flipped = dataclasses.replace(report, metrics=(worse,))
    assert not flipped.passed and not roundtrip(flipped).passed
    assert "passed" not in {f.name for f in dataclasses.fields(GateReport)}
    nan = dataclasses.replace(report, metrics=(dataclasses.replace(m, ci_high=float("nan")),))
    assert not nan.passed  # a bound that cannot be computed fails closed
    assert "could not be computed" in nan.summary()


def test_key_figures_and_the_record_entry(y: np.ndarray) -> None:
    report = check_gate(probs(y, 1, 19), probs(y, 1, 20), None, y, metrics=["accuracy", "roc_auc"])
    figures = report.key_figures()
    for key in (
        "passed",
        "accuracy_diff_ucb",
        "accuracy_diff_ucb_threshold",
        "accuracy_candidate",
        "accuracy_baseline",
        "accuracy_diff",
        "accuracy_ci_low",
        "accuracy_ci_high",
        "accuracy_mcnemar_p",
        "roc_auc_candidate",
    ):
        assert key in figures
    entry = CheckEntry.from_report("gate", report, nodeid="t::x")
    again = CheckEntry.from_dict(json.loads(json.dumps(entry.to_dict())))
    assert again.report() == report
    assert report.sizes() == {"n_rows": 2000, "n_metrics": 2, "n_boot": 2000}


def test_fitted_estimators_on_a_dataframe_with_string_labels() -> None:
    rng = np.random.default_rng(21)
    X = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    y = np.where(X["a"] + 0.5 * X["b"] + rng.normal(0, 0.7, 2000) > 0, "bad", "good")
    good = LogisticRegression().fit(X, y)
    weak = LogisticRegression().fit(X[["b"]].assign(a=0.0)[["a", "b"]], y)
    report = check_gate(weak, good, X, y, metrics=["accuracy", "roc_auc", "log_loss"], n_boot=500)
    assert report.classes == ("bad", "good") and not report.passed
    assert "LogisticRegression" in report.candidate
    assert check_gate(
        good, weak, X, y, metrics=["accuracy", "roc_auc", "log_loss"], n_boot=500
    ).passed
    # pos_label picks the class whose probability is the score
    flipped = check_gate(good, weak, X, y, metrics="roc_auc", pos_label="bad", n_boot=100)
    assert flipped.metric("roc_auc").candidate == pytest.approx(
        report.metric("roc_auc").baseline, rel=1e-12
    )


def test_a_model_without_predict_proba_uses_decision_function_for_auc() -> None:
    rng = np.random.default_rng(22)
    X = rng.normal(size=(1500, 3))
    y = (X[:, 0] + rng.normal(0, 1, 1500) > 0).astype(int)
    svm = LinearSVC().fit(X, y)
    lr = LogisticRegression().fit(X, y)
    report = check_gate(svm, lr, X, y, metrics=["roc_auc", "accuracy"], n_boot=500)
    assert report.passed and report.metric("roc_auc").candidate > 0.7


def test_regression_gate() -> None:
    rng = np.random.default_rng(23)
    X = rng.normal(size=(2000, 4))
    y = X @ np.array([1.0, 2.0, 0.0, -1.0]) + rng.normal(0, 1, 2000)
    full = Ridge().fit(X, y)
    partial = Ridge().fit(X[:, :2], y)
    report = check_gate(partial.predict(X[:, :2]), full, X, y, metrics=["rmse", "mae", "r2"])
    assert report.task == "regression" and not report.passed
    assert not report.metric("rmse").greater_is_better and report.metric("r2").greater_is_better
    assert check_gate(full, full.predict(X), X, y).metric("rmse").difference == 0
    roundtrip(report)


def test_user_metrics_need_a_direction(y: np.ndarray) -> None:
    recall = GateMetric("recall", recall_score, greater_is_better=True)
    worst_p = GateMetric(
        "max_error_prob",
        lambda t, p: float(np.max(np.abs(p[:, 1] - t))),
        greater_is_better=False,
        response="predict_proba",
    )
    cand, base = probs(y, 1.0, 24), probs(y, 1.0, 25)
    report = check_gate(cand, base, None, y, metrics=["accuracy", recall, worst_p], n_boot=200)
    m = report.metric("recall")
    expected = recall_score(y, (cand >= 0.5).astype(int)) - recall_score(
        y, (base >= 0.5).astype(int)
    )
    assert m.difference == pytest.approx(expected) and m.n_boot == 200
    assert not report.metric("max_error_prob").greater_is_better
    assert "GateMetric" not in json.dumps(report.to_dict())  # the function is not serialised
    roundtrip(report)


def test_metric_comparison_without_baseline_has_no_comparison() -> None:
    m = MetricComparison("accuracy", True, 0.9, None, None, None, None, None, None, 0.0, None, 0)
    assert m.comparison() is None and m.passed and m.interval() == "-"


def test_importing_the_gate_history_and_retrain_stays_light() -> None:
    code = (
        "import sys\n"
        "import pytest_mlaudit.checks.gate, pytest_mlaudit.history, pytest_mlaudit.retrain\n"
        "import pytest_mlaudit.scaffold, pytest_mlaudit.cli\n"
        "heavy = [m for m in ('pytest', 'scipy', 'sklearn', 'pandas') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
