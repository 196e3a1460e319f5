"""check_parity: comparison rules, structural errors, exceptions, reports and JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import strategies as st

from pytest_mlaudit import CheckFailed, check_parity
from pytest_mlaudit.checks.parity import Counterexample, FeatureParity, ParityReport
from pytest_mlaudit.result import report_from_dict
from pytest_mlaudit.strategies import Field, from_schema


def frame_pipeline(fn):
    """An offline pipeline from a per-column function, keeping the index."""

    def offline(df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"y": fn(df["x"])}, index=df.index)

    return offline


RAW = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0]})


def identity_offline(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"y": df["x"]}, index=df.index)


def identity_online(record):
    return {"y": record["x"]}


# --------------------------------------------------------------------------- comparison


def test_nan_equals_nan_and_none_only_when_both_sides_are_missing() -> None:
    report = check_parity(identity_offline, identity_online, RAW)
    assert report.passed and report.feature("y").checked == 4

    report = check_parity(identity_offline, lambda r: {"y": 0.0 if r["x"] is None else r["x"]}, RAW)
    assert not report.passed
    row = report.feature("y")
    assert (row.mismatched, row.missing_mismatches, row.value_mismatches) == (1, 1, 0)
    [cx] = report.counterexamples
    assert (cx.kind, cx.offline, cx.online) == ("missing", "nan (float64)", "0.0")
    assert cx.record == {"x": "None"} and cx.detail == "missing on the offline side only"


def test_rtol_atol_and_per_feature_tolerances() -> None:
    def online(r):
        x = r["x"]
        return {"y": None if x is None else x * (1 + 1e-7)}

    assert not check_parity(identity_offline, online, RAW).passed
    assert check_parity(identity_offline, online, RAW, rtol=1e-6).passed
    assert check_parity(identity_offline, online, RAW, tolerances={"y": 1e-6}).passed
    assert check_parity(identity_offline, online, RAW, tolerances={"y": (0.0, 1e-6)}).passed
    report = check_parity(identity_offline, online, RAW, tolerances={"y": {"rtol": 1e-6}})
    assert report.passed and report.feature("y").rtol == 1e-6
    fp = check_parity(identity_offline, online, RAW).feature("y")
    assert fp.max_abs_diff == pytest.approx(4e-7) and fp.max_rel_diff == pytest.approx(
        1e-7, rel=1e-3
    )


def test_infinities_equal_only_themselves() -> None:
    raw = pd.DataFrame({"x": [np.inf, -np.inf, 1.0]})
    assert check_parity(identity_offline, identity_online, raw).passed
    report = check_parity(identity_offline, lambda r: {"y": 1e308}, raw)
    assert report.feature("y").mismatched == 3  # inf, -inf and 1.0 all differ from 1e308
    assert report.feature("y").max_abs_diff == math.inf


def test_type_families_are_reported() -> None:
    report = check_parity(identity_offline, lambda r: {"y": str(r["x"])}, RAW.fillna(0))
    row = report.feature("y")
    assert row.type_mismatches == 4 and row.online_type == "str"
    assert "float64 offline vs str online" in report.counterexamples[0].detail
    # int vs float and float32 are shown, and fail only when strict or beyond tolerance
    ints = pd.DataFrame({"x": [1, 2, 3]})
    as_float = check_parity(identity_offline, lambda r: {"y": float(r["x"])}, ints)
    assert as_float.passed and as_float.feature("y").offline_type == "int64"
    assert as_float.feature("y").online_type == "float64"
    strict = check_parity(
        identity_offline, lambda r: {"y": float(r["x"])}, ints, strict_dtypes=True
    )
    assert strict.feature("y").type_mismatches == 3
    f32 = check_parity(
        identity_offline, lambda r: {"y": np.float32(r["x"])}, pd.DataFrame({"x": [0.1, 0.5]})
    )
    assert f32.feature("y").online_type == "float32"
    assert f32.feature("y").value_mismatches == 1  # 0.5 is exact in float32, 0.1 is not
    assert check_parity(
        identity_offline,
        lambda r: {"y": np.float32(r["x"])},
        pd.DataFrame({"x": [0.1, 0.5]}),
        rtol=1e-6,
    ).passed


def test_strings_compare_exactly() -> None:
    raw = pd.DataFrame({"x": ["a", "B ", None]})
    report = check_parity(identity_offline, lambda r: {"y": r["x"] and r["x"].strip().lower()}, raw)
    assert report.mismatched_features == ("y",)
    [cx] = report.counterexamples
    assert cx.record_literal == "{'x': 'B '}"
    assert "case or surrounding whitespace" in cx.detail


def test_datetimes_compare_as_instants_and_naive_vs_aware_is_a_type_mismatch() -> None:
    raw = pd.DataFrame({"x": pd.to_datetime(["2024-03-31 00:30", "2024-07-01 12:00"], utc=True)})
    same_instant = check_parity(
        identity_offline,
        lambda r: {"y": r["x"].astimezone(dt.timezone(dt.timedelta(hours=2)))},
        raw,
    )
    assert same_instant.passed, same_instant.summary()
    naive = check_parity(identity_offline, lambda r: {"y": r["x"].replace(tzinfo=None)}, raw)
    assert naive.feature("y").type_mismatches == 2
    assert "aware offline, naive online" in naive.counterexamples[0].detail


def test_list_features_compare_elementwise() -> None:
    raw = pd.DataFrame({"x": [[1.0, 2.0], [3.0]]})
    assert check_parity(identity_offline, identity_online, raw).passed
    report = check_parity(identity_offline, lambda r: {"y": r["x"][:1]}, raw)
    assert report.feature("y").value_mismatches == 1
    assert "lengths differ" in report.counterexamples[0].detail


# --------------------------------------------------------------------------- structure


def test_a_feature_missing_on_one_side_is_a_mismatch() -> None:
    report = check_parity(identity_offline, lambda r: {"y": r["x"], "z": 1}, RAW)
    assert report.mismatched_features == ("z",)
    z = report.feature("z")
    assert z.offline_type == "<absent>" and z.missing_mismatches == 4
    assert report.counterexamples[0].kind == "absent"
    assert "offline output has no feature 'z'" in report.counterexamples[0].detail
    # choosing the features to compare
    assert check_parity(
        identity_offline, lambda r: {"y": r["x"], "z": 1}, RAW, features=["y"]
    ).passed


def test_a_feature_absent_from_some_online_outputs() -> None:
    def online(r):
        return {} if r["x"] is None else {"y": r["x"]}

    report = check_parity(identity_offline, online, RAW)
    assert report.feature("y").missing_mismatches == 1
    assert report.counterexamples[0].online == "<absent>"


def test_dropped_and_reordered_rows_are_reported() -> None:
    def drops(df):
        return identity_offline(df).dropna()

    report = check_parity(drops, identity_online, RAW)
    assert not report.passed and report.n_dropped == 1
    [cx] = report.counterexamples
    assert (cx.kind, cx.offline, cx.record) == ("offline_dropped", "<no row>", {"x": "None"})
    assert any("returned no row" in n for n in report.notes)

    def reorders(df):
        return identity_offline(df).sort_values("y", ascending=False)

    report = check_parity(reorders, identity_online, RAW.fillna(0))
    assert not report.passed and report.n_moved == 3  # [1, 2, 0, 4] -> rows 3, 1, 0, 2
    assert report.feature("y").mismatched == 0  # matched by index label
    assert "moved" in report.brief() or "reordered" in report.brief()


def test_rows_are_matched_by_position_when_the_index_is_new() -> None:
    report = check_parity(
        lambda df: identity_offline(df).reset_index(drop=True),
        identity_online,
        RAW.set_index(pd.Index([10, 20, 30, 40])),
    )
    assert report.passed
    assert any("compared by position" in n for n in report.notes)


def test_an_exception_on_one_side_is_a_mismatch_with_its_traceback() -> None:
    def online(r):
        if r["x"] is not None and r["x"] > 3:
            raise ValueError(f"too large: {r['x']}")
        return {"y": r["x"]}

    report = check_parity(identity_offline, online, RAW)
    assert not report.passed and report.n_online_raised == 1
    assert report.mismatched_features == ()
    [cx] = report.counterexamples
    assert cx.kind == "online_raised" and cx.feature is None
    assert "ValueError: too large: 4.0" in cx.traceback
    assert 'raise ValueError(f"too large' in cx.traceback  # the user's own frame
    assert "_parity_run" not in cx.traceback  # not mlaudit's
    assert "online raised" in report.brief()


def test_an_offline_batch_that_raises_is_bisected_to_the_bad_rows() -> None:
    def offline(df):
        if (df["x"] == 2.0).any():
            raise KeyError("bad row")
        return identity_offline(df)

    raw = pd.DataFrame({"x": np.arange(64, dtype=float)})
    report = check_parity(offline, identity_online, raw)
    assert report.n_offline_raised == 1 and report.feature("y").checked == 63
    [cx] = report.counterexamples
    assert cx.kind == "offline_raised" and cx.record == {"x": "2.0"}


def test_both_sides_rejecting_is_agreement_but_nothing_compared_fails() -> None:
    def strict_offline(df):
        if df["x"].isna().any():
            raise ValueError("missing x")
        return identity_offline(df)

    def strict_online(r):
        if r["x"] is None:
            raise ValueError("missing x")
        return {"y": r["x"]}

    report = check_parity(strict_offline, strict_online, RAW)
    assert report.passed and report.n_both_rejected == 1 and report.n_compared == 3
    everything = check_parity(strict_offline, strict_online, pd.DataFrame({"x": [None, None]}))
    assert not everything.passed and math.isnan(everything.mismatch_rate)
    assert "nothing compared" in everything.brief()


def test_micro_batches_may_return_a_dataframe() -> None:
    def online(records):
        return pd.DataFrame({"y": [r["x"] for r in records]})

    raw = pd.DataFrame({"x": np.arange(10.0)})
    assert check_parity(identity_offline, online, raw, online_mode="records", batch_size=3).passed


def test_record_nulls_nan_sends_nan_instead_of_none() -> None:
    seen = []

    def online(r):
        seen.append(r["x"])
        return {"y": r["x"]}

    check_parity(identity_offline, online, RAW, record_nulls="nan")
    assert isinstance(seen[2], float) and math.isnan(seen[2])


def test_the_online_side_gets_a_copy_of_the_record() -> None:
    def mutating(r):
        r["x"] = -1.0
        return {"y": -1.0}

    report = check_parity(identity_offline, mutating, pd.DataFrame({"x": [5.0]}))
    assert report.counterexamples[0].record == {"x": "5.0"}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"offline": lambda df: df.to_numpy()}, "offline must return a pandas DataFrame"),
        ({"offline": lambda df: [1, 2]}, "got list"),
        (
            {"online": lambda r: 3.0},
            "online must return a dict of feature -> value (or a "
            "sequence in the offline feature order); got float",
        ),
        ({"online": lambda r: None}, "got NoneType"),
        ({"online": lambda r: [1, 2]}, "a sequence of 2 value(s) but the offline pipeline has 1"),
        ({"online": lambda rs: [{"y": 1}], "online_mode": "records"}, "1 output(s) for a micro"),
        ({"online": lambda rs: 5, "online_mode": "records"}, "must return a list of dicts"),
        (
            {"online": lambda df: df.iloc[:1].set_axis([99]), "online_mode": "frame"},
            "online returned 1 row(s) for 4 input row(s)",
        ),
        (
            {"offline": lambda df: identity_offline(df).iloc[:2].set_axis(["a", "b"])},
            "offline returned 2 row(s) for 4 input row(s), and its index does not name",
        ),
        ({"features": ["nope"]}, "features names ['nope'], produced by neither pipeline"),
        ({"tolerances": {"nope": 1e-3}}, "tolerances names ['nope']"),
        ({"inputs": [1, 2]}, "inputs must be a DataFrame of raw rows"),
        ({"inputs": pd.DataFrame({"x": []})}, "empty DataFrame"),
        ({"inputs": st.nothing()}, "could not generate any record"),
        (
            {"inputs": st.fixed_dictionaries({"x": st.floats()}).filter(lambda r: False)},
            "could not generate any record",
        ),
        ({"inputs": st.integers()}, "must generate raw records (dict"),
        ({"rtol": -1}, "rtol must be a finite number"),
        ({"max_examples": 0}, "max_examples must be an integer >= 1"),
        ({"online_mode": "stream"}, "online_mode must be"),
        ({"offline": 3}, "offline must be a callable"),
        ({"schema": [1]}, "schema must be a mapping"),
    ],
)
def test_bad_input_raises_a_clear_error(kwargs, message) -> None:
    from pytest_mlaudit import MlauditInputError

    args = {"offline": identity_offline, "online": identity_online, "inputs": RAW, **kwargs}
    with pytest.raises(MlauditInputError) as info:
        check_parity(**args)
    assert message in str(info.value)


def test_a_wrong_online_type_names_the_record() -> None:
    from pytest_mlaudit import MlauditInputError

    with pytest.raises(MlauditInputError, match=r"for the record \{'x': 1.0\}"):
        check_parity(identity_offline, lambda r: 3.0, RAW)


# --------------------------------------------------------------------------- determinism


def _buggy_online(r):
    x = r["x"]
    return {"y": x if x is None or x != x or x < 7.5 else round(x)}


SCHEMA = {"x": Field("float", min=0.0, max=100.0), "c": ["a", "b"]}


def test_the_same_seed_gives_the_same_counterexample(tmp_path, monkeypatch) -> None:
    offline = frame_pipeline(lambda x: x)
    first = check_parity(offline, _buggy_online, from_schema(SCHEMA), seed=7, max_examples=50)
    # importing more local code changes hypothesis' pool of source constants; the check
    # hides that pool, so the result cannot depend on what else is imported
    (tmp_path / "lots_of_constants.py").write_text(
        "VALUES = [" + ", ".join(f"{i}.{i}" for i in range(200)) + "]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("lots_of_constants")
    again = check_parity(offline, _buggy_online, from_schema(SCHEMA), seed=7, max_examples=50)
    assert first.to_dict() == again.to_dict()
    [cx] = first.counterexamples
    assert cx.seed == 7 and cx.shrunk and cx.record["x"] == "7.5"


def test_a_random_seed_is_kept_in_the_report() -> None:
    report = check_parity(
        frame_pipeline(lambda x: x),
        identity_online,
        from_schema({"x": "float"}),
        seed=None,
        max_examples=10,
    )
    assert report.passed and isinstance(report.seed, int)


# --------------------------------------------------------------------------- the report


def _failing_report() -> ParityReport:
    raw = pd.DataFrame(
        {
            "x": [1.5, np.nan, -2.0],
            "when": pd.to_datetime(["2024-03-31 01:30", None, "2024-10-27 00:59"], utc=True),
            "c": ["a", None, "b"],
        }
    )

    def offline(df):
        return pd.DataFrame({"y": df["x"] * 2, "hour": df["when"].dt.hour}, index=df.index)

    def online(r):
        if r["c"] == "b":
            raise RuntimeError("b is not served")
        return {
            "y": None if r["x"] is None else r["x"] * 2.5,
            "hour": r["when"].hour if r["when"] else None,
        }

    return check_parity(
        offline,
        online,
        [
            raw,
            from_schema(
                {
                    "x": Field("float", min=-5, max=5),
                    "when": Field("datetime", tz="UTC"),
                    "c": ["a", "b"],
                }
            ),
        ],
        max_examples=30,
        seed=3,
    )


def test_report_fields_are_json_friendly_and_round_trip() -> None:
    report = _failing_report()
    assert not report.passed
    data = report.to_dict()
    assert data["kind"] == "parity" and data["passed"] is False
    assert data["mismatched_features"] == ["y"]
    text = json.dumps(data, allow_nan=False)  # strict JSON: NaN written as "nan"
    back = ParityReport.from_dict(json.loads(text))
    assert back.to_dict() == data
    assert isinstance(report_from_dict(json.loads(text)), ParityReport)
    assert all(isinstance(c, Counterexample) for c in back.counterexamples)
    assert all(isinstance(f, FeatureParity) for f in back.features)
    # raw records keep exact reprs (tz, NaN vs None) and JSON-safe values
    cx = next(c for c in report.counterexamples if c.origin == "rows")
    assert "tzinfo=datetime.timezone.utc" in cx.record["when"]
    assert isinstance(cx.record_json["when"], str) and cx.record_json["when"].endswith("+00:00")


def test_passed_is_computed_not_stored() -> None:
    import dataclasses

    names = {f.name for f in dataclasses.fields(ParityReport)}
    assert "passed" not in names and "mismatch_rate" not in names
    report = _failing_report()
    assert report.headline().name == "mismatch_rate"
    assert report.headline().breached == (not report.passed)
    assert report.sizes()["n_rows"] == 3 and report.sizes()["n_generated"] > 0


def test_summary_and_assert_ok_show_feature_record_values_and_difference() -> None:
    report = _failing_report()
    with pytest.raises(CheckFailed) as info:
        report.assert_ok()
    text = str(info.value)
    assert text.startswith("parity FAILED")
    for piece in (
        "y",
        "record :",
        "offline:",
        "online :",
        "diff   :",
        "RuntimeError",
        "b is not served",
        "seed=3",
    ):
        assert piece in text, piece
    assert report.brief().startswith("mismatched: y")
    assert report.key_figures()["mismatched_features"] == "y"
    assert set(report.to_frame().columns) >= {"feature", "mismatched", "max_abs_diff"}


def test_checks_and_strategies_do_not_import_pytest() -> None:
    code = (
        "import sys; import pytest_mlaudit.checks.skew, pytest_mlaudit.strategies; "
        "print('pytest' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_nanoseconds_of_real_rows_reach_the_online_side() -> None:
    """A datetime holds microseconds: rows with nanoseconds keep their Timestamp, so two
    identical pipelines agree (they differed by 0.8 us before)."""
    raw = pd.DataFrame(
        {"t": pd.to_datetime(["2026-03-30 10:05:00.000000816", "2026-03-30 10:05:01.0", None])}
    )
    report = check_parity(lambda df: df.copy(), lambda r: dict(r), raw)
    assert report.passed, report.summary()
    # the ends of pandas' nanosecond range are compared too (Python's datetimes reach further)
    edge = pd.DataFrame({"t": pd.to_datetime([pd.Timestamp.min, pd.Timestamp.max])})
    shifted = check_parity(lambda df: df.copy(), lambda r: {"t": r["t"].replace(year=2000)}, edge)
    assert shifted.feature("t").value_mismatches == 2
