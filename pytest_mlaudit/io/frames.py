"""Turning the user's inputs into named columns, with validation apart from the maths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["ColumnKind", "as_frame", "column_kind", "numeric_values"]

ColumnKind = Literal["numeric", "categorical"]


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
        frame = pd.DataFrame(data)
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


def column_kind(series: pd.Series, *, column: str, side: str) -> ColumnKind:
    """``numeric`` for int/float columns, ``categorical`` for strings, bools, categories."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
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
    else:  # nullable/extension dtypes: missing values become NaN first
        values = np.sort(series.to_numpy(dtype=np.float64, na_value=np.nan))
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


def category_counts(series: pd.Series) -> tuple[dict[str, int], int]:
    """Counts per category (labels as strings) and the count of missing values."""
    # dropna=False skips a separate isna pass (several times faster on string columns)
    counts = series.value_counts(dropna=False, sort=False)
    out: dict[str, int] = {}
    n_missing = 0
    for key, count in zip(counts.index.tolist(), counts.to_numpy().tolist(), strict=True):
        if key is None or (not isinstance(key, str) and bool(pd.isna(key))):
            n_missing += int(count)
            continue
        label = str(key)
        out[label] = out.get(label, 0) + int(count)
    return out, n_missing
