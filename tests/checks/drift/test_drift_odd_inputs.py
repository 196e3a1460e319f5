"""Inputs as they come: non-string column names, numbers in object columns, constant
columns, empty selections, dicts; every column is checked or refused by name."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import DriftReport, MlauditInputError, check_drift, profile_reference

rng = np.random.default_rng(5)
N = 600


def _normal(shift: float = 0.0) -> np.ndarray:
    return rng.normal(shift, size=N)


# -- column names that are not strings ---------------------------------------------


def test_int_column_names() -> None:
    ref = pd.DataFrame({0: _normal(), 1: _normal(), 2: rng.choice(["a", "b"], N)})
    cur = pd.DataFrame({0: _normal(), 1: _normal(1.0), 2: rng.choice(["a", "b"], N)})
    report = check_drift(ref, cur)
    assert report.checked_columns == ("0", "1", "2")
    assert report.drifted_columns == ("1",)
    assert check_drift(ref, cur, columns=[1]).checked_columns == ("1",)
    assert check_drift(ref, cur, columns=["1"]).checked_columns == ("1",)  # as shown
    assert check_drift(ref, cur, methods={1: "psi"}).column("1")[0].method == "psi"
    DriftReport.from_dict(json.loads(json.dumps(report.to_dict())))


def test_an_int_column_beside_a_string_column_of_the_same_text() -> None:
    ref = pd.DataFrame({1: _normal(), "1": _normal()})
    cur = pd.DataFrame({1: _normal(2.0), "1": _normal()})
    report = check_drift(ref, cur)
    assert report.checked_columns == ("1 (int)", "1")  # both checked, told apart
    assert report.drifted_columns == ("1 (int)",)
    assert check_drift(ref, cur, columns=[1]).drifted_columns == ("1 (int)",)
    assert check_drift(ref, cur, columns=["1"]).passed  # the string column
    assert "1 (int)  ks" in report.summary()


def test_columns_are_paired_by_label_before_their_text() -> None:
    ref = pd.DataFrame({1: _normal(), "1": _normal()})
    with pytest.raises(MlauditInputError, match=r"column\(s\) \['1'\] of the reference are"):
        check_drift(ref, pd.DataFrame({1: _normal(), "x": _normal()}))
    # a reference column 0 and a current column "0" (a CSV header) are the same column
    csv = pd.DataFrame({"0": _normal(3.0)})
    assert check_drift(pd.DataFrame({0: _normal()}), csv).drifted_columns == ("0",)


def test_tuple_multiindex_and_none_names() -> None:
    cols = pd.MultiIndex.from_tuples([("income", "mean"), ("income", "max")])
    ref = pd.DataFrame(np.column_stack([_normal(), _normal()]), columns=cols)
    cur = pd.DataFrame(np.column_stack([_normal(), _normal(1.0)]), columns=cols)
    report = check_drift(ref, cur)
    assert report.checked_columns == ("('income', 'mean')", "('income', 'max')")
    assert report.drifted_columns == ("('income', 'max')",)
    assert check_drift(ref, cur, columns=[("income", "max")]).excluded_columns == (
        "('income', 'mean')",
    )
    flat = pd.DataFrame({("a", 1): _normal(), None: rng.choice(["x", "y"], N)})
    assert len(check_drift(flat, flat).checked_columns) == 2


def test_profiles_keep_non_string_names() -> None:
    ref = pd.DataFrame({1: _normal(), "1": _normal(), ("t", 0): _normal()})
    cur = ref.assign(**{"1": _normal(1.0)})
    prof = profile_reference(ref, categorical=[])
    assert list(prof.columns) == ["1 (int)", "1", "('t', 0)"]
    assert check_drift(prof, cur).drifted_columns == ("1",)


def test_names_that_read_the_same_twice_are_refused() -> None:
    class Label:
        def __init__(self, text: str) -> None:
            self.text = text

        def __repr__(self) -> str:
            return "'x'"

    frame = pd.DataFrame({"x": _normal(), Label("a"): _normal(), Label("b"): _normal()})
    with pytest.raises(MlauditInputError, match="names are the same as text"):
        check_drift(frame, frame)


# -- numbers in object columns ------------------------------------------------------


@pytest.mark.parametrize(
    "as_objects",
    [
        lambda v: pd.Series(v, dtype=object),
        lambda v: pd.Series(list(v), dtype=object).where(pd.Series(range(N)) % 50 != 0, None),
        lambda v: pd.Series([Decimal(str(round(x, 6))) for x in v], dtype=object),
        lambda v: pd.Series(np.asarray(v, dtype=object)),
    ],
)
def test_numbers_in_object_columns_are_numbers(as_objects: Any) -> None:
    values = _normal()
    ref = pd.DataFrame({"x": _normal()})
    as_floats = check_drift(ref, pd.DataFrame({"x": values}))
    report = check_drift(ref, pd.DataFrame({"x": as_objects(values)}))
    assert [c.method for c in report.columns if c.method != "missing"] == ["ks"]
    assert report.columns[0].kind == "numeric"
    assert report.passed == as_floats.passed
    assert any("holds numbers in an object column" in n for n in report.notes)
    assert "note: column 'x' of current holds numbers" in report.summary()


def test_ints_and_floats_in_one_object_column_from_json() -> None:
    payload = json.loads(
        json.dumps([{"k": int(v)} if v % 2 else {"k": float(v)} for v in range(N)])
    )
    cur = pd.DataFrame({"k": pd.Series([r["k"] for r in payload], dtype=object)})
    ref = pd.DataFrame({"k": np.arange(N, dtype=float)})
    assert check_drift(ref, cur).passed


def test_one_and_one_point_zero_are_the_same_category() -> None:
    ref = pd.DataFrame({"k": pd.Series([1, 2, 3] * 200, dtype=object)})
    cur = pd.DataFrame({"k": pd.Series([1.0, 2.0, 3.0] * 200, dtype=object)})
    report = check_drift(ref, cur, methods={"k": ["chi2", "psi", "linf"]})
    assert report.passed and report.unseen_categories == {}
    assert report.histograms["k"].labels == ("1", "2", "3")
    mixed = pd.DataFrame({"k": pd.Series([np.int64(1), 2.0, np.float32(3.0)] * 200)})
    assert check_drift(ref, mixed, methods={"k": "chi2"}).passed


def test_numbers_as_text_stay_categories() -> None:
    ref = pd.DataFrame({"zip": ["02139", "10001", "94105"] * 200})
    report = check_drift(ref, ref)
    assert report.columns[0].kind == "categorical" and report.notes == ()


# -- a change of support ------------------------------------------------------------


@pytest.mark.parametrize("method", ["ks", "psi", "js", "wasserstein"])
def test_a_constant_that_becomes_another_constant_drifts_under_every_method(
    method: str,
) -> None:
    report = check_drift(np.full(200, 3.0), np.full(150, 4.0), methods=method)
    assert report.drifted_columns == ("value",), report.summary()
    assert check_drift(np.full(200, 3.0), np.full(150, 3.0), methods=method).passed


@pytest.mark.parametrize("method", ["chi2", "psi", "js", "linf"])
def test_a_constant_category_that_becomes_another(method: str) -> None:
    report = check_drift(np.array(["a"] * 200), np.array(["b"] * 150), methods=method)
    assert not report.passed


def test_values_beyond_the_reference_range_get_a_bin_of_their_own() -> None:
    ref = _normal()
    cur = np.concatenate([np.clip(_normal()[:500], ref.min(), None), np.full(100, 50.0)])
    psi = check_drift(ref, cur, methods=["psi"]).columns[0]
    assert psi.details["bins"] == 11 and psi.details["outside_reference_range"] > 0.16
    assert psi.drifted
    inside = check_drift(ref, np.clip(_normal(), ref.min(), ref.max()), methods="psi")
    assert inside.columns[0].details["bins"] == 10  # unchanged within the range
    assert "outside_reference_range" not in inside.columns[0].details


def test_profile_sees_the_support_change_too() -> None:
    prof = profile_reference(pd.DataFrame({"x": np.full(300, 1.0)}))
    cur = pd.DataFrame({"x": np.full(100, 2.0)})
    raw = check_drift(pd.DataFrame({"x": np.full(300, 1.0)}), cur, methods=["psi", "js"])
    from_profile = check_drift(prof, cur, methods=["psi", "js"])
    assert [c.statistic for c in raw.columns] == [c.statistic for c in from_profile.columns]
    assert not from_profile.passed


# -- selections and containers --------------------------------------------------------


def test_an_empty_column_selection_is_refused() -> None:
    frame = pd.DataFrame({"x": _normal()})
    with pytest.raises(MlauditInputError, match=r"columns is empty; name at least one column"):
        check_drift(frame, frame, columns=[])
    with pytest.raises(MlauditInputError, match=r"columns is empty"):
        profile_reference(frame, columns=())


def test_dicts_of_columns_and_of_scalars() -> None:
    values = {"x": list(_normal()), "c": ["a", "b"] * (N // 2)}
    assert check_drift(values, values).checked_columns == ("x", "c")
    with pytest.raises(MlauditInputError, match=r"current is a dict of single values .*'x', 'c'"):
        check_drift(values, {"x": 1.0, "c": "a"})
    with pytest.raises(MlauditInputError, match=r"mixes columns of values with single values"):
        check_drift(values, {"x": [1.0, 2.0], "c": "a"})
    with pytest.raises(MlauditInputError, match=r"columns of the same length"):
        check_drift(values, {"x": [1.0, 2.0], "c": ["a"]})


def test_columns_left_out_on_purpose_are_not_called_current_only() -> None:
    ref = pd.DataFrame({"x": _normal(), "y": _normal(), "target": rng.integers(0, 2, N)})
    cur = pd.DataFrame({"x": _normal(), "y": _normal(), "score": _normal()})
    report = check_drift(ref, cur, columns=["x"])
    assert report.checked_columns == ("x",)
    assert report.unchecked_columns == ("score",)
    assert report.excluded_columns == ("y",)
    text = report.summary()
    assert "not checked (only in current): 'score'" in text
    assert "left out with columns=: 'y'" in text
    back = DriftReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert back == report and back.excluded_columns == ("y",)
    assert check_drift(ref[["x", "y"]], cur).excluded_columns == ()


def test_text_among_numbers_is_named_in_the_error() -> None:
    ref = pd.DataFrame({"x": np.arange(10.0)})
    with pytest.raises(MlauditInputError, match=r"not numbers, e\.g\. \['N/A', '\?'\]: if they"):
        check_drift(ref, pd.DataFrame({"x": pd.Series([1.0, "N/A", 2, "?"] * 3, dtype=object)}))
    with pytest.raises(MlauditInputError, match=r"numbers written as text, e\.g\. \['0\.0'"):
        check_drift(ref, pd.DataFrame({"x": ref["x"].astype(str)}))


def test_dates_held_as_objects_are_refused_like_datetimes() -> None:
    import datetime

    days = pd.DataFrame({"d": [datetime.date(2026, 1, i + 1) for i in range(20)]})
    with pytest.raises(MlauditInputError, match=r"column 'd' of reference holds dates or times"):
        check_drift(days, days)
