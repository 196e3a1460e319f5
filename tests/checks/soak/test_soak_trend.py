"""Theil-Sen slopes and error bursts; the slope limit scales with the duration."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pytest_mlaudit.checks.soak.report import Trend
from pytest_mlaudit.checks.soak.trend import error_bursts, theil_sen
from pytest_mlaudit.result import report_from_dict
from tests.checks.soak.soak_fixtures import make_soak_report


def test_theil_sen_resists_outliers_where_two_samples_do_not() -> None:
    rng = np.random.default_rng(7)
    x = np.linspace(0, 1, 60)
    y = 100 + 0.0 * x + rng.normal(0, 0.2, 60)
    y[-1] += 50  # one GC spike at the end: a first/last difference calls it a leak
    slope, _, low, high = theil_sen(list(x), list(y))
    assert abs(slope) < 1.0 and high - low < 2.0
    assert y[-1] - y[0] > 40
    y2 = 100 + 30 * x + rng.normal(0, 0.2, 60)
    slope2, _, low2, _ = theil_sen(list(x), list(y2))
    assert slope2 == pytest.approx(30, rel=0.05) and low2 > 25


def test_theil_sen_needs_points() -> None:
    assert all(math.isnan(v) for v in theil_sen([1, 2], [3, 4]))
    assert all(math.isnan(v) for v in theil_sen([1, 1, 1], [3, 4, 5]))


def test_error_bursts() -> None:
    assert error_bursts([], max_error_rate=0.1) == 0
    assert error_bursts([(10, 0), (10, 5), (0, 0), (10, 6), (10, 0)], max_error_rate=0.1) == 1
    assert error_bursts([(2, 1), (2, 2)], max_error_rate=0.1) == 1  # a small bin all failed


def test_limit_scales_with_duration() -> None:
    short = Trend("rss_mb", "MiB", 0.0, 0.0, 0.0, allowed_growth=32, duration_s=10, points=20)
    long = Trend("rss_mb", "MiB", 0.0, 0.0, 0.0, allowed_growth=32, duration_s=3600, points=20)
    assert short.limit_per_h == pytest.approx(32 * 360) and long.limit_per_h == 32
    leak = Trend("rss_mb", "MiB", 50.0, 40.0, 60.0, allowed_growth=32, duration_s=3600, points=9)
    assert leak.breached and leak.growth == pytest.approx(50)
    noisy = Trend("rss_mb", "MiB", 50.0, -5.0, 90.0, allowed_growth=32, duration_s=3600, points=9)
    assert not noisy.breached  # not significantly rising


def test_report_verdicts_and_round_trip() -> None:
    steady = make_soak_report()
    assert steady.passed and steady.brief().startswith("steady")
    leaking = make_soak_report(rss_slope=900.0)
    assert not leaking.passed and leaking.brief() == "upward trend: rss_mb"
    assert leaking.headline().name == "rss_mb_slope_per_h" and leaking.headline().breached
    assert "FAILED: rss_mb" in leaking.summary()
    assert not make_soak_report(bursts=2).passed
    assert not make_soak_report(survived=False).passed
    again = report_from_dict(leaking.to_dict())
    assert again == leaking and not again.passed
