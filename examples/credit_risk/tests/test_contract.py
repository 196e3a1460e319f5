"""The data contract of the example model: a batch that breaks it stops CI before any
statistics run. ``contracts/applicants.yaml`` was drafted with ``infer_contract`` from the
training set and then reviewed (its header says what was changed by hand)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data import FEATURES

CONTRACT = Path(__file__).resolve().parents[1] / "contracts" / "applicants.yaml"


@pytest.mark.contract
def test_todays_batch_keeps_the_contract(mlaudit, prod_df: pd.DataFrame) -> None:
    mlaudit.contract(prod_df[FEATURES], CONTRACT).assert_ok()


@pytest.mark.contract
@pytest.mark.xfail(
    strict=True,
    reason="the 'downturn' batch brings applicants from a region the contract does not know "
    "('online'): this test shows what a broken contract looks like",
)
def test_downturn_batch_keeps_the_contract(mlaudit, prod_drifted_df: pd.DataFrame) -> None:
    mlaudit.contract(prod_drifted_df[FEATURES], CONTRACT).assert_ok()
