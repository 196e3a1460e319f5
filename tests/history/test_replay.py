"""Replay a year of weekly audits: the policy retrains only after the data really drifts.

52 weekly production batches are audited against the training data (the same two drift
tests a model repo writes: the default tests, and PSI), each run's record is appended to
the history, and every week ``should_retrain`` decides. Week 12 has a one-off anomaly (a
holiday campaign brings a burst of one region); from week 30 on, a downturn moves income
and debt for good. When the policy says retrain, the model is retrained on recent data
(the drift tests' reference becomes the last two batches) and the retrain is recorded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.drift import check_drift
from pytest_mlaudit.history import HistoryStore
from pytest_mlaudit.record import CheckEntry, build_record
from pytest_mlaudit.retrain import RetrainPolicy, should_retrain

WEEKS = 52
DRIFT_FROM = 30
ANOMALY_WEEK = 12
START = dt.datetime(2025, 1, 6, 6, tzinfo=dt.UTC)  # a Monday
REGIONS = ["north", "south", "east", "west"]

POLICY = RetrainPolicy.from_mapping(
    {
        "min_days_between": 28,
        "drift": {"runs": 2, "tests": ["test_inputs_have_not_drifted"]},
        "psi": {"features": ["income", "debt_ratio"], "threshold": 0.2, "runs": 2},
    },
    source="replay policy",
)


def batch(n: int, rng: np.random.Generator, *, week: int) -> pd.DataFrame:
    downturn = week >= DRIFT_FROM
    region_p = [0.7, 0.1, 0.1, 0.1] if week == ANOMALY_WEEK else [0.25] * 4
    return pd.DataFrame(
        {
            "income": rng.lognormal(10.6 - (0.3 if downturn else 0.0), 0.45, n),
            "debt_ratio": np.clip(rng.beta(2, 5, n) + (0.12 if downturn else 0.0), 0, 1.5),
            "age": rng.integers(21, 76, n),
            "region": rng.choice(REGIONS, n, p=region_p),
        }
    )


def audit(reference: pd.DataFrame, current: pd.DataFrame) -> list[CheckEntry]:
    inputs = check_drift(reference, current)
    psi = check_drift(reference, current, columns=["income", "debt_ratio"], methods="psi")
    return [
        CheckEntry.from_report(
            "drift", inputs, nodeid="tests/test_drift.py::test_inputs_have_not_drifted"
        ),
        CheckEntry.from_report(
            "drift", psi, nodeid="tests/test_drift.py::test_important_features_are_stable"
        ),
    ]


def test_a_year_of_weekly_audits(tmp_path: Path) -> None:
    rng = np.random.default_rng(2025)
    store = HistoryStore(tmp_path / "history.sqlite")
    reference = batch(5000, rng, week=0)
    recent: list[pd.DataFrame] = []
    retrained: list[int] = []
    drift_failed: list[int] = []
    for week in range(1, WEEKS + 1):
        when = START + dt.timedelta(weeks=week)
        current = batch(1000, rng, week=week)
        recent = [*recent[-1:], current]
        entries = audit(reference, current)
        if not entries[0].passed:
            drift_failed.append(week)
        record = build_record(entries, run={"week": week}, cwd=tmp_path)
        store.append(dataclasses.replace(record, created_at=when.isoformat(timespec="seconds")))
        decision = should_retrain(store, POLICY, now=when + dt.timedelta(hours=1))
        if decision.retrain:
            retrained.append(week)
            store.add_event(
                "retrain", at=when + dt.timedelta(hours=2), note="; ".join(decision.reasons)
            )
            reference = pd.concat(recent, ignore_index=True)  # retrain on recent data
    avoided = WEEKS - len(retrained)
    print(
        f"\nreplay: drift tests failed in weeks {drift_failed}; the policy retrained in weeks "
        f"{retrained} ({len(retrained)} retrain(s)); a weekly schedule retrains {WEEKS} times, "
        f"so the policy avoids {avoided}"
    )
    assert ANOMALY_WEEK in drift_failed  # the one-off anomaly is seen ...
    assert retrained and all(w >= DRIFT_FROM for w in retrained)  # ... but never retrained on
    assert retrained[0] == DRIFT_FROM + 1  # two drifted runs in a row, then retrain
    assert len(retrained) <= 2
    assert len(store.events("retrain")) == len(retrained) and store.count_runs() == WEEKS
