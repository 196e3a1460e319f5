"""The store parity check: :func:`check_store_parity` reads the same entities through a
feature store's offline path (``get_historical_features`` as of a time, what training reads)
and its online path (``get_online_features``, what serving reads) and compares every feature.

The run: validate (:mod:`._validate`), resolve the feature references and group them by
their join keys (:mod:`._feast`), take or draw the entities of each group, read both paths,
compare each feature with the parity check's comparison
(:func:`~pytest_mlaudit.checks.parity.compare.compare_feature`), and give each mismatch its
likely cause (:mod:`.causes`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.parity.compare import (
    ABSENT,
    KIND_NAMES,
    MISSING,
    TYPE,
    VALUE,
    FeatureComparison,
    OnlineColumn,
    compare_feature,
)
from pytest_mlaudit.checks.parity.frames import is_missing, json_scalar, short_repr
from pytest_mlaudit.checks.store_parity import _feast as feast_io
from pytest_mlaudit.checks.store_parity._feast import TS, Ref
from pytest_mlaudit.checks.store_parity._validate import (
    Options,
    as_of,
    check_tolerance_names,
    entities_for,
    given_entities,
    options,
    tolerance_of,
)
from pytest_mlaudit.checks.store_parity.causes import Facts, cause_of, explain
from pytest_mlaudit.checks.store_parity.report import (
    FeatureStoreParity,
    JsonScalar,
    StoreMismatch,
    StoreParityReport,
)
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["check_store_parity"]


@dataclasses.dataclass(slots=True)
class _Group:
    """The features of one set of join keys, and what the two reads gave for them."""

    keys: tuple[str, ...]
    refs: list[Ref]  #: the features reported
    aux: list[Ref]  #: on-demand inputs read only to tell the causes apart
    entities: pd.DataFrame | None = None
    offline: pd.DataFrame | None = None
    has_row: np.ndarray | None = None
    online: dict[str, list[Any]] = dataclasses.field(default_factory=dict)
    stamps: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    absent_offline: dict[str, str] = dataclasses.field(default_factory=dict)
    absent_online: dict[str, str] = dataclasses.field(default_factory=dict)
    comparisons: dict[str, FeatureComparison] = dataclasses.field(default_factory=dict)


def _groups(store: Any, refs: list[Ref]) -> list[_Group]:
    wanted = {r.reference for r in refs}
    groups: dict[tuple[str, ...], _Group] = {}
    for r in refs:
        groups.setdefault(tuple(sorted(r.join_keys)), _Group(r.join_keys, [], [])).refs.append(r)
    for group in groups.values():
        inputs = [i for r in group.refs for i in r.inputs if i not in wanted]
        if inputs:
            extra, _ = feast_io.resolve(store, list(dict.fromkeys(inputs)))
            group.aux = [x for x in extra if set(x.join_keys) <= set(group.keys)]
    return list(groups.values())


def _full_names(opts: Options, refs: Sequence[Ref]) -> bool:
    if opts.full_feature_names is not None:
        return opts.full_feature_names
    names = [r.feature for r in refs]
    return len(set(names)) != len(names)


def _read(store: Any, group: _Group, full: bool, opts: Options) -> tuple[float, float]:
    assert group.entities is not None
    every = [*group.refs, *group.aux]
    ents = group.entities
    group.offline, group.has_row, group.absent_offline, s_off = feast_io.read_offline(
        store, every, ents, group.keys, full
    )
    requests = [q for r in every for q in r.requests if q in ents.columns]
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in row.items()}
        for row in ents[list(dict.fromkeys([*group.keys, *requests]))].to_dict("records")
    ]
    group.online, group.stamps, group.absent_online, s_on = feast_io.read_online(
        store, every, rows, full, opts.batch_size
    )
    unreadable = [
        r
        for r in group.refs
        if r.reference in group.absent_offline and r.reference in group.absent_online
    ]
    if unreadable:
        ref = unreadable[0]
        raise MlauditInputError(
            f"features holds {ref.reference!r}, which neither path can read: offline "
            f"{group.absent_offline[ref.reference]}; online {group.absent_online[ref.reference]}."
        )
    for ref in every:
        col = ref.column(full)
        n = len(ents)
        off = None if ref.reference in group.absent_offline else group.offline[col]
        on = (
            None
            if ref.reference in group.absent_online
            else OnlineColumn(group.online[col], np.zeros(n, dtype=bool))
        )
        rtol, atol = tolerance_of(opts, ref)
        group.comparisons[ref.reference] = compare_feature(
            off, on, np.ones(n, dtype=bool), rtol=rtol, atol=atol, strict=opts.strict_dtypes
        )
    return s_off, s_on


def _epoch_seconds(values: pd.Series) -> list[int | None]:
    """Whole epoch seconds of a column of times (None where missing)."""
    stamps = pd.to_datetime(values, utc=True)
    secs = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)  # any unit
    missing = stamps.isna().tolist()
    return [None if m else int(v) for v, m in zip(secs.tolist(), missing, strict=True)]


class _Timestamps:
    """The event time of the row training read, per view and entity (read on first need)."""

    def __init__(self, store: Any, at: pd.Timestamp) -> None:
        self._store, self._at = store, at
        self._cache: dict[tuple[str, tuple[str, ...]], list[int | None] | None] = {}
        self.failures: list[str] = []

    def of(self, view: str, group: _Group) -> list[int | None] | None:
        key = (view, group.keys)
        if key not in self._cache:
            self._cache[key] = self._read(view, group)
        return self._cache[key]

    def _read(self, view: str, group: _Group) -> list[int | None] | None:
        assert group.entities is not None
        ents = group.entities
        latest_at = ents[TS].max() if TS in ents.columns else self._at
        try:
            rows = feast_io.latest_rows(self._store, view, group.keys, [], latest_at)
        except Exception as exc:
            self.failures.append(
                f"the offline event times of view {view!r} could not be read "
                f"({type(exc).__name__}: {str(exc)[:200]}); causes that need them show unknown"
            )
            return None
        joined = ents[list(group.keys)].merge(rows, how="left", on=list(group.keys))
        return _epoch_seconds(joined["__ts"])


def _last_end(store: Any, view: str) -> pd.Timestamp | None:
    try:
        intervals = store.get_feature_view(view).materialization_intervals
    except Exception:
        return None
    if not intervals:
        return None
    return pd.Timestamp(max(end for _, end in intervals)).tz_convert("UTC")


def _iso(s: int | None) -> str | None:
    return None if s is None else pd.Timestamp(s, unit="s", tz="UTC").isoformat()


@dataclasses.dataclass(slots=True)
class _Found:
    """The causes of one feature's mismatches (all of them) and the mismatches kept."""

    causes: dict[str, int] = dataclasses.field(default_factory=dict)
    kept: list[StoreMismatch] = dataclasses.field(default_factory=list)


