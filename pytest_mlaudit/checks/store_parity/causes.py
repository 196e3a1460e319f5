"""The likely cause of one mismatch, told apart from the two rows' event times, the view's
ttl and materialization windows, its declared type and whether it is an on-demand view.

:func:`cause_of` names the cause (cheap: it runs for every mismatching value, with times as
epoch seconds); :func:`explain` words it for the few mismatches a report keeps;
:func:`classify` does both. The keys are those of
:data:`~pytest_mlaudit.checks.store_parity.report.CAUSES`.

>>> import pandas as pd
>>> at = pd.Timestamp("2026-01-02", tz="UTC")
>>> facts = Facts(ttl_s=None, declared="Float64", on_demand=False, last_end=None)
>>> classify(facts, 0.5, 0.4, at=at, online_ts=pd.Timestamp("2026-01-01", tz="UTC"),
...          offline_ts=pd.Timestamp("2026-01-01 12:00", tz="UTC"))[0]
'stale'
>>> classify(facts, 5.5, 5, at=at, online_ts=at, offline_ts=at)[0]
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

__all__ = ["Facts", "cause_of", "classify", "explain", "seconds"]


@dataclasses.dataclass(frozen=True, slots=True)
class Facts:
    """What is known of one feature, besides the values and times of each entity."""

    ttl_s: int | None  #: the view's ttl in seconds (None: none, or an on-demand view)
    declared: str  #: the type the view declares ("Int64", "Float64", ...)
    on_demand: bool
    last_end: pd.Timestamp | None  #: end of the view's last materialization (None: never)
    pinned: str = ""  #: the version a reference pins ("v0" of "view@v0:feature"), or ""

    @property
    def ttl(self) -> dt.timedelta | None:
        return None if self.ttl_s is None else dt.timedelta(seconds=self.ttl_s)


def seconds(ts: pd.Timestamp | None) -> int | None:
    """Whole epoch seconds of a time (the online store's resolution), None for None/NaT."""
    if ts is None or pd.isna(ts):
        return None
    return math.floor(pd.Timestamp(ts).timestamp())


def _when(s: int | None) -> str:
    return "-" if s is None else pd.Timestamp(s, unit="s", tz="UTC").isoformat()


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


def cause_of(
    facts: Facts,
    offline: Any,
    online: Any,
    *,
    at_s: int,
    online_s: int | None,
    offline_s: int | None,
    absent: bool = False,
    inputs_differ: bool = False,
) -> str:
    """The cause of a mismatch of ``offline`` (training) vs ``online`` (serving)."""
    if absent:
        return "absent"
    if facts.on_demand:
        return "input_differs" if inputs_differ else "transformation"
    off_missing, on_missing = is_missing(offline), is_missing(online)
    if off_missing and not on_missing:
        row = offline_s if offline_s is not None else online_s
        if facts.ttl_s and row is not None and row < at_s - facts.ttl_s:
            return "expired_ttl"
        if online_s is not None and online_s > at_s:
            return "online_newer"
        return "unknown"
    if on_missing and not off_missing:
        return "not_materialized"
    if online_s is not None and offline_s is not None and online_s != offline_s:
        return "stale" if online_s < offline_s else "online_newer"
    if _coerced(offline, online, facts.declared):
        return "type_coerced"
    return "unknown"


def explain(
    cause: str,
    facts: Facts,
    offline: Any,
    online: Any,
    *,
    at_s: int,
    online_s: int | None,
    offline_s: int | None,
    inputs: tuple[str, ...] = (),
) -> str:
    """One sentence: what tells ``cause`` (from :func:`cause_of`) apart for this value."""
    on, off, at = _when(online_s), _when(offline_s), _when(at_s)
    ended = "never" if facts.last_end is None else facts.last_end.isoformat()
    if cause == "absent":
        return "one path's result lacks the feature"
    if cause == "input_differs":
        return f"its input(s) {', '.join(inputs)} differ too"
    if cause == "transformation":
        return "its inputs agree for this entity; the transformation gives another result online"
    if cause == "expired_ttl":
        assert facts.ttl_s is not None
        horizon = _when(at_s - facts.ttl_s)
        row = off if offline_s is not None else on
        return (
            f"the latest row ({row}) is older than at - ttl ({horizon}, ttl={facts.ttl}): "
            f"training reads null, the online store serves the row from {on}"
        )
    if cause == "not_materialized":
        if facts.pinned:
            return (
                f"training read the row from {off}; the online store has none: the reference "
                f"pins @{facts.pinned}, whose online table Feast keeps apart (materialization "
                "writes the latest version), while the offline read comes from the view's source"
            )
        if facts.last_end is None:
            return (
                f"training read the row from {off}; the online store has none: the view was "
                "never materialized"
            )
        return (
            f"training read the row from {off}; the online store has none (the last "
            f"materialization ended {ended})"
        )
    if cause == "stale":
        return (
            f"the online row is from {on}, training read the row from {off}; the last "
            f"materialization ended {ended}"
        )
    if cause == "online_newer":
        return f"the online row is from {on}, newer than the row training read as of {at} ({off})"
    if cause == "type_coerced":
        return (
            f"the same row holds {_py(offline)!r} ({type(offline).__name__}) offline and "
            f"{_py(online)!r} ({type(online).__name__}) online; the view declares "
            f"{facts.declared}"
        )
    if is_missing(offline):
        return f"training reads null; the online store serves the row from {on}"
    return "the rows' event times do not explain the difference"


def classify(
    facts: Facts,
    offline: Any,
    online: Any,
    *,
    at: pd.Timestamp,
    online_ts: pd.Timestamp | None,
    offline_ts: pd.Timestamp | None,
    absent: bool = False,
    inputs: tuple[str, ...] = (),
) -> tuple[str, str]:
    """``(cause, detail)`` of one mismatch, with times as timestamps; ``inputs`` are the
    references of an on-demand view's inputs that differ too."""
    at_s = seconds(at)
    assert at_s is not None
    on_s, off_s = seconds(online_ts), seconds(offline_ts)
    cause = cause_of(
        facts,
        offline,
        online,
        at_s=at_s,
        online_s=on_s,
        offline_s=off_s,
        absent=absent,
        inputs_differ=bool(inputs),
    )
    detail = explain(
        cause, facts, offline, online, at_s=at_s, online_s=on_s, offline_s=off_s, inputs=inputs
    )
    return cause, detail
