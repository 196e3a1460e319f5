"""Properties that hold for all inputs (hypothesis)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pytest_mlaudit import DriftReport, check_drift

values = arrays(
    np.float64,
    st.integers(5, 200),
    elements=st.one_of(
        st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 1.0, -1.0, np.nan]),
    ),
).filter(lambda a: int(np.sum(~np.isnan(a))) >= 2)
labels = st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=5, max_size=200).filter(
    lambda xs: any(x is not None for x in xs)
)


def _frame(x: np.ndarray, c: list[str | None]) -> pd.DataFrame:
    n = min(len(x), len(c))
    assume(int(np.sum(~np.isnan(x[:n]))) >= 2 and any(v is not None for v in c[:n]))
    return pd.DataFrame({"x": x[:n], "c": pd.array(c[:n], dtype="object")})


@given(values, labels)
@settings(max_examples=60)
def test_identical_samples_never_drift(x: np.ndarray, c: list[str | None]) -> None:
    frame = _frame(x, c)
    methods = {"x": ["ks", "psi", "js", "wasserstein"], "c": ["chi2", "psi", "js", "linf"]}
    report = check_drift(frame, frame, methods=methods)
    assert report.passed
    assert all(not row.drifted for row in report.columns)


@given(values, values, labels, labels)
@settings(max_examples=60)
def test_pvalues_in_unit_interval_and_json_round_trips(
    x1: np.ndarray, x2: np.ndarray, c1: list[str | None], c2: list[str | None]
) -> None:
    report = check_drift(_frame(x1, c1), _frame(x2, c2))
    for row in report.columns:
        for p in (row.pvalue, row.pvalue_adjusted):
            assert p is not None and 0.0 <= p <= 1.0
        assert row.effect >= 0.0
    again = DriftReport.from_dict(json.loads(json.dumps(report.to_dict(), allow_nan=False)))
    assert again == report and again.passed == report.passed


@given(values, values, st.randoms(use_true_random=False))
@settings(max_examples=60)
def test_row_order_does_not_matter(x1: np.ndarray, x2: np.ndarray, rnd) -> None:  # type: ignore[no-untyped-def]
    a, b = pd.DataFrame({"x": x1}), pd.DataFrame({"x": x2})
    perm_a = a.sample(frac=1.0, random_state=rnd.randint(0, 2**31))
    perm_b = b.sample(frac=1.0, random_state=rnd.randint(0, 2**31))
    methods = ["ks", "psi", "js", "wasserstein"]
    r1 = check_drift(a, b, methods=methods)
    r2 = check_drift(perm_a, perm_b, methods=methods)
    for u, v in zip(r1.columns, r2.columns, strict=True):
        assert u.statistic == v.statistic or np.isclose(u.statistic, v.statistic, rtol=1e-12)
        assert u.drifted == v.drifted


@given(values, st.floats(0.5, 5.0))
@settings(max_examples=40)
def test_scaling_both_sides_does_not_change_scale_free_verdicts(x: np.ndarray, k: float) -> None:
    rng = np.random.default_rng(0)
    half = rng.permutation(x)[: max(2, len(x) // 2)]
    assume(int(np.sum(~np.isnan(half))) >= 2)  # a side needs two values (else: input error)
    r1 = check_drift(pd.DataFrame({"x": x}), pd.DataFrame({"x": half}))
    r2 = check_drift(pd.DataFrame({"x": x * k}), pd.DataFrame({"x": half * k}))
    assert [c.drifted for c in r1.columns] == [c.drifted for c in r2.columns]
