"""Generated frames of odd dtypes and names: check_drift returns a report or raises
MlauditInputError, never another exception (hypothesis.extra.pandas)."""

from __future__ import annotations

import json
import warnings
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from pytest_mlaudit import DriftReport, MlauditInputError, check_drift, profile_reference

NAMES = st.one_of(
    st.integers(-2, 3),
    st.text(alphabet="ab1 ", max_size=3),
    st.tuples(st.sampled_from(["a", "1"]), st.integers(0, 1)),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.booleans(),
)
ANY_OBJECT = st.one_of(
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.text(alphabet="xy1.", max_size=3),
    st.none(),
    st.booleans(),
    st.decimals(-10, 10, places=2),
    st.sampled_from([np.int64(1), np.float64(1.0), Decimal("1.0"), 1, 1.0, "1"]),
)
NUMBERS_AS_OBJECTS = st.one_of(st.integers(-3, 3), st.floats(-5, 5), st.none())
KINDS: list[tuple[Any, Any]] = [
    (float, st.floats(allow_nan=True, allow_infinity=True)),
    (float, st.floats(-1e6, 1e6)),
    (int, st.integers(-10, 10)),
    (bool, st.booleans()),
    (object, ANY_OBJECT),
    (object, NUMBERS_AS_OBJECTS),
    (object, st.sampled_from(["a", "b", None])),
    ("datetime64[ns]", st.datetimes()),
    (complex, st.complex_numbers(max_magnitude=10, allow_nan=False, allow_infinity=False)),
]


@st.composite
def frame_pairs(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    # unique=True: 0, 0.0 and False are one label to pandas (their frame is refused, too)
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    specs = [draw(st.sampled_from(KINDS)) for _ in names]

    def frame(drop: bool) -> pd.DataFrame:
        keep = [
            i for i in range(len(names)) if not (drop and len(names) > 1 and draw(st.booleans()))
        ] or [0]
        cols = [column(i, dtype=specs[i][0], elements=specs[i][1]) for i in keep]
        rows = range_indexes(min_size=draw(st.sampled_from([2, 2, 2, 2, 0])), max_size=25)
        out = draw(data_frames(columns=cols, index=rows))
        out.columns = pd.Index([names[i] for i in keep], dtype=object, tupleize_cols=False)
        return out

    return frame(drop=False), frame(drop=draw(st.sampled_from([False, False, True])))


METHODS = st.one_of(
    st.none(),
    st.sampled_from(["psi", "js", ["ks", "psi"], "chi2", ["chi2", "linf"], "wasserstein"]),
)


def _ok(report: DriftReport) -> None:
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert DriftReport.from_dict(data) == report
    assert isinstance(report.summary(), str) and len(report.measures()) >= len(report.columns)
    assert set(report.checked_columns).isdisjoint(report.unchecked_columns)
    assert set(report.checked_columns).isdisjoint(report.excluded_columns)


@given(frame_pairs(), METHODS, st.booleans())
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_a_report_or_an_input_error(
    pair: tuple[pd.DataFrame, pd.DataFrame], methods: Any, profiled: bool
) -> None:
    ref, cur = pair
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing leaks to the user as a warning either
        try:
            reference: Any = profile_reference(ref) if profiled else ref
            report = check_drift(reference, cur, methods=methods)
        except MlauditInputError as exc:
            assert str(exc)  # says what is wrong
            event("refused: " + str(exc).split(";")[0][:40])
            return
    event("report")
    _ok(report)


@given(frame_pairs(), st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_column_is_checked_or_named(
    pair: tuple[pd.DataFrame, pd.DataFrame], data: st.DataObject
) -> None:
    ref, cur = pair
    if ref.shape[1] > 1:
        pick = data.draw(st.sampled_from(list(ref.columns)))
        columns: Any = [pick]
    else:
        columns = None
    try:
        report = check_drift(ref, cur, columns=columns)
    except MlauditInputError:
        return
    _ok(report)
    listed = {*report.checked_columns, *report.unchecked_columns, *report.excluded_columns}
    assert len(listed) == len({*report.checked_columns, *report.excluded_columns}) + len(
        report.unchecked_columns
    )
    assert len(listed) >= cur.shape[1]  # no current column goes unmentioned
