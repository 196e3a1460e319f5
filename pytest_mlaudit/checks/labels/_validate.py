"""Input validation for :func:`pytest_mlaudit.checks.labels.check_labels`.

Kept apart from the maths: everything here turns what the user passed into plain numpy
arrays (integer class codes, the class values, row ids) or raises
:class:`~pytest_mlaudit.errors.MlauditInputError` naming the argument, what was received
and what to do. Nothing here imports scikit-learn or cleanlab.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeAlias

import numpy as np
import pandas as pd

from pytest_mlaudit._validation import check_fraction
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import column_names

__all__ = [
    "FILTER_BY",
    "RANK_BY",
    "RARE_CLASSES",
    "Encoded",
    "Label",
    "encode_labels",
    "feature_values",
    "jsonable_id",
    "jsonable_label",
    "per_class_limits",
    "row_ids",
    "validate_pred_probs",
]

#: A class label or a row id as the report stores it (JSON-friendly).
Label: TypeAlias = int | str

#: cleanlab ``filter.find_label_issues(filter_by=...)`` methods.
FILTER_BY: Final = (
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
    "low_normalized_margin",
    "low_self_confidence",
)
#: cleanlab ``rank.get_label_quality_scores(method=...)`` scores.
RANK_BY: Final = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")
#: What to do with classes that have fewer rows than cross-validation folds.
RARE_CLASSES: Final = ("error", "skip")

#: Rows of ``pred_probs`` must sum to 1 within this absolute tolerance.
ROW_SUM_ATOL: Final = 1e-3


def _shown(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def jsonable_label(value: Any) -> Label:
    """A class value as the report stores it: ints and strings as they are, else ``str()``.

    Integer-valued floats (``1.0``) become ints, numpy scalars become Python ones; bools
    and anything else become their ``str()`` (``"True"``).
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value
    return str(value)


