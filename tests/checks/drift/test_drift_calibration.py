"""Calibration and power of the drift verdict (seeded, deterministic).

* no drift: over 200 datasets of 20 columns, the share flagged at alpha=0.05 is <= 0.08;
* a 0.1 sd mean shift in one column at n=10,000 per side is caught in >= 95% of trials.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import check_drift

pytestmark = pytest.mark.slow  # 200 seeded datasets per trial, and a million-row run

CATS = np.array(list("abcdefgh"))
P = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.08, 0.05, 0.02])


def _dataset(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    data: dict[str, object] = {}
    for i in range(15):
        data[f"num{i}"] = rng.normal(shift if i == 0 else 0.0, 1.0, size=n)
    for i in range(5):
        data[f"cat{i}"] = CATS[rng.choice(len(CATS), size=n, p=P)]
    return pd.DataFrame(data)


def test_no_drift_false_alarm_rate_is_at_most_8_percent() -> None:
    rng = np.random.default_rng(20261127)
    flagged = 0
    for _ in range(200):
        ref, cur = _dataset(rng, 1_000), _dataset(rng, 1_000)
        flagged += not check_drift(ref, cur, alpha=0.05).passed
    rate = flagged / 200
    print(f"false-alarm rate over 200 null datasets: {rate:.3f}")
    assert rate <= 0.08


def test_a_tenth_sd_shift_at_10k_rows_is_caught_95_percent() -> None:
    rng = np.random.default_rng(7)
    caught = 0
    for _ in range(200):
        ref, cur = _dataset(rng, 10_000), _dataset(rng, 10_000, shift=0.1)
        report = check_drift(ref, cur, alpha=0.05)
        caught += (not report.passed) and "num0" in report.drifted_columns
    rate = caught / 200
    print(f"power for a 0.1 sd shift at n=10,000: {rate:.3f}")
    assert rate >= 0.95


def test_a_hundredth_sd_shift_at_a_million_rows_is_reported_but_not_a_failure() -> None:
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(size=1_000_000)})
    cur = pd.DataFrame({"x": rng.normal(0.01, size=1_000_000)})
    report = check_drift(ref, cur)
    (row,) = report.columns
    assert row.pvalue is not None and row.pvalue < 1e-3  # significant ...
    assert row.effect < report.min_effect  # ... but tiny
    assert report.passed
    # unless the user asks for significance alone
    assert not check_drift(ref, cur, min_effect=0.0).passed
