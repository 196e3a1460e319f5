"""Generated inputs of odd dtypes and names: check_labels returns a report or raises
MlauditInputError, never another exception (pred_probs, so no model is fitted)."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from pytest_mlaudit import LabelReport, MlauditInputError, check_labels

NAMES = st.one_of(
    st.integers(-2, 3),
    st.text(alphabet="ab1", max_size=2),
    st.none(),
    st.tuples(st.just("t"), st.integers(0, 1)),
)
FEATURES = [
    (float, st.floats(allow_nan=True, allow_infinity=True)),
    (int, st.integers(-5, 5)),
    (bool, st.booleans()),
    (object, st.one_of(st.integers(), st.text(max_size=3), st.none(), st.floats())),
    ("datetime64[ns]", st.datetimes()),
]
LABELS = st.one_of(
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=0, max_size=30),
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=6, max_size=30),
    st.lists(st.integers(0, 2), min_size=0, max_size=30),
    st.lists(st.sampled_from([0, 1.0, 2.5, None, "x", True]), min_size=0, max_size=30),
    st.lists(st.booleans(), min_size=0, max_size=30),
)


@st.composite
def problems(draw: st.DrawFn) -> tuple[pd.DataFrame, list[Any], np.ndarray]:
    y = draw(LABELS)
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    specs = [draw(st.sampled_from(FEATURES)) for _ in names]
    cols = [column(i, dtype=d, elements=e) for i, (d, e) in enumerate(specs)]
    n = len(y) if draw(st.integers(0, 9)) else len(y) + 1  # sometimes one row too many
    X = draw(data_frames(columns=cols, index=range_indexes(min_size=n, max_size=n)))
    X.columns = pd.Index(names, dtype=object, tupleize_cols=False)
    distinct = max(len({str(v) for v in y}), 1)
    k = draw(st.sampled_from([distinct, distinct, distinct, 1, 4]))  # mostly consistent
    raw = np.asarray(draw(st.lists(st.floats(0, 1), min_size=len(y) * k, max_size=len(y) * k)))
    probs = raw.reshape(len(y), k) + 1e-3
    probs = probs / probs.sum(axis=1, keepdims=True)
    return X, y, probs


@pytest.mark.filterwarnings("ignore:May not flag all label issues:UserWarning")
@given(problems(), st.booleans())
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_a_report_or_an_input_error(
    problem: tuple[pd.DataFrame, list[Any], np.ndarray], include_features: bool
) -> None:
    X, y, probs = problem
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "May not flag all label issues", UserWarning)
        try:
            report = check_labels(X, y, pred_probs=probs, include_features=include_features)
        except MlauditInputError as exc:
            assert str(exc)
            event("refused: " + str(exc)[:30])
            return
    event("report")
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert LabelReport.from_dict(data) == report
    for row in report.suspicious:
        assert row.features is None or len(row.features) == X.shape[1]  # no feature dropped


def test_feature_names_that_are_not_strings_are_all_kept() -> None:
    X = pd.DataFrame({1: np.arange(60.0), "1": np.arange(60.0) * 2, ("t", 0): ["a"] * 60})
    y = np.repeat([0, 1, 2], 20)
    probs = np.full((60, 3), 0.05)
    probs[np.arange(60), (y + 1) % 3] = 0.9  # every label looks wrong
    report = check_labels(X, y, pred_probs=probs, include_features=True, max_issue_rate=1.0)
    row = report.suspicious[0]
    assert row.features == {"1 (int)": row.position * 1.0, "1": row.position * 2.0, "('t', 0)": "a"}
    duplicated = pd.DataFrame(np.zeros((60, 2)), columns=["a", "a"])
    with pytest.raises(MlauditInputError, match="names are the same as text"):
        check_labels(duplicated, y, pred_probs=probs, include_features=True)
