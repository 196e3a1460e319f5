"""The likely cause of one mismatch, told apart from the two rows' event times, the view's
ttl and materialization windows, its declared type and whether it is an on-demand view.

The keys are those of :data:`~pytest_mlaudit.checks.store_parity.report.CAUSES`.

>>> import pandas as pd
>>> at = pd.Timestamp("2026-01-02", tz="UTC")
>>> facts = Facts(at=at, ttl=None, declared="Float64", on_demand=False, last_end=None)
>>> classify(facts, 0.5, 0.4, online_ts=pd.Timestamp("2026-01-01", tz="UTC"),
...          offline_ts=pd.Timestamp("2026-01-01 12:00", tz="UTC"))[0]
'stale'
>>> classify(facts, 5.5, 5, online_ts=at, offline_ts=at)[0]
'type_coerced'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.parity.frames import is_missing

__all__ = ["Facts", "classify"]


@dataclasses.dataclass(frozen=True, slots=True)
class Facts:
    """What is known of one feature for one entity, besides the two values."""

    at: pd.Timestamp  #: the as-of time of the offline read for this entity
    ttl: dt.timedelta | None
    declared: str  #: the type the view declares ("Int64", "Float64", ...)
    on_demand: bool
    last_end: pd.Timestamp | None  #: end of the view's last materialization (None: never)
    inputs_differ: tuple[str, ...] = ()  #: on-demand: input references that differ
    pinned: str = ""  #: the version a reference pins ("v0" of "view@v0:feature"), or ""


def _when(ts: pd.Timestamp | None) -> str:
    return "-" if ts is None else ts.isoformat()


def _py(v: Any) -> Any:
    item = getattr(v, "item", None)
    return item() if callable(item) and getattr(v, "shape", None) == () else v


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def _coerced(offline: Any, online: Any, declared: str) -> bool:
    """The online value is the offline one kept as another type (e.g. a float truncated)."""
    if isinstance(offline, float | np.floating) and _is_int(online):
        x = float(offline)
        if math.isfinite(x) and not x.is_integer():
            return int(online) in (math.trunc(x), round(x), math.floor(x), math.ceil(x))
    if isinstance(offline, float | np.floating) and declared.lower().startswith(("int", "bool")):
        return not float(offline).is_integer()
    return type(offline) is not type(online) and str(offline) == str(online)


def classify(
    facts: Facts,
    offline: Any,
    online: Any,
    *,
    online_ts: pd.Timestamp | None,
    offline_ts: pd.Timestamp | None,
    absent: bool = False,
) -> tuple[str, str]:
    """``(cause, detail)`` of a mismatch of ``offline`` (training) vs ``online`` (serving)."""
    if absent:
        return "absent", "one path's result lacks the feature"
    if facts.on_demand:
        if facts.inputs_differ:
            return "input_differs", f"its input(s) {', '.join(facts.inputs_differ)} differ too"
        return (
            "transformation",
            "its inputs agree for this entity; the transformation gives another result online",
        )
    off_missing, on_missing = is_missing(offline), is_missing(online)
    ttl, at = facts.ttl, facts.at
    horizon = at - pd.Timedelta(ttl) if ttl else None
    if off_missing and not on_missing:
        expired_row = offline_ts if offline_ts is not None else online_ts
        if horizon is not None and expired_row is not None and expired_row < horizon:
            return "expired_ttl", (
                f"the latest row ({_when(expired_row)}) is older than at - ttl "
                f"({_when(horizon)}, ttl={ttl}): training reads null, the online store "
                f"serves the row from {_when(online_ts)}"
            )
        if online_ts is not None and online_ts > at:
            return "online_newer", f"online row from {_when(online_ts)}, after at={_when(at)}"
        return "unknown", f"training reads null; the online store serves {_when(online_ts)}"
    if on_missing and not off_missing:
        if facts.pinned:
            return "not_materialized", (
                f"training read the row from {_when(offline_ts)}; the online store has none: "
                f"the reference pins @{facts.pinned}, whose online table Feast keeps apart "
                "(materialization writes the latest version), while the offline read comes "
                "from the view's source"
            )
        if facts.last_end is None:
            return "not_materialized", (
                f"training read the row from {_when(offline_ts)}; the online store has none: "
                "the view was never materialized"
            )
        return "not_materialized", (
            f"training read the row from {_when(offline_ts)}; the online store has none "
            f"(the last materialization ended {_when(facts.last_end)})"
        )
    if online_ts is not None and offline_ts is not None:
        on_s, off_s = math.floor(online_ts.timestamp()), math.floor(offline_ts.timestamp())
        if on_s < off_s:
            ended = f"; the last materialization ended {_when(facts.last_end)}"
            return "stale", (
                f"the online row is from {_when(online_ts)}, training read the row from "
                f"{_when(offline_ts)}{ended if facts.last_end is not None else ''}"
            )
        if on_s > off_s:
            return "online_newer", (
                f"the online row is from {_when(online_ts)}, newer than the row training read "
                f"as of {_when(at)} ({_when(offline_ts)})"
            )
    if _coerced(offline, online, facts.declared):
        return "type_coerced", (
            f"the same row holds {_py(offline)!r} ({type(offline).__name__}) offline and "
            f"{_py(online)!r} ({type(online).__name__}) online; the view declares "
            f"{facts.declared}"
        )
    return "unknown", "the rows' event times do not explain the difference"
