"""Turning the user's inputs into named columns, with validation apart from the maths."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "ColumnKind",
    "as_frame",
    "category_counts",
    "category_label",
    "column_kind",
    "column_label",
    "column_names",
    "holds_times",
    "infer_kind",
    "label_key",
    "label_positions",
    "non_numbers",
    "numeric_values",
    "resolve_columns",
]

ColumnKind = Literal["numeric", "categorical"]

#: What ``pandas.api.types.infer_dtype`` says of an object column that holds numbers only.
_NUMBER_OBJECTS: Final = frozenset({"integer", "floating", "mixed-integer-float", "decimal"})


def as_frame(data: Any, *, name: str) -> pd.DataFrame:
    """A DataFrame view of ``data`` (DataFrame, Series, 1-D/2-D array or list).

    1-D inputs become one column named after the Series (or ``"value"``); 2-D arrays get
    columns ``x0, x1, ...``. ``name`` is the argument's name, for error messages.
    """
    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, pd.Series):
        frame = data.to_frame(name=str(data.name) if data.name is not None else "value")
    elif isinstance(data, np.ndarray | list | tuple):
        arr = np.asarray(data)
        if arr.ndim == 1:
            frame = pd.DataFrame({"value": arr})
        elif arr.ndim == 2:
            frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
        else:
            raise MlauditInputError(
                f"{name} must be 1-D or 2-D; got an array of shape {arr.shape}."
            )
    elif isinstance(data, Mapping):
        frame = _frame_from_mapping(data, name=name)
    else:
        raise MlauditInputError(
            f"{name} must be a pandas DataFrame/Series or a numpy array; got {type(data).__name__}."
        )
    if frame.shape[0] == 0:
        raise MlauditInputError(f"{name} is empty (0 rows); there is nothing to compare.")
    if frame.shape[1] == 0:
        raise MlauditInputError(f"{name} has no columns.")
    if frame.shape[0] < 2:
        raise MlauditInputError(
            f"{name} has a single row; a distribution needs at least 2 rows to compare."
        )
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        raise MlauditInputError(f"{name} has duplicated column names: {dupes!r}.")
    return frame


def _frame_from_mapping(data: Mapping[Any, Any], *, name: str) -> pd.DataFrame:
    """A DataFrame from ``{column: values}``; scalars and ragged columns are refused."""
    scalars = [k for k, v in data.items() if np.ndim(v) == 0 and not isinstance(v, pd.Series)]
    if data and len(scalars) == len(data):
        raise MlauditInputError(
            f"{name} is a dict of single values ({_shown_keys(scalars)}), one row at most; "
            "pass a column of values per key, e.g. {'income': [52000, 61000, ...]}, or a "
            "DataFrame of many rows (pd.DataFrame([record, ...]) for a list of records)."
        )
    if scalars:
        raise MlauditInputError(
            f"{name} mixes columns of values with single values for {_shown_keys(scalars)}; "
            "pass a list or array of values for every column."
        )
    try:
        return pd.DataFrame(data)
    except ValueError as exc:
        lengths = {repr(k): int(np.size(v)) for k, v in list(data.items())[:10]}
        raise MlauditInputError(
            f"{name} cannot be read as a table ({exc}); its columns have lengths {lengths}. "
            "Pass columns of the same length."
        ) from None


def _shown_keys(keys: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(k) for k in keys[:limit])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > limit else "")


# -------------------------------------------------------------------- column names


def column_label(label: Any) -> str:
    """How a column is named in reports: a string as it is, any other label as its repr.

    numpy scalars are shown as the Python value (``np.int64(3)`` as ``3``), so an int
    column ``0`` reads ``"0"``, a MultiIndex column ``("income", "mean")`` reads
    ``"('income', 'mean')"`` and a ``None`` label ``"None"``.
    """
    if isinstance(label, str):
        return str(label)
    if isinstance(label, np.generic):
        label = label.item()
    return repr(label)


def column_names(frame: pd.DataFrame, *, name: str) -> list[str]:
    """One distinct name per column of ``frame``, in column order (see :func:`column_label`).

    When a non-string label reads like another column's name (an int column ``1`` beside
    a string column ``"1"``), its type is added: ``"1 (int)"``. Every column keeps a name
    of its own, so none is skipped or compared with the wrong one.
    """
    labels = list(frame.columns)
    names = [column_label(c) for c in labels]
    counts = Counter(names)
    if len(counts) == len(names):
        return names
    names = [
        n if counts[n] == 1 or isinstance(c, str) else f"{n} ({_type_name(c)})"
        for n, c in zip(names, labels, strict=True)
    ]
    again = [n for n, k in Counter(names).items() if k > 1]
    if again:
        raise MlauditInputError(
            f"{name} has columns whose names are the same as text: {again[:5]!r}; rename them "
            "so that every column has a name of its own."
        )
    return names


def _type_name(label: Any) -> str:
    value = label.item() if isinstance(label, np.generic) else label
    return type(value).__name__


def label_key(label: Any) -> tuple[Any, ...]:
    """A dict key for a column label: equal for the same type and value (numpy scalars as
    Python values, every NaN one label), so ``1``, ``"1"`` and ``1.0`` stay apart."""
    value = label.item() if isinstance(label, np.generic) else label
    if isinstance(value, float) and value != value:
        return ("nan",)
    return (type(value), value)


def label_positions(labels: Sequence[Any]) -> dict[tuple[Any, ...], int]:
    """``label_key(label) -> first position``, for lookups in O(1) instead of a scan."""
    out: dict[tuple[Any, ...], int] = {}
    for i, label in enumerate(labels):
        out.setdefault(label_key(label), i)
    return out


def resolve_columns(
    requested: Sequence[Any] | Any,
    frame: pd.DataFrame,
    names: Sequence[str],
    *,
    side: str,
    arg: str = "columns",
) -> list[str]:
    """The names (:func:`column_names`) of the columns ``requested`` asks for.

    Each item is a column label as it is in ``frame`` (``0``, ``("a", "b")``, ``None``)
    or a column's name as reports show it (``"0"``); a string is a label first. Items
    that name no column are listed in the error, with the columns there are.
    """
    if isinstance(requested, str) or not isinstance(requested, Sequence | pd.Index):
        requested = [requested]
    items = list(requested)
    if not items:
        raise MlauditInputError(
            f"{arg} is empty; name at least one column to check, or pass {arg}=None for "
            f"every column of {side}."
        )
    by_label = label_positions(list(frame.columns))
    by_name = dict(zip(names, range(len(names)), strict=True))
    out: list[str] = []
    missing: list[Any] = []
    for item in items:
        try:
            pos = by_label.get(label_key(item))
        except TypeError:  # an unhashable item names no column
            pos = None
        if pos is None:
            pos = by_name.get(item) if isinstance(item, str) else None
        if pos is None:
            missing.append(item)
            continue
        if names[pos] not in out:
            out.append(names[pos])
    if missing:
        present = sorted(names)
        raise MlauditInputError(
            f"{arg} names {missing!r}, not found in {side}; {side} has: "
            f"{present[:20]!r}{' ...' if len(present) > 20 else ''}."
        )
    return out


# -------------------------------------------------------------------- column kinds


def infer_kind(series: pd.Series, *, column: str, side: str) -> tuple[ColumnKind, str]:
    """The column's kind and, when it was read from the values, a note saying so.

    ``numeric`` for int/float columns and for object columns whose values are all numbers
    (ints, floats, Decimals, numpy numbers: what CSV readers, JSON payloads and numpy
    object arrays give); ``categorical`` for strings, booleans, categories and mixed
    values. Numbers written as text (``"1.5"``) stay categorical: a string column is the
    user's statement that the values are labels (zip codes, ids). Datetimes and complex
    numbers are refused.
    """
    kind = column_kind(series, column=column, side=side)
    if kind == "numeric" and pd.api.types.is_object_dtype(series.dtype):
        return kind, (
            f"column {column!r} of {side} holds numbers in an object column; compared as "
            f"numeric (methods={{{column!r}: 'chi2'}} compares its values as categories)"
        )
    return kind, ""


#: What ``infer_dtype`` says of an object column of dates, times or durations.
_TIME_OBJECTS: Final = frozenset({"datetime", "datetime64", "date", "time", "timedelta", "period"})


def holds_times(series: pd.Series) -> bool:
    """True for an object column of Python/pandas dates, times, durations or periods."""
    return pd.api.types.is_object_dtype(series.dtype) and (
        pd.api.types.infer_dtype(series, skipna=True) in _TIME_OBJECTS
    )


def non_numbers(series: pd.Series, limit: int = 3) -> list[Any]:
    """A few distinct non-missing values of ``series`` that are not numbers (for messages)."""
    found: list[Any] = []
    for value in series.dropna().unique()[:10_000]:
        is_number = isinstance(value, int | float | np.number) and not isinstance(
            value, bool | np.bool_
        )
        if not is_number and value not in found:
            found.append(value)
            if len(found) == limit:
                break
    return found


def column_kind(series: pd.Series, *, column: str, side: str) -> ColumnKind:
    """``numeric`` for int/float columns, ``categorical`` for strings, bools, categories.

    Object columns holding only numbers are numeric (:func:`infer_kind` says so in a note).
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return "numeric"
    if pd.api.types.is_object_dtype(dtype) and (
        pd.api.types.infer_dtype(series, skipna=True) in _NUMBER_OBJECTS
    ):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise MlauditInputError(
            f"column {column!r} of {side} holds {dtype} values, which drift checks do not "
            "compare; convert it to a number (e.g. hour of day, or seconds since an epoch) or "
            "leave it out with columns=."
        )
    if pd.api.types.is_complex_dtype(dtype):
        raise MlauditInputError(f"column {column!r} of {side} is complex ({dtype}); not supported.")
    return "categorical"


