"""The schema of raw records: one :class:`Field` per field, and the schema a strategy carries.

A :class:`Field` says what a raw field holds (its kind, range, categories, format, time
zone) and which pandas dtype its column gets in frames built from generated records.
:func:`~pytest_mlaudit.checks.parity.infer.schema_of` infers one per column of a sample;
:func:`~pytest_mlaudit.checks.parity.strategies.from_schema` draws records from them.

This module imports neither pandas, hypothesis nor pytest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "DST_ZONES",
    "STRING_FORMATS",
    "UNSEEN",
    "Field",
    "FieldKind",
    "NullPolicy",
    "Schema",
    "StringFormat",
    "describe_field",
    "schema_from",
    "strategy_schema",
    "time_zone",
]

#: Formats a ``"string"`` field's values follow (see :class:`Field`).
StringFormat = Literal["datetime", "date", "number"]
STRING_FORMATS: Final = ("datetime", "date", "number")
FieldKind = Literal["int", "float", "bool", "category", "string", "datetime", "sequence", "object"]
NullPolicy = Literal["always", "observed", "never"]
KINDS: Final = ("int", "float", "bool", "category", "string", "datetime", "sequence", "object")

#: Zones whose daylight-saving transitions are edge cases of every datetime field.
DST_ZONES: Final = ("Europe/London", "America/New_York")
#: The attribute under which a strategy built here carries its schema.
SCHEMA_ATTR: Final = "_mlaudit_schema"
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
    format
        What a ``"string"`` field's text holds: ``"datetime"`` (ISO-8601 timestamps,
        e.g. ``"2026-03-30T10:05:00-04:00"``, drawn between ``start`` and ``end`` at the
        UTC ``offsets`` seen and a few others), ``"date"`` (``"2026-03-30"``, between
        ``start`` and ``end``) or ``"number"`` (``"1250.50"``, in ``[min, max]`` with
        ``decimals``). ``typical`` sets the layout (separator, seconds, ``Z``). A few
        malformed values (a missing offset, an impossible date, a thousands separator)
        are among the edge cases.
    offsets
        UTC offsets of a ``format="datetime"`` field as written (``"-04:00"``, ``"Z"``);
        empty: naive timestamps.
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
    format: StringFormat | None = None
    offsets: tuple[str, ...] = ()
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
        if self.kind not in KINDS:
            raise MlauditInputError(
                f"Field kind must be one of {list(KINDS)}; got kind={self.kind!r}."
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
            time_zone(self.tz)
        if self.start is not None and self.end is not None and self.start > self.end:
            raise MlauditInputError(f"Field('datetime') has start={self.start} > end={self.end}.")
        if self.format is not None and (self.kind != "string" or self.format not in STRING_FORMATS):
            raise MlauditInputError(
                f"Field format must be one of {list(STRING_FORMATS)} on a 'string' field; got "
                f"kind={self.kind!r}, format={self.format!r}."
            )
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise MlauditInputError(
                    f"Field pattern {self.pattern!r} is not a regular expression: {exc}."
                ) from None

    def describe(self) -> str:
        """One line saying what the field holds, as inference saw it.

        >>> Field("int", min=18, max=99).describe()
        'int in [18, 99]'
        >>> Field("string", format="date", start=dt.datetime(2026, 1, 1),
        ...       end=dt.datetime(2026, 3, 31)).describe()
        'string: ISO-8601 date, 2026-01-01 to 2026-03-31'
        """
        return describe_field(self)

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


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _range(lo: object, hi: object) -> str:
    def text(v: object) -> str:
        if isinstance(v, dt.datetime):
            return v.isoformat()
        return "?" if v is None else str(v)

    return f"{text(lo)} to {text(hi)}"


def describe_field(f: Field) -> str:
    """See :meth:`Field.describe`."""
    if f.kind == "string" and f.format == "datetime":
        zones = f"offsets {', '.join(f.offsets)}" if f.offsets else "no offset (naive)"
        return f"string: ISO-8601 timestamp, {zones}, {_range(f.start, f.end)}"
    if f.kind == "string" and f.format == "date":
        lo = f.start.date().isoformat() if f.start else None
        hi = f.end.date().isoformat() if f.end else None
        return f"string: ISO-8601 date, {_range(lo, hi)}"
    if f.kind == "string" and f.format == "number":
        places = f" with {f.decimals} decimal(s)" if f.decimals else ", whole"
        return f"string: number in [{_num(f.min)}, {_num(f.max)}]{places}"
    if f.kind == "string":
        if f.pattern:
            return f"string matching {f.pattern}"
        return f"string of {f.min_size}-{f.max_size} characters (free text)"
    if f.kind in ("int", "float"):
        extra = ""
        if f.kind == "float" and f.integer_valued:
            extra = ", whole numbers"
        elif f.kind == "float" and f.decimals is not None:
            extra = f", {f.decimals} decimal(s)"
        return f"{f.kind} in [{_num(f.min)}, {_num(f.max)}]{extra}"
    if f.kind == "category":
        shown = ", ".join(repr(c) for c in f.categories[:5])
        more = f", +{len(f.categories) - 5} more" if len(f.categories) > 5 else ""
        return f"category ({len(f.categories)}: {shown}{more})"
    if f.kind == "datetime":
        return f"datetime ({f.tz or 'naive'}), {_range(f.start, f.end)}"
    if f.kind == "sequence":
        return f"list of {f.min_size}-{f.max_size} numbers in [{_num(f.min)}, {_num(f.max)}]"
    return f.kind


def time_zone(name: str) -> dt.tzinfo:
    if name.upper() == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MlauditInputError(
            f"unknown time zone {name!r}; use an IANA name such as 'UTC' or 'Europe/Berlin'."
        ) from None


def strategy_schema(strategy: object) -> dict[str, Field] | None:
    """The schema a strategy built by :func:`from_schema` carries, else None."""
    schema = getattr(strategy, SCHEMA_ATTR, None)
    return dict(schema) if isinstance(schema, dict) else None


def schema_from(dtypes: Mapping[str, Any]) -> dict[str, str]:
    """Field name -> pandas dtype name, from a schema or a mapping of dtypes."""
    out: dict[str, str] = {}
    for name, spec in dtypes.items():
        out[str(name)] = spec.frame_dtype if isinstance(spec, Field) else str(spec)
    return out
