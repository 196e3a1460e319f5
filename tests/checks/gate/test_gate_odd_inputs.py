"""Property: odd labels, predictions and frames give a report or MlauditInputError, never
another exception (hypothesis drives check_gate with generated arrays and DataFrames)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from pytest_mlaudit.checks.gate import GateReport, check_gate
from pytest_mlaudit.errors import MlauditInputError

ELEMENTS = st.one_of(
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from(["a", "b", "1", "", None, True, False, 1.0, 0.5, -0.1, 2.5]),
)
ARRAYS = st.integers(0, 12).flatmap(
    lambda n: st.lists(ELEMENTS, min_size=n, max_size=n).map(lambda v: np.array(v, dtype=object))
)
DTYPES = st.sampled_from([None, "int64", "float64", "str", "bool", "object"])


def _cast(values: np.ndarray, dtype: str | None) -> Any:
    if dtype is None:
        return values.tolist()
    try:
        return values.astype(dtype)
    except (TypeError, ValueError, OverflowError):
        return values


@settings(max_examples=300, deadline=None, derandomize=True)
@given(ARRAYS, DTYPES, ARRAYS, DTYPES, st.sampled_from([None, "roc_auc", "log_loss", "rmse"]))
def test_predictions_and_labels_of_any_dtype(
    y: np.ndarray, y_dtype: str | None, pred: np.ndarray, p_dtype: str | None, metric: str | None
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            report = check_gate(
                _cast(pred, p_dtype),
                _cast(pred, p_dtype),
                None,
                _cast(y, y_dtype),
                metrics=metric,
                n_boot=100,
            )
        except MlauditInputError:
            return
    assert isinstance(report, GateReport) and isinstance(report.passed, bool)


class Fitted:
    """A model fitted on the frame's columns that predicts the first column's sign."""

    def __init__(self, columns: list[str]) -> None:
        self.feature_names_in_ = np.array(columns, dtype=object)

    def predict(self, X: Any) -> np.ndarray:
        first = np.asarray(X.iloc[:, 0] if hasattr(X, "iloc") else np.asarray(X)[:, 0])
        return (
            (pd.to_numeric(pd.Series(first), errors="coerce").fillna(0) > 0).astype(int).to_numpy()
        )


FRAMES = data_frames(
    [
        column("a", elements=st.floats(-5, 5)),
        column("b", elements=st.sampled_from(["x", "y", None])),
        column("c", elements=st.integers(-2, 2)),
    ],
)


@settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(
    FRAMES,
    st.sampled_from(["frame", "numpy", "list", "fewer"]),
    st.sampled_from([["a", "b", "c"], ["a", "c"]]),
)
def test_frames_arrays_and_lists_for_a_model_with_feature_names(
    frame: pd.DataFrame, form: str, fitted_on: list[str]
) -> None:
    X: Any = {
        "frame": frame[fitted_on],
        "numpy": frame[fitted_on].to_numpy(),
        "list": frame[fitted_on].to_numpy().tolist(),
        "fewer": frame[["a"]].to_numpy(),
    }[form]
    y = (np.arange(len(frame)) % 2).astype(int)
    model = Fitted(fitted_on)
    try:
        report = check_gate(model, model, X, y, n_boot=100, classes=[0, 1])
    except MlauditInputError as exc:
        assert form == "fewer" or len(frame) < 2, exc
        return
    assert form != "fewer"
    assert report.passed  # the same model on both sides
