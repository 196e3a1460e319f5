"""check_parity with column and feature names that are not strings: matched by str(name),
and names that read the same as text are refused instead of hiding one another."""

from __future__ import annotations

import pandas as pd
import pytest

from pytest_mlaudit import MlauditInputError, check_parity

RAW = pd.DataFrame({0: [1.0, 2.0, 3.0], ("t", 1): [1, 2, 3], None: [0.5, 0.1, 0.2]})


def offline(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({0: df[0] * 2, 1: df[("t", 1)] + 1}, index=df.index)


def test_int_named_features_match_str_keys_and_int_keys() -> None:
    # the record reaches the online side keyed by str(column)
    def online(r: dict) -> dict:
        return {"0": r["0"] * 2, 1: r["('t', 1)"] + 1}

    report = check_parity(offline, online, RAW)
    assert report.passed, report.summary()
    assert [f.feature for f in report.features] == ["0", "1"]

    def buggy(r: dict) -> dict:
        return {0: r["0"] * 2, 1: r["('t', 1)"]}  # feature 1 forgets the + 1

    report = check_parity(offline, buggy, RAW)
    assert report.mismatched_features == ("1",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"inputs": RAW.assign(**{"0": ["a", "b", "c"]})},
            "the inputs DataFrame has columns whose names read the same as text: "
            "0 (int) and '0' (str)",
        ),
        (
            {"offline": lambda df: pd.DataFrame({0: df[0], "0": df[0]}, index=df.index)},
            "offline returned features whose names read the same as text: 0 (int) and '0'",
        ),
        (
            {"online": lambda r: {0: 1.0, "0": 2.0}},
            "online returned features whose names read the same as text: 0 (int) and '0'",
        ),
        (
            {
                "online": lambda df: pd.DataFrame({1: df[0], "1": df[0]}, index=df.index),
                "online_mode": "frame",
            },
            "online returned features whose names read the same as text: 1 (int) and '1'",
        ),
        (
            {
                "online": lambda rs: pd.DataFrame({1: [0.0] * len(rs), "1": [0.0] * len(rs)}),
                "online_mode": "records",
            },
            "online returned features whose names read the same as text: 1 (int) and '1'",
        ),
    ],
)
def test_names_that_read_the_same_are_refused(kwargs, message) -> None:
    args = {"offline": offline, "online": lambda r: {"0": 0.0}, "inputs": RAW, **kwargs}
    with pytest.raises(MlauditInputError) as info:
        check_parity(**args)
    assert message in str(info.value)
