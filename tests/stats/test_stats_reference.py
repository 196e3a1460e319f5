"""Reference values: scipy for KS, hand computation for the distances and corrections."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from pytest_mlaudit.stats import distances
from pytest_mlaudit.stats.contingency import chi2_contingency_2xk
from pytest_mlaudit.stats.corrections import adjust_pvalues
from pytest_mlaudit.stats.histogram import bin_counts_sorted, quantile_edges, sorted_quantiles
from pytest_mlaudit.stats.ks import ks_2samp_sorted, ks_statistic_sorted

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
# few distinct values on purpose: ties are where KS implementations go wrong
tied = st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0])
sample = st.one_of(
    arrays(np.float64, st.integers(2, 300), elements=finite),
    arrays(np.float64, st.integers(2, 300), elements=tied),
)


def _scipy_ks(x: np.ndarray, y: np.ndarray) -> Any:
    """The reference: scipy's own answer (its fallback warning silenced here only)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ks_2samp: Exact calculation", RuntimeWarning)
        return stats.ks_2samp(x, y)


@given(sample, sample)
@settings(max_examples=300)
def test_ks_matches_scipy_on_generated_samples(x: np.ndarray, y: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy's "Exact calculation unsuccessful" never leaks
        d, p = ks_2samp_sorted(np.sort(x), np.sort(y))
    ref = _scipy_ks(x, y)
    assert d == pytest.approx(float(ref.statistic), abs=1e-12)
    assert p == pytest.approx(float(ref.pvalue), abs=1e-12)


@given(sample, sample)
@settings(max_examples=300)
def test_merged_ks_statistic_equals_scipy(x: np.ndarray, y: np.ndarray) -> None:
    """The O(n) merge used above 10,000 values gives scipy's statistic at any size."""
    assert ks_statistic_sorted(np.sort(x), np.sort(y)) == pytest.approx(
        float(_scipy_ks(x, y).statistic), abs=1e-12
    )


@pytest.mark.parametrize(
    ("n1", "n2", "shift", "decimals"),
    [(20_000, 15_000, 0.0, None), (12_000, 30_000, 0.05, None), (50_000, 50_000, 0.02, 1)],
)
def test_ks_asymptotic_path_matches_scipy(
    n1: int, n2: int, shift: float, decimals: int | None
) -> None:
    rng = np.random.default_rng(n1 + n2)
    x, y = rng.normal(size=n1), rng.normal(shift, size=n2)
    if decimals is not None:
        x, y = np.round(x, decimals), np.round(y, decimals)
    d, p = ks_2samp_sorted(np.sort(x), np.sort(y))
    ref = stats.ks_2samp(x, y)
    assert d == pytest.approx(float(ref.statistic), abs=1e-12)
    assert p == pytest.approx(float(ref.pvalue), abs=1e-12)


def test_psi_hand_computed() -> None:
    # (0.4-0.5)ln(0.4/0.5) + (0.6-0.5)ln(0.6/0.5)
    expected = -0.1 * math.log(0.8) + 0.1 * math.log(1.2)
    assert distances.psi([50, 50], [40, 60]) == pytest.approx(expected, rel=1e-12)
    # an empty current bin is floored at eps=1e-4 instead of blowing up
    p, q = np.array([0.5, 0.5]), np.array([1e-4, 1.0])
    expected_eps = float(np.sum((q - p) * np.log(q / p)))
    assert distances.psi([10, 10], [0, 20]) == pytest.approx(expected_eps, rel=1e-12)


def test_js_distance_hand_computed() -> None:
    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    m = (p + q) / 2
    kl = lambda a, b: float(np.sum(a * np.log2(a / b)))  # noqa: E731
    expected = math.sqrt((kl(p, m) + kl(q, m)) / 2)
    assert distances.jensen_shannon([5, 5], [9, 1]) == pytest.approx(expected, rel=1e-12)
    assert distances.jensen_shannon([1, 0], [0, 1]) == pytest.approx(1.0)
    assert distances.jensen_shannon([3, 7], [3, 7]) == 0.0


def test_linf_and_total_variation_hand_computed() -> None:
    assert distances.linf([10, 30, 60], [20, 30, 50]) == pytest.approx(0.1)
    assert distances.total_variation([10, 30, 60], [20, 30, 50]) == pytest.approx(0.1)
    assert distances.total_variation([1, 0], [0, 1]) == pytest.approx(1.0)


def test_wasserstein_normalised_hand_computed() -> None:
    ref = np.array([0.0, 1.0, 2.0, 3.0])
    cur = ref + 0.5  # every unit of mass moves 0.5
    std = float(ref.std())
    assert distances.wasserstein_normalised(ref, cur, std) == pytest.approx(0.5 / std)
    assert distances.wasserstein_normalised(np.zeros(3), np.ones(3), 0.0) == pytest.approx(1.0)


def test_chi2_contingency_hand_computed() -> None:
    # table [[30, 70], [50, 50]]: expected [[40, 60], [40, 60]]
    expected = (10**2 / 40) * 2 + (10**2 / 60) * 2
    res = chi2_contingency_2xk([30, 70], [50, 50])
    assert res.statistic == pytest.approx(expected)
    assert res.dof == 1
    assert res.pvalue == pytest.approx(float(stats.chi2.sf(expected, 1)))
    assert res.pooled == 0


def test_chi2_pools_cells_with_small_expected_counts() -> None:
    res = chi2_contingency_2xk([500, 480, 4, 3], [510, 470, 3, 4])
    assert res.pooled == 2 and res.dof == 2
    pooled = stats.chi2_contingency(np.array([[500, 480, 7], [510, 470, 7]]), correction=False)
    assert res.statistic == pytest.approx(float(pooled.statistic))


def test_holm_and_bh_hand_computed() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1 -> max-accumulated 0.06
    assert adjust_pvalues(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: sorted 0.005*4/1=0.02, 0.01*4/2=0.02, 0.03*4/3=0.04, 0.04*4/4=0.04
    assert adjust_pvalues(p, "bh") == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert adjust_pvalues(p, "none") == p
    assert adjust_pvalues([0.9, 0.8], "holm") == [1.0, 1.0]


def test_quantile_edges_and_counts() -> None:
    values = np.arange(1.0, 101.0)
    qs = np.linspace(0, 1, 5)[1:-1]
    assert sorted_quantiles(values, qs) == pytest.approx(np.quantile(values, qs))
    edges = quantile_edges(values, 4)
    assert edges == pytest.approx([25.75, 50.5, 75.25])
    counts = bin_counts_sorted(values, edges)
    assert counts.tolist() == [25, 25, 25, 25]
    # values beyond the reference range fall in the open outer bins
    assert bin_counts_sorted(np.array([-1e9, 1e9]), edges).tolist() == [1, 0, 0, 1]
    # tied quantiles collapse
    assert quantile_edges(np.array([0.0] * 90 + [1.0] * 10), 10) == pytest.approx([0.0, 0.1])
