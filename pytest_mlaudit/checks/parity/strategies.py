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

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "DST_ZONES",
    "Field",
    "FieldKind",
    "NullPolicy",
    "Schema",
    "from_schema",
    "rows_like",
    "schema_from",
    "schema_of",
    "strategy_schema",
]

FieldKind = Literal["int", "float", "bool", "category", "string", "datetime", "sequence", "object"]
NullPolicy = Literal["always", "observed", "never"]
_KINDS: Final = ("int", "float", "bool", "category", "string", "datetime", "sequence", "object")

#: Zones whose daylight-saving transitions are edge cases of every datetime field.
DST_ZONES: Final = ("Europe/London", "America/New_York")
#: The attribute under which a strategy built here carries its schema.
_SCHEMA_ATTR: Final = "_mlaudit_schema"
#: A category no training data has.
UNSEEN: Final = "zz-unseen"


@dataclasses.dataclass(frozen=True, slots=True)
class Field:
    """One raw field of a record: its kind, range and how to build its column.

    Parameters
    ----------
    kind
        ``"int"``, ``"float"``, ``"bool"``, ``"category"``, ``"string"``, ``"datetime"``,
        ``"sequence"`` (a list of numbers, e.g. recent transaction amounts) or
        ``"object"`` (sampled from ``values``).
    nullable
        Draw ``None`` (and ``NaN`` for floats) at a high rate.
    min, max
        Realistic bounds of numbers (of the elements, for sequences).
    decimals
        Floats are rounded to this many decimals in the real data (e.g. 2 for money).
    integer_valued
        Floats that hold whole numbers (e.g. a credit score stored as float).
    categories
        Known values of a category, most frequent first.
    pattern
        A regular expression the values of a string field match (e.g. ``"[A-Z]{2}-[0-9]{4}"``).
    min_size, max_size
        Length bounds of strings and sequences.
    start, end
        Range of datetimes (aware when ``tz`` is set).
    tz
        IANA time zone of a datetime field (``"UTC"``, ``"Europe/Berlin"``); None: naive.
    typical
        The value irrelevant fields shrink to (default: the median, mode or lower bound).
    values
        Observed values of an ``"object"`` field.
    dtype
        The pandas dtype of the raw column, used to build the offline pipeline's
        DataFrame from generated records (default: from ``kind``).
    edge_cases
        Draw the edge cases of this kind (see the module docs).

    Examples
    --------
    >>> Field("float", min=0, max=250_000, decimals=2).kind
    'float'
    >>> Field("category", categories=("rent", "own")).categories
    ('rent', 'own')
    """

    kind: FieldKind
    nullable: bool = True
    min: float | None = None
    max: float | None = None
    decimals: int | None = None
    integer_valued: bool = False
    categories: tuple[Any, ...] = ()
    pattern: str | None = None
    min_size: int = 0
    max_size: int = 12
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    tz: str | None = None
    typical: Any = None
    values: tuple[Any, ...] = ()
    dtype: str | None = None
    edge_cases: bool = True

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise MlauditInputError(
                f"Field kind must be one of {list(_KINDS)}; got kind={self.kind!r}."
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise MlauditInputError(
                f"Field({self.kind!r}) has min={self.min!r} > max={self.max!r}."
            )
        if self.kind == "category" and not self.categories:
            raise MlauditInputError("Field('category') needs at least one known category.")
        if self.kind == "object" and not self.values and not self.nullable:
            raise MlauditInputError("Field('object') needs values to sample from.")
        if self.min_size < 0 or self.max_size < self.min_size:
            raise MlauditInputError(
                f"Field({self.kind!r}) needs 0 <= min_size <= max_size; got "
                f"min_size={self.min_size}, max_size={self.max_size}."
            )
        if self.tz is not None:
            _zone(self.tz)
        if self.start is not None and self.end is not None and self.start > self.end:
            raise MlauditInputError(f"Field('datetime') has start={self.start} > end={self.end}.")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise MlauditInputError(
                    f"Field pattern {self.pattern!r} is not a regular expression: {exc}."
                ) from None

    @property
    def frame_dtype(self) -> str:
        """The pandas dtype of this field's column in DataFrames built from records."""
        if self.dtype is not None:
            return self.dtype
        return {
            "int": "int64",
            "float": "float64",
            "bool": "bool",
            "category": "str" if all(isinstance(c, str) for c in self.categories) else "object",
            "string": "str",
            "datetime": f"datetime64[ns, {self.tz}]" if self.tz else "datetime64[ns]",
            "sequence": "object",
            "object": "object",
        }[self.kind]


#: Field name -> :class:`Field`.
Schema = dict[str, Field]


def _zone(name: str) -> dt.tzinfo:
    if name.upper() == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MlauditInputError(
            f"unknown time zone {name!r}; use an IANA name such as 'UTC' or 'Europe/Berlin'."
        ) from None


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
    zone = _zone(f.tz) if f.tz else None
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
        for t in _dst_transitions(_zone(name), s, e, limit=2):
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
    head: list[Any], edges: list[Any], body: SearchStrategy[Any], f: Field, *, nan: bool = False
) -> SearchStrategy[Any]:
    """``one_of(head, missing, edges, body)``: each branch is drawn about equally often,
    and shrinking goes to the first value of the head (the typical value)."""
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
        branches.append(st.sampled_from(_unique(edges)))
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


