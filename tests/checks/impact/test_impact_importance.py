"""Drift weighted by the model: the ranking and the prediction drift tell an unimportant
column's drift from an important one's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import Auditor, MlauditInputError, check_drift, check_impact
from pytest_mlaudit.checks.impact import ImpactReport
from pytest_mlaudit.result import report_from_dict


def _world(seed: int = 0, n: int = 4000) -> tuple[pd.DataFrame, pd.Series, object]:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "signal": rng.normal(size=n),
            "helper": rng.normal(size=n),
            "noise": rng.normal(size=n),
        }
    )
    z = 2.5 * X["signal"] + 0.8 * X["helper"] + 0.02 * X["noise"]
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-z))).astype(int), name="y")
    return X, y, LogisticRegression().fit(X, y)


def test_only_an_unimportant_column_drifts() -> None:
    X, y, model = _world()
    current = X.assign(noise=X["noise"] + 1.0)
    report = check_impact(model, X, current, y_reference=y)
    assert report.passed
    assert report.ignored_drifted == ("noise",) and report.important_drifted == ()
    assert report.columns[0].column == "signal"  # ranked by importance
    assert report.prediction.psi < 0.02 and not report.prediction.drifted
    assert "ignored (unimportant): noise" in report.brief()


def test_an_important_column_drifts() -> None:
    X, y, model = _world()
    current = X.assign(signal=X["signal"] + 0.8)
    report = check_impact(model, X, current, y_reference=y)
    assert not report.passed
    assert report.important_drifted == ("signal",)
    assert report.drifted_importance > 0.5
    assert report.prediction.drifted and report.prediction.psi > 0.2
    assert report.headline().name == "drifted_importance" and report.headline().breached
    assert "signal (" in report.brief()


@pytest.mark.parametrize("importance", ["model", "score_permutation", "permutation"])
def test_every_importance_method_ranks_the_signal_first(importance: str) -> None:
    X, y, model = _world(1)
    report = check_impact(
        model,
        X,
        X,
        y_reference=y if importance == "permutation" else None,
        importance=importance,
        n_repeats=2,
    )
    assert report.importance_method == importance
    shares = {c.column: c.importance for c in report.columns}
    assert shares["signal"] > shares["helper"] > shares["noise"]
    assert sum(shares.values()) == pytest.approx(1.0)


def test_a_given_drift_report_is_weighed_and_min_importance_is_the_policy() -> None:
    X, y, model = _world(2)
    current = X.assign(helper=X["helper"] + 1.0)
    drift = check_drift(X, current, alpha=0.01)
    strict = check_impact(model, X, current, drift=drift, y_reference=y)
    assert strict.important_drifted == ("helper",) and not strict.passed
    lenient = check_impact(
        model,
        X,
        current,
        drift=drift,
        y_reference=y,
        min_importance=0.5,
        prediction_psi=1.0,
    )
    assert lenient.ignored_drifted == ("helper",) and lenient.passed
    assert any("drift=" in n for n in strict.notes)


def test_report_round_trips_with_measures() -> None:
    X, y, model = _world(3, n=1500)
    current = X.assign(signal=X["signal"] + 0.5)
    report = check_impact(model, X, current, y_reference=y)
    again = report_from_dict(report.to_dict())
    assert isinstance(again, ImpactReport) and again == report
    measures = {(m.name, m.subject): m for m in report.measures()}
    assert measures[("psi", "score")].threshold == 0.1
    assert measures[("weighted_drift", "signal")].breached
    assert not measures[("weighted_drift", "noise")].breached
    assert report.key_figures()["important_drifted"] == "signal"


def test_bad_inputs_are_named() -> None:
    X, y, model = _world(4, n=300)
    with pytest.raises(MlauditInputError, match="drift must be a DriftReport"):
        check_impact(model, X, X, drift="yes")  # type: ignore[arg-type]
    with pytest.raises(MlauditInputError, match="lacks the reference's column"):
        check_impact(model, X, X.drop(columns="noise"))
    with pytest.raises(MlauditInputError, match="both be DataFrames"):
        check_impact(model, X, X.to_numpy())
    with pytest.raises(MlauditInputError, match="y_reference must hold one label"):
        check_impact(model, X, X, y_reference=y[:10])
    with pytest.raises(MlauditInputError, match="needs y_reference"):
        check_impact(model, X, X, importance="permutation")
    with pytest.raises(MlauditInputError, match="min_importance must be"):
        check_impact(model, X, X, min_importance=2)


def test_the_auditor_passes_drift_marker_defaults() -> None:
    X, y, model = _world(5, n=600)
    audit = Auditor(defaults={"drift": {"alpha": 0.01, "psi_threshold": 0.3}})
    report = audit.impact(model, X, X, y_reference=y)
    assert report.passed
