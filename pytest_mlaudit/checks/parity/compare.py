"""Comparing one feature's offline and online values, row by row.

Rules (the same for the vectorised and the per-value path):

* missing (None, NaN, NaT, pd.NA) equals missing; missing on one side only is a
  ``missing`` mismatch, and so is a feature key absent from one output;
* numbers (int, float, bool) are close when ``|a - b| <= max(atol, rtol * max(|a|, |b|))``
  (infinities only equal themselves); with ``strict_dtypes`` an int, a float64, a
  float32 and a bool are also different *types*;
* strings compare exactly (case and whitespace included);
* values of different families (number vs string vs datetime ...) are a ``type``
  mismatch; datetimes compare as instants, naive vs aware is a ``type`` mismatch;
* lists compare element by element with the same rules.

Numbers and strings are compared with numpy over whole columns; anything else falls
back to a loop over the values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit.checks.parity.frames import is_missing

__all__ = [
    "ABSENT",
    "MATCH",
    "MISSING",
    "NOT_COMPARED",
    "TYPE",
    "VALUE",
    "FeatureComparison",
    "OnlineColumn",
    "compare_feature",
    "compare_values",
    "type_tag",
]

NOT_COMPARED: Final = -1  #: the row has no output on one side (an exception, a dropped row)
MATCH: Final = 0
VALUE: Final = 1  #: both present, same family, values differ beyond the tolerance
TYPE: Final = 2  #: both present, different families (or types, with strict_dtypes)
MISSING: Final = 3  #: missing (None/NaN) on one side only
ABSENT: Final = 4  #: the feature key is absent from one side's output for this row

KIND_NAMES: Final = {VALUE: "value", TYPE: "type", MISSING: "missing", ABSENT: "absent"}
_NUMERIC: Final = frozenset({"int", "float", "bool"})


@dataclasses.dataclass(slots=True)
class OnlineColumn:
    """One feature's online values: a list (records) or a Series (frames), plus which
    rows' outputs lacked the key."""

    values: list[Any] | pd.Series
    absent: NDArray[np.bool_]


@dataclasses.dataclass(slots=True)
class FeatureComparison:
    status: NDArray[np.int8]  #: per row: MATCH, VALUE, TYPE, MISSING, ABSENT or NOT_COMPARED
    abs_diff: NDArray[np.float64]  #: per row (NaN where not numeric)
    rel_diff: NDArray[np.float64]
    offline_type: str
    online_type: str

    @property
    def checked(self) -> int:
        return int(np.count_nonzero(self.status != NOT_COMPARED))

    @property
    def mismatched(self) -> NDArray[np.bool_]:
        return self.status > MATCH

    def count(self, *codes: int) -> int:
        return int(np.isin(self.status, codes).sum())

    def max_abs(self) -> float | None:
        return _nanmax(self.abs_diff)

    def max_rel(self) -> float | None:
        return _nanmax(self.rel_diff)


def _nanmax(a: NDArray[np.float64]) -> float | None:
    finite_or_inf = a[~np.isnan(a)]
    return float(finite_or_inf.max()) if finite_or_inf.size else None


# --------------------------------------------------------------------------- types


def type_tag(v: Any) -> str:
    """A short type name: int, float64, float32, bool, str, datetime, list, NoneType, ..."""
    if isinstance(v, bool | np.bool_):
        return "bool"
    if isinstance(v, int | np.integer):
        return "int"
    if isinstance(v, np.floating):
        return str(v.dtype)
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "str"
    if isinstance(v, pd.Timestamp | dt.datetime):
        return "datetime" if v.tzinfo is None else "datetime[tz]"
    return type(v).__name__


def value_family(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return "bool"
    if isinstance(v, int | np.integer):
        return "int"
    if isinstance(v, float | np.floating):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dt.datetime | np.datetime64):
        return "datetime"
    if isinstance(v, dt.date):
        return "date"
    if isinstance(v, dt.timedelta | np.timedelta64):
        return "timedelta"
    if isinstance(v, list | tuple | np.ndarray):
        return "sequence"
    return type(v).__name__


