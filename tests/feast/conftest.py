"""Real local Feast repositories in temporary folders (provider local, file offline store of
parquet files, SQLite online store) for the store-parity tests.

These tests run in the Feast environment only (``.venv-feast``: Feast pins pandas<3).
"""

from __future__ import annotations

import pytest

pytest.importorskip("feast", reason="the Feast tests run in .venv-feast (pip install '.[feast]')")

import dataclasses
import datetime as dt
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

N_DRIVERS = 20  #: drivers with fresh rows: 1..20
EXPIRED = (21, 22)  #: drivers whose only row is older than the views' ttl
TTL = dt.timedelta(days=1)


@dataclasses.dataclass
class Repo:
    """A feature repo on disk and its store."""

    path: Path
    store: Any
    now: pd.Timestamp

    def materialize(self, start: pd.Timestamp, end: pd.Timestamp) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.store.materialize(start_date=start.to_pydatetime(), end_date=end.to_pydatetime())


def _data(path: Path, now: pd.Timestamp) -> None:
    data = path / "data"
    data.mkdir()
    rows = []
    for d in range(1, N_DRIVERS + 1):
        for hours, bump in ((3, 0.0), (1, 0.5)):  # an older row, then the latest
            rows.append(
                {
                    "driver_id": d,
                    "event_timestamp": now - pd.Timedelta(hours=hours),
                    "conv_rate": round(d / 100 + bump, 4),
                    "trips": d * 10 + int(bump * 2),
                    "rating": d % 5 + 0.5,
                }
            )
    for d in EXPIRED:
        rows.append(
            {
                "driver_id": d,
                "event_timestamp": now - pd.Timedelta(days=3),
                "conv_rate": d / 100,
                "trips": d * 10,
                "rating": 1.5,
            }
        )
    pd.DataFrame(rows).to_parquet(data / "drivers.parquet")
    customers = [f"c{i:02d}" for i in range(1, 11)]
    pd.DataFrame(
        {
            "customer": customers,
            "event_timestamp": [now - pd.Timedelta(hours=2)] * len(customers),
            "lifetime_spend": [100.0 + i for i in range(len(customers))],
            "segment": ["gold" if i % 2 else "silver" for i in range(len(customers))],
        }
    ).to_parquet(data / "customers.parquet")
    pairs = [(c, m) for c in customers[:5] for m in (1, 2, 3)]
    pd.DataFrame(
        {
            "customer": [c for c, _ in pairs],
            "merchant": [m for _, m in pairs],
            "event_timestamp": [now - pd.Timedelta(hours=2)] * len(pairs),
            "visits": [i + 1 for i in range(len(pairs))],
            "spend_here": [1.25 * (i + 1) for i in range(len(pairs))],
        }
    ).to_parquet(data / "customer_merchant.parquet")


