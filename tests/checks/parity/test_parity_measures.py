"""ParityReport.measures(): one mismatch rate per feature, agreeing with the feature verdicts,
and kept whole by to_dict()/from_dict() and by the audit record."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pytest_mlaudit import check_parity
from pytest_mlaudit._serde import to_jsonable
from pytest_mlaudit.checks.parity import ParityReport
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import BadWhen

RAW = pd.DataFrame({"x": np.arange(10, dtype=float), "c": list("aabbccddee")})


def offline(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"y": df["x"] * 2, "z": df["c"].str.upper(), "w": df["x"]}, index=df.index)


def online_two_bugs(r: dict) -> dict:
    # y wrong on 3 of 10 rows, z wrong on 1 of 10, w right
    y = r["x"] * 2 + (1 if r["x"] < 3 else 0)
    z = r["c"].upper() if r["c"] != "e" or r["x"] != 9 else "e"
    return {"y": y, "z": z, "w": r["x"]}


def test_one_measure_per_feature_agreeing_with_the_feature_verdicts() -> None:
    report = check_parity(offline, online_two_bugs, RAW)
    measures = report.measures()
    assert [m.subject for m in measures] == [f.feature for f in report.features]
    assert all(m.name == "mismatch_rate" and m.bad_when is BadWhen.ABOVE for m in measures)
    by = {m.subject: m for m in measures}
    assert by["y"].statistic == report.feature("y").mismatch_rate == 0.3
    assert by["z"].statistic == 0.1 and by["w"].statistic == 0.0
    assert all(m.threshold == report.max_mismatch_rate for m in measures)
    # with the default limit 0 the breached features are exactly the mismatched ones
    assert {m.subject for m in measures if m.breached} == set(report.mismatched_features)
    assert not report.passed


def test_the_limit_of_the_verdict_is_the_limit_of_each_measure() -> None:
    report = check_parity(offline, online_two_bugs, RAW, max_mismatch_rate=0.45)
    by = {m.subject: m for m in report.measures()}
    assert not by["y"].breached and not by["z"].breached
    assert report.passed and report.mismatch_rate == 0.4  # 4 of 10 rows, within 0.45
    tight = check_parity(offline, online_two_bugs, RAW, max_mismatch_rate=0.2)
    by = {m.subject: m for m in tight.measures()}
    assert by["y"].breached and not by["z"].breached and not tight.passed


def test_a_feature_never_checked_breaches() -> None:
    def both_raise(_: object) -> dict:
        raise ValueError("bad input")

    def offline_raises(df: pd.DataFrame) -> pd.DataFrame:
        raise ValueError("bad input")

    report = check_parity(offline_raises, both_raise, RAW, features=["y"])
    for m in report.measures():
        assert math.isnan(m.statistic) and m.breached


def test_measures_round_trip_through_to_dict_and_the_record() -> None:
    report = check_parity(offline, online_two_bugs, RAW)
    again = ParityReport.from_dict(report.to_dict())
    assert to_jsonable(again.measures()) == to_jsonable(report.measures())
    entry = CheckEntry.from_report("parity", report, nodeid="t::x")
    back = CheckEntry.from_dict(entry.to_dict())
    assert to_jsonable(back.measures) == to_jsonable(report.measures())
    assert [m.breached for m in back.measures] == [m.breached for m in report.measures()]
