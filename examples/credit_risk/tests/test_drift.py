"""Drift checks of the example credit-risk model, written as a model repo writes them."""

from __future__ import annotations

import pandas as pd
import pytest

from data import FEATURES
from pytest_mlaudit import CheckFailed


@pytest.mark.drift
def test_inputs_have_not_drifted(mlaudit, train_df: pd.DataFrame, prod_df: pd.DataFrame) -> None:
    report = mlaudit.drift(train_df, prod_df, columns=FEATURES)
    report.assert_ok()


@pytest.mark.drift(psi_threshold=0.1)
def test_score_distribution_is_stable(
    mlaudit, train_scores: pd.Series, prod_scores: pd.Series
) -> None:
    mlaudit.drift(train_scores, prod_scores, methods="psi").assert_ok()


@pytest.mark.drift
@pytest.mark.xfail(
    strict=True,
    raises=CheckFailed,  # the drift verdict, not a crash on the way to it
    reason="the 'downturn' slice has real drift (income, debt_ratio, loan_amount, employment, "
    "a new region): this test shows what a failing drift audit looks like",
)
def test_downturn_traffic_is_flagged(
    mlaudit, train_df: pd.DataFrame, prod_drifted_df: pd.DataFrame
) -> None:
    report = mlaudit.drift(train_df, prod_drifted_df, columns=FEATURES)
    report.assert_ok()
