"""Does the drift hurt the model? Checks of the example credit-risk model that need no
production labels, as a model repo writes them.

``mlaudit.performance`` estimates the model's accuracy and ROC AUC on unlabelled traffic
from its (calibration-tested) probabilities; ``mlaudit.impact`` weighs the drift by what
the model uses and looks for the segment that explains each drifted column. The labelled
reference is a fresh sample of applicants the model never saw. The downturn slice fails
(its tests are marked ``xfail(strict=True)``: they must fail, and they show what a
failing check looks like).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from data import FEATURES, TARGET, make_training_set
from pytest_mlaudit import CheckFailed


@pytest.fixture(scope="module")
def holdout_df() -> pd.DataFrame:
    """Labelled applicants the model did not train on: the reference of the estimate."""
    return make_training_set(5_000, seed=21)


@pytest.mark.drift
def test_estimated_accuracy_holds_without_labels(
    mlaudit, model: Any, holdout_df: pd.DataFrame, prod_df: pd.DataFrame
) -> None:
    report = mlaudit.performance(
        model,
        holdout_df[FEATURES],
        holdout_df[TARGET],
        prod_df[FEATURES],
        metric="accuracy",
        max_drop=0.02,
    )
    report.assert_ok()


@pytest.mark.drift
def test_drift_does_not_reach_the_model(
    mlaudit, model: Any, holdout_df: pd.DataFrame, prod_df: pd.DataFrame
) -> None:
    report = mlaudit.impact(
        model, holdout_df[FEATURES], prod_df[FEATURES], y_reference=holdout_df[TARGET]
    )
    report.assert_ok()


@pytest.mark.drift
@pytest.mark.xfail(
    strict=True,
    raises=CheckFailed,  # the verdict, not a crash on the way to it
    reason="the downturn moves applicants towards the decision boundary: the estimated "
    "accuracy drops by about 0.04 before any label arrives",
)
def test_downturn_costs_accuracy(
    mlaudit, model: Any, holdout_df: pd.DataFrame, prod_drifted_df: pd.DataFrame
) -> None:
    report = mlaudit.performance(
        model,
        holdout_df[FEATURES],
        holdout_df[TARGET],
        prod_drifted_df[FEATURES],
        metric="accuracy",
        max_drop=0.02,
    )
    report.assert_ok()


@pytest.mark.drift
@pytest.mark.xfail(
    strict=True,
    raises=CheckFailed,
    reason="the downturn drifts debt_ratio and income, which carry a third of the model's "
    "signal, and moves the score distribution (PSI above 0.1)",
)
def test_downturn_drift_reaches_the_model(
    mlaudit, model: Any, holdout_df: pd.DataFrame, prod_drifted_df: pd.DataFrame
) -> None:
    report = mlaudit.impact(
        model, holdout_df[FEATURES], prod_drifted_df[FEATURES], y_reference=holdout_df[TARGET]
    )
    report.assert_ok()
