"""The result of :func:`~pytest_mlaudit.check_store_parity`: per feature view and feature,
how the values a feature store serves online compared with what training reads offline.

Nothing here imports Feast (or pandas): a :class:`StoreParityReport` is built, rendered
and read back from an audit record in an environment without the ``[feast]`` extra.

>>> f = FeatureStoreParity(
...     view="driver_stats", feature="conv_rate", on_demand=False, checked=10, mismatched=2,
...     value_mismatches=2, type_mismatches=0, missing_mismatches=0, absent_in="",
...     max_abs_diff=0.1, max_rel_diff=0.2, rtol=1e-9, atol=0.0, offline_type="float64",
...     online_type="float", causes={"stale": 2},
... )
>>> report = StoreParityReport(
...     features=(f,), mismatches=(), n_entities=10, n_mismatched=2, n_offline_missing_rows=0,
...     entity_keys=(("driver_id",),), at="2026-01-01T00:00:00+00:00", store="repo",
...     project="demo", entities_from="sampled", sample=10, seed=0, rtol=1e-9, atol=0.0,
...     strict_dtypes=False, max_mismatch_rate=0.0,
... )
>>> report.passed, report.mismatched_features
(False, ('driver_stats:conv_rate',))
>>> report.headline().describe()
'mismatch_rate=0.2 > 0'
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, Final

from pytest_mlaudit.result import BadWhen, CheckReport, Measure, breaches, fmt_number, format_table

__all__ = [
    "CAUSES",
    "FeatureStoreParity",
    "JsonScalar",
    "StoreMismatch",
    "StoreParityReport",
]

JsonScalar = bool | int | float | str | None

#: The likely causes of a mismatch the check can tell apart, and what each means.
CAUSES: Final[dict[str, str]] = {
    "stale": "stale online row: the online store holds an older row than training reads "
    "(materialize again, e.g. materialize_incremental)",
    "expired_ttl": "expired by TTL: training reads null because the latest row is older than "
    "the view's ttl, while the online store still serves it (Feast's online read does not "
    "apply the ttl)",
    "not_materialized": "never materialized: the online store has no row for the entity, "
    "training reads one",
    "online_newer": "the online row is newer than the as-of time: the online store serves "
    "a later row than training read as of `at`",
    "transformation": "the on-demand transformation gives another result online than "
    "offline on the same inputs",
    "input_differs": "an input of the on-demand view differs between the paths (see the "
    "source view's own mismatch)",
    "type_coerced": "type coerced: the online store keeps the value as another type "
    "(e.g. a float the view declares as an integer, truncated on materialization)",
    "absent": "the feature is missing from one path's result",
    "unknown": "the values differ and the timestamps do not explain it",
}


@dataclasses.dataclass(frozen=True, slots=True)
class FeatureStoreParity:
    """How one feature (``view:feature``) compared over all checked entities."""

    json_properties: ClassVar[tuple[str, ...]] = ("mismatch_rate", "reference")

    view: str  #: the feature view (or on-demand feature view)
    feature: str
    on_demand: bool  #: True for a feature of an on-demand feature view
    checked: int  #: entities compared
    mismatched: int  #: of those, entities whose values differ
    value_mismatches: int  #: both present, same type family, beyond the tolerance
    type_mismatches: int  #: both present, different type family
    missing_mismatches: int  #: null on one side only, or absent from one path
    absent_in: str  #: "" or the path(s) whose result lacks the feature: "online", "offline"
    max_abs_diff: float | None
    max_rel_diff: float | None
    rtol: float
    atol: float
    offline_type: str  #: dtype of the offline column ("<absent>" if not returned)
    online_type: str  #: Python types of the online values ("<absent>" if not returned)
    causes: dict[str, int] = dataclasses.field(default_factory=dict)  #: cause -> entities

    @property
    def reference(self) -> str:
        """The feature reference, ``view:feature``."""
        return f"{self.view}:{self.feature}"

    @property
    def mismatch_rate(self) -> float:
        return self.mismatched / self.checked if self.checked else math.nan

    def main_cause(self) -> str:
        """The cause of most of its mismatches ("" when it has none)."""
        if not self.causes:
            return ""
        return max(sorted(self.causes), key=lambda c: self.causes[c])


@dataclasses.dataclass(frozen=True, slots=True)
class StoreMismatch:
    """One entity on which one feature differs between the offline and the online path."""

    view: str
    feature: str
    entity: dict[str, JsonScalar]  #: join key -> value
    kind: str  #: value, type, missing, absent
    cause: str  #: a key of :data:`CAUSES`
    offline: str  #: repr of the offline value ("<no row>", "<absent>")
    online: str  #: repr of the online value
    offline_json: JsonScalar
    online_json: JsonScalar
    #: ISO time of the row training read (None: unknown or no row)
    offline_timestamp: str | None
    #: ISO time of the row the online store serves (None: no row)
    online_timestamp: str | None
    abs_diff: float | None
    detail: str  #: why it counts as a mismatch and what tells the cause

    @property
    def reference(self) -> str:
        return f"{self.view}:{self.feature}"

    def describe(self) -> str:
        """One line: the feature, the entity, both values and the cause."""
        key = ", ".join(f"{k}={v!r}" for k, v in self.entity.items())
        return (
            f"{self.reference} [{key}]: offline {self.offline} vs online {self.online} "
            f"({self.kind}; cause: {self.cause}) {self.detail}".rstrip()
        )


@dataclasses.dataclass(frozen=True, slots=True)
class StoreParityReport(CheckReport):
    """The result of :func:`~pytest_mlaudit.check_store_parity`."""

    kind: ClassVar[str] = "store_parity"
    json_properties: ClassVar[tuple[str, ...]] = (
        "mismatch_rate",
        "mismatched_features",
        "absent_features",
    )

    features: tuple[FeatureStoreParity, ...]
    mismatches: tuple[StoreMismatch, ...]  #: the first mismatches (``max_mismatches``)
    n_entities: int  #: entities compared
    n_mismatched: int  #: entities with any mismatching feature
    n_offline_missing_rows: int  #: entities get_historical_features returned no row for
    entity_keys: tuple[tuple[str, ...], ...]  #: the join keys of each entity group
    #: the as-of time of the offline read (ISO 8601), or the range of the entities' own
    #: times (``entity_df['event_timestamp']``)
    at: str
    store: str  #: the feature repo's path
    project: str  #: the Feast project
    entities_from: str  #: "entity_df", "entity_rows" or "sampled"
    sample: int  #: entities asked for when sampled
    seed: int
    rtol: float
    atol: float
    strict_dtypes: bool
    max_mismatch_rate: float
    feature_service: str | None = None  #: the feature service the features came from
    seconds_offline: float = 0.0  #: time in get_historical_features
    seconds_online: float = 0.0  #: time in get_online_features
    notes: tuple[str, ...] = ()

    @property
    def mismatch_rate(self) -> float:
        """Share of compared entities with any mismatch (NaN when none was compared)."""
        return self.n_mismatched / self.n_entities if self.n_entities else math.nan

    @property
    def mismatched_features(self) -> tuple[str, ...]:
        """References (``view:feature``) with at least one mismatch, in feature order."""
        return tuple(f.reference for f in self.features if f.mismatched or f.absent_in)

    @property
    def absent_features(self) -> tuple[str, ...]:
        """References one path did not return at all."""
        return tuple(f"{f.reference} ({f.absent_in})" for f in self.features if f.absent_in)

    @property
    def passed(self) -> bool:
        if self.absent_features:
            return False
        return not breaches(self.mismatch_rate, self.max_mismatch_rate, BadWhen.ABOVE)

    def headline(self) -> Measure:
        return Measure("mismatch_rate", self.mismatch_rate, self.max_mismatch_rate, BadWhen.ABOVE)

    def sizes(self) -> dict[str, int]:
        return {"n_entities": self.n_entities, "n_features": len(self.features)}

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)  # slots dataclass: no bare super()
        figures["mismatched_features"] = ",".join(self.mismatched_features)
        figures["n_mismatched"] = self.n_mismatched
        figures["n_entities"] = self.n_entities
        figures["causes"] = ",".join(sorted(self.causes()))
        return figures

    def measures(self) -> tuple[Measure, ...]:
        """Per feature reference, its mismatch rate against ``max_mismatch_rate``."""
        return tuple(
            Measure(
                "mismatch_rate",
                1.0 if f.absent_in else f.mismatch_rate,
                self.max_mismatch_rate,
                BadWhen.ABOVE,
                subject=f.reference,
            )
            for f in self.features
        )

    def causes(self) -> dict[str, int]:
        """Cause -> mismatching (entity, feature) pairs, over all features."""
        total: dict[str, int] = {}
        for f in self.features:
            for cause, n in f.causes.items():
                total[cause] = total.get(cause, 0) + n
        return total

    def feature(self, reference: str) -> FeatureStoreParity:
        """The row of one feature, by ``view:feature`` (or the bare feature name if unique)."""
        hits = [f for f in self.features if reference in (f.reference, f.feature)]
        if len(hits) == 1:
            return hits[0]
        known = [f.reference for f in self.features]
        raise KeyError(f"feature {reference!r} was not compared (or is ambiguous); {known!r}")

    def to_frame(self) -> Any:
        """One row per feature, as a pandas DataFrame (pandas is imported here)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "view": f.view,
                    "feature": f.feature,
                    "on_demand": f.on_demand,
                    "checked": f.checked,
                    "mismatched": f.mismatched,
                    "mismatch_rate": f.mismatch_rate,
                    "absent_in": f.absent_in,
                    "causes": ", ".join(f"{c}={n}" for c, n in sorted(f.causes.items())),
                    "max_abs_diff": f.max_abs_diff,
                    "offline_type": f.offline_type,
                    "online_type": f.online_type,
                }
                for f in self.features
            ]
        )

    def mismatches_frame(self) -> Any:
        """The kept mismatches, one row each, entity keys as columns (pandas)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "view": m.view,
                    "feature": m.feature,
                    **m.entity,
                    "offline": m.offline_json,
                    "online": m.online_json,
                    "offline_timestamp": m.offline_timestamp,
                    "online_timestamp": m.online_timestamp,
                    "cause": m.cause,
                    "detail": m.detail,
                }
                for m in self.mismatches
            ]
        )

    def brief(self) -> str:
        parts = []
        if self.mismatched_features:
            bad = [f for f in self.features if f.mismatched or f.absent_in]
            shown = ", ".join(f"{f.reference} ({f.main_cause() or 'absent'})" for f in bad[:5])
            more = len(self.mismatched_features) - 5
            parts.append(f"mismatched: {shown}" + (f" (+{more} more)" if more > 0 else ""))
        if self.n_entities == 0:
            parts.append("no entity compared")
        return "; ".join(parts)

    def summary(self, max_rows: int = 40) -> str:
        verdict = "passed" if self.passed else "FAILED"
        keys = " | ".join(", ".join(k) for k in self.entity_keys)
        service = f" (feature service {self.feature_service!r})" if self.feature_service else ""
        head = (
            f"store parity {verdict}: {len(self.mismatched_features)} of {len(self.features)} "
            f"feature(s){service} differ between get_historical_features (as of {self.at}) "
            f"and get_online_features; {self.n_mismatched} of {self.n_entities} entities "
            f"mismatched ({self.headline().describe()}); entities {self.entities_from} "
            f"(keys: {keys}); project {self.project!r}; rtol={fmt_number(self.rtol)}, "
            f"atol={fmt_number(self.atol)}"
        )
        rows = sorted(self.features, key=lambda f: (not (f.mismatched or f.absent_in), f.view))
        table = format_table(
            [
                "view",
                "feature",
                "checked",
                "mismatched",
                "cause",
                "max |diff|",
                "offline",
                "online",
            ],
            [
                [
                    f.view + (" (on demand)" if f.on_demand else ""),
                    f.feature,
                    str(f.checked),
                    str(f.mismatched) + (f" absent {f.absent_in}" if f.absent_in else ""),
                    ", ".join(f"{c}={n}" for c, n in sorted(f.causes.items())) or "-",
                    fmt_number(f.max_abs_diff),
                    f.offline_type,
                    f.online_type,
                ]
                for f in rows[:max_rows]
            ],
        )
        lines = [head, table]
        if len(rows) > max_rows:
            lines.append(f"... {len(rows) - max_rows} more feature(s)")
        if self.n_offline_missing_rows:
            lines.append(
                f"{self.n_offline_missing_rows} entities get_historical_features returned no "
                "row for (Feast drops an entity whose rows all fall outside the view's ttl)"
            )
        for cause in sorted(self.causes()):
            lines.append(f"cause {cause}: {CAUSES.get(cause, cause)}")
        for m in self.mismatches[:10]:
            lines.append(f"  {m.describe()}")
        if len(self.mismatches) > 10:
            lines.append(f"  ... {len(self.mismatches) - 10} more mismatch(es) in the report")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)