def _dtype_family(dtype: Any) -> str | None:
    if isinstance(dtype, pd.CategoricalDtype):
        return _dtype_family(dtype.categories.dtype)
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_string_dtype(dtype) and dtype != np.dtype(object):
        return "string"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    return None


_INFERRED: Final = {
    "integer": "int",
    "floating": "float",
    "mixed-integer-float": "float",
    "boolean": "bool",
    "string": "string",
    "datetime": "datetime",
    "datetime64": "datetime",
    "empty": "empty",
}


def _family(values: pd.Series | list[Any]) -> str:
    if isinstance(values, pd.Series):
        fam = _dtype_family(values.dtype)
        if fam is not None:
            return fam
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    return _INFERRED.get(inferred, "mixed")


def _series_tag(s: pd.Series) -> str:
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return f"category[{dtype.categories.dtype}]"
    return str(dtype)


def _tag_of_type(t: type) -> str:
    if issubclass(t, bool | np.bool_):
        return "bool"
    if issubclass(t, int | np.integer):
        return "int"
    if issubclass(t, np.floating):
        return np.dtype(t).name
    if issubclass(t, float):
        return "float64"
    if issubclass(t, str):
        return "str"
    return t.__name__


def _list_tags(values: Sequence[Any]) -> list[str]:
    """The type tags of the values (None left out): int, float64, float32, str, ..."""
    types = set(map(type, values))
    types.discard(type(None))
    tags = set()
    for t in types:
        if issubclass(t, dt.datetime):
            aware = {v.tzinfo is not None for v in values if type(v) is t and not is_missing(v)}
            tags |= {"datetime[tz]" if a else "datetime" for a in aware}
        else:
            tags.add(_tag_of_type(t))
    return sorted(tags)


