"""KS p-values reported as a bound where scipy's is costly: equal to scipy's within 1e-12,
and the same verdicts, against scipy over seeded cases (near the thresholds too)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pytest_mlaudit import check_drift
from pytest_mlaudit.checks.drift._columns import PVALUE_TOLERANCE
from pytest_mlaudit.stats.corrections import adjust_pvalues
from pytest_mlaudit.stats.ks import asymptotic_pvalue, costly_pvalue_bound, ks_test_sorted


def test_the_bound_is_above_scipys_pvalue_and_within_tolerance_where_used() -> None:
    rng = np.random.default_rng(12)
    # N*d**2 across the costly range [2.2, 370), its ends and the 1e-12 cut (about 14.2)
    targets = [2.2 + 1e-9, 2.2000001, 14.0, 14.2, 14.5, 369.99, *rng.uniform(2.21, 369.9, 150)]
    used = 0
    for t in targets:
        n1 = int(rng.integers(300, 40_000))
        n2 = int(rng.integers(300, 40_000))
        big_n = round(n1 * n2 / (n1 + n2))
        d = math.sqrt(float(t) / big_n)
        bound = costly_pvalue_bound(d, n1, n2)
        assert bound is not None, (t, n1, n2)
        exact = float(stats.distributions.kstwo.sf(d, big_n))
        assert exact == asymptotic_pvalue(d, n1, n2)
        assert bound >= exact, (t, n1, n2)
        if bound <= PVALUE_TOLERANCE:
            used += 1
            assert bound - exact <= PVALUE_TOLERANCE
    assert used > 100
    # outside the costly range scipy is fast and no bound is given
    assert costly_pvalue_bound(0.1, 1_000_000, 1_000_000) is None  # N d^2 >= 370
    assert costly_pvalue_bound(0.001, 50_000, 50_000) is None  # N d^2 < 2.2
    assert costly_pvalue_bound(0.003, 4_000_000, 4_000_000) is None  # N > 1e6


def test_ks_test_gives_the_bound_only_when_asked_and_small_enough() -> None:
    rng = np.random.default_rng(3)
    x, y = np.sort(rng.normal(size=20_000)), np.sort(rng.normal(0.15, size=20_000))
    plain = ks_test_sorted(x, y)
    bounded = ks_test_sorted(x, y, bound_below=1e-12)
    assert plain.method == "asymp" and bounded.method == "bound"
    assert plain.statistic == bounded.statistic == float(stats.ks_2samp(x, y).statistic)
    assert plain.pvalue == float(stats.ks_2samp(x, y).pvalue) <= bounded.pvalue <= 1e-12
    assert ks_test_sorted(x, y, bound_below=1e-300).method == "asymp"  # bound too loose


def _frames(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_ref, n_cur = (int(v) for v in rng.integers(10_001, 25_000, size=2))
    big_n = n_ref * n_cur / (n_ref + n_cur)
    ref, cur = {}, {}
    for i in range(int(rng.integers(2, 7))):
        # a shift that puts N*D**2 anywhere in [0, 300]: no drift, near the 1e-12 cut, far
        target_d = math.sqrt(rng.choice([0.0, rng.uniform(10, 20), rng.uniform(2, 300)]) / big_n)
        shift = target_d * math.sqrt(2 * math.pi)  # D of a normal shift ~ shift / sqrt(2 pi)
        ref[f"x{i}"] = rng.normal(size=n_ref)
        cur[f"x{i}"] = rng.normal(shift, size=n_cur)
    return pd.DataFrame(ref), pd.DataFrame(cur)


@pytest.mark.parametrize("correction", ["holm", "bh", "none"])
def test_bounded_pvalues_give_scipys_verdicts_and_pvalues_within_1e_12(correction: str) -> None:
    rng = np.random.default_rng({"holm": 1, "bh": 2, "none": 3}[correction])
    bounded = settled = 0
    for case in range(25):
        ref, cur = _frames(rng)
        scipy_p = [float(stats.ks_2samp(ref[c], cur[c]).pvalue) for c in ref]
        exact_adj = adjust_pvalues(scipy_p, correction)  # type: ignore[arg-type]
        # alphas: the default, absurdly small ones, and right at a corrected p-value
        tiny = [a for a in exact_adj if 0 < a < 1e-12]
        alphas = [0.05, 1e-30, 1e-14]
        if tiny:
            alphas += [tiny[0] * (1 + 1e-9), tiny[0] * (1 - 1e-9)]
        for alpha in alphas:
            report = check_drift(
                ref, cur, alpha=alpha, correction=correction, min_effect=0.0, n_jobs=1
            )
            rows = [report.column(c)[0] for c in ref]
            for row, p, adj in zip(rows, scipy_p, exact_adj, strict=True):
                where = (case, alpha, row.column)
                assert abs(row.pvalue - p) <= 1e-12, where
                assert abs(row.pvalue_adjusted - adj) <= 1e-12, where
                assert row.significant == (adj < alpha), where
                if row.pvalue_is_bound:
                    bounded += 1
                    assert row.pvalue >= p and row.details["ks_method"] == "bound", where
                    assert row.pvalue * len(rows) <= PVALUE_TOLERANCE, where
                    assert "<=" in report.summary()
                    frame = report.to_frame().set_index("column")
                    assert bool(frame.loc[row.column, "pvalue_is_bound"])
                else:
                    assert row.pvalue == p, where  # computed: scipy's own float
                    settled += costly_pvalue_bound(row.statistic, len(ref), len(cur)) is not None
            exact_drifted = tuple(c for c, a in zip(ref, exact_adj, strict=True) if a < alpha)
            assert report.drifted_columns == exact_drifted, (case, alpha)
    assert bounded > 20 and settled > 5  # both branches ran
