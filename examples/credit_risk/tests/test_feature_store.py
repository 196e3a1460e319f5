"""The example's feature store: training reads from it what scoring is served from it.

The model's features are defined once, in Feast (``feature_repo/definitions.py``), and
read twice: point in time from the offline store by the training job (``train_df``), and
the latest values from the online store by the scoring service. ``mlaudit.store_parity``
reads a sample of applicants both ways, as of the same time, and compares every feature.

The stale store's online store was last materialized on 1 December 2024, so it misses
December's applications and the bureau reports refreshed since; its test is marked
``xfail(strict=True)``: it must fail, and it shows what a failing check looks like. See
the report with::

    pytest examples/credit_risk/tests/test_feature_store.py --runxfail -k stale
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from data import FEATURES, make_training_set
from pytest_mlaudit import CheckFailed, check_store_parity
from store import AS_OF, MODEL_SERVICE

#: The refs of the model's feature service, by view.
APPLICATION = ["age", "income", "loan_amount", "employment", "region", "home_ownership"]
BUREAU = ["debt_ratio", "credit_score", "open_accounts"]


def test_training_reads_what_was_known_at_application_time(train_df: pd.DataFrame) -> None:
    """A third of the bureau reports were refreshed after the application: the point-in-time
    join reads the earlier report, so the training frame is the seeded training set."""
    pd.testing.assert_frame_equal(train_df, make_training_set(20_000, seed=7))


@pytest.mark.skew
def test_the_online_store_serves_what_training_read(mlaudit, feature_store: Any) -> None:
    service = feature_store.get_feature_service(MODEL_SERVICE)
    report = mlaudit.store_parity(feature_store, service, at=AS_OF)
    report.assert_ok()
    assert {f"{f.view}:{f.feature}" for f in report.features} == {
        *(f"application:{name}" for name in APPLICATION),
        *(f"credit_bureau:{name}" for name in BUREAU),
    }
    assert sorted(f.feature for f in report.features) == sorted(FEATURES)


@pytest.mark.skew
def test_on_demand_features_agree_online_and_offline(mlaudit, feature_store: Any) -> None:
    mlaudit.store_parity(
        feature_store, ["loan_ratios:loan_to_income", "application:income"], at=AS_OF
    ).assert_ok()


def test_the_stale_online_store_is_caught(stale_feature_store: Any) -> None:
    """The check names every feature the stale store serves wrongly, and why: December's
    applicants were never materialized; refreshed reports are stale online."""
    service = stale_feature_store.get_feature_service(MODEL_SERVICE)
    report = check_store_parity(stale_feature_store, service, at=AS_OF)
    assert not report.passed
    assert set(report.mismatched_features) == {
        *(f"application:{name}" for name in APPLICATION),
        *(f"credit_bureau:{name}" for name in BUREAU),
    }
    causes = {f.feature: set(f.causes) for f in report.features}
    assert all(causes[name] == {"not_materialized"} for name in APPLICATION)
    assert all("stale" in causes[name] for name in BUREAU)


@pytest.mark.skew
@pytest.mark.xfail(
    strict=True,
    raises=CheckFailed,  # the parity verdict, not a crash on the way to it
    reason="the online store was last materialized on 2024-12-01: it has no row for "
    "December's applicants and serves bureau reports that were refreshed since; this test "
    "shows what a failing store-parity check looks like",
)
def test_stale_online_store_serves_what_training_read(mlaudit, stale_feature_store: Any) -> None:
    service = stale_feature_store.get_feature_service(MODEL_SERVICE)
    mlaudit.store_parity(stale_feature_store, service, at=AS_OF).assert_ok()