def _definitions(path: Path) -> list[Any]:
    from feast import (
        Entity,
        FeatureService,
        FeatureView,
        Field,
        FileSource,
        RequestSource,
        ValueType,
    )
    from feast.on_demand_feature_view import on_demand_feature_view
    from feast.types import Float64, Int64, String

    data = path / "data"
    driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
    customer = Entity(name="customer", join_keys=["customer"], value_type=ValueType.STRING)
    merchant = Entity(name="merchant", join_keys=["merchant"], value_type=ValueType.INT64)
    drivers = FileSource(
        name="drivers", path=str(data / "drivers.parquet"), timestamp_field="event_timestamp"
    )
    stats = FeatureView(
        name="driver_stats",
        entities=[driver],
        ttl=TTL,
        schema=[Field(name="conv_rate", dtype=Float64), Field(name="trips", dtype=Int64)],
        source=drivers,
    )
    # the source holds ratings such as 2.5, the view declares an integer: materialization
    # stores 2 online while the offline read returns 2.5
    ratings = FeatureView(
        name="driver_ratings",
        entities=[driver],
        ttl=TTL,
        schema=[Field(name="rating", dtype=Int64)],
        source=drivers,
    )
    offline_only = FeatureView(
        name="driver_history",
        entities=[driver],
        ttl=TTL,
        schema=[Field(name="trips", dtype=Int64)],
        source=drivers,
        online=False,
    )

    @on_demand_feature_view(  # type: ignore[misc]
        sources=[stats], schema=[Field(name="conv_pct", dtype=Float64)], mode="pandas"
    )
    def driver_scaled(inputs: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"conv_pct": inputs["conv_rate"] * 100.0})

    @on_demand_feature_view(  # type: ignore[misc]
        sources=[stats], schema=[Field(name="conv_centered", dtype=Float64)], mode="pandas"
    )
    def driver_centered(inputs: pd.DataFrame) -> pd.DataFrame:
        # a batch statistic: the training batch's mean offline, one request's value online
        return pd.DataFrame({"conv_centered": inputs["conv_rate"] - inputs["conv_rate"].mean()})

    @on_demand_feature_view(  # type: ignore[misc]
        sources=[stats], schema=[Field(name="trips_per_conv", dtype=Float64)], mode="python"
    )
    def driver_ratio(inputs: dict[str, Any]) -> dict[str, Any]:
        pairs = zip(inputs["trips"], inputs["conv_rate"], strict=True)
        return {"trips_per_conv": [None if c is None else t / c for t, c in pairs]}

    request = RequestSource(name="trip_request", schema=[Field(name="distance", dtype=Float64)])

    @on_demand_feature_view(  # type: ignore[misc]
        sources=[stats, request], schema=[Field(name="expected", dtype=Float64)], mode="pandas"
    )
    def driver_offer(inputs: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"expected": inputs["distance"] * inputs["conv_rate"]})

    customers = FileSource(
        name="customers", path=str(data / "customers.parquet"), timestamp_field="event_timestamp"
    )
    profile = FeatureView(
        name="customer_profile",
        entities=[customer],
        ttl=TTL,
        schema=[
            Field(name="lifetime_spend", dtype=Float64),
            Field(name="segment", dtype=String),
        ],
        source=customers,
    )
    pairs = FileSource(
        name="customer_merchant",
        path=str(data / "customer_merchant.parquet"),
        timestamp_field="event_timestamp",
    )
    visits = FeatureView(
        name="customer_merchant",
        entities=[customer, merchant],
        ttl=TTL,
        schema=[Field(name="visits", dtype=Int64), Field(name="spend_here", dtype=Float64)],
        source=pairs,
    )
    service = FeatureService(
        name="driver_service", features=[stats[["conv_rate", "trips"]], driver_scaled]
    )
    return [
        driver,
        customer,
        merchant,
        stats,
        ratings,
        offline_only,
        driver_scaled,
        driver_centered,
        driver_ratio,
        driver_offer,
        profile,
        visits,
        service,
    ]


def build_repo(path: Path, *, versioning: bool = False) -> Repo:
    """Write a feature repo into ``path`` and apply it (nothing materialized yet);
    ``versioning`` turns on Feast's version-pinned references (``view@v1:feature``)."""
    from feast import FeatureStore

    now = pd.Timestamp.now(tz="UTC").floor("s")
    path.mkdir(parents=True, exist_ok=True)
    _data(path, now)
    (path / "feature_store.yaml").write_text(
        "project: mlaudit_test\n"
        + (
            f"registry:\n  path: {path / 'registry.db'}\n"
            "  enable_online_feature_view_versioning: true\n"
            if versioning
            else f"registry: {path / 'registry.db'}\n"
        )
        + "provider: local\n"
        "online_store:\n"
        "  type: sqlite\n"
        f"  path: {path / 'online.db'}\n"
        "offline_store:\n"
        "  type: file\n"
        "entity_key_serialization_version: 3\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = FeatureStore(repo_path=str(path))
        store.apply(_definitions(path))
    return Repo(path=path, store=store, now=now)


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Repo]:
    """A fresh, applied, unmaterialized repo under tmp_path (``make_repo(versioning=True)``)."""
    return lambda **kw: build_repo(tmp_path / "feature_repo", **kw)


@pytest.fixture
def repo(make_repo: Callable[..., Repo]) -> Repo:
    """A consistent store: materialized over the ttl window up to now (what
    ``materialize_incremental`` does on a first run)."""
    r = make_repo()
    r.materialize(r.now - TTL, r.now)
    return r
