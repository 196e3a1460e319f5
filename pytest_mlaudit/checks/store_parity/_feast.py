"""Everything that talks to Feast: opening the store, resolving feature references, drawing
entities from the offline sources, and the two reads (offline and online).

Feast is imported inside the functions, so importing this module costs nothing; a missing
Feast is an :class:`~pytest_mlaudit.errors.MlauditInputError` naming the extra.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "TS",
    "Ref",
    "latest_rows",
    "open_store",
    "read_offline",
    "read_online",
    "require_feast",
    "resolve",
    "sample_entities",
]

#: The entity-frame column of the as-of time (Feast's own name for it).
TS: Final = "event_timestamp"
#: The earliest event time the offline pulls ask for.
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_EXTRA: Final = "pip install 'pytest-mlaudit[feast]'"


def require_feast() -> Any:
    """The ``feast`` module, or an error naming the extra."""
    try:
        import feast
    except ImportError as exc:
        raise MlauditInputError(
            f"check_store_parity reads a Feast feature store and needs Feast ({exc}); "
            f"install it with {_EXTRA} (Feast needs pandas<3: use an environment of its own)."
        ) from None
    return feast


def open_store(store: Any) -> Any:
    """A ``feast.FeatureStore`` from a store or the path of a feature repo folder."""
    feast = require_feast()
    if isinstance(store, feast.FeatureStore):
        return store
    if isinstance(store, str | os.PathLike):
        path = Path(store)
        if not (path / "feature_store.yaml").is_file():
            raise MlauditInputError(
                f"store must be a feast.FeatureStore or the folder of a feature repo holding "
                f"feature_store.yaml; got store={str(store)!r}, which has no feature_store.yaml."
            )
        try:
            return feast.FeatureStore(repo_path=str(path))
        except Exception as exc:
            raise MlauditInputError(
                f"Feast could not open the feature repo store={str(store)!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from None
    raise MlauditInputError(
        "store must be a feast.FeatureStore or the path (str or Path) of a feature repo "
        f"folder; got {type(store).__name__}."
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Ref:
    """One feature to compare: where it lives and what Feast knows of it."""

    view: str  #: the view's name as the reference uses it
    feature: str
    on_demand: bool
    join_keys: tuple[str, ...]
    declared: str  #: the Feast type the view declares ("Int64", "Float64", ...)
    ttl: dt.timedelta | None  #: None: no ttl (or an on-demand view)
    inputs: tuple[str, ...] = ()  #: on-demand views: the source views' references
    requests: tuple[str, ...] = ()  #: on-demand views: request-data fields it needs

    @property
    def reference(self) -> str:
        return f"{self.view}:{self.feature}"

    @property
    def registry_name(self) -> str:
        """The view's name in the registry (without a pinned ``@vN``)."""
        return self.view.partition("@")[0]

    def column(self, full: bool) -> str:
        """The column Feast names it by in both reads."""
        return f"{self.view}__{self.feature}" if full else self.feature


