"""DriftReport.measures(): one shape for the history, in agreement with the verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import BadWhen, DriftReport, check_drift, profile_reference

rng = np.random.default_rng(11)
N = 2000
REF = pd.DataFrame(
    {
        "x": rng.normal(size=N),
        "y": rng.normal(size=N),
        "c": rng.choice(["a", "b", "c"], N),
        "m": np.where(rng.random(N) < 0.05, np.nan, rng.normal(size=N)),
    }
)
CUR = pd.DataFrame(
    {
        "x": rng.normal(0.4, size=N),  # drifts
        "y": rng.normal(size=N),
        "c": rng.choice(["a", "b", "c"], N, p=[0.2, 0.3, 0.5]),  # drifts
        "m": np.where(rng.random(N) < 0.3, np.nan, rng.normal(size=N)),  # null rate jumps
    }
)
METHODS = {"x": ["ks", "psi", "js", "wasserstein"], "c": ["chi2", "psi", "js", "linf"]}


def _check(report: DriftReport) -> None:
    measures = report.measures()
    by_key = {(m.subject, m.name): m for m in measures}
    assert len(by_key) == len(measures)  # one measure per (column, name)
    tests = 0
    for row in report.columns:
        effect = by_key[(row.column, row.method)]
        assert effect.statistic == row.effect and effect.threshold == row.threshold
        assert effect.bad_when is BadWhen.ABOVE
        if row.is_test:
            tests += 1
            p = by_key[(row.column, f"{row.method}_pvalue")]
            assert p.statistic == row.pvalue_adjusted and p.threshold == report.alpha
            assert p.bad_when is BadWhen.BELOW
            assert row.drifted == (effect.breached and p.breached)
            assert row.significant == p.breached
        else:
            assert (row.column, f"{row.method}_pvalue") not in by_key
            assert row.drifted == effect.breached
    assert len(measures) == len(report.columns) + tests
    drifted = {m.subject for m in measures if m.breached and not m.name.endswith("_pvalue")}
    assert set(report.drifted_columns) <= drifted


def test_measures_agree_with_the_verdicts_per_row() -> None:
    report = check_drift(REF, CUR, methods=METHODS)
    assert set(report.drifted_columns) == {"x", "c", "m"}
    _check(report)
    _check(check_drift(REF, REF, methods=METHODS))
    _check(check_drift(REF, CUR, min_effect=0.5))  # significant but below the floor
    _check(check_drift(REF, CUR, correction="none", alpha=1e-300))


def test_measures_survive_the_record_round_trip() -> None:
    report = check_drift(REF, CUR)
    assert DriftReport.from_dict(report.to_dict()).measures() == report.measures()


def test_measures_from_a_profile_equal_raw_for_binned_methods() -> None:
    methods = {"x": ["psi", "js"], "c": ["chi2", "psi", "js", "linf"]}
    cols = ["x", "c"]
    raw = check_drift(REF, CUR, columns=cols, methods=methods).measures()
    prof = check_drift(profile_reference(REF), CUR, columns=cols, methods=methods).measures()
    assert raw == prof


@pytest.mark.parametrize("bins", [np.int64(10), np.int32(7), 12])
def test_numpy_integers_are_integers(bins: int) -> None:
    report = check_drift(REF, CUR, methods="psi", bins=bins, max_categories=np.int64(50))
    assert report == check_drift(REF, CUR, methods="psi", bins=int(bins), max_categories=50)
    prof = profile_reference(REF, bins=bins, sample_size=np.int64(500), seed=np.uint8(3))
    assert prof.bins == int(bins) and type(prof.bins) is int
    assert check_drift(prof, CUR, bins=bins).passed is False


def test_numpy_floats_are_floats() -> None:
    a = check_drift(REF, CUR, alpha=np.float64(0.01), min_effect=np.float32(0.05))
    b = check_drift(REF, CUR, alpha=0.01, min_effect=float(np.float32(0.05)))
    assert a == b and type(a.alpha) is float
