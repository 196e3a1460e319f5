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
    "UNSEEN",
    "Field",
    "FieldKind",
    "NullPolicy",
    "Schema",
    "schema_from",
    "strategy_schema",
    "time_zone",
]

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