def _views(store: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    fvs = {fv.name: fv for fv in store.list_feature_views()}
    odfvs = {v.name: v for v in store.list_on_demand_feature_views()}
    return fvs, odfvs


def _dtype_name(field: Any) -> str:
    """The declared Feast type ("?" for a feature of a pinned version the view lacks now)."""
    if field is None:
        return "?"
    return str(getattr(field.dtype, "name", field.dtype))


def _view_ref(fv: Any, view: str, feature: str) -> Ref:
    fields = {f.name: f for f in fv.features}
    ttl = fv.ttl if fv.ttl else None
    return Ref(
        view=view,
        feature=feature,
        on_demand=False,
        join_keys=tuple(c.name for c in fv.entity_columns),
        declared=_dtype_name(fields.get(feature)),
        ttl=ttl,
    )


def _odfv_ref(odfv: Any, feature: str, fvs: dict[str, Any], view: str = "") -> Ref:
    fields = {f.name: f for f in odfv.features}
    keys: list[str] = []
    inputs: list[str] = []
    for proj in odfv.source_feature_view_projections.values():
        source = fvs.get(proj.name)
        if source is not None:
            keys.extend(c.name for c in source.entity_columns if c.name not in keys)
        inputs.extend(f"{proj.name_to_use()}:{f.name}" for f in proj.features)
    requests = [f.name for rs in odfv.source_request_sources.values() for f in rs.schema]
    return Ref(
        view=view or odfv.name,
        feature=feature,
        on_demand=True,
        join_keys=tuple(keys),
        declared=_dtype_name(fields.get(feature)),
        ttl=None,
        inputs=tuple(inputs),
        requests=tuple(requests),
    )


def _service_refs(store: Any, service: Any) -> list[str]:
    return [
        f"{proj.name_to_use()}:{f.name}"
        for proj in service.feature_view_projections
        for f in proj.features
    ]


def resolve(store: Any, features: Any) -> tuple[list[Ref], str | None]:
    """The references in ``features`` (a list, a FeatureService or ``"service:NAME"``)."""
    feast = require_feast()
    service_name: str | None = None
    if isinstance(features, str) and features.startswith("service:"):
        name = features.partition(":")[2]
        try:
            features = store.get_feature_service(name)
        except Exception:
            known = sorted(s.name for s in store.list_feature_services())
            raise MlauditInputError(
                f"features={features!r} names feature service {name!r}, which the registry "
                f"of project {store.project!r} does not hold; known services: {known}."
            ) from None
    if isinstance(features, feast.FeatureService):
        service_name = features.name
        refs = _service_refs(store, features)
    elif isinstance(features, str):
        raise MlauditInputError(
            "features must be a list of feature references 'view:feature', a "
            f"feast.FeatureService or 'service:NAME'; got the string {features!r} (wrap a "
            "single reference in a list)."
        )
    elif isinstance(features, Sequence) and features:
        refs = list(features)
    else:
        raise MlauditInputError(
            "features must be a non-empty list of feature references 'view:feature', a "
            f"feast.FeatureService or 'service:NAME'; got {features!r}."
        )
    fvs, odfvs = _views(store)
    out: list[Ref] = []
    for ref in refs:
        if not isinstance(ref, str) or ref.count(":") != 1:
            raise MlauditInputError(
                f"features holds {ref!r}; every feature reference is a string 'view:feature' "
                "(e.g. 'driver_hourly_stats:conv_rate')."
            )
        view, feature = ref.split(":")
        name, _, version = view.partition("@")  # "view@v2:feature" pins a version
        if name in fvs:
            fv, make = fvs[name], _view_ref
        elif name in odfvs:
            fv, make = odfvs[name], None
        else:
            raise MlauditInputError(
                f"features holds {ref!r}, but project {store.project!r} has no feature view "
                f"{name!r}; feature views: {sorted(fvs)}, on-demand views: {sorted(odfvs)}."
            )
        names = [f.name for f in fv.features]
        if feature not in names and not version:  # a pinned version's schema is Feast's to check
            raise MlauditInputError(
                f"features holds {ref!r}, but view {view!r} has no feature {feature!r}; its "
                f"features: {names}."
            )
        out.append(make(fv, view, feature) if make else _odfv_ref(fv, feature, fvs, view))
    if len({r.reference for r in out}) != len(out):
        dup = sorted(
            {r.reference for r in out if [x.reference for x in out].count(r.reference) > 1}
        )
        raise MlauditInputError(f"features names {dup} more than once; name each feature once.")
    return out, service_name


def latest_rows(
    store: Any, view: str, join_keys: Sequence[str], features: Sequence[str], at: dt.datetime
) -> pd.DataFrame:
    """The latest row per entity at or before ``at`` in the view's offline source (whatever
    its ttl), with the row's event time in column ``__ts`` (what materialization reads)."""
    fv = store.get_feature_view(view)
    source = fv.batch_source
    provider = store._get_provider()
    job = provider.offline_store.pull_latest_from_table_or_query(
        config=store.config,
        data_source=source,
        join_key_columns=list(join_keys),
        feature_name_columns=list(features),
        timestamp_field=source.timestamp_field,
        created_timestamp_column=source.created_timestamp_column or None,
        start_date=_EPOCH,
        end_date=at,
    )
    frame: pd.DataFrame = job.to_df().rename(columns={source.timestamp_field: "__ts"})
    frame["__ts"] = pd.to_datetime(frame["__ts"], utc=True)
    return frame[[*join_keys, *features, "__ts"]]


def sample_entities(
    store: Any, refs: Sequence[Ref], keys: tuple[str, ...], at: dt.datetime, n: int, seed: int
) -> pd.DataFrame:
    """Up to ``n`` distinct entities (``keys``) drawn with ``seed`` from the offline sources
    of the views behind ``refs`` (the entities that have a row at or before ``at``)."""
    views: list[str] = []
    for r in refs:
        names = [i.split(":")[0] for i in r.inputs] if r.on_demand else [r.view]
        names = [n.partition("@")[0] for n in names]
        views.extend(v for v in names if v not in views)
    frames = []
    for view in views:
        fv = store.get_feature_view(view)
        own = tuple(c.name for c in fv.entity_columns)
        if set(own) != set(keys):
            continue
        frames.append(latest_rows(store, view, own, [], at)[list(keys)])
    if not frames:
        return pd.DataFrame({k: [] for k in keys})
    entities = pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)
    entities = entities.sort_values(list(keys), ignore_index=True)
    if len(entities) > n:
        rng = np.random.default_rng(seed)
        pick = np.sort(rng.choice(len(entities), size=n, replace=False))
        entities = entities.iloc[pick].reset_index(drop=True)
    return entities


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def _by_view(refs: Sequence[Ref]) -> dict[str, list[Ref]]:
    groups: dict[str, list[Ref]] = {}
    for r in refs:
        groups.setdefault(r.view, []).append(r)
    return groups