def _string_strategy(f: Field) -> SearchStrategy[Any]:
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
    zone = _zone(f.tz) if f.tz else None
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
        if kind not in _KINDS or kind in ("category", "object"):
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
        setattr(strategy, _SCHEMA_ATTR, dict(fields))
    except AttributeError:  # pragma: no cover - a hypothesis version with slots
        pass
    return strategy


def strategy_schema(strategy: object) -> dict[str, Field] | None:
    """The schema a strategy built by :func:`from_schema` carries, else None."""
    schema = getattr(strategy, _SCHEMA_ATTR, None)
    return dict(schema) if isinstance(schema, dict) else None


# --------------------------------------------------------------------------- inference


def _char_class(ch: str) -> str:
    if "A" <= ch <= "Z":
        return "[A-Z]"
    if "a" <= ch <= "z":
        return "[a-z]"
    if "0" <= ch <= "9":
        return "[0-9]"
    return ch if ch in "-_:/@ ,#" else re.escape(ch)


def _runs(value: str) -> list[tuple[str, int]]:
    runs: list[tuple[str, int]] = []
    for ch in value:
        cls = _char_class(ch)
        if runs and runs[-1][0] == cls:
            runs[-1] = (cls, runs[-1][1] + 1)
        else:
            runs.append((cls, 1))
    return runs


