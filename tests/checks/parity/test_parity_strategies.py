"""Strategies of raw records: schema inference, edge cases, frames built from records."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_mlaudit import MlauditInputError
from pytest_mlaudit.checks.parity.frames import frame_from_records, records_from_frame
from pytest_mlaudit.checks.parity.search import explore
from pytest_mlaudit.strategies import (
    UNSEEN,
    Field,
    from_schema,
    infer_pattern,
    rows_like,
    schema_of,
)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame(
        {
            "age": rng.integers(21, 76, n),
            "income": np.round(rng.lognormal(10.6, 0.4, n), 2),
            "score": np.clip(np.round(rng.normal(680, 60, n)), 300, 850),
            "region": rng.choice(["north", "south", "east"], n),
            "app_id": [f"AP-{i:06d}" for i in range(n)],
            "seen_at": pd.Timestamp("2024-01-01", tz="Europe/London")
            + pd.to_timedelta(rng.integers(0, 365 * 86400, n), unit="s"),
            "flag": rng.uniform(size=n) < 0.3,
            "plan": pd.Categorical(rng.choice(["basic", "pro"], n)),
            "history": [
                list(np.round(rng.uniform(0, 100, rng.integers(0, 6)), 1)) for _ in range(n)
            ],
            "maybe": np.where(rng.uniform(size=n) < 0.2, np.nan, rng.normal(size=n)),
        }
    )


@pytest.fixture(scope="module")
def generated(sample) -> list[dict]:
    return explore(rows_like(sample), max_examples=300, seed=0)


def test_schema_is_inferred_from_a_sample(sample) -> None:
    schema = schema_of(sample)
    assert schema["age"].kind == "int" and (schema["age"].min, schema["age"].max) == (21, 75)
    assert schema["income"].kind == "float" and schema["income"].decimals == 2
    assert schema["score"].integer_valued and 680 < schema["score"].max <= 850
    assert schema["region"].kind == "category" and set(schema["region"].categories) == {
        "north",
        "south",
        "east",
    }
    assert schema["app_id"].kind == "string" and schema["app_id"].pattern == "[A-Z]{2}-[0-9]{6}"
    assert schema["seen_at"].kind == "datetime" and schema["seen_at"].tz == "Europe/London"
    assert schema["flag"].kind == "bool"
    assert schema["plan"].kind == "category" and schema["plan"].dtype == "category"
    assert schema["history"].kind == "sequence" and schema["history"].max_size == 5
    assert schema["maybe"].nullable and schema_of(sample, nulls="observed")["maybe"].nullable
    assert not schema_of(sample, nulls="observed")["age"].nullable
    assert not schema_of(sample, nulls="never")["maybe"].nullable


def test_records_have_every_field_and_realistic_values(sample, generated) -> None:
    assert len(generated) == 300
    assert all(set(r) == set(sample.columns) for r in generated)
    ages = [r["age"] for r in generated if isinstance(r["age"], int)]
    assert sum(21 <= a <= 75 for a in ages) > len(ages) / 3
    ids = [r["app_id"] for r in generated if isinstance(r["app_id"], str)]
    assert any(infer_pattern([i]) == "[A-Z]{2}-[0-9]{6}" for i in ids if i not in ("",))


def test_edge_cases_come_at_a_high_rate(sample, generated) -> None:
    mode = schema_of(sample)["region"].typical

    def share(pred) -> float:
        return sum(1 for r in generated if pred(r)) / len(generated)

    assert share(lambda r: r["income"] is None) > 0.03
    assert share(lambda r: isinstance(r["income"], float) and math.isnan(r["income"])) > 0.03
    assert share(lambda r: r["income"] == 0.0) > 0.03
    assert share(lambda r: isinstance(r["income"], float) and r["income"] < 0) > 0.03
    assert share(lambda r: r["age"] == 0) > 0.01
    assert share(lambda r: isinstance(r["age"], int) and r["age"] > 75) > 0.01  # out of range
    assert share(lambda r: r["region"] == UNSEEN) > 0.01
    assert share(lambda r: r["region"] in (mode.upper(), f" {mode} ")) > 0.01
    assert share(lambda r: r["region"] == "") > 0.0
    # integer-valued floats stay integer-valued in the realistic branch
    assert share(lambda r: isinstance(r["score"], float) and float(r["score"]).is_integer()) > 0.5
    times = [r["seen_at"] for r in generated if isinstance(r["seen_at"], dt.datetime)]
    assert all(t.tzinfo is not None for t in times)
    utc = [t.astimezone(dt.UTC) for t in times]
    assert any(t.hour == 23 and t.minute == 59 and t.microsecond == 999_999 for t in utc)
    # a daylight-saving transition of Europe/London in 2024 (31 March, 01:00 UTC)
    assert any(t == dt.datetime(2024, 3, 31, 1, tzinfo=dt.UTC) for t in utc)


def test_from_schema_shorthands_and_custom_strategies() -> None:
    records = explore(
        from_schema(
            {
                "n": "int",
                "x": "float",
                "ok": "bool",
                "s": "str",
                "c": ["a", "b"],
                "when": Field("datetime", tz="UTC"),
                "custom": st.just("fixed"),
            }
        ),
        max_examples=40,
        seed=1,
    )
    assert all(r["custom"] == "fixed" for r in records)
    assert {type(r["ok"]) for r in records} <= {bool, type(None)}
    assert any(r["when"] is not None and r["when"].tzinfo is dt.UTC for r in records)


def test_missing_keys_leave_nullable_fields_out() -> None:
    records = explore(
        from_schema({"x": "float", "y": Field("int", nullable=False)}, missing_keys=True),
        max_examples=60,
        seed=0,
    )
    assert all("y" in r for r in records)
    assert any("x" not in r for r in records)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Field("number"), "Field kind must be one of"),
        (lambda: Field("int", min=5, max=1), "min=5 > max=1"),
        (lambda: Field("category"), "needs at least one known category"),
        (lambda: Field("datetime", tz="Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        (lambda: Field("string", pattern="(["), "is not a regular expression"),
        (lambda: from_schema({}), "non-empty mapping"),
        (lambda: from_schema({"x": "decimal"}), "schema['x'] = 'decimal' is not a field kind"),
        (lambda: from_schema({"x": 3}), "schema['x'] must be a Field"),
        (lambda: rows_like([1, 2]), "must be a pandas DataFrame"),
        (lambda: rows_like(pd.DataFrame({"a": []})), "the sample DataFrame is empty"),
        (lambda: rows_like(pd.DataFrame({"a": [1]}), columns=["b"]), "columns names ['b']"),
        (lambda: rows_like(pd.DataFrame({"a": [1]}), nulls="sometimes"), "nulls must be"),
    ],
)
def test_bad_schemas_raise_clear_errors(call, message) -> None:
    with pytest.raises(MlauditInputError) as info:
        call()
    assert message in str(info.value)


# --------------------------------------------------------------------------- properties


@settings(max_examples=60)
@given(st.data())
def test_generated_records_rebuild_a_frame_with_the_sample_dtypes(sample, data) -> None:
    """One record or many: the offline frame gets the sample's dtypes wherever the
    values allow (an int column with a null becomes float64, as pandas reads it)."""
    strategy = rows_like(sample)
    records = data.draw(st.lists(strategy, min_size=1, max_size=4))
    dtypes = {c: sample[c].dtype for c in sample.columns}
    frame = frame_from_records(records, dtypes)
    assert list(frame.columns) == list(sample.columns) and frame.shape[0] == len(records)
    for col in ("region", "seen_at", "maybe"):
        if all(isinstance(r[col], str | dt.datetime | float) for r in records):
            assert frame[col].dtype == dtypes[col], col
    # a category column keeps the known categories first; unseen values are appended
    assert isinstance(frame["plan"].dtype, pd.CategoricalDtype)
    assert list(frame["plan"].cat.categories[:2]) == list(dtypes["plan"].categories)
    if all(isinstance(r["age"], int) for r in records):
        assert frame["age"].dtype == np.int64
    elif all(isinstance(r["age"], int) or r["age"] is None for r in records):
        assert frame["age"].dtype == np.float64


@settings(max_examples=60)
@given(st.data())
def test_records_survive_the_round_trip_through_a_frame(sample, data) -> None:
    records = data.draw(
        st.lists(
            rows_like(sample, columns=["age", "income", "region", "seen_at", "flag"]),
            min_size=1,
            max_size=5,
        )
    )
    dtypes = {c: sample[c].dtype for c in ("age", "income", "region", "seen_at", "flag")}
    back = records_from_frame(frame_from_records(records, dtypes))

    def norm(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        if isinstance(v, dt.datetime):
            return v.astimezone(dt.UTC)
        return v

    for before, after in zip(records, back, strict=True):
        for key in before:
            a, b = norm(before[key]), norm(after[key])
            if (
                isinstance(a, int | float)
                and isinstance(b, int | float)
                and not isinstance(a, bool)
            ):
                assert a == b, key
            else:
                assert a == b, (key, before[key], after[key])


def test_naive_and_dst_zone_edges() -> None:
    naive = explore(
        from_schema(
            {"t": Field("datetime", start=dt.datetime(2024, 1, 1), end=dt.datetime(2024, 12, 31))}
        ),
        max_examples=80,
        seed=0,
    )
    assert all(r["t"] is None or r["t"].tzinfo is None for r in naive)
    berlin = explore(
        from_schema(
            {
                "t": Field(
                    "datetime",
                    tz="Europe/Berlin",
                    start=dt.datetime(2024, 1, 1),
                    end=dt.datetime(2024, 12, 31),
                )
            }
        ),
        max_examples=120,
        seed=0,
    )
    zone = ZoneInfo("Europe/Berlin")
    assert all(r["t"] is None or r["t"].tzinfo == zone for r in berlin)
    transitions = {
        dt.datetime(2024, 3, 31, 1, tzinfo=dt.UTC),
        dt.datetime(2024, 10, 27, 1, tzinfo=dt.UTC),
    }
    assert any(r["t"] is not None and r["t"].astimezone(dt.UTC) in transitions for r in berlin)
