"""Hypothesis strategies of raw records, from a schema or inferred from a sample.

The records are what a serving endpoint receives: ``dict`` of field -> Python value
(``int``, ``float``, ``str``, ``bool``, ``datetime``, ``list`` or ``None``). Every field
draws, in roughly equal shares, from

* a *head*: the column's typical value (the shrink target, so fields that do not matter
  shrink to a normal-looking value) and, when nullable, ``None`` and ``NaN``;
* the *edge cases* that cause training/serving skew in practice: zero, negative and
  out-of-range values, huge values, half-way rounding points, integer-valued floats,
  empty and blank strings, unseen categories, case and whitespace variants, UTC
  midnights and daylight-saving transitions;
* the column's realistic range (observed bounds, decimals, categories, formats).

Edges are drawn at a high rate on purpose: a bug that only shows on ``0`` or on an
unseen category must be hit within a modest ``max_examples``.

This module imports hypothesis and pandas but never pytest.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

import pandas as pd
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from pytest_mlaudit.checks.parity.fields import (
    DST_ZONES,
    KINDS,
    SCHEMA_ATTR,
    UNSEEN,
    Field,
    FieldKind,
    NullPolicy,
    time_zone,
)
from pytest_mlaudit.checks.parity.formats import format_parts
from pytest_mlaudit.checks.parity.infer import schema_of
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["MALFORMED_EVERY", "field_strategy", "from_schema", "rows_like"]

#: A formatted string field draws a malformed value at one edge-case draw in this many.
MALFORMED_EVERY: Final = 8


# --------------------------------------------------------------------------- edges


def _numeric_edges(f: Field, *, integer: bool) -> list[Any]:
    lo = f.min if f.min is not None else -1000.0
    hi = f.max if f.max is not None else 1000.0
    span = max(hi - lo, 1.0)
    raw: list[float] = [
        0.0,
        1.0,
        -1.0,
        0.5,
        2.5,
        lo,
        hi,
        lo - span,
        hi + span,
        -abs(hi) - 1.0,
        1e12,
        -1e12,
    ]
    if integer:
        raw = [0, 1, -1, lo, hi, lo - 1, hi + 1, 2**31, -(2**31) - 1, 10**12]
        return list(dict.fromkeys(int(v) for v in raw))
    typical = _typical_number(f)
    raw += [math.floor(typical) + 0.5, float(round(typical)), 1e-9]
    if f.decimals is not None and f.decimals > 0:
        raw.append(round(typical, f.decimals) + 5 * 10.0 ** -(f.decimals + 1))  # a rounding point
    return list(dict.fromkeys(float(v) for v in raw))


def _typical_number(f: Field) -> float:
    if f.typical is not None:
        return float(f.typical)
    lo = f.min if f.min is not None else -math.inf
    hi = f.max if f.max is not None else math.inf
    return float(min(max(0.0, lo), hi))


def _string_edges(known: Sequence[str]) -> list[str]:
    edges = ["", " ", UNSEEN, "NULL", "nan", "Ünïcødé"]
    for cat in list(known)[:3]:
        edges += [cat.upper(), cat.title(), f" {cat} ", f"{cat}\t"]
    return [e for e in dict.fromkeys(edges) if e not in set(known) or e in ("", " ")]


def _dst_transitions(
    zone: dt.tzinfo, start: dt.datetime, end: dt.datetime, limit: int = 4
) -> list[dt.datetime]:
    """UTC instants at which ``zone`` changes its offset in [start, end] (at most ``limit``)."""
    found: list[dt.datetime] = []
    day = start.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    stop = end.astimezone(dt.UTC)
    if (stop - day).days > 3 * 366:  # scan a year at each end only
        ranges = [(day, day + dt.timedelta(days=366)), (stop - dt.timedelta(days=366), stop)]
    else:
        ranges = [(day, stop)]
    for lo, hi in ranges:
        t = lo
        prev = t.astimezone(zone).utcoffset()
        while t < hi and len(found) < limit:
            nxt = t + dt.timedelta(days=1)
            off = nxt.astimezone(zone).utcoffset()
            if off != prev:
                h = t
                while h.astimezone(zone).utcoffset() == prev:
                    h += dt.timedelta(hours=1)
                found.append(h)
                prev = off
            t = nxt
    return found


def _datetime_edges(f: Field, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """UTC midnights (and a microsecond either side), late-evening UTC, DST transitions."""
    zone = time_zone(f.tz) if f.tz else None
    s, e = (
        (start, end)
        if zone is not None
        else (start.replace(tzinfo=dt.UTC), end.replace(tzinfo=dt.UTC))
    )
    mid = s + (e - s) / 2
    instants: list[dt.datetime] = [s, e]
    one_us = dt.timedelta(microseconds=1)
    for t in (s, mid, e):
        midnight = t.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        for cand in (
            midnight,
            midnight - one_us,
            midnight + one_us,
            midnight + dt.timedelta(hours=23, minutes=30),
        ):
            instants.append(cand)
    zones = [z for z in ([f.tz] if f.tz and f.tz.upper() != "UTC" else []) + list(DST_ZONES)]
    for name in dict.fromkeys(zones):
        for t in _dst_transitions(time_zone(name), s, e, limit=2):
            instants += [t, t - one_us, t + dt.timedelta(minutes=30)]
    lo_utc, hi_utc = s.astimezone(dt.UTC), e.astimezone(dt.UTC)
    out: list[dt.datetime] = []
    for t in instants:
        t_utc = t.astimezone(dt.UTC)
        if not lo_utc - dt.timedelta(days=1) <= t_utc <= hi_utc + dt.timedelta(days=1):
            continue
        out.append(t_utc.astimezone(zone) if zone is not None else t_utc.replace(tzinfo=None))
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- strategies


def _with_head(
    head: list[Any],
    edges: list[Any],
    body: SearchStrategy[Any],
    f: Field,
    *,
    nan: bool = False,
    malformed: Sequence[Any] = (),
) -> SearchStrategy[Any]:
    """``one_of(head, missing, edges, body)``: each branch is drawn about equally often,
    and shrinking goes to the first value of the head (the typical value).

    ``malformed`` values (text that breaks the field's format) join the edge branch at
    one draw in :data:`MALFORMED_EVERY`, so they are tried without crowding out the
    valid records the pipelines can compare."""
    head = _unique(head)
    branches: list[SearchStrategy[Any]] = [st.sampled_from(head)]
    missing = _nulls(f, nan=nan)
    if missing:
        # Hypothesis shrinks to the *shortest* choice sequence first: a one-value branch
        # (no choice of its own) would beat a typical value drawn from a longer head, so
        # the missing branch always makes a choice when the head does.
        if len(missing) == 1 and len(head) > 1:
            missing = missing * 2
        branches.append(st.sampled_from(missing))
    if f.edge_cases and edges:
        valid = st.sampled_from(_unique(edges))
        if malformed:
            bad = st.sampled_from(_unique(list(malformed)))
            rare = MALFORMED_EVERY - 1
            branches.append(st.integers(0, rare).flatmap(lambda i: bad if i == rare else valid))
        else:
            branches.append(valid)
    branches.append(body)
    return st.one_of(*branches)


def _unique(values: list[Any]) -> list[Any]:
    """Values without repeats (0.0 and -0.0, 1 and 1.0 count as different)."""
    out: list[Any] = []
    seen: set[str] = set()
    for v in values:
        key = f"{type(v).__name__}:{v!r}"
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _nulls(f: Field, *, nan: bool) -> list[Any]:
    if not f.nullable:
        return []
    return [None, math.nan] if nan else [None]


def _float_strategy(f: Field) -> SearchStrategy[Any]:
    lo = f.min if f.min is not None else -1e6
    hi = f.max if f.max is not None else 1e6
    body: SearchStrategy[float]
    if f.integer_valued:
        body = (
            st.integers(math.ceil(lo), math.floor(hi)).map(float)
            if math.ceil(lo) <= math.floor(hi)
            else st.just(float(lo))
        )
    else:
        body = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        if f.decimals is not None:
            d = f.decimals
            body = body.map(lambda x: min(max(round(x, d), lo), hi))
    typical = _typical_number(f)
    head: list[Any] = [typical]
    if f.edge_cases:
        head += [0.0, -1.0]
    return _with_head(head, _numeric_edges(f, integer=False), body, f, nan=True)


def _int_strategy(f: Field) -> SearchStrategy[Any]:
    lo = int(f.min) if f.min is not None else -1000
    hi = int(f.max) if f.max is not None else 1000
    head: list[Any] = [int(_typical_number(f))]
    if f.edge_cases:
        head += [0, -1]
    return _with_head(head, _numeric_edges(f, integer=True), st.integers(lo, hi), f)


def _category_strategy(f: Field) -> SearchStrategy[Any]:
    cats = list(f.categories)
    typical = f.typical if f.typical is not None else cats[0]
    head: list[Any] = [typical]
    if all(isinstance(c, str) for c in cats):
        edges: list[Any] = list(_string_edges(cats))
        if f.edge_cases and isinstance(typical, str):
            head += [v for v in (typical.upper(), f" {typical} ", UNSEEN, "") if v not in cats]
    else:
        edges = []
        for c in cats:
            if isinstance(c, bool):
                continue
            if isinstance(c, int | float):
                edges += [c + 1, -1, 0]
        edges = [e for e in dict.fromkeys(edges) if e not in set(cats)]
        edges.append(UNSEEN)
    return _with_head(head, edges, st.sampled_from(cats), f)


def _formatted_strategy(f: Field) -> SearchStrategy[Any]:
    head, edges, body, malformed = format_parts(f)
    return _with_head(head, edges, body, f, malformed=malformed)


def _string_strategy(f: Field) -> SearchStrategy[Any]:
    if f.format is not None:
        return _formatted_strategy(f)
    body: SearchStrategy[str]
    if f.pattern is not None:
        body = st.from_regex(f.pattern, fullmatch=True)
    else:
        alphabet = (
            st.characters(codec="utf-8")
            if not f.values
            else st.sampled_from(
                sorted({ch for v in f.values if isinstance(v, str) for ch in v}) or ["a"]
            )
        )
        body = st.text(alphabet, min_size=f.min_size, max_size=f.max_size)
    typical = f.typical if f.typical is not None else (f.values[0] if f.values else "a")
    head: list[Any] = [typical]
    edges = ["", " ", str(typical).lower(), str(typical).upper(), f" {typical} ", "NULL"]
    return _with_head(head, [e for e in dict.fromkeys(edges) if e != typical], body, f)


def _datetime_strategy(f: Field) -> SearchStrategy[Any]:
    zone = time_zone(f.tz) if f.tz else None
    default_start = dt.datetime(2020, 1, 1, tzinfo=zone) if zone else dt.datetime(2020, 1, 1)
    start = f.start or default_start
    end = f.end or (start + dt.timedelta(days=3 * 365))
    if zone is not None:
        start = start.astimezone(zone) if start.tzinfo else start.replace(tzinfo=zone)
        end = end.astimezone(zone) if end.tzinfo else end.replace(tzinfo=zone)
        body: SearchStrategy[dt.datetime] = st.datetimes(
            min_value=start.replace(tzinfo=None),
            max_value=end.replace(tzinfo=None),
            timezones=st.just(zone),
        )
    else:
        start = start.replace(tzinfo=None)
        end = end.replace(tzinfo=None)
        body = st.datetimes(min_value=start, max_value=end)
    typical = f.typical if f.typical is not None else start + (end - start) / 2
    if isinstance(typical, pd.Timestamp):
        typical = typical.to_pydatetime()
    head: list[Any] = [typical]
    return _with_head(head, _datetime_edges(f, start, end), body, f)


def _sequence_strategy(f: Field) -> SearchStrategy[Any]:
    lo = f.min if f.min is not None else -1e6
    hi = f.max if f.max is not None else 1e6
    element = st.one_of(
        st.sampled_from([0.0, lo, hi]), st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    )
    if f.decimals is not None:
        d = f.decimals
        element = element.map(lambda x: min(max(round(x, d), lo), hi))
    body = st.lists(element, min_size=f.min_size, max_size=f.max_size)
    size = max(f.max_size, 1)
    # a ramp tells any two window lengths, offsets or orders apart
    ramp = [round(lo + (hi - lo) * (i + 1) / size, 2) for i in range(size)]
    head: list[Any] = [[], ramp] if f.min_size == 0 else [ramp]
    edges: list[Any] = [
        [0.0],
        [hi] * size,
        [lo, hi],
        [math.nan, 1.0],
        [-1.0],
        ramp[::-1],
        [hi, *([lo] * (size - 1))],
    ]
    return _with_head(head, [e for e in edges if f.min_size <= len(e) <= size], body, f)


def _object_strategy(f: Field) -> SearchStrategy[Any]:
    if not f.values:
        return st.none()
    return _with_head(list(f.values), [], st.sampled_from(list(f.values)), f)


def field_strategy(f: Field) -> SearchStrategy[Any]:
    """The strategy of one field's values (see the module docs for the mix)."""
    builders = {
        "int": _int_strategy,
        "float": _float_strategy,
        "bool": lambda g: _with_head([False, True], [], st.booleans(), g),
        "category": _category_strategy,
        "string": _string_strategy,
        "datetime": _datetime_strategy,
        "sequence": _sequence_strategy,
        "object": _object_strategy,
    }
    return builders[f.kind](f)


def _as_field(name: str, spec: Any) -> Field | SearchStrategy[Any]:
    if isinstance(spec, Field | SearchStrategy):
        return spec
    if isinstance(spec, str):
        kind = {"str": "string", "text": "string", "bool": "bool", "boolean": "bool"}.get(
            spec, spec
        )
        if kind not in KINDS or kind in ("category", "object"):
            raise MlauditInputError(
                f"schema[{name!r}] = {spec!r} is not a field kind; use one of "
                "'int', 'float', 'bool', 'string', 'datetime', 'sequence', a list of "
                "categories, a Field(...) or a hypothesis strategy."
            )
        return Field(cast(FieldKind, kind))
    if isinstance(spec, list | tuple) and spec:
        return Field("category", categories=tuple(spec))
    raise MlauditInputError(
        f"schema[{name!r}] must be a Field, a kind name, a non-empty list of categories or a "
        f"hypothesis strategy; got {type(spec).__name__}: {spec!r}."
    )


def from_schema(
    schema: Mapping[str, Field | str | Sequence[Any] | SearchStrategy[Any]],
    *,
    missing_keys: bool = False,
) -> SearchStrategy[dict[str, Any]]:
    """A hypothesis strategy of raw records (dicts) described by ``schema``.

    Parameters
    ----------
    schema
        Field name -> :class:`Field`, a kind name (``"int"``, ``"float"``, ``"bool"``,
        ``"string"``, ``"datetime"``, ``"sequence"``), a list of categories, or any
        hypothesis strategy for that field.
    missing_keys
        Also leave nullable fields out of the record (payloads that omit a field).

    Returns
    -------
    SearchStrategy[dict[str, Any]]
        Records with edge cases at a high rate. The schema travels with the strategy,
        so :func:`~pytest_mlaudit.check_parity` builds the offline DataFrame with the
        right dtypes.

    Examples
    --------
    >>> from pytest_mlaudit.strategies import Field, from_schema
    >>> records = from_schema({"age": Field("int", min=18, max=99),
    ...                        "region": ["north", "south"], "income": "float"})
    >>> sorted(records.example())  # doctest: +SKIP
    ['age', 'income', 'region']
    """
    if not isinstance(schema, Mapping) or not schema:
        raise MlauditInputError(
            f"schema must be a non-empty mapping of field name -> Field; got {schema!r}."
        )
    fields: dict[str, Field] = {}
    strategies: dict[str, SearchStrategy[Any]] = {}
    for name, spec in schema.items():
        if not isinstance(name, str):
            raise MlauditInputError(f"schema keys must be field names (str); got {name!r}.")
        parsed = _as_field(name, spec)
        if isinstance(parsed, Field):
            fields[name] = parsed
            strategies[name] = field_strategy(parsed)
        else:
            strategies[name] = parsed
    if missing_keys:
        required = {k: v for k, v in strategies.items() if k in fields and not fields[k].nullable}
        optional = {k: v for k, v in strategies.items() if k not in required}
        strategy = st.fixed_dictionaries(required, optional=optional)
    else:
        strategy = st.fixed_dictionaries(strategies)
    try:
        setattr(strategy, SCHEMA_ATTR, dict(fields))
    except AttributeError:  # pragma: no cover - a hypothesis version with slots
        pass
    return strategy


def rows_like(
    sample: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    nulls: NullPolicy = "always",
    max_categories: int = 50,
    overrides: Mapping[str, Field | str | Sequence[Any] | SearchStrategy[Any]] | None = None,
    missing_keys: bool = False,
) -> SearchStrategy[dict[str, Any]]:
    """A strategy of raw records that look like the rows of ``sample``, plus edge cases.

    Types, ranges, decimals, null rates, categories, string formats, datetime ranges
    (with their time zone) and timestamps, dates or numbers held as strings (with their
    UTC offsets) are inferred with :func:`schema_of`; each field then draws its typical
    value, edge cases and realistic values (see the module docs).

    Parameters
    ----------
    sample
        A DataFrame of real raw rows.
    columns, nulls, max_categories
        As in :func:`schema_of`.
    overrides
        Field name -> :class:`Field`, kind, categories or strategy, replacing inference.
    missing_keys
        Also leave nullable fields out of records.

    Examples
    --------
    >>> import pandas as pd
    >>> from pytest_mlaudit.strategies import rows_like
    >>> raw = pd.DataFrame({"income": [52000.0, 61000.5], "region": ["north", "south"]})
    >>> records = rows_like(raw)
    >>> sorted(records.example())  # doctest: +SKIP
    ['income', 'region']
    """
    schema: dict[str, Any] = dict(
        schema_of(sample, columns=columns, nulls=nulls, max_categories=max_categories)
    )
    for name, spec in (overrides or {}).items():
        schema[name] = spec
    return from_schema(schema, missing_keys=missing_keys)
