"""Bad input gets MlauditInputError naming the column/argument, never a numpy traceback."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import MlauditInputError, check_drift

rng = np.random.default_rng(0)
REF = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b", "c"], 200)})


def _raises(match: str, reference: Any = REF, current: Any = REF, **kw: Any) -> None:
    with pytest.raises(MlauditInputError, match=match):
        check_drift(reference, current, **kw)


def test_error_is_a_value_error() -> None:
    assert issubclass(MlauditInputError, ValueError)


def test_empty_frames() -> None:
    _raises(r"current is empty \(0 rows\)", current=REF.iloc[:0])
    _raises(r"reference is empty", reference=REF.iloc[:0])
    _raises(r"reference has no columns", reference=pd.DataFrame(index=range(3)))


def test_one_row_side() -> None:
    _raises(r"current has a single row", current=REF.iloc[:1])


def test_all_nan_column_names_the_column() -> None:
    cur = REF.assign(x=np.nan)
    _raises(r"column 'x' of current has only missing values", current=cur)


def test_single_value_column() -> None:
    cur = REF.assign(x=[1.0] + [np.nan] * (len(REF) - 1))
    _raises(r"column 'x' of current has a single non-missing value", current=cur)


def test_infinite_values_name_the_column_and_count() -> None:
    cur = REF.copy()
    cur.loc[[3, 7], "x"] = math.inf
    _raises(r"column 'x' of current contains 2 infinite value", current=cur)
    ref = REF.copy()
    ref.loc[0, "x"] = -math.inf
    _raises(r"column 'x' of reference contains 1 infinite", reference=ref)


def test_columns_missing_on_one_side() -> None:
    _raises(r"column\(s\) \['c'\] of the reference are missing from current", current=REF[["x"]])
    _raises(r"columns names \['nope'\], not found in reference", columns=["x", "nope"])
    _raises(r"not found in current", current=REF[["x"]], columns=["c"])


def test_number_vs_string_column() -> None:
    cur = REF.assign(x=REF["x"].astype(str))
    _raises(
        r"column 'x' is numeric in the reference \(float64\) but categorical in current",
        current=cur,
    )


def test_datetime_columns_are_refused_with_advice() -> None:
    ref = pd.DataFrame({"t": pd.date_range("2026-01-01", periods=10, freq="h")})
    _raises(r"column 't' of reference holds datetime64", reference=ref, current=ref)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"alpha": 0.0}, r"alpha must be a finite number in \(0, 1\); got alpha=0.0"),
        ({"alpha": math.nan}, r"got alpha=nan"),
        ({"psi_threshold": math.inf}, r"psi_threshold must be a finite number"),
        ({"js_threshold": 1.5}, r"js_threshold"),
        ({"min_effect": -0.1}, r"min_effect"),
        ({"drift_share": 1.0}, r"drift_share"),
        (
            {"correction": "bonferroni"},
            r"correction must be one of 'holm', 'bh', 'none'; got correction='bonferroni'",
        ),
        ({"bins": 1}, r"bins must be an integer >= 2; got bins=1"),
        ({"methods": "t-test"}, r"unknown method\(s\) \['t-test'\]"),
        ({"methods": {"zzz": "ks"}}, r"methods names column\(s\) \['zzz'\]"),
        ({"methods": {"c": "ks"}}, r"column 'c' is categorical .* asks for \['ks'\]"),
        ({"methods": "chi2"}, r"column 'x' is numeric but methods asks for \['chi2'\]"),
        ({"methods": {"x": ["ks", "chi2"]}}, r"mix numeric"),
        ({"n_jobs": 0}, r"n_jobs must be an integer >= 1"),
    ],
)
def test_bad_options(kw: dict[str, Any], match: str) -> None:
    _raises(match, **kw)


def test_wrong_input_types_and_shapes() -> None:
    _raises(
        r"reference must be a pandas DataFrame/Series or a numpy array; got str",
        reference="train.csv",
    )
    _raises(
        r"current must be 1-D or 2-D; got an array of shape \(2, 2, 2\)",
        reference=np.zeros((4, 2)),
        current=np.zeros((2, 2, 2)),
    )


def test_too_many_categories_is_refused_with_advice() -> None:
    ref = pd.DataFrame({"id": [f"user{i}" for i in range(50)]})
    _raises(
        r"column 'id' of reference has 50 distinct values",
        reference=ref,
        current=ref,
        max_categories=10,
    )
