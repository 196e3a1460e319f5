"""The example's Feast feature store, built from its seeded data.

``feature_repo/`` is a real Feast repository (provider local, a file offline store, a
SQLite online store); ``feature_repo/definitions.py`` defines the model's features.
:func:`build_store` makes it work: it writes the sources (Parquet files with event
timestamps, from ``data.py``'s seeded applicants), applies the definitions and
materializes the offline rows into the online store. :func:`training_frame` is how the
training job reads its features: point in time, through ``get_historical_features``, as
of each application's time.

The sources: every applicant of ``make_training_set`` has an application
(``applied_at``, the request time the service would have stamped it with) and a credit
bureau report from before it; 30% of them have a refreshed report after it, with
other values. A point-in-time join reads the report known when the application was
made, so the training frame equals ``make_training_set`` exactly (``tests`` checks it);
the online store, materialized up to :data:`AS_OF`, serves the latest report.

Build the repository in place (under ``out/``, git ignores it) and look at it with
Feast's own tools, in the Feast environment::

    .venv-feast/bin/python examples/credit_risk/store.py
    cd examples/credit_risk/feature_repo && ../../../.venv-feast/bin/feast feature-views list
"""

from __future__ import annotations

import shutil
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

EXAMPLE = Path(__file__).resolve().parent
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

from data import FEATURES, TARGET, make_training_set  # noqa: E402
from features import add_request_fields  # noqa: E402

__all__ = [
    "AS_OF",
    "FEAST_NEEDED",
    "FEATURE_REPO",
    "MODEL_SERVICE",
    "SOURCES_START",
    "build_store",
    "training_frame",
    "write_sources",
]

#: The Feast repository of the example (feature_store.yaml, definitions.py).
FEATURE_REPO = EXAMPLE / "feature_repo"
#: Why the example's tests skip without Feast (the core environment, .venv, has none).
FEAST_NEEDED = (
    "the example's training features come from its Feast repository: run it in the Feast "
    "environment, .venv-feast (bash scripts/example.sh)"
)
#: The feature service the model trains and scores with.
MODEL_SERVICE = "credit_risk_model"
#: Every source row is older than this (applications are from 2024, refreshed reports
#: come up to 90 days later): the time the store is materialized up to and audited at.
AS_OF = datetime(2025, 4, 1, tzinfo=UTC)
#: Every source row is newer than this (reports come up to 60 days before applications).
SOURCES_START = datetime(2023, 10, 1, tzinfo=UTC)
#: The share of applicants whose bureau report was refreshed after they applied.
REFRESHED = 0.3

_DAY = 86_400


def _applications(n: int, seed: int) -> pd.DataFrame:
    """``make_training_set(n, seed)`` as applications: an id and a request time each."""
    return add_request_fields(make_training_set(n, seed=seed), seed=seed)


def write_sources(out: Path, *, n: int = 20_000, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Write the store's sources to ``out`` (``applications.parquet``,
    ``bureau_reports.parquet``) and return them. Deterministic in ``seed``; the label
    (``default``) stays out of the store."""
    apps = _applications(n, seed)
    rng = np.random.default_rng(seed + 100)
    ids = apps["applicant_id"]
    before = apps["applied_at"] - pd.to_timedelta(rng.integers(3_600, 60 * _DAY, n), unit="s")
    bureau = ["debt_ratio", "credit_score", "open_accounts"]
    reports = pd.DataFrame(
        {"applicant_id": ids, "reported_at": before, **{c: apps[c] for c in bureau}}
    )
    again = rng.uniform(size=n) < REFRESHED
    m = int(again.sum())
    later = apps["applied_at"][again] + pd.to_timedelta(rng.integers(_DAY, 90 * _DAY, m), unit="s")
    refreshed = pd.DataFrame(
        {
            "applicant_id": ids[again],
            "reported_at": later,
            "debt_ratio": np.clip(apps["debt_ratio"][again] + rng.normal(0, 0.05, m), 0.0, 1.5),
            "credit_score": np.clip(
                np.round(apps["credit_score"][again] + rng.normal(0, 25, m)), 300, 850
            ),
            "open_accounts": np.maximum(apps["open_accounts"][again] + rng.integers(-1, 3, m), 0),
        }
    )
    reports = pd.concat([reports, refreshed], ignore_index=True)
    applications = apps[["applicant_id", "applied_at", *[c for c in FEATURES if c not in bureau]]]
    out.mkdir(parents=True, exist_ok=True)
    applications.to_parquet(out / "applications.parquet", index=False)
    reports.to_parquet(out / "bureau_reports.parquet", index=False)
    return {"applications": applications, "bureau_reports": reports}


def _definitions() -> list[Any]:
    """The Feast objects of ``feature_repo/definitions.py``."""
    import importlib.util

    from feast import Entity, FeatureService, FeatureView, OnDemandFeatureView

    spec = importlib.util.spec_from_file_location(
        "credit_risk_feature_definitions", FEATURE_REPO / "definitions.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    kinds = (Entity, FeatureView, OnDemandFeatureView, FeatureService)
    return [obj for obj in vars(module).values() if isinstance(obj, kinds)]


def build_store(
    root: Path = EXAMPLE,
    *,
    materialize_until: datetime = AS_OF,
    n: int = 20_000,
    seed: int = 7,
) -> Any:
    """Build the example's feature store under ``root`` and return its ``FeatureStore``.

    ``root`` gets a copy of ``feature_repo/`` (unless it is the example folder itself)
    and the store's files in ``root/out/feature_repo``: the sources, the registry and the
    SQLite online store. The online store holds the rows up to ``materialize_until``
    (default :data:`AS_OF`, all of them); an earlier time leaves it stale.
    """
    from feast import FeatureStore

    root = Path(root).resolve()
    repo = root / "feature_repo"
    if root != EXAMPLE:
        shutil.copytree(
            FEATURE_REPO, repo, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
        )
    write_sources(root / "out" / "feature_repo", n=n, seed=seed)
    store = FeatureStore(repo_path=str(repo))
    with warnings.catch_warnings():  # the on-demand view: "an experimental feature"
        warnings.filterwarnings("ignore", "On demand feature view", RuntimeWarning)
        store.apply(_definitions())
    store.materialize(start_date=SOURCES_START, end_date=materialize_until)
    return store


def training_frame(store: Any, *, n: int = 20_000, seed: int = 7) -> pd.DataFrame:
    """The training set as the training job reads it: the labelled applications (id,
    time, ``default``) joined point in time to the model's feature service. Its columns
    and rows are those of ``make_training_set(n, seed=seed)``."""
    labels = _applications(n, seed)[["applicant_id", "applied_at", TARGET]]
    entity_df = labels.rename(columns={"applied_at": "event_timestamp"})
    service = store.get_feature_service(MODEL_SERVICE)
    got = store.get_historical_features(entity_df=entity_df, features=service).to_df()
    got = got.set_index("applicant_id").loc[labels["applicant_id"]]
    return got[[*FEATURES, TARGET]].reset_index(drop=True)


if __name__ == "__main__":
    built = build_store()
    print(f"feature store built in {FEATURE_REPO} (data in {EXAMPLE / 'out' / 'feature_repo'})")
    print("feature views:", ", ".join(v.name for v in built.list_feature_views()))
