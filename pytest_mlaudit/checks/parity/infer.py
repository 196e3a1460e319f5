"""Inferring a :data:`~pytest_mlaudit.checks.parity.fields.Schema` from a sample of raw rows.

:func:`schema_of` looks at each column's dtype and values: integer and float ranges,
decimals, integer-valued floats, categories (most frequent first), string formats,
lists of numbers, and datetime ranges with their time zone. Strings in a recognised
format (ISO-8601 timestamps with their UTC offsets, dates, numbers;
:mod:`~pytest_mlaudit.checks.parity.formats`) keep it: :meth:`Field.describe` says what
was inferred.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.parity.fields import Field, NullPolicy, Schema
from pytest_mlaudit.checks.parity.formats import recognise
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["infer_pattern", "schema_of"]

#: A string column whose values are all different, with at least this many of them, is an
#: identifier or a measurement (a pattern or a format), not a category.
_UNIQUE_MIN: Final = 10


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
        texts = [str(c) for c in counts.index.tolist()]
        # every value different (an id, an amount): not a category, even when few
        unique = distinct == len(values) and distinct >= _UNIQUE_MIN
        many = distinct > max_categories
        sample = texts[:2000]
        lengths = [len(v) for v in sample]
        base = Field(
            "string",
            nullable=nullable,
            min_size=min(lengths),
            max_size=max(lengths),
            typical=sample[0],
            values=tuple(sample[:200]),
            dtype=dtype_name,
        )
        found = recognise(texts, many=many or unique, base=base)
        if found is not None:
            return found
        pattern = infer_pattern(sample) if many or unique else None
        if not many and pattern is None:
            labels = tuple(texts)
            return Field(
                "category",
                nullable=nullable,
                categories=labels,
                typical=labels[0],
                dtype=dtype_name,
            )
        return dataclasses.replace(base, pattern=pattern)
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
