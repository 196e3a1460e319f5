"""Input validation of the performance estimate, apart from the maths.

The model must be a classifier with ``predict_proba``. Binary: labels are the model's
classes (positive ``classes_[1]``) or 0/1. Multiclass (more than two columns): labels are
the model's ``classes_`` (or ``0..K-1``) and become *correct or not* for the predicted
class (:func:`correct_labels`): only the top-label accuracy is estimated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["MULTICLASS", "binary_labels", "correct_labels", "model_classes", "probabilities"]

MULTICLASS = (
    "for multiclass models only the top-label accuracy is estimated (metric='accuracy'); "
    "ROC AUC, F1, precision and recall need binary classifiers (estimate one class against "
    "the rest with a binary model, or use mlaudit.gate() once labels arrive)."
)


def _rows(X: Any, name: str) -> int:
    try:
        n = len(X)
    except TypeError:
        raise MlauditInputError(
            f"{name} must be a DataFrame or an array of rows; got {type(X).__name__}."
        ) from None
    if n == 0:
        raise MlauditInputError(f"{name} has no rows; pass at least one row.")
    return int(n)


def probabilities(model: Any, X: Any, name: str) -> NDArray[np.float64]:
    """The model's class probabilities, ``(rows, classes)``; a 1-D output is the positive
    class's probability of a binary model."""
    n = _rows(X, name)
    proba = getattr(model, "predict_proba", None)
    if not callable(proba):
        raise MlauditInputError(
            f"model must have predict_proba (a probabilistic classifier); got "
            f"{type(model).__name__}. Wrap a scoring function in an object with "
            "predict_proba(X) returning an (n, 2) array."
        )
    try:
        out = np.asarray(proba(X), dtype=float)
    except MlauditInputError:
        raise
    except Exception as exc:
        raise MlauditInputError(
            f"model.predict_proba({name}) failed: {type(exc).__name__}: {exc}. Pass {name} "
            "with the columns the model was trained on."
        ) from exc
    if out.ndim == 1:
        out = np.column_stack([1.0 - out, out])
    if out.ndim != 2 or out.shape[0] != n or out.shape[1] < 2:
        raise MlauditInputError(
            f"model.predict_proba({name}) must give one row per row of {name} ({n}) and a "
            f"column per class; got shape {out.shape}."
        )
    if not np.all(np.isfinite(out)) or out.min() < 0 or out.max() > 1:
        raise MlauditInputError(
            f"model.predict_proba({name}) must give probabilities in [0, 1]; got values "
            f"from {np.nanmin(out):.4g} to {np.nanmax(out):.4g} (or NaN)."
        )
    return out


def _label_array(y: Any, name: str, n: int) -> NDArray[Any]:
    values = y.to_numpy() if isinstance(y, pd.Series | pd.DataFrame) else np.asarray(y)
    values = values.reshape(-1) if values.ndim == 2 and 1 in values.shape else values
    if values.ndim != 1 or values.shape[0] != n:
        raise MlauditInputError(
            f"{name} must hold one label per row ({n}); got shape {np.shape(values)}."
        )
    if pd.isna(pd.Series(values)).any():
        raise MlauditInputError(f"{name} has missing labels; drop those rows first.")
    return values


def model_classes(model: Any, k: int) -> NDArray[Any]:
    """The labels of the ``k`` probability columns: ``classes_``, else ``0..k-1``."""
    classes = getattr(model, "classes_", None)
    if classes is None:
        return np.arange(k)
    out = np.asarray(classes)
    if out.shape != (k,):
        raise MlauditInputError(
            f"model.classes_ has {out.size} entries but predict_proba gives {k} columns."
        )
    return out


def correct_labels(
    y: Any, predicted: NDArray[Any], classes: NDArray[Any], name: str
) -> NDArray[np.int64]:
    """Multiclass: 1 where the label is the predicted class, else 0."""
    values = _label_array(y, name, predicted.shape[0])
    known = set(classes.tolist())
    unknown = [v for v in pd.unique(values) if v not in known]
    if unknown:
        raise MlauditInputError(
            f"{name} holds {unknown[0]!r}, not a class of the model "
            f"({', '.join(map(repr, classes.tolist()[:10]))})."
        )
    out: NDArray[np.int64] = (values == predicted).astype(np.int64)
    return out


def binary_labels(model: Any, y: Any, name: str, n: int) -> NDArray[np.int64]:
    """0/1 labels: 1 for the model's positive class (``classes_[1]``, else 1 or True)."""
    values = _label_array(y, name, n)
    classes = getattr(model, "classes_", None)
    seen = sorted({v.item() if hasattr(v, "item") else v for v in values}, key=repr)
    if classes is not None and len(classes) > 2:
        raise MlauditInputError(
            f"model.classes_ has {len(classes)} classes but predict_proba gives 2 columns."
        )
    if len(seen) > 2:
        raise MlauditInputError(
            f"{name} has {len(seen)} classes ({', '.join(map(repr, seen[:5]))}) but the "
            "model gives probabilities of 2; pass the labels the model was trained on."
        )
    if classes is not None and len(classes) == 2:
        positive = classes[1]
        unknown = [v for v in seen if v not in list(classes)]
        if unknown:
            raise MlauditInputError(
                f"{name} holds {unknown[0]!r}, not a class of the model "
                f"({', '.join(map(repr, list(classes)))})."
            )
        out: NDArray[np.int64] = (values == positive).astype(np.int64)
        return out
    if not set(seen) <= {0, 1}:
        raise MlauditInputError(
            f"{name} must be 0/1 (or the model's classes_); got {', '.join(map(repr, seen))}."
        )
    labels: NDArray[np.int64] = values.astype(np.int64)
    return labels