def _scalar_tag_of_dtype(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return str(np.dtype(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype))
    return str(dtype)


# --------------------------------------------------------------------------- scalars


def _num(v: Any) -> float:
    return float(v)


def _close(x: float, y: float, rtol: float, atol: float) -> tuple[bool, float, float]:
    if x == y:
        return True, 0.0, 0.0
    if math.isinf(x) or math.isinf(y):
        return False, math.inf, math.inf
    diff = abs(x - y)
    scale = max(abs(x), abs(y))
    rel = diff / scale if scale > 0 else 0.0
    return diff <= max(atol, rtol * scale), diff, rel


def compare_values(
    a: Any, b: Any, *, rtol: float, atol: float, strict: bool
) -> tuple[int, float, float, str]:
    """``(status, abs_diff, rel_diff, detail)`` of one offline value ``a`` and online ``b``."""
    nan = math.nan
    am, bm = is_missing(a), is_missing(b)
    if am and bm:
        return MATCH, nan, nan, ""
    if am or bm:
        side = "offline" if am else "online"
        return MISSING, nan, nan, f"missing on the {side} side only"
    fa, fb = value_family(a), value_family(b)
    if fa in _NUMERIC and fb in _NUMERIC:
        ta, tb = type_tag(a), type_tag(b)
        if strict and ta != tb:
            return TYPE, nan, nan, f"{ta} offline vs {tb} online (strict_dtypes)"
        try:
            ok, diff, rel = _close(_num(a), _num(b), rtol, atol)
        except OverflowError:
            ok, diff, rel = a == b, nan, nan
        if ok:
            return MATCH, diff, rel, ""
        note = f" ({ta} offline vs {tb} online)" if ta != tb else ""
        return VALUE, diff, rel, f"differs by {diff:.6g} (relative {rel:.3g}){note}"
    if fa != fb:
        return TYPE, nan, nan, f"{type_tag(a)} offline vs {type_tag(b)} online"
    if fa == "string":
        if a == b:
            return MATCH, nan, nan, ""
        hint = ""
        if a.strip().lower() == b.strip().lower():
            hint = " (they differ only in case or surrounding whitespace)"
        return VALUE, nan, nan, f"strings differ{hint}"
    if fa == "datetime":
        ta_, tb_ = pd.Timestamp(a), pd.Timestamp(b)
        if (ta_.tzinfo is None) != (tb_.tzinfo is None):
            which = (
                "naive offline, aware online"
                if ta_.tzinfo is None
                else ("aware offline, naive online")
            )
            return TYPE, nan, nan, f"datetimes: {which}"
        if ta_ == tb_:
            return MATCH, 0.0, nan, ""
        try:
            secs = abs((ta_ - tb_).total_seconds())
        except (OverflowError, pd.errors.OutOfBoundsDatetime, pd.errors.OutOfBoundsTimedelta):
            # near the ends of pandas' nanosecond range: Python's datetimes reach further
            secs = abs(
                (ta_.to_pydatetime(warn=False) - tb_.to_pydatetime(warn=False)).total_seconds()
            )
        return VALUE, secs, nan, f"instants differ by {secs:g} s"
    if fa == "sequence":
        la, lb = list(a), list(b)
        if len(la) != len(lb):
            return VALUE, nan, nan, f"lengths differ: {len(la)} vs {len(lb)}"
        worst = (MATCH, 0.0, 0.0, "")
        for i, (x, y) in enumerate(zip(la, lb, strict=True)):
            res = compare_values(x, y, rtol=rtol, atol=atol, strict=strict)
            if res[0] > worst[0] or (res[0] == worst[0] and (res[1] or 0) > (worst[1] or 0)):
                worst = (res[0], res[1], res[2], f"element {i}: {res[3]}" if res[3] else "")
        return worst
    try:
        equal = bool(a == b)
    except Exception:
        equal = repr(a) == repr(b)
    return (MATCH, nan, nan, "") if equal else (VALUE, nan, nan, "values differ")


# --------------------------------------------------------------------------- columns


def _missing_mask(values: pd.Series | list[Any]) -> NDArray[np.bool_]:
    if isinstance(values, pd.Series):
        return np.asarray(values.isna().to_numpy(), dtype=bool)
    return np.asarray(pd.isna(_as_object(values)), dtype=bool)


def _as_float(values: pd.Series | list[Any], missing: NDArray[np.bool_]) -> NDArray[np.float64]:
    if isinstance(values, pd.Series):
        return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    try:  # numpy reads None as NaN here
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):  # pd.NA, decimals, ...
        return np.fromiter(
            (math.nan if m else float(v) for v, m in zip(values, missing, strict=True)),
            dtype=np.float64,
            count=len(values),
        )


def _as_object(values: pd.Series | list[Any]) -> NDArray[np.object_]:
    if isinstance(values, pd.Series):
        return np.asarray(values.astype(object).to_numpy(), dtype=object)
    return np.fromiter(values, dtype=object, count=len(values))  # lists stay elements


def compare_feature(
    offline: pd.Series | None,
    online: OnlineColumn | None,
    valid: NDArray[np.bool_],
    *,
    rtol: float,
    atol: float,
    strict: bool,
) -> FeatureComparison:
    """Compare one feature over all rows; ``valid`` marks rows both sides produced."""
    n = valid.size
    status = np.full(n, NOT_COMPARED, dtype=np.int8)
    abs_diff = np.full(n, np.nan)
    rel_diff = np.full(n, np.nan)
    if offline is None or online is None:
        status[valid] = ABSENT
        off_t = "<absent>" if offline is None else _series_tag(offline)
        on_t = "<absent>" if online is None else _online_tag(online)
        return FeatureComparison(status, abs_diff, rel_diff, off_t, on_t)

    on_all = online.values
    off_type = _series_tag(offline)
    if isinstance(on_all, pd.Series):
        on_type = _series_tag(on_all)
    else:  # rows without an output hold None, so they add no tag
        listed = _list_tags(on_all)
        on_type = "|".join(listed) if listed else "NoneType"
    absent = online.absent
    status[valid & absent] = ABSENT
    idx = np.flatnonzero(valid & ~absent)  # the rows compared; others are placeholders
    if idx.size == 0:
        return FeatureComparison(status, abs_diff, rel_diff, off_type, on_type)
    whole = idx.size == n
    off_vals = offline if whole else offline.iloc[idx]
    on_vals: pd.Series | list[Any]
    if isinstance(on_all, pd.Series):
        on_vals = on_all if whole else on_all.iloc[idx]
    else:
        on_vals = on_all if whole else [on_all[i] for i in idx]
    sub_status, sub_abs, sub_rel = _compare_present_rows(
        off_vals, on_vals, rtol=rtol, atol=atol, strict=strict
    )
    status[idx] = sub_status
    abs_diff[idx] = sub_abs
    rel_diff[idx] = sub_rel
    return FeatureComparison(status, abs_diff, rel_diff, off_type, on_type)


