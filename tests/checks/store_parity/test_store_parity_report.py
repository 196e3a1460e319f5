"""The store-parity report, its causes and its report section, without Feast (core env)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from typing import Any

import pandas as pd
import pytest

from pytest_mlaudit import MlauditInputError, StoreParityReport, check_store_parity
from pytest_mlaudit.checks.store_parity.causes import Facts, classify
from pytest_mlaudit.report.display import report_html
from pytest_mlaudit.report.sections import store_parity as section
from pytest_mlaudit.result import report_from_dict
from tests.checks.store_parity.store_parity_fixtures import make_store_parity_report

AT = pd.Timestamp("2026-01-02 12:00", tz="UTC")


def test_the_verdict_comes_from_the_numbers() -> None:
    ok = make_store_parity_report(stale=0, absent=False)
    assert ok.passed and ok.mismatch_rate == 0.0 and ok.mismatched_features == ()
    stale = make_store_parity_report(stale=20, absent=False)
    assert not stale.passed and stale.mismatch_rate == 1.0
    assert stale.mismatched_features == ("driver_stats:conv_rate",)
    assert stale.causes() == {"stale": 20}
    # a feature one path does not return fails even within max_mismatch_rate
    absent = make_store_parity_report(stale=0, absent=True)
    lenient = StoreParityReport.from_dict({**absent.to_dict(), "max_mismatch_rate": 1.0})
    assert lenient.absent_features == ("driver_history:trips (online)",)
    assert not lenient.passed


def test_round_trip_measures_and_figures() -> None:
    report = make_store_parity_report()
    data = json.loads(json.dumps(report.to_dict()))
    assert data["kind"] == "store_parity" and data["passed"] is False
    assert data["features"][0]["reference"] == "driver_stats:conv_rate"
    assert report_from_dict(data) == report
    measures = {m.subject: m.statistic for m in report.measures()}
    assert measures == {
        "driver_stats:conv_rate": 1.0,
        "driver_stats:trips": 0.0,
        "driver_scaled:conv_pct": 0.0,
        "driver_history:trips": 1.0,
    }
    figures = report.key_figures()
    assert figures["causes"] == "absent,stale" and figures["n_entities"] == 20
    assert report.feature("conv_rate").view == "driver_stats"
    with pytest.raises(KeyError, match="ambiguous"):
        report.feature("trips")


def test_frames() -> None:
    report = make_store_parity_report()
    frame = report.to_frame()
    assert frame["mismatched"].tolist() == [20, 0, 0, 20]
    assert frame.loc[3, "absent_in"] == "online" and frame.loc[0, "causes"] == "stale=20"
    rows = report.mismatches_frame()
    assert rows.loc[0, ["driver_id", "offline", "online", "cause"]].tolist() == [
        1,
        0.51,
        0.01,
        "stale",
    ]


def test_the_summary_names_feature_entity_values_and_cause() -> None:
    text = make_store_parity_report().summary()
    assert text.startswith("store parity FAILED: 2 of 4 feature(s)")
    assert "driver_stats:conv_rate [driver_id=1]: offline 0.51 vs online 0.01" in text
    assert "cause: stale" in text and "absent online" in text
    brief = make_store_parity_report().brief()
    assert brief == "mismatched: driver_stats:conv_rate (stale), driver_history:trips (absent)"


def test_the_section_shows_each_view_and_feature() -> None:
    html = report_html(make_store_parity_report())
    for view in ("driver_stats", "driver_scaled", "driver_history"):
        assert f"Feature view <code>{view}</code>" in html
    assert "(on-demand view)" in html and "Likely causes" in html
    assert "driver_id=1" in html and "0.51" in html and "2026-01-01T09:00:00+00:00" in html
    # failing views first
    assert html.index("driver_history") < html.index("driver_scaled")


def test_advice_names_the_features_and_the_fix() -> None:
    entry = {"result": make_store_parity_report().to_dict()}
    text = section.advice(entry)
    assert "driver_stats:conv_rate" in text and "driver_history:trips" in text
    assert text.endswith(
        "Serve every feature the model trains on from the online store (a view with "
        "online=False, or an on-demand view whose online output lacks the column); "
        "materialize again: the online store lags the offline source (schedule "
        "materialize-incremental after each load)."
    )


def test_the_skew_part_lists_store_parity() -> None:
    from pytest_mlaudit import registry

    assert registry.failure_mode("skew").checks == ("parity", "skew", "store_parity")


@pytest.mark.skipif(importlib.util.find_spec("feast") is not None, reason="Feast is installed")
def test_without_feast_the_check_names_the_extra(tmp_path: object) -> None:
    with pytest.raises(MlauditInputError, match=r"pip install 'pytest-mlaudit\[feast\]'"):
        check_store_parity(str(tmp_path), ["driver_stats:conv_rate"])


FACTS = Facts(ttl_s=86400, declared="Float64", on_demand=False, last_end=AT)


@pytest.mark.parametrize(
    ("offline", "online", "online_ts", "offline_ts", "cause"),
    [
        (0.5, 0.4, AT - pd.Timedelta(hours=3), AT - pd.Timedelta(hours=1), "stale"),
        (0.5, 0.4, AT - pd.Timedelta(hours=1), AT - pd.Timedelta(hours=3), "online_newer"),
        (None, 0.4, AT - pd.Timedelta(days=3), AT - pd.Timedelta(days=3), "expired_ttl"),
        (None, 0.4, AT - pd.Timedelta(days=3), None, "expired_ttl"),
        (0.5, None, None, AT - pd.Timedelta(hours=1), "not_materialized"),
        (2.5, 2, AT, AT, "type_coerced"),
        (2.5, 2.4, AT, AT, "unknown"),
        (float("nan"), 0.4, AT - pd.Timedelta(hours=1), None, "unknown"),
    ],
)
def test_causes_are_told_apart(
    offline: object, online: object, online_ts: object, offline_ts: object, cause: str
) -> None:
    got, detail = classify(
        FACTS, offline, online, at=AT, online_ts=online_ts, offline_ts=offline_ts
    )
    assert got == cause, detail


def test_on_demand_causes() -> None:
    odfv = Facts(ttl_s=None, declared="Float64", on_demand=True, last_end=None)
    kw: dict[str, Any] = {"at": AT, "online_ts": None, "offline_ts": None}
    assert classify(odfv, 1.0, 0.0, **kw)[0] == "transformation"
    cause, detail = classify(odfv, 1.0, 0.0, inputs=("v:x",), **kw)
    assert cause == "input_differs" and "v:x" in detail
    pinned = dataclasses.replace(FACTS, pinned="v0")
    cause, detail = classify(pinned, 0.5, None, **kw)
    assert cause == "not_materialized" and "pins @v0" in detail
