"""Formatted strings in rows_like (timestamps with offsets, dates, numbers, ids), the share of
generated records compared and its warning, and every distinct failing feature reported."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import check_parity
from pytest_mlaudit.checks.parity import ParityCoverageWarning, ParityReport
from pytest_mlaudit.checks.parity.search import explore
from pytest_mlaudit.strategies import Field, from_schema, rows_like, schema_of

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """Requests of weekdays only, in New York (-05:00, then -04:00 after 8 March)."""
    rng = np.random.default_rng(0)
    n = 60
    days = rng.choice([0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15], n)
    hours = rng.integers(0, 8, n)
    stamps = [
        (MONDAY + dt.timedelta(days=int(d), hours=int(h))).astimezone(NEW_YORK).isoformat()
        for d, h in zip(days, hours, strict=True)
    ]
    return pd.DataFrame(
        {
            "applied_at": stamps,
            "birth_date": [
                (dt.date(1960, 1, 1) + dt.timedelta(days=int(d))).isoformat()
                for d in rng.integers(0, 15000, n)
            ],
            "amount": [f"{x:.2f}" for x in rng.uniform(10, 5000, n)],
            "ref": [f"AB-{x:05d}" for x in rng.choice(99999, n, replace=False)],
            "region": rng.choice(["north", "south"], n),
        }
    )


def parse_stamp(text: object) -> dt.datetime:
    """Validates like a serving endpoint: an ISO-8601 timestamp with an offset, or raise."""
    if pd.isna(text):
        raise ValueError("applied_at is required")
    t = dt.datetime.fromisoformat(text)
    if t.tzinfo is None:
        raise ValueError("applied_at needs an offset")
    return t


def parse_amount(text: object) -> float:
    if pd.isna(text):
        return float("nan")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise ValueError(f"amount {text!r} is not a number")
    return float(text)


def parse_year(text: object) -> float:
    return float("nan") if pd.isna(text) else float(dt.date.fromisoformat(text).year)


def strict_offline(df: pd.DataFrame) -> pd.DataFrame:
    """The batch side: the same parsers, vectorised features."""
    t = pd.to_datetime(df["applied_at"].map(parse_stamp).map(lambda x: x.astimezone(dt.UTC)))
    return pd.DataFrame(
        {
            "hour_utc": t.dt.hour.astype("int64"),
            "weekend": (t.dt.day_of_week >= 5).astype("int64"),
            "birth_year": df["birth_date"].map(parse_year).astype("float64"),
            "amount": df["amount"].map(parse_amount).astype("float64"),
        },
        index=df.index,
    )


def strict_online(r: dict) -> dict:
    utc = parse_stamp(r["applied_at"]).astimezone(dt.UTC)
    return {
        "hour_utc": utc.hour,
        "weekend": int(utc.weekday() >= 5),
        "birth_year": parse_year(r["birth_date"]),
        "amount": parse_amount(r["amount"]),
    }


def buggy_online(r: dict) -> dict:
    out = strict_online(r)
    t = parse_stamp(r["applied_at"])
    out["hour_utc"] = t.hour  # bug 1: the local hour, not UTC
    out["weekend"] = int(t.astimezone(dt.UTC).weekday() > 5)  # bug 2: Saturday is no weekend
    return out


# --------------------------------------------------------------------------- inference


def test_formatted_strings_are_recognised_and_described(sample) -> None:
    schema = schema_of(sample)
    at = schema["applied_at"]
    assert (at.kind, at.format, set(at.offsets)) == ("string", "datetime", {"-05:00", "-04:00"})
    assert at.start == MONDAY.replace(hour=13) and at.end is not None and at.end.tzinfo
    assert at.describe().startswith("string: ISO-8601 timestamp, offsets -")
    assert schema["birth_date"].format == "date"
    assert schema["birth_date"].describe().startswith("string: ISO-8601 date, 19")
    amount = schema["amount"]
    assert (amount.format, amount.decimals) == ("number", 2)
    assert amount.min is not None and 10 <= amount.min < amount.max <= 5000
    assert schema["ref"].pattern == "[A-Z]{2}-[0-9]{5}" and schema["ref"].format is None
    assert schema["region"].kind == "category"  # two values, repeated: still a category


def test_a_few_numeric_codes_stay_categories_and_free_text_stays_text() -> None:
    codes = pd.DataFrame({"code": ["1", "2", "3"] * 10, "name": [f"n{i} x" for i in range(30)]})
    schema = schema_of(codes)
    assert schema["code"].kind == "category"
    assert schema["name"].kind == "string" and schema["name"].format is None


def test_field_format_is_checked() -> None:
    from pytest_mlaudit import MlauditInputError

    with pytest.raises(MlauditInputError, match="format must be one of"):
        Field("int", format="date")
    with pytest.raises(MlauditInputError, match="format must be one of"):
        Field("string", format="uuid")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- drawing


def test_generated_timestamps_are_valid_across_zones_and_weekends(sample) -> None:
    records = explore(rows_like(sample, nulls="never"), max_examples=300, seed=0)
    stamps = [r["applied_at"] for r in records]
    parsed = []
    for s in stamps:
        try:
            t = dt.datetime.fromisoformat(s)
        except ValueError:
            continue
        if t.tzinfo is not None:
            parsed.append(t)
    malformed = len(stamps) - len(parsed)
    assert 0 < malformed <= 0.15 * len(stamps)  # a few, deliberately; not a majority
    offsets = {t.utcoffset() for t in parsed}
    assert {dt.timedelta(hours=-4), dt.timedelta(hours=-5)} <= offsets
    assert len(offsets) >= 4  # other zones too: a service that assumes its own zone
    local_days = {t.weekday() for t in parsed}
    utc_days = {t.astimezone(dt.UTC).weekday() for t in parsed}
    assert {5, 6} <= local_days and {5, 6} <= utc_days
    # a local evening that is the next day in UTC (weekday and date bugs need it)
    assert any(t.date() != t.astimezone(dt.UTC).date() for t in parsed)
    dates = [r["birth_date"] for r in records]
    ok = [d for d in dates if _is_date(d)]
    assert 0 < len(dates) - len(ok) <= 0.15 * len(dates)
    assert {dt.date.fromisoformat(d).weekday() for d in ok} >= {5, 6}


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def test_most_generated_records_are_compared_and_the_share_is_reported(sample) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ParityCoverageWarning)
        report = check_parity(
            strict_offline, strict_online, rows_like(sample), max_examples=200, seed=0
        )
    assert report.passed, report.summary()
    assert report.n_generated == 200 and report.n_generated_compared is not None
    assert report.generated_compared_rate is not None and report.generated_compared_rate > 0.6
    assert f"{report.n_generated_compared} compared" in report.summary()
    assert report.generated_fields["applied_at"].startswith("string: ISO-8601 timestamp")
    assert "formats inferred: applied_at: string: ISO-8601 timestamp" in report.summary()
    assert not report.low_coverage and "WARNING" not in report.summary()
    # the rejected ones are mostly nulls of a required field; without them, nearly all
    observed = check_parity(
        strict_offline, strict_online, rows_like(sample, nulls="observed"), max_examples=200
    )
    assert observed.passed and observed.generated_compared_rate is not None
    assert observed.generated_compared_rate > 0.85


def test_a_low_compared_share_warns() -> None:
    def picky_offline(df: pd.DataFrame) -> pd.DataFrame:
        if (df["x"] != 1).any():
            raise ValueError("only x=1 is served")
        return pd.DataFrame({"y": df["x"] * 2}, index=df.index)

    def picky_online(r: dict) -> dict:
        if r["x"] != 1:
            raise ValueError("only x=1 is served")
        return {"y": r["x"] * 2}

    strategy = from_schema({"x": Field("int", min=0, max=100, typical=1)})
    with pytest.warns(ParityCoverageWarning, match=r"generated records \(\d+%\) were compared"):
        report = check_parity(picky_offline, picky_online, strategy, max_examples=100, seed=0)
    assert report.low_coverage and report.generated_compared_rate is not None
    assert report.generated_compared_rate < 0.5
    assert "WARNING: only" in report.summary() and "generated records compared" in report.brief()


# --------------------------------------------------------------------------- two bugs


def test_two_distinct_bugs_are_both_named_with_a_counterexample_each(sample) -> None:
    report = check_parity(
        strict_offline, buggy_online, rows_like(sample, nulls="never"), max_examples=200, seed=0
    )
    assert set(report.mismatched_features) == {"hour_utc", "weekend"}
    by = {cx.feature: cx for cx in report.counterexamples}
    assert set(by) >= {"hour_utc", "weekend"}
    hour = dt.datetime.fromisoformat(by["hour_utc"].record_json["applied_at"])
    assert hour.utcoffset() != dt.timedelta(0)  # a non-UTC offset shows the local-hour bug
    weekend = dt.datetime.fromisoformat(by["weekend"].record_json["applied_at"])
    assert weekend.astimezone(dt.UTC).weekday() == 5  # a Saturday shows the weekday bug
    assert all(cx.shrunk for cx in by.values())


def test_problems_beyond_max_counterexamples_are_still_named(sample) -> None:
    report = check_parity(
        strict_offline,
        buggy_online,
        rows_like(sample, nulls="never"),
        max_examples=200,
        seed=0,
        max_counterexamples=1,
    )
    assert len(report.counterexamples) == 1
    [note] = [n for n in report.notes if "max_counterexamples=1" in n]
    other = {"hour_utc", "weekend"} - {report.counterexamples[0].feature}
    assert f"feature {other.pop()!r}" in note


def test_the_new_fields_round_trip_and_old_records_still_read(sample) -> None:
    report = check_parity(strict_offline, strict_online, rows_like(sample), max_examples=50, seed=0)
    data = report.to_dict()
    again = ParityReport.from_dict(data)
    assert again.n_generated_compared == report.n_generated_compared
    assert again.generated_fields == report.generated_fields
    old = {k: v for k, v in data.items() if k not in ("n_generated_compared", "generated_fields")}
    legacy = ParityReport.from_dict(old)
    assert legacy.n_generated_compared is None and legacy.generated_compared_rate is None
    assert not legacy.low_coverage and legacy.generated_fields == {}


def test_formats_written_by_hand_draw_their_layout() -> None:
    schema = {
        "at": Field(
            "string",
            format="datetime",
            offsets=("Z",),
            start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            end=dt.datetime(2026, 1, 31, tzinfo=dt.UTC),
            nullable=False,
        ),
        "day": Field("string", format="date", nullable=False),
        "amount": Field("string", format="number", min=0, max=100, decimals=2, nullable=False),
    }
    records = explore(from_schema(schema), max_examples=100, seed=0)
    stamps = {r["at"] for r in records}
    assert any(s.endswith("Z") for s in stamps)  # UTC written as Z, as declared
    assert any(s.endswith("+09:00") for s in stamps)  # and other offsets
    amounts = [r["amount"] for r in records]
    assert sum(bool(re.fullmatch(r"[0-9]+\.[0-9]{2}", a)) for a in amounts) > 0.8 * len(amounts)
    assert all(isinstance(r["day"], str) for r in records)
