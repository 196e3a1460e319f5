"""Input validation of :func:`~pytest_mlaudit.checks.skew.check_skew`, apart from the maths.

:func:`validate` turns the call's arguments into :class:`Inputs` (or raises
:class:`~pytest_mlaudit.errors.MlauditInputError` naming the argument or column, what it
got and what to do):

* **Column names of any hashable type** (``0``, ``("a", 1)``, ``None``, an int ``1``
  beside a string ``"1"``) are kept apart and never dropped: each column gets one
  display name, the string itself for a string and ``repr()`` otherwise, with the type
  added (``"1 (int)"``) to a non-string that would read like another column's name. Both frames are
  relabelled with the display names; ``features=``, ``id_column=`` and ``categorical=``
  take the original labels or the display names.
* **Numbers in object columns** (CSV readers, JSON payloads, numpy object arrays) are
  compared as numbers, not as text categories: a column whose present values are all
  real numbers becomes ``float64``, and :attr:`Inputs.inferred` says so.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from pytest_mlaudit._validation import check_float, check_fraction, check_int
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import as_frame, column_kind

__all__ = ["Inputs", "category_labels", "display_names", "feature_kind", "validate"]

_SIDES = ("training_features", "serving_features")


@dataclasses.dataclass(frozen=True, slots=True)
class Inputs:
    """The validated arguments of one skew check; columns named by their display names."""

    train: pd.DataFrame
    serve: pd.DataFrame
    ids: list[str]  #: the id column(s) to join on (empty: no join)
    names: list[str]  #: the features to compare, in training order
    categorical: frozenset[str]  #: features compared as categories whatever their dtype
    linf_threshold: float
    js_threshold: float
    max_mismatch_rate: float
    rtol: float
    atol: float
    bins: int
    #: display name -> what was inferred about the feature (e.g. numbers in an object column)
    inferred: dict[str, str]
    notes: tuple[str, ...]  #: how odd column names are shown


def validate(
    training_features: Any,
    serving_features: Any,
    *,
    features: Any,
    id_column: Any,
    categorical: Any,
    distribution: bool,
    linf_threshold: Any,
    js_threshold: Any,
    bins: Any,
    max_mismatch_rate: Any,
    rtol: Any,
    atol: Any,
) -> Inputs:
    """Every argument of :func:`check_skew` checked, in the order of its signature."""
    train = as_frame(training_features, name="training_features")
    serve = as_frame(serving_features, name="serving_features")
    linf = check_float("linf_threshold", linf_threshold, low=0.0, high=1.0)
    js = check_float("js_threshold", js_threshold, low=0.0, high=1.0)
    rate = check_fraction("max_mismatch_rate", max_mismatch_rate)
    rtol = check_float("rtol", rtol, low=0.0)
    atol = check_float("atol", atol, low=0.0)
    n_bins = check_int("bins", bins, minimum=2)

    shown, notes = display_names([*_labels(train), *_labels(serve)])
    train = train.set_axis([shown[_key(c)] for c in _labels(train)], axis=1)
    serve = serve.set_axis([shown[_key(c)] for c in _labels(serve)], axis=1)
    train_cols = [str(c) for c in train.columns]
    serve_cols = {str(c) for c in serve.columns}
    lookup = _Lookup(shown, set(train_cols) | serve_cols)

    ids = lookup.many("id_column", id_column)
    for side, frame in zip(_SIDES, (train, serve), strict=True):
        missing_ids = [c for c in ids if c not in frame.columns]
        if missing_ids:
            raise MlauditInputError(
                f"id_column {missing_ids!r} not found in {side}; it has "
                f"{[str(c) for c in frame.columns][:20]!r}."
            )
    if not distribution and not ids:
        raise MlauditInputError(
            "nothing to compare: distribution=False and no id_column; enable one of them."
        )
    if features is None:
        names = [c for c in train_cols if c not in ids]
        absent = [c for c in names if c not in serve_cols]
        if absent:
            raise MlauditInputError(
                f"feature(s) {absent!r} of training_features are missing from "
                "serving_features; log them in serving, or choose the features with features=."
            )
    else:
        names = lookup.many("features", features)
        for side, cols in zip(_SIDES, (set(train_cols), serve_cols), strict=True):
            absent = [c for c in names if c not in cols]
            if absent:
                raise MlauditInputError(
                    f"features names {absent!r}, not found in {side}; it has {sorted(cols)[:20]!r}."
                )
    if not names:
        raise MlauditInputError("there are no features to compare besides the id column(s).")
    forced = frozenset(lookup.many("categorical", categorical, strict=False))
    unknown_cat = sorted(forced - set(names))
    if unknown_cat:
        raise MlauditInputError(f"categorical names {unknown_cat!r}, which are not compared.")

    inferred: dict[str, str] = {}
    train, serve = train.copy(deep=False), serve.copy(deep=False)
    for name in dict.fromkeys([*names, *ids]):
        for side, frame in zip(_SIDES, (train, serve), strict=True):
            numeric = _numbers_in_objects(frame[name])
            if numeric is not None:
                frame[name] = numeric
                how = "as categories (categorical=)" if name in forced else "as numbers"
                said = f"{inferred[name]}; " if name in inferred else ""
                inferred[name] = f"{said}numbers in an object column of {side}: compared {how}"
    return Inputs(
        train,
        serve,
        ids,
        names,
        forced,
        linf,
        js,
        rate,
        rtol,
        atol,
        n_bins,
        inferred,
        tuple(notes),
    )


# --------------------------------------------------------------------------- column names


def _labels(frame: pd.DataFrame) -> list[Hashable]:
    return [c for c in frame.columns.tolist()]  # pandas types every label as str


def _plain(label: Any) -> Any:
    """numpy scalars (also inside tuples) as Python values, for display and matching."""
    if isinstance(label, np.generic):
        return label.item()
    if isinstance(label, tuple):
        return tuple(_plain(x) for x in label)
    return label


def _key(label: Any) -> tuple[str, str]:
    """A key that tells ``1`` from ``"1"`` (and from ``1.0`` and ``True``) apart."""
    value = _plain(label)
    return (type(value).__name__, repr(value))


def display_names(labels: Sequence[Hashable]) -> tuple[dict[tuple[str, str], str], list[str]]:
    """One display name per distinct label: a string as it is, any other label by its repr.

    A non-string label that reads like another column's name (an int ``1`` beside a
    string ``"1"``) gets its type added, ``"1 (int)"``, as the drift check names it.
    ``labels`` are those of both frames, so a label has one name on both sides. Returns
    the names by label key and a note on the non-string names.
    """
    plain: dict[tuple[str, str], Any] = {}
    for label in labels:
        plain.setdefault(_key(label), _plain(label))
    shown = {key: v if isinstance(v, str) else repr(v) for key, v in plain.items()}
    counts = Counter(shown.values())
    for key, name in shown.items():
        if counts[name] > 1 and key[0] != "str":
            shown[key] = f"{name} ({key[0]})"
    clash = sorted(n for n, k in Counter(shown.values()).items() if k > 1)
    if clash:
        raise MlauditInputError(
            f"the column names cannot be told apart when shown: {clash[:5]!r}; rename the "
            "columns (e.g. frame.columns = [str(c) for c in frame.columns]) first."
        )
    odd = [name for key, name in shown.items() if key[0] != "str"]
    notes: list[str] = []
    if odd:
        more = f", +{len(odd) - 10} more" if len(odd) > 10 else ""
        notes.append(
            f"columns named by a non-string are shown by repr: {', '.join(odd[:10])}{more}"
        )
    return shown, notes


class _Lookup:
    """Resolves names the user gives (original labels or display names) to display names."""

    __slots__ = ("_display", "_shown")

    def __init__(self, shown: dict[tuple[str, str], str], display: set[str]) -> None:
        self._shown = shown
        self._display = display

    def one(self, what: str, name: Any) -> str:
        try:
            key = _key(name)
            hash(name)
        except TypeError:
            raise MlauditInputError(
                f"{what} must name columns; got {name!r} ({type(name).__name__}), which is "
                "not hashable."
            ) from None
        if key in self._shown:
            return self._shown[key]
        if isinstance(name, str) and name in self._display:
            return name
        return name if isinstance(name, str) else repr(_plain(name))

    def many(self, what: str, names: Any, *, strict: bool = True) -> list[str]:
        """A single label (a string, a number, a tuple that is a column) or a sequence."""
        if names is None:
            return []
        if isinstance(names, str | numbers.Number) or (
            isinstance(names, tuple) and _key(names) in self._shown
        ):
            return [self.one(what, names)]
        if isinstance(names, pd.Index | pd.Series | np.ndarray):
            names = names.tolist()
        if not isinstance(names, Sequence | set | frozenset):
            if strict or not isinstance(names, Hashable):
                raise MlauditInputError(
                    f"{what} must be a column name or a list of them; got "
                    f"{type(names).__name__}: {names!r}."
                )
            return [self.one(what, names)]
        return list(dict.fromkeys(self.one(what, n) for n in names))


# --------------------------------------------------------------------------- values


#: What ``pandas.api.types.infer_dtype`` says of an object column holding numbers only.
_NUMBER_OBJECTS: Final = frozenset({"integer", "floating", "mixed-integer-float", "decimal"})


def _numbers_in_objects(series: pd.Series) -> pd.Series | None:
    """``series`` as float64 when it is an object column of numbers (ints, floats,
    Decimals, numpy numbers; booleans are not numbers here), else None."""
    if series.dtype != object:
        return None
    if pd.api.types.infer_dtype(series, skipna=True) not in _NUMBER_OBJECTS:
        return None
    return pd.to_numeric(series, errors="coerce").astype("float64")


def category_labels(series: pd.Series, *, name: str, side: str) -> pd.Series:
    """Values of a categorical feature as the labels their categories are counted by.

    Integer-valued numbers read the same whatever their type (``1``, ``1.0`` and
    ``np.int64(1)`` are one category); unhashable values (lists, dicts) are refused.
    """
    if pd.api.types.is_bool_dtype(series.dtype) or isinstance(series.dtype, pd.CategoricalDtype):
        return series
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "string":
        return series
    if pd.api.types.is_numeric_dtype(series.dtype) or series.dtype == object:
        try:
            return series.map(_category_label, na_action="ignore")
        except TypeError:
            raise MlauditInputError(
                f"feature {name!r} of {side} holds unhashable values (lists or dicts) that "
                "cannot be counted as categories; flatten them into columns of their own or "
                "leave the feature out with features=."
            ) from None
    return series


def _category_label(v: Any) -> Any:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, numbers.Real):
        x = float(v)
        return str(int(x)) if x.is_integer() and abs(x) < 2**63 else repr(x)
    hash(v)
    return v


def feature_kind(series: pd.Series, *, name: str, side: str, categorical: frozenset[str]) -> str:
    """``"numeric"`` or ``"categorical"``; datetimes are refused (convert them first)."""
    if name in categorical:
        return "categorical"
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise MlauditInputError(
            f"feature {name!r} of {side} holds {dtype} values; convert it to a number (e.g. "
            "seconds since an epoch) or leave it out with features=."
        )
    return column_kind(series, column=name, side=side)
