"""Input validation of the impact check, apart from the maths."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import as_frame, column_names

__all__ = ["feature_names", "matched_labels"]


def feature_names(reference: Any, current: Any) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """The model's input columns (names as reports show them) and both sides as frames."""
    for name, data in (("reference", reference), ("current", current)):
        if not isinstance(data, pd.DataFrame) and np.ndim(data) != 2:
            raise MlauditInputError(
                f"{name} must be the model's input rows (a DataFrame or a 2-D array); got "
                f"{type(data).__name__}."
            )
        if len(data) < 2:
            raise MlauditInputError(f"{name} needs at least 2 rows; got {len(data)}.")
    if isinstance(reference, pd.DataFrame) != isinstance(current, pd.DataFrame):
        raise MlauditInputError(
            "reference and current must both be DataFrames or both arrays (the model "
            "reads them the same way)."
        )
    ref, cur = as_frame(reference, name="reference"), as_frame(current, name="current")
    names = column_names(ref, name="reference")
    missing = [n for n in names if n not in set(column_names(cur, name="current"))]
    if missing:
        raise MlauditInputError(
            f"current lacks the reference's column(s) {', '.join(map(repr, missing[:5]))}; "
            "pass the same input columns on both sides."
        )
    return names, ref, cur


def matched_labels(y: Any, n: int) -> NDArray[Any]:
    """``y`` as a 1-D array of ``n`` labels."""
    arr = y.to_numpy() if isinstance(y, pd.Series | pd.DataFrame) else np.asarray(y)
    arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1 or arr.shape[0] != n:
        raise MlauditInputError(
            f"y_reference must hold one label per reference row ({n}); got shape {arr.shape}."
        )
    return arr