def infer_pattern(values: Sequence[str]) -> str | None:
    """A regex for strings that share one shape (e.g. ``APP-000123``), else None."""
    shapes = [_runs(v) for v in values if v]
    if not shapes or len(shapes) < len(values):
        return None
    first = [cls for cls, _ in shapes[0]]
    if any([cls for cls, _ in s] != first for s in shapes):
        return None
    parts = []
    for i, cls in enumerate(first):
        lengths = [s[i][1] for s in shapes]
        lo, hi = min(lengths), max(lengths)
        if lo == hi == 1:
            parts.append(cls)
        else:
            parts.append(cls + (f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}"))
    return "".join(parts)


def _decimals(values: np.ndarray) -> int | None:
    for d in range(7):
        if np.all(np.round(values, d) == values):
            return d
    return None


def _is_sequence(v: Any) -> bool:
    return isinstance(v, list | tuple | np.ndarray)


def _infer_field(name: str, s: pd.Series, *, nulls: NullPolicy, max_categories: int) -> Field:
    dtype = s.dtype
    has_null = bool(s.isna().any())
    nullable = nulls == "always" or (nulls == "observed" and has_null)
    present = s.dropna()
    dtype_name = str(dtype)
    if present.empty:
        return Field("object", nullable=True, dtype="object")
    if pd.api.types.is_bool_dtype(dtype):
        return Field("bool", nullable=nullable, dtype=dtype_name if not has_null else "object")
    if pd.api.types.is_integer_dtype(dtype):
        vals = present.to_numpy(dtype=np.int64)
        return Field(
            "int",
            nullable=nullable,
            min=float(vals.min()),
            max=float(vals.max()),
            typical=int(np.median(vals)),
            dtype=dtype_name,
        )
    if pd.api.types.is_float_dtype(dtype):
        vals = present.to_numpy(dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            return Field("float", nullable=True, dtype=dtype_name)
        integer_valued = bool(np.all(vals == np.round(vals)))
        decimals = _decimals(vals)
        median = float(np.median(vals))
        typical = (
            float(round(median))
            if integer_valued
            else (round(median, decimals) if decimals is not None else median)
        )
        return Field(
            "float",
            nullable=nullable,
            min=float(vals.min()),
            max=float(vals.max()),
            integer_valued=integer_valued,
            decimals=decimals,
            typical=typical,
            dtype=dtype_name,
        )
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        tz = str(dtype.tz) if isinstance(dtype, pd.DatetimeTZDtype) else None
        lo, hi, mid = (
            pd.Timestamp(present.min()),
            pd.Timestamp(present.max()),
            pd.Timestamp(present.median()),
        )
        return Field(
            "datetime",
            nullable=nullable,
            start=lo.to_pydatetime(),
            end=hi.to_pydatetime(),
            tz=tz,
            typical=mid.to_pydatetime(),
            dtype=dtype_name,
        )
    if isinstance(dtype, pd.CategoricalDtype):
        counts = present.astype(object).value_counts()
        cats = [c for c in counts.index.tolist()] + [
            c for c in dtype.categories.tolist() if c not in set(counts.index.tolist())
        ]
        return Field(
            "category", nullable=nullable, categories=tuple(cats), typical=cats[0], dtype="category"
        )
    values = present.tolist()
    if all(isinstance(v, str) for v in values):
        counts = present.value_counts()
        distinct = len(counts)
        if distinct <= max_categories:
            labels = tuple(str(c) for c in counts.index.tolist())
            return Field(
                "category",
                nullable=nullable,
                categories=labels,
                typical=labels[0],
                dtype=dtype_name,
            )
        sample = [str(v) for v in counts.index.tolist()[:2000]]
        lengths = [len(v) for v in sample]
        return Field(
            "string",
            nullable=nullable,
            pattern=infer_pattern(sample),
            min_size=min(lengths),
            max_size=max(lengths),
            typical=sample[0],
            values=tuple(sample[:200]),
            dtype=dtype_name,
        )
    if all(_is_sequence(v) for v in values):
        flat = [x for v in values for x in v]
        if all(isinstance(x, int | float | np.number) and not isinstance(x, bool) for x in flat):
            arr = np.asarray(flat, dtype=np.float64)
            arr = arr[np.isfinite(arr)]
            lengths = [len(v) for v in values]
            return Field(
                "sequence",
                nullable=nullable,
                min=float(arr.min()) if arr.size else 0.0,
                max=float(arr.max()) if arr.size else 1.0,
                decimals=_decimals(arr) if arr.size else None,
                min_size=min(lengths),
                max_size=max(lengths),
                dtype="object",
            )
    distinct_values: list[Any] = []
    for v in values:
        if len(distinct_values) >= 100:
            break
        try:
            if v not in distinct_values:
                distinct_values.append(v)
        except (TypeError, ValueError):
            distinct_values.append(v)
    return Field("object", nullable=nullable, values=tuple(distinct_values), dtype="object")


def schema_of(
    sample: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    nulls: NullPolicy = "always",
    max_categories: int = 50,
) -> Schema:
    """Infer a :data:`Schema` from a sample of raw rows.

    Parameters
    ----------
    sample
        Raw rows as the offline pipeline reads them.
    columns
        Fields to keep (default: every column).
    nulls
        ``"always"`` (default): every field may be None, because a serving payload can
        carry a null that training never saw; ``"observed"``: only fields with nulls in
        the sample; ``"never"``.
    max_categories
        String columns with at most this many distinct values are categories; longer
        ones become strings with an inferred format.

    Examples
    --------
    >>> import pandas as pd
    >>> schema = schema_of(pd.DataFrame({"age": [30, 41], "region": ["north", "south"]}))
    >>> schema["age"].kind, schema["region"].categories
    ('int', ('north', 'south'))
    """
    if not isinstance(sample, pd.DataFrame):
        raise MlauditInputError(
            f"the sample must be a pandas DataFrame of raw rows; got {type(sample).__name__}."
        )
    if sample.shape[0] == 0:
        raise MlauditInputError("the sample DataFrame is empty; give a few real rows.")
    if nulls not in ("always", "observed", "never"):
        raise MlauditInputError(
            f"nulls must be 'always', 'observed' or 'never'; got nulls={nulls!r}."
        )
    names = [str(c) for c in sample.columns] if columns is None else list(columns)
    missing = [c for c in names if c not in set(map(str, sample.columns))]
    if missing:
        raise MlauditInputError(
            f"columns names {missing!r}, not found in the sample; it has "
            f"{[str(c) for c in sample.columns][:20]!r}."
        )
    return {
        name: _infer_field(name, sample[name], nulls=nulls, max_categories=max_categories)
        for name in names
    }


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

    Types, ranges, decimals, null rates, categories, string formats and datetime ranges
    (with their time zone) are inferred with :func:`schema_of`; each field then draws
    its typical value, edge cases and realistic values (see the module docs).

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


def schema_from(dtypes: Mapping[str, Any]) -> dict[str, str]:
    """Field name -> pandas dtype name, from a schema or a mapping of dtypes."""
    out: dict[str, str] = {}
    for name, spec in dtypes.items():
        out[str(name)] = spec.frame_dtype if isinstance(spec, Field) else str(spec)
    return out
