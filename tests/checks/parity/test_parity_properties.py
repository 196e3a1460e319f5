"""Property tests of the parity check: identical pipelines never mismatch, a perturbed
feature is always the one named, the comparison is symmetric, row order does not matter."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd

from pytest_mlaudit import MlauditInputError, check_parity
from pytest_mlaudit.checks.parity.compare import MATCH, MISSING, compare_values
from tests.checks.skew.skew_frames import odd_frames

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
RAW_FRAMES = hpd.data_frames(
    [
        hpd.column("a", elements=FLOATS, dtype=float),
        hpd.column("n", elements=st.integers(-(2**40), 2**40), dtype=np.int64),
        hpd.column("s", elements=st.one_of(st.none(), st.text(max_size=5)), dtype=object),
    ],
    index=hpd.range_indexes(min_size=1, max_size=12),
)


def passthrough_offline(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"a": df["a"], "n": df["n"], "s": df["s"]}, index=df.index)


def passthrough_online(record):
    return {"a": record["a"], "n": record["n"], "s": record["s"]}


@settings(max_examples=25)
@given(RAW_FRAMES)
def test_identical_pipelines_never_mismatch(raw: pd.DataFrame) -> None:
    report = check_parity(passthrough_offline, passthrough_online, raw)
    assert report.passed, report.summary()
    assert report.n_examples == raw.shape[0] and report.counterexamples == ()


@settings(max_examples=25)
@given(RAW_FRAMES, st.sampled_from(["a", "n", "s"]))
def test_a_perturbed_feature_is_the_one_named(raw: pd.DataFrame, feature: str) -> None:
    def online(record):
        out = passthrough_online(record)
        value = out[feature]
        if feature == "s":
            out[feature] = "changed"
        elif value is not None:  # far beyond the tolerance, whatever the size of the value
            out[feature] = value + max(1, abs(value))
        return out

    present = raw[feature].notna() & ~np.isinf(
        pd.to_numeric(raw[feature], errors="coerce").fillna(0)
    )
    report = check_parity(passthrough_offline, online, raw)
    if feature == "a" and not present.any():
        return  # NaN + 1 is NaN and inf + 1 is inf: nothing can differ
    assert report.mismatched_features == (feature,), report.summary()
    [cx] = report.counterexamples
    assert cx.feature == feature and cx.origin == "rows"


@settings(max_examples=200)
@given(
    st.one_of(FLOATS, st.integers(), st.none(), st.booleans()),
    st.one_of(FLOATS, st.integers(), st.none(), st.booleans()),
    st.sampled_from([0.0, 1e-9, 1e-3]),
    st.sampled_from([0.0, 1e-12, 1e-6]),
)
def test_the_comparison_is_symmetric(a, b, rtol, atol) -> None:
    forward = compare_values(a, b, rtol=rtol, atol=atol, strict=False)
    backward = compare_values(b, a, rtol=rtol, atol=atol, strict=False)
    assert forward[0] == backward[0]
    if (
        forward[0] == MATCH
        and a is not None
        and b is not None
        and not (isinstance(a, float) and math.isnan(a))
    ):
        assert compare_values(a, a, rtol=0, atol=0, strict=True)[0] == MATCH
    if (a is None) != (b is None) and not any(
        isinstance(v, float) and math.isnan(v) for v in (a, b)
    ):
        assert forward[0] == MISSING


@settings(max_examples=15)
@given(RAW_FRAMES, st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_verdict(raw: pd.DataFrame, rnd) -> None:
    def online(record):
        out = passthrough_online(record)
        if isinstance(out["a"], float) and out["a"] > 1:
            out["a"] = round(out["a"])
        return out

    order = list(range(raw.shape[0]))
    rnd.shuffle(order)
    shuffled = raw.iloc[order]
    first = check_parity(passthrough_offline, online, raw)
    second = check_parity(passthrough_offline, online, shuffled)
    assert first.passed == second.passed
    assert first.mismatched_features == second.mismatched_features
    assert first.n_mismatched == second.n_mismatched


@settings(max_examples=100, deadline=None, derandomize=True)
@given(frames=odd_frames())
def test_identical_pipelines_agree_on_frames_of_odd_dtypes_and_names(frames) -> None:
    """A report that passes, or MlauditInputError; never another exception."""
    raw, _ = frames
    try:
        report = check_parity(lambda df: df.copy(), lambda r: dict(r), raw)
    except MlauditInputError as exc:
        assert str(exc)
        return
    assert report.passed, report.summary()