def numeric_values(series: pd.Series, *, column: str, side: str) -> tuple[NDArray[np.float64], int]:
    """Sorted finite values of a numeric column and its count of missing values.

    Raises for infinities and for fewer than two non-missing values.
    """
    raw = series.to_numpy()
    if raw.dtype.kind in "fiu":
        values = np.sort(raw.astype(np.float64, copy=False))
    else:  # nullable/extension dtypes, numbers in objects: missing values become NaN first
        try:
            values = np.sort(series.to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError):
            raise MlauditInputError(
                f"column {column!r} of {side} ({series.dtype}) does not hold numbers only; "
                "convert it with pd.to_numeric, or compare it as categories with "
                f"methods={{{column!r}: 'chi2'}}."
            ) from None
    # np.sort puts NaN last and infinities at the ends, so both are found without a pass
    n_missing = values.size - _first_nan(values)
    if n_missing:
        values = values[: values.size - n_missing]
    if values.size and (np.isinf(values[0]) or np.isinf(values[-1])):
        n_inf = int(np.isinf(values).sum())
        raise MlauditInputError(
            f"column {column!r} of {side} contains {n_inf} infinite value(s); "
            "replace them (e.g. with NaN, which is counted as missing) or clip them first."
        )
    if values.size < 2:
        what = "only missing values" if values.size == 0 else "a single non-missing value"
        raise MlauditInputError(
            f"column {column!r} of {side} has {what} ({n_missing} of {series.size} rows "
            "missing); a distribution needs at least 2 values. Leave it out with columns=."
        )
    return values, n_missing


def _first_nan(sorted_values: NDArray[np.float64]) -> int:
    """Index of the first NaN in a sorted array (NaNs sort last), by bisection."""
    lo, hi = 0, sorted_values.size
    while lo < hi:
        mid = (lo + hi) // 2
        if np.isnan(sorted_values[mid]):
            hi = mid
        else:
            lo = mid + 1
    return lo


def category_label(value: Any) -> str:
    """A category's label: a number by its value (``1``, ``1.0`` and ``np.int64(1)`` are
    all ``"1"``), a boolean as ``"True"``/``"False"``, anything else as its ``str()``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def category_counts(series: pd.Series) -> tuple[dict[str, int], int]:
    """Counts per category (labels by :func:`category_label`) and the count of missing
    values."""
    # dropna=False skips a separate isna pass (several times faster on string columns)
    counts = series.value_counts(dropna=False, sort=False)
    out: dict[str, int] = {}
    n_missing = 0
    for key, count in zip(counts.index.tolist(), counts.to_numpy().tolist(), strict=True):
        if key is None or (not isinstance(key, str) and bool(pd.isna(key))):
            n_missing += int(count)
            continue
        label = category_label(key)
        out[label] = out.get(label, 0) + int(count)
    return out, n_missing
