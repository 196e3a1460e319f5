"""Input validation of :func:`~pytest_mlaudit.check_store_parity`, apart from the reads.

:func:`options` checks the scalar arguments; :func:`as_of` the time; :func:`given_entities`
turns ``entity_df``/``entity_rows`` into one frame; :func:`entities_for` takes the columns
one entity group needs from it. Every error names the argument and what it received.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from pytest_mlaudit._validation import check_bool, check_float, check_fraction, check_int, shown
from pytest_mlaudit.checks.parity._validate import _tolerances
from pytest_mlaudit.checks.store_parity._feast import TS, Ref
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["Options", "as_of", "entities_for", "given_entities", "options", "tolerance_of"]


@dataclasses.dataclass(frozen=True, slots=True)
class Options:
    """The validated scalar arguments."""

    sample: int
    seed: int
    rtol: float
    atol: float
    tolerances: dict[str, tuple[float, float]]
    strict_dtypes: bool
    max_mismatch_rate: float
    full_feature_names: bool | None
    batch_size: int
    max_mismatches: int


def options(
    *,
    sample: Any,
    seed: Any,
    rtol: Any,
    atol: Any,
    tolerances: Mapping[str, Any] | None,
    strict_dtypes: Any,
    max_mismatch_rate: Any,
    full_feature_names: Any,
    batch_size: Any,
    max_mismatches: Any,
) -> Options:
    r = check_float("rtol", rtol, low=0.0)
    a = check_float("atol", atol, low=0.0)
    if full_feature_names is not None:
        check_bool("full_feature_names", full_feature_names, hint="None: full names on a clash.")
    return Options(
        sample=check_int("sample", sample, minimum=1),
        seed=check_int("seed", seed, minimum=0),
        rtol=r,
        atol=a,
        tolerances=_tolerances(tolerances, r, a),
        strict_dtypes=check_bool("strict_dtypes", strict_dtypes),
        max_mismatch_rate=check_fraction("max_mismatch_rate", max_mismatch_rate),
        full_feature_names=full_feature_names,
        batch_size=check_int("batch_size", batch_size, minimum=1),
        max_mismatches=check_int("max_mismatches", max_mismatches, minimum=0),
    )


def tolerance_of(opts: Options, ref: Ref) -> tuple[float, float]:
    """``(rtol, atol)`` of one feature: by ``view:feature``, else by the bare name."""
    for name in (ref.reference, ref.feature):
        if name in opts.tolerances:
            return opts.tolerances[name]
    return opts.rtol, opts.atol


def check_tolerance_names(opts: Options, refs: Sequence[Ref]) -> None:
    known = {r.reference for r in refs} | {r.feature for r in refs}
    unknown = sorted(set(opts.tolerances) - known)
    if unknown:
        raise MlauditInputError(
            f"tolerances names {unknown}, which are not compared features; compared: "
            f"{[r.reference for r in refs][:20]}."
        )


def as_of(at: Any) -> pd.Timestamp:
    """``at`` as a UTC timestamp (None: now; a naive time is read as UTC, as Feast does)."""
    if at is None:
        return pd.Timestamp.now(tz="UTC")
    if not isinstance(at, dt.datetime | str | pd.Timestamp):
        raise MlauditInputError(
            "at must be a datetime, a pandas Timestamp or an ISO 8601 string (the as-of time "
            f"of get_historical_features); got at={shown(at)}."
        )
    try:
        ts = pd.Timestamp(at)
    except (ValueError, TypeError):
        raise MlauditInputError(
            f"at must be a time; got at={shown(at)}, which pandas cannot read as one."
        ) from None
    if pd.isna(ts):
        raise MlauditInputError(f"at must be a time; got at={shown(at)}.")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def given_entities(entity_df: Any, entity_rows: Any, at: Any) -> pd.DataFrame | None:
    """The entities given (a frame), or None to draw them from the offline sources."""
    if entity_df is not None and entity_rows is not None:
        raise MlauditInputError(
            "give entity_df or entity_rows, not both (or neither, to draw entities from the "
            "offline sources)."
        )
    if entity_rows is not None:
        if (
            isinstance(entity_rows, str | bytes | Mapping)
            or not isinstance(entity_rows, Sequence)
            or not all(isinstance(r, Mapping) for r in entity_rows)
        ):
            raise MlauditInputError(
                "entity_rows must be a list of dicts of join key -> value (e.g. "
                f"[{{'driver_id': 1001}}]); got entity_rows={shown(entity_rows)}."
            )
        entity_df = pd.DataFrame([dict(r) for r in entity_rows])
        name = "entity_rows"
    elif entity_df is not None:
        if not isinstance(entity_df, pd.DataFrame):
            raise MlauditInputError(
                "entity_df must be a pandas DataFrame of entity key columns (and optionally "
                f"{TS!r}); got {type(entity_df).__name__}."
            )
        name = "entity_df"
    else:
        return None
    if entity_df.empty:
        raise MlauditInputError(f"{name} holds no entity; give at least one row.")
    frame = entity_df.reset_index(drop=True).copy()
    if TS in frame.columns:
        if at is not None:
            raise MlauditInputError(
                f"{name} has a column {TS!r} and at={shown(at)} is given too; give one "
                "(the column sets each entity's as-of time)."
            )
        try:
            stamps = pd.to_datetime(frame[TS])
        except (ValueError, TypeError):
            raise MlauditInputError(
                f"{name}[{TS!r}] must hold times; got {shown(frame[TS].iloc[0])} first."
            ) from None
        if stamps.isna().any():
            raise MlauditInputError(f"{name}[{TS!r}] has missing times; give every row one.")
        frame[TS] = stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps
    out: pd.DataFrame = frame
    return out


def entities_for(
    given: pd.DataFrame, keys: Sequence[str], refs: Sequence[Ref], name: str
) -> pd.DataFrame:
    """The columns one entity group needs from the given entities, one row per entity."""
    requests = list(dict.fromkeys(q for r in refs for q in r.requests))
    need = [*keys, *requests]
    missing = [c for c in need if c not in given.columns]
    if missing:
        users = sorted({r.reference for r in refs})[:5]
        raise MlauditInputError(
            f"{name} lacks the column(s) {missing}, which {users} need (join keys "
            f"{list(keys)}, request data {requests}); it has {list(given.columns)[:20]}."
        )
    nulls = [k for k in keys if given[k].isna().any()]
    if nulls:
        raise MlauditInputError(f"{name} has missing values in the join key(s) {nulls}.")
    cols = need + ([TS] if TS in given.columns else [])
    return given[cols].drop_duplicates(list(keys), keep="last", ignore_index=True)