def _compare_present_rows(
    off_vals: pd.Series,
    on_vals: pd.Series | list[Any],
    *,
    rtol: float,
    atol: float,
    strict: bool,
) -> tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64]]:
    """Status and differences of rows both sides produced a value (or a null) for."""
    n = len(on_vals)
    status = np.full(n, MATCH, dtype=np.int8)
    abs_diff = np.full(n, np.nan)
    rel_diff = np.full(n, np.nan)
    off_missing = _missing_mask(off_vals)
    on_missing = _missing_mask(on_vals)
    fam_off = _family(off_vals)
    fam_on = _family(on_vals)
    one_missing = off_missing ^ on_missing
    present = ~off_missing & ~on_missing
    off_tag = _scalar_tag_of_dtype(off_vals.dtype) if fam_off in _NUMERIC else None
    if isinstance(on_vals, pd.Series):
        on_tags = [_scalar_tag_of_dtype(on_vals.dtype)]
    else:
        on_tags = _list_tags(list(_subset(on_vals, present))) if strict else []
    numeric_fast = (
        fam_off in _NUMERIC
        and fam_on in _NUMERIC | {"empty"}
        and (not strict or (off_tag is not None and on_tags in ([off_tag], [])))
    ) or (fam_off == "empty" and fam_on in _NUMERIC | {"empty"})
    string_fast = fam_off in ("string", "empty") and fam_on in ("string", "empty")
    if numeric_fast or string_fast:
        status[one_missing] = MISSING
        if numeric_fast:
            a = _as_float(off_vals, off_missing)
            b = _as_float(on_vals, on_missing)
            with np.errstate(invalid="ignore", over="ignore"):
                eq = a == b
                diff = np.abs(a - b)
                scale = np.maximum(np.abs(a), np.abs(b))
                close = eq | (np.isfinite(diff) & (diff <= np.maximum(atol, rtol * scale)))
                diff = np.where(eq, 0.0, diff)
                rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)
                rel = np.where(np.isinf(diff), np.inf, rel)
            abs_diff[present] = diff[present]
            rel_diff[present] = rel[present]
            status[present & ~close] = VALUE
        else:
            ao, bo = _as_object(off_vals), _as_object(on_vals)
            pos = np.flatnonzero(present)
            eq_arr = np.fromiter((ao[i] == bo[i] for i in pos), dtype=bool, count=pos.size)
            status[pos[~eq_arr]] = VALUE
        return status, abs_diff, rel_diff

    # the per-value path: mixed types, datetimes, lists, other objects
    ao, bo = _as_object(off_vals), _as_object(on_vals)
    for i in range(n):
        code, d, r, _ = compare_values(ao[i], bo[i], rtol=rtol, atol=atol, strict=strict)
        status[i] = code
        abs_diff[i] = d
        rel_diff[i] = r
    return status, abs_diff, rel_diff


def _subset(values: pd.Series | list[Any], mask: NDArray[np.bool_]) -> pd.Series | list[Any]:
    if isinstance(values, pd.Series):
        return values[mask]
    return [v for v, m in zip(values, mask, strict=True) if m]


def _online_tag(online: OnlineColumn) -> str:
    values = online.values
    if isinstance(values, pd.Series):
        return _series_tag(values)
    tags = _list_tags(values)
    return "|".join(tags) if tags else "NoneType"
