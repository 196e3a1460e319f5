"""Label-noise audits of the example credit-risk model's training data.

``default`` is an *outcome* drawn from a known logistic model, so even the correct labels
disagree with any model on many rows: cleanlab flags about 13.5% of them (more among
defaulters, whom a model rarely predicts confidently). An outcome label has no "true"
value to recover, so the limit is set from a known-good snapshot (here 15%), and the
audit's job is to catch a *change*: a labelling bug that flips 10% of the labels pushes
the rate to about 16.4% and puts the flipped rows at the top of the ranking.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from data import FEATURES, TARGET
from pytest_mlaudit import check_labels

FLIP_FRACTION = 0.10
MAX_ISSUE_RATE = 0.15  # the known-good snapshot flags 13.5%


def flip_labels(y: pd.Series, fraction: float, *, seed: int) -> tuple[pd.Series, set[Any]]:
    """A labelling bug: ``fraction`` of the 0/1 labels flipped, at seeded random rows."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(y), size=round(fraction * len(y)), replace=False)
    flipped = y.copy()
    flipped.iloc[rows] = 1 - flipped.iloc[rows]
    return flipped, set(y.index[rows])


@pytest.mark.labels(max_issue_rate=MAX_ISSUE_RATE)
def test_training_labels_are_clean(mlaudit: Any, train_df: pd.DataFrame, model: Any) -> None:
    report = mlaudit.labels(train_df[FEATURES], train_df[TARGET], model=model, cv=5, cache=True)
    report.assert_ok()


@pytest.mark.labels(max_issue_rate=MAX_ISSUE_RATE)
@pytest.mark.xfail(
    strict=True,
    reason="10% of the labels are flipped (a labelling bug): this test shows what a "
    "failing label audit looks like",
)
def test_a_labelling_bug_fails_the_audit(mlaudit: Any, train_df: pd.DataFrame, model: Any) -> None:
    y, _ = flip_labels(train_df[TARGET], FLIP_FRACTION, seed=42)
    mlaudit.labels(train_df[FEATURES], y, model=model, cv=5, cache=True).assert_ok()


def test_the_most_suspicious_rows_are_the_flipped_ones(
    train_df: pd.DataFrame, model: Any, tmp_path: Any
) -> None:
    """The ranking is what auditors read: the top 100 rows are mostly the flipped ones
    (about 80% of them, against 10% of all rows)."""
    y, flipped = flip_labels(train_df[TARGET], FLIP_FRACTION, seed=42)
    report = check_labels(train_df[FEATURES], y, model=model, cv=5, cache=True, top_n=100)
    share = np.mean([row.index in flipped for row in report.suspicious])
    assert share >= 0.5, f"only {share:.0%} of the 100 most suspicious rows were flipped"
    path = report.audit_sample.to_csv(tmp_path / "label_audit_sample.csv")
    assert len(pd.read_csv(path)) == 2 * report.audit_sample.per_class