def _mismatches(
    store: Any,
    group: _Group,
    full: bool,
    stamps: _Timestamps,
    ends: dict[str, pd.Timestamp | None],
    limit: int,
) -> dict[str, _Found]:
    """Every mismatching (feature, entity) of the group counted by cause; the first
    ``limit`` per feature described."""
    assert group.entities is not None and group.offline is not None and group.has_row is not None
    ents = group.entities
    n = len(ents)
    at_s = [int(s or 0) for s in _epoch_seconds(ents[TS])]  # never missing (validated)
    bad_inputs = {
        a.reference: group.comparisons[a.reference].mismatched
        for a in group.aux + group.refs
        if not a.on_demand
    }
    out: dict[str, _Found] = {}
    for ref in group.refs:
        comp = group.comparisons[ref.reference]
        found = out[ref.reference] = _Found()
        rows = np.flatnonzero(comp.mismatched)
        if not rows.size:
            continue
        col, name = ref.column(full), ref.registry_name
        gone_off = ref.reference in group.absent_offline
        gone_on = ref.reference in group.absent_online
        if name not in ends and not ref.on_demand:
            ends[name] = _last_end(store, name)
        facts = Facts(
            ttl_s=None if ref.ttl is None else int(ref.ttl.total_seconds()),
            declared=ref.declared,
            on_demand=ref.on_demand,
            last_end=ends.get(name),
            pinned=ref.view.partition("@")[2],
        )
        absent = gone_off or gone_on
        off_vals = [None] * n if gone_off else group.offline[col].tolist()
        on_vals = [None] * n if gone_on else group.online[col]
        on_s: list[int | None] = (
            [None] * n if ref.on_demand or gone_on else [s or None for s in group.stamps[col]]
        )
        need_ts = not (ref.on_demand or absent)
        off_s: list[int | None] = (stamps.of(name, group) if need_ts else None) or [None] * n
        inputs = [x for x in ref.inputs if x in bad_inputs]
        for i in rows.tolist():
            row_off = off_s[i]
            if row_off is not None and row_off > at_s[i]:
                row_off = None
            differ = tuple(x for x in inputs if bad_inputs[x][i])
            off_v, on_v, at_i, on_i = off_vals[i], on_vals[i], at_s[i], on_s[i]
            cause = cause_of(
                facts,
                off_v,
                on_v,
                at_s=at_i,
                online_s=on_i,
                offline_s=row_off,
                absent=absent,
                inputs_differ=bool(differ),
            )
            found.causes[cause] = found.causes.get(cause, 0) + 1
            if len(found.kept) >= limit:
                continue
            detail = (
                group.absent_online.get(ref.reference) or group.absent_offline[ref.reference]
                if absent
                else explain(
                    cause,
                    facts,
                    off_v,
                    on_v,
                    at_s=at_i,
                    online_s=on_i,
                    offline_s=row_off,
                    inputs=differ,
                )
            )
            no_row = not bool(group.has_row[i]) and not gone_off
            found.kept.append(
                StoreMismatch(
                    view=ref.view,
                    feature=ref.feature,
                    entity=_entity(ents, group.keys, i),
                    kind=KIND_NAMES.get(int(comp.status[i]), "value"),
                    cause=cause,
                    offline=_shown(off_v, gone_off, no_row),
                    online=_shown(on_v, gone_on, False),
                    offline_json=None if no_row else json_scalar(off_v),
                    online_json=json_scalar(on_v),
                    offline_timestamp=_iso(row_off),
                    online_timestamp=_iso(on_s[i]),
                    abs_diff=None if np.isnan(comp.abs_diff[i]) else float(comp.abs_diff[i]),
                    detail=detail,
                )
            )
    return out