def jsonable_id(value: Any) -> Label:
    """A row id (index label) as the report stores it: ints and strings, else ``str()``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value
    return str(value)


@dataclasses.dataclass(frozen=True, slots=True)
class Encoded:
    """Labels as integer codes ``0..K-1`` plus the class values they stand for."""

    values: np.ndarray  #: the labels as a 1-D array, as the model will see them
    codes: np.ndarray  #: int64 codes into ``classes``
    classes: np.ndarray  #: the class values, sorted (the order of ``predict_proba`` columns)
    labels: tuple[Label, ...]  #: ``classes`` in JSON-friendly form


def _as_1d_labels(y: Any) -> np.ndarray:
    """``y`` as a 1-D numpy array; multi-label and multi-output input is refused."""
    if y is None:
        raise MlauditInputError("y is None; pass the given class labels, one per row.")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise MlauditInputError(
                f"y is a DataFrame with {y.shape[1]} columns ({_shown(list(y.columns))}); "
                "check_labels audits one single-label target. For multi-label or "
                "multi-output targets, audit each column as its own target: "
                "check_labels(X, y[col], ...)."
            )
        y = y.iloc[:, 0]
    arr: np.ndarray[Any, Any]
    if isinstance(y, pd.Series):
        arr = y.to_numpy()
    elif isinstance(y, np.ndarray):
        arr = y
    elif isinstance(y, str | bytes) or not hasattr(y, "__len__"):
        raise MlauditInputError(
            f"y must be a 1-D sequence of class labels (list, numpy array, pandas Series); "
            f"got {type(y).__name__}."
        )
    elif hasattr(y, "toarray"):  # scipy sparse: a label-indicator matrix
        raise MlauditInputError(
            f"y is a sparse matrix of shape {getattr(y, 'shape', '?')}: a multi-label "
            "indicator matrix? check_labels audits one single-label target; audit each "
            "label column as a binary target: check_labels(X, Y[:, j].toarray().ravel(), ...)."
        )
    else:
        items = list(y)
        if any(isinstance(v, list | tuple | set | frozenset | np.ndarray) for v in items):
            raise MlauditInputError(
                "y holds sequences (e.g. [[0, 2], [1]]): multi-label input. check_labels "
                "audits single-label classification; audit each label as a binary target "
                "(1 if the row has it, else 0) or use cleanlab.multilabel_classification."
            )
        arr = np.empty(len(items), dtype=object)
        arr[:] = items
        if len(items) and all(isinstance(v, numbers.Number) for v in items):
            arr = np.asarray(items)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise MlauditInputError(
            f"y has shape {arr.shape}: multi-label or multi-output input. check_labels "
            "audits one single-label target; audit each column as its own (binary) target: "
            "check_labels(X, Y[:, j], ...)."
        )
    if arr.dtype == object and any(
        isinstance(v, list | tuple | set | frozenset | np.ndarray) for v in arr
    ):
        raise MlauditInputError(
            "y holds sequences (e.g. [[0, 2], [1]]): multi-label input. check_labels audits "
            "single-label classification; audit each label as a binary target or use "
            "cleanlab.multilabel_classification."
        )
    return arr


def encode_labels(y: Any, *, classes: Any = None) -> Encoded:
    """Validate single-label class labels and map them to codes ``0..K-1``.

    ``classes`` (optional) names the classes in the order of ``pred_probs`` columns; it
    may hold classes that no row has. Without it the classes are the sorted distinct
    values of ``y``, which is the order of scikit-learn's ``classes_``.
    """
    arr = _as_1d_labels(y)
    n = arr.shape[0]
    if n == 0:
        raise MlauditInputError("y is empty; a label audit needs rows.")
    if arr.dtype.kind in "cmM":
        raise MlauditInputError(
            f"y has dtype {arr.dtype}; class labels must be integers, strings or booleans."
        )
    missing = np.asarray(pd.isna(arr), dtype=bool)
    if missing.any():
        where = np.flatnonzero(missing)
        raise MlauditInputError(
            f"y has {where.size} missing labels (None/NaN) at positions "
            f"{where[:5].tolist()}{'...' if where.size > 5 else ''}; drop those rows or "
            "label them before the audit."
        )
    if arr.dtype.kind == "f" or (arr.dtype == object and _has_fractional(arr)):
        floats = np.asarray(arr, dtype=float)
        if not np.isfinite(floats).all():
            raise MlauditInputError("y holds infinite values; class labels must be finite.")
        fractional = floats != np.round(floats)
        if fractional.any():
            examples = np.unique(floats[fractional])[:3].tolist()
            raise MlauditInputError(
                f"y holds non-integer numbers (e.g. {examples}): a regression target? "
                "check_labels audits class labels of a classification task. If these "
                "numbers are class ids, pass them as ints or strings; for regression, "
                "see cleanlab.regression."
            )
        if arr.dtype.kind == "f":
            arr = floats.astype(np.int64)
    try:
        values, codes = np.unique(arr, return_inverse=True)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in arr})
        raise MlauditInputError(
            f"y mixes label types ({', '.join(kinds)}) that cannot be ordered; use one "
            "type for all labels (e.g. all strings)."
        ) from None
    codes = codes.reshape(-1).astype(np.int64)
    if classes is not None:
        values, codes = _apply_classes(classes, values, codes)
    labels = tuple(jsonable_label(v) for v in values)
    if len(set(labels)) != len(labels):
        raise MlauditInputError(
            f"the classes {_shown(list(values))} are not distinct once shown as text "
            f"({_shown(list(labels))}); use labels that are distinct as strings."
        )
    present = np.unique(codes)
    if present.size < 2:
        raise MlauditInputError(
            f"y has a single class ({labels[int(codes[0])]!r} in all {n} rows); a label audit "
            "needs at least two classes with rows."
        )
    return Encoded(values=arr, codes=codes, classes=values, labels=labels)


def _has_fractional(arr: np.ndarray) -> bool:
    """True when an object array holds only numbers and some are non-integer floats."""
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in arr):
        return False
    return any(isinstance(v, float | np.floating) and not float(v).is_integer() for v in arr)


def _apply_classes(
    classes: Any, values: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Re-code ``codes`` so that they index into the user's ``classes``."""
    if isinstance(classes, str | bytes) or not hasattr(classes, "__len__"):
        raise MlauditInputError(
            f"classes must be a sequence naming the pred_probs columns in order "
            f"(e.g. model.classes_); got {_shown(classes)}."
        )
    given = list(np.asarray(classes, dtype=object).ravel())
    given = [v.item() if isinstance(v, np.generic) else v for v in given]
    try:
        if len(set(given)) != len(given):
            raise MlauditInputError(
                f"classes has duplicates: {_shown(given)}; name each pred_probs column once."
            )
    except TypeError:
        raise MlauditInputError(
            f"classes must hold hashable labels; got {_shown(given)}."
        ) from None
    position = {v: i for i, v in enumerate(given)}
    mapping = np.empty(len(values), dtype=np.int64)
    unknown = []
    for j, v in enumerate(values):
        key = v.item() if isinstance(v, np.generic) else v
        if key not in position:
            unknown.append(key)
        else:
            mapping[j] = position[key]
    if unknown:
        raise MlauditInputError(
            f"y has labels that are not in classes: {_shown(unknown)}; classes="
            f"{_shown(given)}. classes must name every pred_probs column, in order."
        )
    out = np.empty(len(given), dtype=object)
    out[:] = given
    return out, mapping[codes]


