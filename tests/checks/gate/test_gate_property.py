"""Properties of the gate on arbitrary small inputs (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_mlaudit.checks.gate import GateReport, check_gate

labels = st.integers(20, 120).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=40)
@given(labels, st.floats(0, 0.2), st.integers(0, 2**32 - 1))
def test_the_verdict_is_the_rule(data: tuple[list[int], ...], min_delta: float, seed: int) -> None:
    y, cand, base = (np.array(v) for v in data)
    report = check_gate(cand, base, None, y, min_delta=min_delta, n_boot=100, seed=seed)
    m = report.metric("accuracy")
    assert m.ci_low is not None and m.ci_high is not None and m.mcnemar is not None
    assert -1 <= m.ci_low <= m.ci_high <= 1 and 0 <= m.candidate <= 1
    assert 0 <= m.mcnemar.pvalue <= 1 and 0 <= m.mcnemar.pvalue_worse <= 1
    assert report.passed == (m.ci_high >= -min_delta)
    assert GateReport.from_dict(report.to_dict()) == report


@settings(max_examples=25)
@given(labels, st.integers(0, 2**32 - 1))
def test_a_model_never_fails_against_itself_and_row_order_keeps_the_estimates(
    data: tuple[list[int], ...], seed: int
) -> None:
    y, cand, base = (np.array(v) for v in data)
    assert check_gate(cand, cand, None, y, n_boot=100, seed=seed).passed
    order = np.random.default_rng(seed).permutation(y.size)
    a = check_gate(cand, base, None, y, n_boot=100).metric("accuracy")
    b = check_gate(cand[order], base[order], None, y[order], n_boot=100).metric("accuracy")
    assert (a.candidate, a.baseline, a.mcnemar) == (b.candidate, b.baseline, b.mcnemar)
