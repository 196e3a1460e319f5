"""Input validation of check_store_parity, apart from Feast (core env)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pytest_mlaudit import MlauditInputError
from pytest_mlaudit.checks.store_parity._feast import Ref
from pytest_mlaudit.checks.store_parity._validate import (
    as_of,
    entities_for,
    given_entities,
    options,
    tolerance_of,
)

DEFAULTS = {
    "sample": 1000,
    "seed": 0,
    "rtol": 1e-9,
    "atol": 0.0,
    "tolerances": None,
    "strict_dtypes": False,
    "max_mismatch_rate": 0.0,
    "full_feature_names": None,
    "batch_size": 1000,
    "max_mismatches": 50,
}
REF = Ref(view="v", feature="x", on_demand=False, join_keys=("id",), declared="Float64", ttl=None)


def test_as_of_reads_times_as_utc() -> None:
    assert as_of("2026-01-01") == pd.Timestamp("2026-01-01", tz="UTC")
    paris = dt.datetime(2026, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert as_of(paris) == pd.Timestamp("2026-01-01", tz="UTC")
    assert as_of(None).tzinfo is not None
    with pytest.raises(MlauditInputError, match="at must be a time; got at='soon'"):
        as_of("soon")
    with pytest.raises(MlauditInputError, match="at must be a datetime"):
        as_of(3.5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sample": 0}, "sample must be an integer >= 1; got sample=0"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"atol": float("nan")}, "atol must be a finite number >= 0"),
        ({"strict_dtypes": "yes"}, "strict_dtypes must be True or False"),
        ({"full_feature_names": 1}, "full_feature_names must be True or False"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"tolerances": {"x": "tight"}}, r"tolerances\['x'\] \(rtol\) must be"),
    ],
)
def test_options_name_what_they_got(change: dict[str, object], message: str) -> None:
    with pytest.raises(MlauditInputError, match=message):
        options(**{**DEFAULTS, **change})


def test_tolerances_by_reference_then_by_name() -> None:
    opts = options(**{**DEFAULTS, "tolerances": {"x": 0.1, "v:x": (0.0, 2.0)}})
    assert tolerance_of(opts, REF) == (0.0, 2.0)
    assert tolerance_of(options(**{**DEFAULTS, "tolerances": {"x": 0.1}}), REF) == (0.1, 0.0)
    assert tolerance_of(options(**DEFAULTS), REF) == (1e-9, 0.0)


def test_given_entities() -> None:
    assert given_entities(None, None, None) is None
    rows = given_entities(None, [{"id": 1}, {"id": 2}, {"id": 1}], None)
    assert rows is not None and rows["id"].tolist() == [1, 2, 1]
    naive = pd.DataFrame({"id": [1], "event_timestamp": [pd.Timestamp("2026-01-01")]})
    stamped = given_entities(naive, None, None)
    assert stamped is not None and str(stamped["event_timestamp"].dt.tz) == "UTC"
    with pytest.raises(MlauditInputError, match="holds no entity"):
        given_entities(pd.DataFrame({"id": []}), None, None)
    with pytest.raises(MlauditInputError, match="must be a pandas DataFrame"):
        given_entities({"id": [1]}, None, None)
    with pytest.raises(MlauditInputError, match="missing times"):
        given_entities(pd.DataFrame({"id": [1], "event_timestamp": [None]}), None, None)


def test_entities_for_one_group() -> None:
    frame = pd.DataFrame({"id": [1, 2, 1], "other": ["a", "b", "c"]})
    ents = entities_for(frame, ("id",), [REF], "entity_df")
    assert ents.to_dict("list") == {"id": [2, 1]}  # one row per entity, the last kept
    with pytest.raises(MlauditInputError, match=r"lacks the column\(s\) \['key2'\]"):
        entities_for(frame, ("id", "key2"), [REF], "entity_df")
    with pytest.raises(MlauditInputError, match=r"missing values in the join key\(s\) \['id'\]"):
        entities_for(pd.DataFrame({"id": [1, None]}), ("id",), [REF], "entity_df")
