"""Raw records <-> raw DataFrames, and JSON-safe views of values.

The offline pipeline reads a DataFrame; the online one reads records. A parity check
needs both views of the same raw data:

* real rows -> records (:func:`records_from_frame`): numpy scalars become Python ones,
  missing values become ``None`` (a JSON ``null``, as a serving payload carries them);
* generated records -> a DataFrame (:func:`frame_from_records`) with the dtypes of the
  real data (or of the schema), so a one-record frame has the same dtypes as a batch:
  an ``int`` column with a null becomes ``float64`` as pandas would read it, a string
  column keeps pandas' ``str`` dtype, datetimes keep their time zone.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

__all__ = [
    "JsonScalar",
    "frame_from_records",
    "infer_dtypes",
    "is_missing",
    "json_scalar",
    "name_clashes",
    "native_value",
    "records_from_frame",
    "short_repr",
]

JsonScalar = bool | int | float | str | None
RecordNulls = Literal["none", "nan"]

#: Longest repr kept for one value in a report.
MAX_REPR: Final = 200


def is_missing(v: Any) -> bool:
    """None, NaN, NaT or pd.NA (not an empty string, not a zero)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return bool(math.isnan(v))
    if isinstance(v, np.datetime64 | np.timedelta64):
        return bool(np.isnat(v))
    return False


