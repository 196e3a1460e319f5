"""Benchmark: check_store_parity on a real local Feast repo (file offline store, SQLite online
store) of 10,000 entities x 20 features (two feature views of 10 float features each).

The repo is built in a temporary folder from seeded data and materialized; then the check
runs ``--repeat`` times on every entity (``entity_df``) of a consistent store, and once on a
store whose latest rows were not materialized (every entity stale, so every mismatch gets a
cause). The table gives entities checked per second and the share of the time Feast's own
two reads (get_historical_features, get_online_features) take. Feast needs pandas<3: run it
in the Feast environment.

    .venv-feast/bin/python benchmarks/bench_store_parity.py [--entities 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

N_FEATURES = 20
N_VIEWS = 2
TTL = dt.timedelta(days=1)


def build(path: Path, entities: int, seed: int = 0) -> tuple[Any, pd.Timestamp, list[str]]:
    from feast import Entity, FeatureStore, FeatureView, Field, FileSource, ValueType
    from feast.types import Float64

    rng = np.random.default_rng(seed)
    now = pd.Timestamp.now(tz="UTC").floor("s")
    path.mkdir(parents=True)
    per_view = N_FEATURES // N_VIEWS
    ids = np.arange(1, entities + 1)
    driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
    objects: list[Any] = [driver]
    refs = []
    for v in range(N_VIEWS):
        names = [f"f{v}_{i:02d}" for i in range(per_view)]
        frames = []
        for hours in (3, 1):  # an older row and the latest one per entity
            data: dict[str, Any] = {
                "driver_id": ids,
                "event_timestamp": [now - pd.Timedelta(hours=hours)] * entities,
            }
            data.update({n: rng.normal(size=entities) for n in names})
            frames.append(pd.DataFrame(data))
        file = path / f"view{v}.parquet"
        pd.concat(frames, ignore_index=True).to_parquet(file)
        source = FileSource(name=f"src{v}", path=str(file), timestamp_field="event_timestamp")
        objects.append(
            FeatureView(
                name=f"view{v}",
                entities=[driver],
                ttl=TTL,
                schema=[Field(name=n, dtype=Float64) for n in names],
                source=source,
            )
        )
        refs.extend(f"view{v}:{n}" for n in names)
    (path / "feature_store.yaml").write_text(
        f"project: bench\nregistry: {path / 'registry.db'}\nprovider: local\n"
        f"online_store:\n  type: sqlite\n  path: {path / 'online.db'}\n"
        "offline_store:\n  type: file\nentity_key_serialization_version: 3\n"
    )
    store = FeatureStore(repo_path=str(path))
    store.apply(objects)
    return store, now, refs


def materialize(store: Any, start: pd.Timestamp, end: pd.Timestamp) -> float:
    t0 = time.perf_counter()
    store.materialize(start_date=start.to_pydatetime(), end_date=end.to_pydatetime())
    return time.perf_counter() - t0


def run(store: Any, refs: list[str], entity_df: pd.DataFrame) -> tuple[float, Any]:
    from pytest_mlaudit import check_store_parity

    t0 = time.perf_counter()
    report = check_store_parity(store, refs, entity_df=entity_df)
    return time.perf_counter() - t0, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store, now, refs = build(Path(tmp) / "repo", args.entities)
        entity_df = pd.DataFrame({"driver_id": np.arange(1, args.entities + 1)})
        stale_s = materialize(store, now - TTL, now - pd.Timedelta(hours=2))
        seconds, report = run(store, refs, entity_df)
        assert not report.passed and report.causes() == {"stale": args.entities * N_FEATURES}
        rows.append(("stale (every value a mismatch)", seconds, report))
        full_s = materialize(store, now - TTL, now)
        times = []
        for _ in range(args.repeat):
            seconds, report = run(store, refs, entity_df)
            assert report.passed, report.summary()
            times.append((seconds, report))
        best = min(times, key=lambda t: t[0])
        rows.insert(
            0, ("consistent (median of repeats)", statistics.median(t for t, _ in times), best[1])
        )
    print(
        f"check_store_parity: {args.entities:,} entities x {N_FEATURES} features "
        f"({N_VIEWS} views), file offline store + SQLite online store; materialize took "
        f"{stale_s:.1f} s + {full_s:.1f} s"
    )
    header = (
        f"{'store':32} {'seconds':>8} {'entities/s':>11} {'offline s':>10} {'online s':>9} "
        f"{'Feast share':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, seconds, rep in rows:
        feast_s = rep.seconds_offline + rep.seconds_online
        print(
            f"{name:32} {seconds:8.2f} {rep.n_entities / seconds:11,.0f} "
            f"{rep.seconds_offline:10.2f} {rep.seconds_online:9.2f} {feast_s / seconds:11.0%}"
        )


if __name__ == "__main__":
    main()