def _entity(ents: pd.DataFrame, keys: Sequence[str], i: int) -> dict[str, JsonScalar]:
    return {k: json_scalar(ents[k].iloc[i]) for k in keys}


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python one (its repr reads as the value)."""
    if is_missing(value):
        return None
    item = getattr(value, "item", None)
    return item() if callable(item) and getattr(value, "shape", None) == () else value


def _shown(value: Any, absent: bool, no_row: bool) -> str:
    if absent:
        return "<absent>"
    if no_row:
        return "<no row>"
    return short_repr(_plain(value))


def _feature(
    ref: Ref, comp: FeatureComparison, group: _Group, causes: dict[str, int], opts: Options
) -> FeatureStoreParity:
    absent = [
        side
        for side, where in (("offline", group.absent_offline), ("online", group.absent_online))
        if ref.reference in where
    ]
    rtol, atol = tolerance_of(opts, ref)
    return FeatureStoreParity(
        view=ref.view,
        feature=ref.feature,
        on_demand=ref.on_demand,
        checked=comp.checked,
        mismatched=int(comp.mismatched.sum()),
        value_mismatches=comp.count(VALUE),
        type_mismatches=comp.count(TYPE),
        missing_mismatches=comp.count(MISSING, ABSENT),
        absent_in=" and ".join(absent),
        max_abs_diff=comp.max_abs(),
        max_rel_diff=comp.max_rel(),
        rtol=rtol,
        atol=atol,
        offline_type=comp.offline_type,
        online_type=comp.online_type,
        causes=causes,
    )


def _unchecked(ref: Ref, opts: Options) -> FeatureStoreParity:
    """The row of a feature no entity was found for (its rate is NaN: it fails)."""
    rtol, atol = tolerance_of(opts, ref)
    return FeatureStoreParity(
        view=ref.view,
        feature=ref.feature,
        on_demand=ref.on_demand,
        checked=0,
        mismatched=0,
        value_mismatches=0,
        type_mismatches=0,
        missing_mismatches=0,
        absent_in="",
        max_abs_diff=None,
        max_rel_diff=None,
        rtol=rtol,
        atol=atol,
        offline_type="-",
        online_type="-",
    )


def _as_of_text(given: pd.DataFrame | None, when: pd.Timestamp) -> str:
    """``at`` for the report: the time, or the range of the entities' own times."""
    if given is None or TS not in given.columns:
        return when.isoformat()
    first, last = given[TS].min().isoformat(), given[TS].max().isoformat()
    return first if first == last else f"{first} to {last} (each entity's event_timestamp)"


