"""Store-parity reports built from numbers (no Feast): a stale store with an absent feature."""

from __future__ import annotations

from pytest_mlaudit.checks.store_parity.report import (
    FeatureStoreParity,
    StoreMismatch,
    StoreParityReport,
)


def _feature(view: str, feature: str, mismatched: int, **kw: object) -> FeatureStoreParity:
    fields: dict[str, object] = {
        "view": view,
        "feature": feature,
        "on_demand": False,
        "checked": 20,
        "mismatched": mismatched,
        "value_mismatches": mismatched,
        "type_mismatches": 0,
        "missing_mismatches": 0,
        "absent_in": "",
        "max_abs_diff": 0.5 if mismatched else 0.0,
        "max_rel_diff": 0.98 if mismatched else 0.0,
        "rtol": 1e-9,
        "atol": 0.0,
        "offline_type": "float64",
        "online_type": "float64",
        "causes": {"stale": mismatched} if mismatched else {},
    }
    fields.update(kw)
    return FeatureStoreParity(**fields)  # type: ignore[arg-type]


def make_store_parity_report(*, stale: int = 20, absent: bool = True) -> StoreParityReport:
    """20 drivers; ``stale`` of them served an older row online; ``driver_history:trips``
    missing from the online path when ``absent``."""
    features = [
        _feature("driver_stats", "conv_rate", stale),
        _feature("driver_stats", "trips", 0, online_type="int"),
        _feature("driver_scaled", "conv_pct", 0, on_demand=True),
    ]
    mismatches = []
    if stale:
        mismatches.append(
            StoreMismatch(
                view="driver_stats",
                feature="conv_rate",
                entity={"driver_id": 1},
                kind="value",
                cause="stale",
                offline="0.51",
                online="0.01",
                offline_json=0.51,
                online_json=0.01,
                offline_timestamp="2026-01-01T11:00:00+00:00",
                online_timestamp="2026-01-01T09:00:00+00:00",
                abs_diff=0.5,
                detail="the online row is from 2026-01-01T09:00:00+00:00, training read the row "
                "from 2026-01-01T11:00:00+00:00",
            )
        )
    if absent:
        features.append(
            _feature(
                "driver_history",
                "trips",
                20,
                value_mismatches=0,
                missing_mismatches=20,
                absent_in="online",
                online_type="<absent>",
                max_abs_diff=None,
                max_rel_diff=None,
                causes={"absent": 20},
            )
        )
    return StoreParityReport(
        features=tuple(features),
        mismatches=tuple(mismatches),
        n_entities=20,
        n_mismatched=20 if (stale or absent) else 0,
        n_offline_missing_rows=0,
        entity_keys=(("driver_id",),),
        at="2026-01-01T12:00:00+00:00",
        store="/repo/feature_repo",
        project="credit",
        entities_from="sampled",
        sample=1000,
        seed=0,
        rtol=1e-9,
        atol=0.0,
        strict_dtypes=False,
        max_mismatch_rate=0.0,
        seconds_offline=0.2,
        seconds_online=0.1,
    )