def read_offline(
    store: Any, refs: Sequence[Ref], entities: pd.DataFrame, keys: Sequence[str], full: bool
) -> tuple[pd.DataFrame, np.ndarray, dict[str, str], float]:
    """``get_historical_features`` for ``entities``, joined back onto them by the keys (the
    result's order is Feast's); a view it fails on, or a column it lacks, is absent offline.

    Returns the joined frame, per entity whether Feast returned a row, the absent references
    and the seconds the reads took."""
    start = time.perf_counter()
    absent: dict[str, str] = {}
    got: pd.DataFrame
    try:
        got = _historical(store, [r.reference for r in refs], entities, full)
    except Exception:  # find the views the offline path cannot read
        got = pd.DataFrame({k: entities[k].iloc[:0] for k in keys})
        for members in _by_view(refs).values():
            try:
                part = _historical(store, [r.reference for r in members], entities, full)
            except Exception as exc:
                absent.update((r.reference, _failure(exc)) for r in members)
                continue
            part = part.drop(
                columns=[c for c in part.columns if c == TS or (c in got.columns and c not in keys)]
            )
            got = got.merge(part.drop_duplicates(list(keys)), how="outer", on=list(keys))
    seconds = time.perf_counter() - start
    for r in refs:
        if r.reference not in absent and r.column(full) not in got.columns:
            absent[r.reference] = f"get_historical_features returned no column {r.column(full)!r}"
    got = got.drop(
        columns=[c for c in got.columns if c == TS or (c in entities.columns and c not in keys)]
    )
    got = got.drop_duplicates(list(keys), keep="last").assign(__row=True)
    merged = entities.merge(got, how="left", on=list(keys))
    has_row = merged["__row"].eq(True).to_numpy()
    return merged.drop(columns=["__row"]), has_row, absent, seconds


def _historical(store: Any, refs: list[str], entities: pd.DataFrame, full: bool) -> pd.DataFrame:
    job = store.get_historical_features(entity_df=entities, features=refs, full_feature_names=full)
    frame: pd.DataFrame = job.to_df()
    return frame


def _online(store: Any, refs: Sequence[Ref], rows: list[dict[str, Any]], full: bool) -> Any:
    return store.get_online_features(
        features=[r.reference for r in refs], entity_rows=rows, full_feature_names=full
    ).to_dict(include_event_timestamps=True)


def read_online(
    store: Any,
    refs: Sequence[Ref],
    rows: list[dict[str, Any]],
    full: bool,
    batch_size: int,
) -> tuple[dict[str, list[Any]], dict[str, list[int]], dict[str, str], float]:
    """``get_online_features`` in batches of ``batch_size`` entity rows, with the event time
    of every value; a view it fails on, or a column it does not return, is absent online."""
    start = time.perf_counter()
    absent: dict[str, str] = {}
    values: dict[str, list[Any]] = {r.column(full): [] for r in refs}
    stamps: dict[str, list[int]] = {r.column(full): [] for r in refs}
    for lo in range(0, len(rows), batch_size):
        batch = rows[lo : lo + batch_size]
        live = [r for r in refs if r.reference not in absent]
        got: dict[str, list[Any]] = {}
        try:
            got = _online(store, live, batch, full) if live else {}
        except Exception:  # find the views the online path cannot read (or that raise)
            for members in _by_view(live).values():
                try:
                    got.update(_online(store, members, batch, full))
                except Exception as exc:
                    absent.update((r.reference, _failure(exc)) for r in members)
        for r in refs:
            col = r.column(full)
            if col not in got and r.reference not in absent:
                returned = sorted(k for k in got if not k.endswith("__ts"))[:20]
                absent[r.reference] = (
                    f"get_online_features returned no column {col!r} (it returned {returned})"
                )
            values[col].extend(got.get(col, [None] * len(batch)))
            stamps[col].extend(got.get(f"{col}__ts", [0] * len(batch)))
    return values, stamps, absent, time.perf_counter() - start