def short_repr(v: Any, limit: int = MAX_REPR) -> str:
    """``repr`` of a value, shortened to ``limit`` characters."""
    try:
        text = repr(v)
    except Exception as exc:  # a user object with a broken __repr__
        text = f"<unrepresentable {type(v).__name__}: {exc}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_scalar(v: Any) -> JsonScalar:
    """A JSON-safe scalar for ``v``: numbers stay numbers (NaN included), datetimes become
    ISO-8601 strings, anything else its (short) repr."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v)
    if isinstance(v, str):
        return v if len(v) <= MAX_REPR else v[: MAX_REPR - 3] + "..."
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return str(v)
    if isinstance(v, dt.timedelta | pd.Timedelta):
        return str(v)
    if isinstance(v, decimal.Decimal):
        return str(v)
    return short_repr(v)


def native_value(v: Any, nulls: RecordNulls = "none") -> Any:
    """A plain Python value for ``v`` (numpy scalars, Timestamps); missing -> None.

    A Timestamp with nanoseconds stays a Timestamp (a ``datetime`` subclass): a
    ``datetime`` would drop them."""
    if is_missing(v):
        return None if nulls == "none" else (v if isinstance(v, float) else math.nan)
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v if v.nanosecond else v.to_pydatetime(warn=False)
    if isinstance(v, pd.Timedelta):
        return v.to_pytimedelta()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


_PLAIN: Final = (str, int, float, bool, list, dict, type(None))


def _column_values(series: pd.Series, nulls: RecordNulls) -> list[Any]:
    """One column as plain Python values, vectorised where the dtype allows."""
    missing = series.isna().to_numpy(dtype=bool)
    fill: Any = None if nulls == "none" else math.nan
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        index = pd.DatetimeIndex(series)
        with warnings.catch_warnings():  # "Discarding nonzero nanoseconds": put back below
            warnings.simplefilter("ignore", UserWarning)
            values: list[Any] = list(index.to_pydatetime())
        # a datetime holds microseconds: keep the Timestamp (a datetime subclass) where
        # nanoseconds would be lost, or identical pipelines would differ by them
        finer = np.flatnonzero((np.asarray(index.nanosecond) != 0) & ~missing)
        for pos in finer.tolist():
            values[pos] = index[pos]
    elif isinstance(dtype, pd.CategoricalDtype):
        values = series.astype(object).tolist()
    else:
        values = series.tolist()
    if dtype.kind == "O" or isinstance(dtype, pd.CategoricalDtype):
        for i, v in enumerate(values):
            if type(v) not in _PLAIN:
                values[i] = native_value(v, nulls)
    elif pd.api.types.is_timedelta64_dtype(dtype):
        values = [native_value(v, nulls) for v in values]
    if missing.any():
        for pos in np.flatnonzero(missing).tolist():
            values[pos] = fill
    return values


def name_clashes(labels: Sequence[Any]) -> list[str]:
    """Labels that read the same as text (an int ``0`` beside a string ``"0"``).

    Records and features are keyed by ``str(label)``, so such labels would overwrite each
    other; each clash is described as ``"0 (int) and '0' (str)"``.
    """
    by_text: dict[str, list[Any]] = {}
    for label in labels:
        by_text.setdefault(str(label), []).append(label)
    return [
        " and ".join(f"{c!r} ({type(c).__name__})" for c in group)
        for group in by_text.values()
        if len(group) > 1
    ]


def records_from_frame(frame: pd.DataFrame, *, nulls: RecordNulls = "none") -> list[dict[str, Any]]:
    """One dict per row with Python values; missing values become None (or NaN)."""
    columns = [str(c) for c in frame.columns]
    data = [_column_values(frame[col], nulls) for col in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*data, strict=True)]


def infer_dtypes(frame: pd.DataFrame) -> dict[str, Any]:
    """Column -> dtype of a DataFrame (what single-record frames are cast to)."""
    return {str(c): frame[c].dtype for c in frame.columns}


def _column(values: list[Any], dtype: Any) -> pd.Series:
    """A Series of ``values`` with ``dtype`` where pandas can hold them, as pandas would."""
    obj = pd.Series(values, dtype=object)
    try:
        target = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return _inferred(values)
    missing = obj.map(is_missing).to_numpy(dtype=bool)
    present = [v for v, m in zip(values, missing, strict=True) if not m]
    try:
        if isinstance(target, pd.CategoricalDtype):
            known = list(target.categories)
            new = [v for v in dict.fromkeys(present) if v not in set(known)]
            cats = known + new
            return pd.Series(
                pd.Categorical(
                    [None if m else v for v, m in zip(values, missing, strict=True)],
                    categories=cats,
                )
            )
        if isinstance(target, pd.DatetimeTZDtype) or target.kind == "M":
            if not all(isinstance(v, dt.datetime | np.datetime64 | str) for v in present):
                return _inferred(values)
            tz = getattr(target, "tz", None)
            aware = [isinstance(v, dt.datetime) and v.tzinfo is not None for v in present]
            if tz is not None:
                if not all(aware):
                    return _inferred(values)
                # convert with Python's own offset rules (fold, imaginary times), as the
                # online side does, before pandas sees the instant
                utc = [
                    None if m else v.astimezone(dt.UTC)
                    for v, m in zip(values, missing, strict=True)
                ]
                conv = pd.to_datetime(pd.Series(utc, dtype=object), utc=True).dt.tz_convert(tz)
            else:
                if any(aware):
                    return _inferred(values)
                conv = pd.to_datetime(obj.where(~missing, None))
            return conv.astype(target)
        if target.kind in "iu":
            if not all(
                isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)
                for v in present
            ):
                return _numeric_or_object(values, missing)
            if missing.any():
                return obj.where(~missing, np.nan).astype(np.float64)
            return obj.astype(target)
        if target.kind == "f":
            return _numeric_or_object(values, missing, target)
        if target.kind == "b":
            if not all(isinstance(v, bool | np.bool_) for v in present):
                return _inferred(values)
            return obj.astype(target) if not missing.any() else obj.where(~missing, None)
        if isinstance(target, pd.StringDtype) or str(target) == "str":
            if not all(isinstance(v, str) for v in present):
                return _inferred(values)
            return pd.Series(
                [None if m else v for v, m in zip(values, missing, strict=True)], dtype=target
            )
    except (TypeError, ValueError, OverflowError):
        return _inferred(values)
    return obj.where(~missing, None) if missing.any() else obj


def _numeric_or_object(values: list[Any], missing: np.ndarray, target: Any = None) -> pd.Series:
    ok = all(
        m or (isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool))
        for v, m in zip(values, missing, strict=True)
    )
    if not ok:
        return _inferred(values)
    arr = np.array(
        [np.nan if m else float(v) for v, m in zip(values, missing, strict=True)], dtype=np.float64
    )
    if target is not None and target.kind == "f" and target != np.float64:
        return pd.Series(arr.astype(target))
    return pd.Series(arr)


def _inferred(values: list[Any]) -> pd.Series:
    """pandas' own inference (what ``pd.DataFrame(records)`` would give)."""
    try:
        return pd.Series(values)
    except (TypeError, ValueError):
        return pd.Series(values, dtype=object)


def frame_from_records(
    records: Sequence[Mapping[str, Any]], dtypes: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """The raw DataFrame of ``records``, cast to ``dtypes`` where the values allow.

    Columns are the ``dtypes`` keys in order, then other keys in order of appearance;
    a key a record lacks is missing in that row.
    """
    names: list[str] = list(dtypes or {})
    seen = set(names)
    for rec in records:
        for key in rec:
            if key not in seen:
                seen.add(key)
                names.append(key)
    data: dict[str, pd.Series] = {}
    for name in names:
        values = [rec.get(name) for rec in records]
        if dtypes is not None and name in dtypes:
            col = _column(values, dtypes[name])
        else:
            col = _inferred(values)
        col.index = pd.RangeIndex(len(records))
        data[name] = col
    return pd.DataFrame(data, index=pd.RangeIndex(len(records)))
