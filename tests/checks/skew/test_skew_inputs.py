"""check_skew on odd inputs: column names that are not strings, numbers held in object
columns, and generated frames of odd dtypes and names (a report or MlauditInputError,
never another exception, and never a column dropped silently)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mlaudit import MlauditInputError, check_skew
from pytest_mlaudit.checks.skew import SkewReport
from pytest_mlaudit.checks.skew._validate import display_names
from tests.checks.skew.skew_frames import odd_frames


@pytest.fixture(scope="module")
def odd() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = 1000
    train = pd.DataFrame(
        {
            0: rng.normal(size=n),
            "0": rng.choice(["a", "b"], n),
            1: rng.normal(size=n),
            "1": rng.normal(size=n),
            ("a", 2): rng.normal(size=n),
            None: rng.normal(size=n),
        }
    )
    serve = train.copy()
    serve[1] = serve[1] * 5  # only the int column 1 is skewed, not the str column "1"
    return train, serve


def test_non_string_names_are_kept_apart_and_all_checked(odd) -> None:
    train, serve = odd
    report = check_skew(train, serve)
    assert report.checked_features == ("0 (int)", "0", "1 (int)", "1", "('a', 2)", "None")
    assert report.skewed_features == ("1 (int)",)
    assert [m.subject for m in report.measures() if m.breached] == ["1 (int)"]
    summary = report.summary()
    assert "columns named by a non-string are shown by repr: 0 (int), 1 (int), ('a', 2)" in summary
    assert SkewReport.from_dict(report.to_dict()).notes == report.notes


def test_names_are_given_by_the_original_label_or_the_display_name(odd) -> None:
    train, serve = odd
    by_label = check_skew(train, serve, features=[1, "1", ("a", 2), None])
    assert by_label.checked_features == ("1 (int)", "1", "('a', 2)", "None")
    by_display = check_skew(train, serve, features=["1 (int)", "None"])
    assert by_display.checked_features == ("1 (int)", "None")
    assert check_skew(train, serve, features=1).checked_features == ("1 (int)",)
    assert check_skew(train, serve, features="1").checked_features == ("1",)
    with pytest.raises(MlauditInputError, match=r"features names \['7'\], not found"):
        check_skew(train, serve, features=[7])
    with pytest.raises(MlauditInputError, match="not hashable"):
        check_skew(train, serve, features=[[1]])


def test_a_join_on_an_int_named_id_column(odd) -> None:
    train, serve = odd
    train, serve = train.assign(**{"k": range(1000)}), serve.assign(**{"k": range(1000)})
    train = train.rename(columns={"k": 99})
    serve = serve.rename(columns={"k": 99})
    report = check_skew(train, serve, id_column=99)
    assert report.join is not None and report.join.id_columns == ("99",)
    assert {j.feature: j.mismatch_count for j in report.joined}["1 (int)"] == 1000
    assert {j.feature: j.mismatch_count for j in report.joined}["1"] == 0


def test_a_string_name_that_reads_like_a_repr_is_still_told_apart() -> None:
    shown, _ = display_names([("a", 1), "('a', 1)", None, "None", 1.5, "1.5"])
    assert list(shown.values()) == [
        "('a', 1) (tuple)",
        "('a', 1)",
        "None (NoneType)",
        "None",
        "1.5 (float)",
        "1.5",
    ]
    # one name per label on both sides: an int 1 only in serving is still "1 (int)"
    shown, _ = display_names(["1", 1, 1])
    assert list(shown.values()) == ["1", "1 (int)"]


def test_numbers_in_object_columns_are_compared_as_numbers() -> None:
    rng = np.random.default_rng(1)
    n = 2000
    x = rng.normal(size=n)
    train = pd.DataFrame({"x": x, "code": rng.integers(0, 3, n)})
    as_objects = pd.DataFrame(
        {
            "x": np.array(x.tolist(), dtype=object),
            "code": np.array([float(v) for v in train["code"]], dtype=object),
        }
    )
    report = check_skew(train, as_objects, categorical=["code"])
    assert report.passed, report.summary()
    d = {row.feature: row for row in report.distribution}
    assert (d["x"].kind, d["x"].method, d["x"].statistic) == ("numeric", "js", 0.0)
    assert d["code"].statistic == 0.0  # 1 and 1.0 are one category
    assert report.inferred["x"].endswith("of serving_features: compared as numbers")
    assert "compared as categories (categorical=)" in report.inferred["code"]
    assert "inferred: x: numbers in an object column" in report.summary()
    # Decimals (from a JSON parser with parse_float=Decimal) are numbers too
    decimals = pd.DataFrame({"x": [Decimal(str(round(v, 6))) for v in x]}, dtype=object)
    report = check_skew(train[["x"]], decimals)
    assert report.distribution[0].kind == "numeric" and report.passed
    # the same sample as objects on both sides, with a missing value, is no drift either
    both = as_objects.copy()
    both.loc[0, "x"] = None
    assert check_skew(both, as_objects, features=["x"]).passed


def test_numbers_as_text_and_mixed_objects_stay_categorical() -> None:
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    text = check_skew(train, pd.DataFrame({"x": ["1.0", "2.0", "3.0"]}))
    assert text.distribution[0].method == "type"  # a type change is skew, as before
    mixed = pd.DataFrame({"x": np.array([1, "a", 2.5, None], dtype=object)})
    report = check_skew(mixed, mixed)
    assert report.distribution[0].kind == "categorical" and report.inferred == {}


def test_unhashable_values_are_refused_clearly() -> None:
    lists = pd.DataFrame({"x": pd.Series([[1], [2], [3]], dtype=object)})
    with pytest.raises(MlauditInputError, match="unhashable values"):
        check_skew(lists, lists)


# --------------------------------------------------------------------------- property


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(frames=odd_frames(), join=st.booleans(), as_category=st.booleans())
def test_odd_frames_give_a_report_or_a_clear_error(frames, join, as_category) -> None:
    train, serve = frames
    id_column = train.columns[0] if join and train.shape[1] else None
    categorical = [train.columns[-1]] if as_category and train.shape[1] > 1 else ()
    try:
        report = check_skew(
            train,
            serve,
            id_column=id_column,
            categorical=categorical,
            allow_duplicate_ids=True,
        )
    except MlauditInputError as exc:
        assert str(exc)  # a sentence, naming what was wrong
        return
    assert isinstance(report, SkewReport)
    # no column is dropped silently: every training column is a feature or an id
    shown, _ = display_names(train.columns.tolist())
    checked = set(report.checked_features) | set(report.join.id_columns if report.join else ())
    assert checked == set(shown.values())
    assert SkewReport.from_dict(report.to_dict()).passed == report.passed
