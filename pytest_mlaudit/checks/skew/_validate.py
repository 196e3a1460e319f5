"""Input validation of :func:`~pytest_mlaudit.checks.skew.check_skew`, apart from the maths.

:func:`validate` turns the call's arguments into :class:`Inputs` (or raises
:class:`~pytest_mlaudit.errors.MlauditInputError` naming the argument or column, what it
got and what to do); :func:`feature_kind` says how a feature is compared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from pytest_mlaudit._validation import check_float, check_fraction, check_int
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import as_frame, column_kind

__all__ = ["Inputs", "feature_kind", "validate"]


@dataclasses.dataclass(frozen=True, slots=True)
class Inputs:
    """The validated arguments of one skew check."""

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


def validate(
    training_features: Any,
    serving_features: Any,
    *,
    features: Sequence[str] | None,
    id_column: str | Sequence[str] | None,
    categorical: Sequence[str],
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
    ids = [id_column] if isinstance(id_column, str) else list(id_column or [])
    for side, frame in (("training_features", train), ("serving_features", serve)):
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
    train_cols = [str(c) for c in train.columns]
    serve_cols = {str(c) for c in serve.columns}
    if features is None:
        names = [c for c in train_cols if c not in ids]
        absent = [c for c in names if c not in serve_cols]
        if absent:
            raise MlauditInputError(
                f"feature(s) {absent!r} of training_features are missing from "
                "serving_features; log them in serving, or choose the features with features=."
            )
    else:
        names = [features] if isinstance(features, str) else [str(f) for f in features]
        for side, cols in (
            ("training_features", set(train_cols)),
            ("serving_features", serve_cols),
        ):
            absent = [c for c in names if c not in cols]
            if absent:
                raise MlauditInputError(
                    f"features names {absent!r}, not found in {side}; it has {sorted(cols)[:20]!r}."
                )
    if not names:
        raise MlauditInputError("there are no features to compare besides the id column(s).")
    forced = frozenset(categorical)
    unknown_cat = sorted(forced - set(names))
    if unknown_cat:
        raise MlauditInputError(f"categorical names {unknown_cat!r}, which are not compared.")
    return Inputs(train, serve, ids, names, forced, linf, js, rate, rtol, atol, n_bins)


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
