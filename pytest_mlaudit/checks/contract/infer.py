"""Drafting a contract from the reference data.

An inferred contract is a **draft to review**: it states what the reference looked like,
widened by tolerances, and a batch checked against a contract inferred from itself proves
nothing. The tolerances:

* numeric ranges widen by ``margin`` of the observed range on each side (and never below
  0 for a column that never was negative); integer bounds round outward. The default, half
  the range, is wide because sample extremes are unstable: on the example's heavy-tailed
  incomes, clean 5,000-row batches broke a 10% margin in 5 of 40 seeds and a 25% margin in
  1 of 40; at 50%, none did, while unit errors (x100), sign flips and sentinels
  (-1, 999999) still break it;
* a string column with at most ``max_categories`` distinct values gets an ``allowed`` list
  (all observed values); a wider one is free text (no list);
* the null-rate ceiling is the observed share plus ``null_margin``;
* ``keys`` are marked unique and get no range (new ids lie past the old ones); a column is
  never guessed to be a key;
* row bounds are not inferred (a daily batch is not the size of a training set): pass
  ``rows=(min, max)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pytest_mlaudit._validation import check_float, check_fraction, check_int
from pytest_mlaudit.checks.contract.spec import ColumnContract, Contract, TypeFamily
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.files import is_path, read_table
from pytest_mlaudit.io.frames import as_frame, column_label

__all__ = ["family_of", "infer_contract"]


def family_of(series: pd.Series) -> TypeFamily | None:
    """The type family of a column, from its dtype (object columns from their values)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        values = series.dropna().to_numpy(dtype=float)
        if values.size and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
            # pandas turns an int column with a missing value into floats
            return "int" if series.isna().any() else "float"
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype):
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred in ("string", "empty", "categorical"):
            return "string"
        if inferred in ("integer",):
            return "int"
        if inferred in ("floating", "mixed-integer-float", "decimal"):
            return "float"
        if inferred == "boolean":
            return "bool"
        if inferred in ("datetime", "datetime64", "date"):
            return "datetime"
        return "string" if inferred == "mixed" else None
    return None


def _widen(low: float, high: float, margin: float, family: str) -> tuple[float, float]:
    span = high - low
    pad = margin * span if span > 0 else margin * max(abs(low), 1.0)
    lo, hi = low - pad, high + pad
    if low >= 0:
        lo = max(lo, 0.0)
    if family == "int":
        lo, hi = math.floor(lo), math.ceil(hi)
    return float(lo), float(hi)


def infer_contract(
    reference: Any,
    *,
    name: str = "reference",
    columns: Sequence[str] | None = None,
    keys: Sequence[str] = (),
    margin: float = 0.5,
    max_categories: int = 50,
    null_margin: float = 0.02,
    rows: tuple[int | None, int | None] | None = None,
    extra_columns: str = "allow",
) -> Contract:
    """Draft a contract from ``reference`` (a DataFrame); review it before you rely on it.

    Parameters
    ----------
    reference
        The data the model was trained on (a pandas DataFrame, or what ``check_drift``
        takes).
    name
        The contract's name.
    columns
        The columns to cover (default: all).
    keys
        Columns whose values must be unique (ids).
    margin
        How far ranges widen, as a share of the observed range on each side.
    max_categories
        String columns with at most this many distinct values get an ``allowed`` list.
    null_margin
        Added to each column's observed share of missing values to give its ceiling.
    rows
        ``(min, max)`` rows a batch must have (either may be None).
    extra_columns
        ``"allow"`` or ``"refuse"`` columns the contract does not list.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"age": [25, 40, 61], "region": ["north", "south", "north"]})
    >>> contract = infer_contract(ref, name="applicants")
    >>> age = contract.column("age")
    >>> age.type, age.min, age.max, age.max_null_rate
    ('int', 7.0, 79.0, 0.02)
    >>> contract.column("region").allowed
    ('north', 'south')
    """
    if is_path(reference):
        reference = read_table(reference, name="reference", columns=columns)
    frame = (
        reference if isinstance(reference, pd.DataFrame) else as_frame(reference, name="reference")
    )
    margin = check_float("margin", margin, low=0.0)
    max_categories = check_int("max_categories", max_categories, minimum=0)
    null_margin = check_fraction("null_margin", null_margin)
    if extra_columns not in ("allow", "refuse"):
        raise MlauditInputError(
            f"extra_columns must be 'allow' or 'refuse'; got extra_columns={extra_columns!r}."
        )
    labels = {column_label(c): c for c in frame.columns}
    chosen = list(labels) if columns is None else [str(c) for c in columns]
    missing = [c for c in [*chosen, *keys] if c not in labels]
    if missing:
        raise MlauditInputError(
            f"infer_contract: {missing!r} not in the reference; it has {sorted(labels)[:20]!r}."
        )
    if frame.empty:
        raise MlauditInputError("infer_contract: the reference has no rows to infer from.")
    out = []
    for label in chosen:
        series = frame[labels[label]]
        family = family_of(series)
        if family is None:
            raise MlauditInputError(
                f"infer_contract: column {label!r} holds values of no supported type "
                f"(dtype {series.dtype}); leave it out with columns=[...]."
            )
        null_rate = float(series.isna().mean())
        low = high = None
        allowed = None
        values = series.dropna()
        if family in ("int", "float") and len(values) and label not in keys:
            numbers = pd.to_numeric(values).to_numpy(dtype=float)
            low, high = _widen(float(numbers.min()), float(numbers.max()), margin, family)
        if family == "string":
            distinct = sorted({str(v) for v in values})
            if len(distinct) <= max_categories:
                allowed = tuple(distinct)
        out.append(
            ColumnContract(
                name=label,
                type=family,
                min=low,
                max=high,
                allowed=allowed,
                max_null_rate=round(min(1.0, null_rate + null_margin), 6),
                unique=label in keys,
            )
        )
    lo, hi = rows or (None, None)
    n = len(frame)
    note = (
        f"Inferred from {n} reference rows with margin={margin:g}, max_categories="
        f"{max_categories}, null_margin={null_margin:g}.\nA draft: tighten or loosen each "
        "rule on purpose; a contract inferred from the data it checks proves nothing."
    )
    return Contract(
        name=name,
        columns=tuple(out),
        min_rows=None if lo is None else check_int("rows[0]", lo, minimum=0),
        max_rows=None if hi is None else check_int("rows[1]", hi, minimum=0),
        extra_columns=extra_columns,  # type: ignore[arg-type]
        note=note,
    )