def _kept(found: Mapping[str, _Found], limit: int) -> tuple[StoreMismatch, ...]:
    """Up to ``limit`` mismatches, taken in turn from each feature (so each shows)."""
    lists = [v.kept for v in found.values() if v.kept]
    out: list[StoreMismatch] = []
    depth = 0
    while len(out) < limit and any(depth < len(x) for x in lists):
        out.extend(x[depth] for x in lists if depth < len(x))
        depth += 1
    return tuple(out[:limit])


def check_store_parity(
    store: Any,
    features: Any,
    *,
    entity_df: pd.DataFrame | None = None,
    entity_rows: Sequence[Mapping[str, Any]] | None = None,
    at: Any = None,
    sample: int = 1000,
    seed: int = 0,
    rtol: float = 1e-9,
    atol: float = 0.0,
    tolerances: Mapping[str, float | tuple[float, float] | Mapping[str, float]] | None = None,
    strict_dtypes: bool = False,
    max_mismatch_rate: float = 0.0,
    full_feature_names: bool | None = None,
    batch_size: int = 1000,
    max_mismatches: int = 50,
) -> StoreParityReport:
    """Check that a Feast feature store serves online what training reads offline.

    For each entity, the features are read through ``get_historical_features`` as of ``at``
    (what a training set built at that time holds) and through ``get_online_features``
    (what serving gets), joined on the entity keys and compared feature by feature with
    the rules of :func:`~pytest_mlaudit.check_parity` (tolerance, type family, nulls). Each
    mismatch names the feature view, the feature, the entity, both values and its likely
    cause: ``stale`` (the online row is older than the one training reads),
    ``expired_ttl``, ``not_materialized``, ``online_newer``, ``type_coerced``,
    ``transformation`` or ``input_differs`` (on-demand views), ``absent`` (one path does not
    return the feature at all: always a failure) or ``unknown``.

    Parameters
    ----------
    store
        A ``feast.FeatureStore``, or the path of a feature repo folder
        (holding ``feature_store.yaml``).
    features
        Feature references ``"view:feature"`` (on-demand views too), a
        ``feast.FeatureService`` or ``"service:NAME"``.
    entity_df, entity_rows
        The entities to check: a DataFrame of join-key columns (with request-data columns
        for on-demand views that need them, and optionally ``event_timestamp``, each
        entity's as-of time), or a list of dicts. Neither: ``sample`` entities are drawn
        with ``seed`` from the offline sources of the views (those with a row at or before
        ``at``). Features with different join keys are checked on their own entities.
    at
        The as-of time of the offline read (default: now, UTC; a naive time is UTC).
    sample, seed
        How many entities to draw, and the seed of the draw.
    rtol, atol, tolerances
        Numbers are equal when ``|a - b| <= max(atol, rtol * max(|a|, |b|))``;
        ``tolerances`` overrides them per feature (``{"view:feature" or "feature": rtol}``,
        ``(rtol, atol)`` or ``{"rtol": ..., "atol": ...}``).
    strict_dtypes
        Also count an int against a float of the same value as a mismatch.
    max_mismatch_rate
        The check fails when the share of entities with any mismatch is above this.
    full_feature_names
        Read with Feast's ``view__feature`` column names (None: only when two views share a
        feature name; Feast loses python-mode on-demand features online with full names).
    batch_size
        Entity rows per ``get_online_features`` call.
    max_mismatches
        Mismatches kept in the report (taken in turn from each feature).

    Examples
    --------
    >>> report = check_store_parity("feature_repo", ["driver_stats:conv_rate"])  # doctest: +SKIP
    >>> report.assert_ok()  # doctest: +SKIP
    """
    opts = options(
        sample=sample,
        seed=seed,
        rtol=rtol,
        atol=atol,
        tolerances=tolerances,
        strict_dtypes=strict_dtypes,
        max_mismatch_rate=max_mismatch_rate,
        full_feature_names=full_feature_names,
        batch_size=batch_size,
        max_mismatches=max_mismatches,
    )
    given = given_entities(entity_df, entity_rows, at)
    when = as_of(at)
    fs = feast_io.open_store(store)
    refs, service = feast_io.resolve(fs, features)
    check_tolerance_names(opts, refs)
    groups = _groups(fs, refs)
    full = _full_names(opts, [r for g in groups for r in (*g.refs, *g.aux)])
    source = "entity_df" if entity_df is not None else "entity_rows"
    for group in groups:
        if given is not None:
            group.entities = entities_for(given, group.keys, group.refs, source)
        else:
            needs = sorted({r.reference for r in group.refs if r.requests})
            if needs:
                raise MlauditInputError(
                    f"{needs} come from on-demand views that need request data, which cannot "
                    "be drawn from the offline sources; give entity_df (or entity_rows) with "
                    "the join keys and the request-data columns."
                )
            group.entities = feast_io.sample_entities(
                fs, group.refs, group.keys, when.to_pydatetime(), opts.sample, opts.seed
            )
        if TS not in group.entities.columns:
            group.entities = group.entities.assign(**{TS: when})
    seconds = [0.0, 0.0]
    for group in groups:
        if group.entities is not None and len(group.entities):
            s_off, s_on = _read(fs, group, full, opts)
            seconds[0] += s_off
            seconds[1] += s_on
    stamps = _Timestamps(fs, when)
    ends: dict[str, pd.Timestamp | None] = {}
    rows: list[FeatureStoreParity] = []
    found: dict[str, _Found] = {}
    n_entities = n_mismatched = n_no_row = 0
    notes: list[str] = []
    for group in groups:
        n = 0 if group.entities is None else len(group.entities)
        n_entities += n
        if n == 0:
            notes.append(
                f"no entity with the join keys {list(group.keys)} was found in the offline "
                f"sources at or before {when.isoformat()}; nothing was compared for "
                f"{[r.reference for r in group.refs]}"
            )
            rows.extend(_unchecked(ref, opts) for ref in group.refs)
            continue
        assert group.has_row is not None
        n_no_row += int((~group.has_row).sum())
        per = _mismatches(fs, group, full, stamps, ends, opts.max_mismatches)
        found.update(per)
        any_bad = np.zeros(n, dtype=bool)
        for ref in group.refs:
            comp = group.comparisons[ref.reference]
            any_bad |= comp.mismatched
            rows.append(_feature(ref, comp, group, per[ref.reference].causes, opts))
        n_mismatched += int(any_bad.sum())
    notes.extend(stamps.failures)
    return StoreParityReport(
        features=tuple(rows),
        mismatches=_kept(found, opts.max_mismatches),
        n_entities=n_entities,
        n_mismatched=n_mismatched,
        n_offline_missing_rows=n_no_row,
        entity_keys=tuple(g.keys for g in groups),
        at=_as_of_text(given, when),
        store=str(fs.repo_path),
        project=str(fs.project),
        entities_from=source if given is not None else "sampled",
        sample=opts.sample,
        seed=opts.seed,
        rtol=opts.rtol,
        atol=opts.atol,
        strict_dtypes=opts.strict_dtypes,
        max_mismatch_rate=opts.max_mismatch_rate,
        feature_service=service,
        seconds_offline=seconds[0],
        seconds_online=seconds[1],
        notes=tuple(notes),
    )