def validate_pred_probs(pred_probs: Any, *, n_rows: int, labels: tuple[Label, ...]) -> np.ndarray:
    """``pred_probs`` as a float array of shape (n_rows, K), finite, rows summing to 1."""
    k = len(labels)
    try:
        probs = np.asarray(pred_probs, dtype=float)
    except (TypeError, ValueError):
        raise MlauditInputError(
            f"pred_probs must be a numeric array of shape (n_rows, n_classes); got "
            f"{type(pred_probs).__name__}."
        ) from None
    if probs.ndim == 1:
        raise MlauditInputError(
            f"pred_probs is 1-D (shape {probs.shape}); pass one column per class, "
            f"shape ({n_rows}, {k}). For a binary model that gives P(class 1) only, pass "
            "np.column_stack([1 - p, p])."
        )
    if probs.ndim != 2 or probs.shape[0] != n_rows:
        raise MlauditInputError(
            f"pred_probs must have shape (n_rows, n_classes) = ({n_rows}, {k}); got shape "
            f"{probs.shape}."
        )
    if probs.shape[1] != k:
        raise MlauditInputError(
            f"pred_probs has {probs.shape[1]} columns but there are {k} classes "
            f"{_shown(list(labels))}. If some columns are classes no row has, pass "
            "classes=model.classes_ (the column order)."
        )
    bad = ~np.isfinite(probs)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        raise MlauditInputError(
            f"pred_probs has {int(bad.sum())} NaN or infinite values (first in row {row}); "
            "probabilities must be finite."
        )
    if probs.min() < -1e-6 or probs.max() > 1 + 1e-6:
        raise MlauditInputError(
            f"pred_probs must lie in [0, 1]; got values from {probs.min():.4g} to "
            f"{probs.max():.4g}. Pass probabilities (e.g. softmax of logits), not scores."
        )
    sums = probs.sum(axis=1)
    off = np.abs(sums - 1.0) > ROW_SUM_ATOL
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise MlauditInputError(
            f"pred_probs rows must sum to 1 (within {ROW_SUM_ATOL}); {int(off.sum())} rows "
            f"do not, e.g. row {row} sums to {sums[row]:.6g}. Pass predict_proba output "
            "with one column per class."
        )
    return probs


def n_rows_of(X: Any) -> int:
    """The number of rows of ``X`` (len or shape[0])."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    try:
        return len(X)
    except TypeError:
        raise MlauditInputError(
            f"X must be a table of rows (numpy array, DataFrame, sparse matrix, list); got "
            f"{type(X).__name__}."
        ) from None


def row_ids(X: Any, y: Any, n: int) -> pd.Index | None:
    """The pandas index the rows are known by, or None for plain positions.

    The index of ``y`` if it is pandas, else that of ``X``. Two pandas inputs with
    different indexes are refused: the rows are probably misaligned.
    """
    x_index = X.index if isinstance(X, pd.DataFrame | pd.Series) else None
    y_index = y.index if isinstance(y, pd.DataFrame | pd.Series) else None
    if x_index is not None and y_index is not None and not x_index.equals(y_index):
        raise MlauditInputError(
            "X and y are both pandas objects but their indexes differ (first X ids: "
            f"{_shown(x_index[:3].tolist())}, first y ids: {_shown(y_index[:3].tolist())}); "
            "the rows may be misaligned. Align them (y = y.loc[X.index]) or reset both "
            "indexes."
        )
    index = y_index if y_index is not None else x_index
    if index is not None and len(index) != n:
        raise MlauditInputError(f"the index has {len(index)} entries for {n} rows.")
    return index


def per_class_limits(
    value: Any, classes: np.ndarray, labels: tuple[Label, ...]
) -> tuple[float | None, ...]:
    """One limit (or None) per class from a float or a ``{label: rate}`` mapping."""
    if value is None:
        return (None,) * len(labels)
    if not isinstance(value, Mapping):
        rate = check_fraction("per_class_max_rate", value)
        return (rate,) * len(labels)
    lookup: dict[Any, int] = {}
    for i, (raw, shown) in enumerate(zip(classes, labels, strict=True)):
        lookup[raw.item() if isinstance(raw, np.generic) else raw] = i
        lookup.setdefault(shown, i)
    limits: list[float | None] = [None] * len(labels)
    unknown: list[Any] = []
    for key, rate in value.items():
        k = key.item() if isinstance(key, np.generic) else key
        try:
            found = lookup.get(k)
        except TypeError:
            found = None
        if found is None:
            unknown.append(key)
            continue
        limits[found] = check_fraction(f"per_class_max_rate[{key!r}]", rate)
    if unknown:
        raise MlauditInputError(
            f"per_class_max_rate names classes that are not in y: {_shown(unknown)}; the "
            f"classes are {_shown(list(labels))}."
        )
    return tuple(limits)


def feature_values(X: Any, position: int) -> dict[str, float | int | str | bool | None]:
    """One row of ``X`` as ``{column: value}`` with JSON-friendly values."""
    if isinstance(X, pd.DataFrame):
        names = column_names(X, name="X")  # ints, tuples, None; 1 beside "1" as "1 (int)"
        raw: Sequence[Any] = X.iloc[position].tolist()
    elif isinstance(X, pd.Series):
        names = [str(X.name) if X.name is not None else "x0"]
        raw = [X.iloc[position]]
    else:
        row = X[position]
        if hasattr(row, "toarray"):
            row = row.toarray()
        values = np.asarray(row, dtype=object).ravel()
        names = [f"x{j}" for j in range(values.size)]
        raw = values.tolist()
    return {name: _json_value(v) for name, v in zip(names, raw, strict=True)}


def _json_value(v: Any) -> float | int | str | bool | None:
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)
