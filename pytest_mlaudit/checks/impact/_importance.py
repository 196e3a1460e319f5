"""What the model uses: its score on rows, and each column's importance to it.

Importance, in order of preference:

* ``"permutation"`` (labels given): the drop of ROC AUC (binary classifiers) or the rise
  of the mean squared error (other models) when one column of the reference is shuffled,
  averaged over ``n_repeats`` seeded shuffles;
* ``"model"`` (no labels): the model's own ``feature_importances_`` or ``|coef_|``, when
  they have one entry per column (not, e.g., a pipeline that one-hot encodes);
* ``"score_permutation"`` (neither): the mean absolute change of the model's score when a
  column is shuffled (what the model *reacts* to, without labels).

Importances are reported as shares that sum to 1 (negative ones count as 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["IMPORTANCE_METHODS", "importances", "model_scores"]

#: The importance methods, ``"auto"`` picking the first that applies.
IMPORTANCE_METHODS: Final = ("auto", "permutation", "model", "score_permutation")

F64 = NDArray[np.float64]


def model_scores(model: Any, X: Any, name: str) -> tuple[F64, str]:
    """One number per row: the positive class's probability, the top class's probability
    (multiclass), or the prediction (regressors); and what it is, in words."""
    try:
        proba = getattr(model, "predict_proba", None)
        if callable(proba):
            out = np.asarray(proba(X), dtype=float)
            if out.ndim == 2 and out.shape[1] == 2:
                return out[:, 1], "probability of the positive class"
            if out.ndim == 2:
                return out.max(axis=1), "probability of the predicted class"
            return out.reshape(-1), "probability"
        predict = getattr(model, "predict", None)
        if not callable(predict):
            raise MlauditInputError(
                f"model must have predict_proba or predict; got {type(model).__name__}."
            )
        return np.asarray(predict(X), dtype=float).reshape(-1), "prediction"
    except MlauditInputError:
        raise
    except Exception as exc:
        raise MlauditInputError(
            f"the model could not score {name}: {type(exc).__name__}: {exc}. Pass {name} with "
            "the columns the model was trained on."
        ) from exc


def _permuted(X: Any, j: int, perm: NDArray[np.intp]) -> Any:
    if isinstance(X, pd.DataFrame):
        out = X.copy()
        out.iloc[:, j] = X.iloc[:, j].to_numpy()[perm]
        return out
    arr = np.array(X, copy=True)
    arr[:, j] = arr[perm, j]
    return arr


def _loss(model: Any, X: Any, y: F64 | None, binary: bool) -> float:
    """A loss to permute (higher is worse): 1 - AUC, MSE; without labels, the score."""
    s, _ = model_scores(model, X, "reference")
    if y is None:
        raise AssertionError("labels needed")
    if binary:
        from sklearn.metrics import roc_auc_score

        return 1.0 - float(roc_auc_score(y, s))
    return float(np.mean((s - y) ** 2))


def _own(model: Any, n_columns: int) -> F64 | None:
    for attr in ("feature_importances_", "coef_"):
        value = getattr(model, attr, None)
        if value is None:
            continue
        arr: F64 = np.abs(np.asarray(value, dtype=np.float64))
        if arr.ndim == 2:
            arr = arr.mean(axis=0)
        if arr.shape == (n_columns,):
            return arr
    return None


def importances(
    model: Any,
    X: Any,
    names: Sequence[str],
    y: Any,
    *,
    method: str,
    n_repeats: int,
    seed: int,
) -> tuple[dict[str, float], str]:
    """Importance share per column name, and the method used."""
    n_columns = len(names)
    raw: F64 | None = None
    binary = False
    y_arr: F64 | None = None
    if y is not None:
        labels = np.asarray(y).reshape(-1)
        classes = getattr(model, "classes_", None)
        binary = classes is not None and len(classes) == 2
        if binary:
            assert classes is not None
            y_arr = (labels == classes[1]).astype(float)
        else:
            y_arr = labels.astype(float)
    if method == "auto":
        method = "permutation" if y is not None else "model"
        if method == "model" and _own(model, n_columns) is None:
            method = "score_permutation"
    if method == "permutation" and y_arr is None:
        raise MlauditInputError(
            "importance='permutation' needs y_reference (the reference's labels)."
        )
    if method == "model":
        raw = _own(model, n_columns)
        if raw is None:
            raise MlauditInputError(
                f"importance='model': {type(model).__name__} has no feature_importances_ or "
                f"coef_ with one entry per column ({n_columns}); use importance="
                "'score_permutation' or give y_reference for permutation importance."
            )
    else:
        rng = np.random.default_rng(seed)
        n = len(X)
        base_scores = None if method == "permutation" else model_scores(model, X, "reference")[0]
        base = _loss(model, X, y_arr, binary) if method == "permutation" else 0.0
        values = np.zeros(n_columns)
        for j in range(n_columns):
            for _ in range(n_repeats):
                shuffled = _permuted(X, j, rng.permutation(n))
                if method == "permutation":
                    values[j] += _loss(model, shuffled, y_arr, binary) - base
                else:
                    s, _ = model_scores(model, shuffled, "reference")
                    assert base_scores is not None
                    values[j] += float(np.mean(np.abs(s - base_scores)))
        raw = values / n_repeats
    clipped = np.clip(raw, 0.0, None)
    total = float(clipped.sum())
    shares = clipped / total if total > 0 else np.full(n_columns, 1.0 / n_columns)
    return {name: float(v) for name, v in zip(names, shares, strict=True)}, method
