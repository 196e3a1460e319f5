"""Small-count tests: Fisher's exact test where chi-square's expected counts are too
small, and KS p-values without scipy's fallback warning; both against scipy."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from pytest_mlaudit import check_drift
from pytest_mlaudit.stats.contingency import chi2_contingency_2xk
from pytest_mlaudit.stats.ks import ks_test_sorted


def test_two_buckets_with_small_expected_counts_get_fishers_exact_test() -> None:
    # the table: chi-square says p=0.032, Fisher's exact test 0.068
    res = chi2_contingency_2xk([7, 196], [1, 202])
    assert res.test == "fisher" and res.pooled == 0 and res.dof == 1
    assert res.pvalue == pytest.approx(float(stats.fisher_exact([[7, 196], [1, 202]]).pvalue))
    assert res.pvalue == pytest.approx(0.0676, abs=1e-4)
    chi2 = stats.chi2_contingency(np.array([[7, 196], [1, 202]]), correction=False)
    assert res.statistic == pytest.approx(float(chi2.statistic))  # still the chi-square
    assert float(chi2.pvalue) < 0.05 < res.pvalue


def test_large_expected_counts_keep_pearsons_chi_square() -> None:
    res = chi2_contingency_2xk([30, 70], [50, 50])
    assert res.test == "chi2" and res.pooled == 0
    ref = stats.chi2_contingency(np.array([[30, 70], [50, 50]]), correction=False)
    assert res.pvalue == pytest.approx(float(ref.pvalue))


def test_pooling_down_to_two_buckets_ends_with_fishers_test() -> None:
    # three small buckets and one large one: pooled into one, still small -> Fisher
    res = chi2_contingency_2xk([100, 2, 1, 1], [90, 1, 2, 3])
    assert res.test == "fisher" and res.pooled == 3 and res.dof == 1
    ref = stats.fisher_exact([[100, 4], [90, 6]])
    assert res.pvalue == pytest.approx(float(ref.pvalue))


def test_pooling_keeps_chi_square_when_the_pooled_bucket_is_large_enough() -> None:
    res = chi2_contingency_2xk([500, 480, 4, 3], [510, 470, 3, 4])
    assert (res.test, res.pooled, res.dof) == ("chi2", 2, 2)


@given(
    st.lists(st.integers(0, 30), min_size=2, max_size=6),
    st.lists(st.integers(0, 30), min_size=2, max_size=6),
)
@settings(max_examples=200, deadline=None)
def test_every_table_gets_a_valid_test_and_an_exact_one_when_small(
    a: list[int], b: list[int]
) -> None:
    k = min(len(a), len(b))
    ref, cur = np.array(a[:k]), np.array(b[:k])
    res = chi2_contingency_2xk(ref, cur)
    assert 0.0 <= res.pvalue <= 1.0 and res.statistic >= 0.0
    table = np.vstack([ref, cur])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] == 2 and table.sum(axis=1).all():
        expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
        if expected.min() < 5:
            assert res.test == "fisher"
            assert res.pvalue == pytest.approx(float(stats.fisher_exact(table).pvalue))


def test_the_null_rate_row_uses_the_exact_test_on_small_counts() -> None:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=203)})
    cur = pd.DataFrame({"x": rng.normal(size=203)})
    ref.loc[:6, "x"] = np.nan  # 7 missing of 203
    cur.loc[:0, "x"] = np.nan  # 1 missing of 203
    row = next(c for c in check_drift(ref, cur, correction="none").columns if c.method == "missing")
    assert row.details["test"] == "fisher"
    assert row.pvalue == pytest.approx(float(stats.fisher_exact([[7, 196], [1, 202]]).pvalue))
    assert not row.significant  # chi-square's p=0.032 would have said otherwise


def test_categorical_rows_record_the_test() -> None:
    ref = pd.DataFrame({"c": ["a"] * 195 + ["b"] * 8})
    cur = pd.DataFrame({"c": ["a"] * 202 + ["b"] * 1})
    (row,) = check_drift(ref, cur).columns
    assert row.details["test"] == "fisher" and row.details["pooled"] == 0


# -- KS: scipy's exact method fails on some samples; its fallback is ours, silently ----


FAILING_EXACT = [
    (np.arange(5.0), np.arange(5.0) + 0.5),  # the exact p comes out a hair above 1
    (np.arange(1000.0), np.arange(1000.0) + 0.5),
]


@pytest.mark.parametrize(("x", "y"), FAILING_EXACT)
def test_ks_fallback_equals_scipy_without_a_warning(x: np.ndarray, y: np.ndarray) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ref = stats.ks_2samp(x, y)
    assert any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = ks_test_sorted(np.sort(x), np.sort(y))
        report = check_drift(pd.DataFrame({"x": x}), pd.DataFrame({"x": y}), correction="none")
    assert res.method == "asymp"
    assert res.statistic == float(ref.statistic) and res.pvalue == float(ref.pvalue)
    (row,) = report.columns
    assert row.details["ks_method"] == "asymp" and row.pvalue == float(ref.pvalue)


def test_ks_exact_path_is_recorded() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=300), rng.normal(size=200)
    (row,) = check_drift(x, y, correction="none").columns
    assert row.details["ks_method"] == "exact"
    assert row.pvalue == float(stats.ks_2samp(x, y).pvalue)
    big = check_drift(rng.normal(size=12_000), rng.normal(size=500)).columns[0]
    assert big.details["ks_method"] == "asymp"
