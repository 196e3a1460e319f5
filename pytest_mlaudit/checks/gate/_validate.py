"""Input validation of the deployment gate, apart from the maths.

Turns the user's ``candidate``/``baseline`` (fitted estimators or precomputed
predictions), ``y`` and options into the arrays the metrics need, and says what is wrong
(naming the argument and what was received) when it cannot. Imports numpy; pandas only
inside functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from pytest_mlaudit._validation import check_float
from pytest_mlaudit.checks.gate.metrics import MetricSpec, Needs, Outputs, Target, Task
from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "align_features",
    "build_target",
    "describe_model",
    "infer_task",
    "is_estimator",
    "is_path",
    "model_outputs",
    "n_rows",
    "per_metric",
]


def is_path(obj: Any) -> bool:
    return isinstance(obj, str | os.PathLike)


def is_estimator(obj: Any) -> bool:
    """A fitted model: anything with a callable ``predict`` or ``predict_proba``."""
    return callable(getattr(obj, "predict", None)) or callable(getattr(obj, "predict_proba", None))


def describe_model(obj: Any, *, path: str | None = None) -> str:
    """A short description for the report: the file, the class, or "predictions"."""
    if path is not None:
        return f"{type(obj).__name__} from {path}" if obj is not None else path
    if obj is None:
        return "none"
    if is_estimator(obj):
        text = repr(obj)
        text = " ".join(text.split())
        return text if len(text) <= 120 else text[:117] + "..."
    shape = getattr(obj, "shape", None)
    return f"precomputed predictions {tuple(shape) if shape is not None else ''}".strip()


def _few(names: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(map(repr, names[:limit]))
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def align_features(model: Any, X: Any, role: str, notes: list[str], *, argument: str = "X") -> Any:
    """``X`` in the form ``model`` was fitted on.

    A model fitted on a DataFrame knows its columns (``feature_names_in_``); given a
    numpy array (or a list of rows) it would predict with a scikit-learn warning per call,
    reading the columns by position. An array with as many columns is converted to a
    DataFrame with those names (in that order), and a note says so; one with another
    shape is refused. Anything else is returned as given.

    Examples
    --------
    >>> class Fitted:
    ...     feature_names_in_ = np.array(["age", "income"])
    ...     def predict(self, X): return np.zeros(len(X))
    >>> notes = []
    >>> align_features(Fitted(), np.ones((2, 2)), "candidate", notes).columns.tolist()
    ['age', 'income']
    >>> notes[0][:64]
    'X was given as ndarray of shape (2, 2), and the candidate was fi'
    """
    names = getattr(model, "feature_names_in_", None) if is_estimator(model) else None
    if names is None or X is None or hasattr(X, "columns"):
        return X
    columns = [str(c) for c in np.asarray(names).tolist()]
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError):
        arr = np.asarray(X, dtype=object)
    if arr.ndim != 2 or arr.shape[1] != len(columns):
        raise MlauditInputError(
            f"{argument} was given as {type(X).__name__} of shape {arr.shape}, but the {role} was "
            f"fitted on a DataFrame with {len(columns)} columns ({_few(columns)}); pass "
            f"{argument} as a DataFrame with those columns."
        )
    import pandas as pd

    note = (
        f"{argument} was given as {type(X).__name__} of shape {arr.shape}, and the {role} was "
        f"fitted on a DataFrame: its columns were taken as the {role}'s feature_names_in_ "
        f"({_few(columns)}), in that order; pass a DataFrame to name them yourself"
    )
    if note not in notes:
        notes.append(note)
    return pd.DataFrame(arr, columns=columns).infer_objects()


def per_metric(
    name: str,
    value: Any,
    specs: Sequence[MetricSpec],
    *,
    scalar_applies_to: Literal["all", "first"],
    non_negative: bool = False,
) -> dict[str, float]:
    """``min_delta``/``floor`` as {metric: value}. A scalar applies to every metric
    (``"all"``) or to the first, primary one (``"first"``)."""
    names = [s.name for s in specs]
    if value is None:
        return {}
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - set(names))
        if unknown:
            raise MlauditInputError(
                f"{name} names {', '.join(map(repr, unknown))}, which is not among the gate's "
                f"metrics {names}; add it to metrics=... or remove it from {name}."
            )
        items = {str(k): v for k, v in value.items() if v is not None}
    else:
        items = {n: value for n in (names if scalar_applies_to == "all" else names[:1])}
    out: dict[str, float] = {}
    for metric, v in items.items():
        x = check_float(
            f"{name}[{metric!r}]" if isinstance(value, Mapping) else name,
            v,
            hint=f"{name} must be a number in the metric's units, or {{metric: number}}.",
        )
        if non_negative and x < 0:
            raise MlauditInputError(
                f"{name} is a tolerance in the metric's units and must be >= 0; got {v!r} "
                f"for {metric!r}. (The direction comes from the metric: a candidate worse by "
                "more than min_delta fails.)"
            )
        out[metric] = x
    return out


def n_rows(X: Any, name: str = "X") -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    try:
        return len(X)
    except TypeError:
        raise MlauditInputError(
            f"{name} must be an array-like of rows (DataFrame, ndarray, list); got "
            f"{type(X).__name__}."
        ) from None


def _as_array(value: Any, name: str) -> np.ndarray:
    arr = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value)
    if arr.ndim == 0:
        raise MlauditInputError(f"{name} must be an array of rows; got a scalar {value!r}.")
    return arr


def _is_regressor(model: Any) -> bool | None:
    kind = getattr(model, "_estimator_type", None)
    if kind is None:
        tags = getattr(model, "__sklearn_tags__", None)
        if callable(tags):
            try:
                kind = tags().estimator_type
            except Exception:  # not a scikit-learn estimator after all
                kind = None
    if kind == "regressor":
        return True
    if kind == "classifier" or callable(getattr(model, "predict_proba", None)):
        return False
    return None


def infer_task(task: Any, y: np.ndarray, models: Sequence[Any]) -> Task:
    """``task`` as given, else from the estimators' type, else from ``y``'s values."""
    if task is not None:
        if task not in ("classification", "regression"):
            raise MlauditInputError(
                f"task must be 'classification', 'regression' or None (guess); got {task!r}."
            )
        t: Task = task
        return t
    for model in models:
        if is_estimator(model):
            regressor = _is_regressor(model)
            if regressor is not None:
                return "regression" if regressor else "classification"
    if y.dtype.kind == "f":
        finite = y[np.isfinite(y)]
        if finite.size and not np.all(finite == np.round(finite)):
            return "regression"
    return "classification"


def _plain(label: Any) -> Any:
    item = getattr(label, "item", None)
    return item() if callable(item) else label


def build_target(
    y: Any,
    *,
    task: Task,
    classes: Any,
    pos_label: Any,
    models: Sequence[Any],
) -> Target:
    arr = _as_array(y, "y")
    if arr.ndim != 1:
        raise MlauditInputError(
            f"y must be one-dimensional (one label per row); got shape {arr.shape}."
        )
    if arr.size < 2:
        raise MlauditInputError(f"y must have at least 2 rows to compare models; got {arr.size}.")
    if task == "regression":
        try:
            values = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise MlauditInputError(
                f"y must be numeric for a regression gate; got dtype {arr.dtype}."
            ) from None
        if not np.all(np.isfinite(values)):
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise MlauditInputError(
                f"y has non-finite values (first at row {bad}: {values[bad]!r}); "
                "drop or impute them."
            )
        return Target("regression", values, (), None, arr)
    import pandas as pd

    if pd.isna(arr).any():
        bad = int(np.flatnonzero(pd.isna(arr))[0])
        raise MlauditInputError(f"y has a missing label at row {bad}; drop the row or label it.")
    if classes is None:
        labels = {_plain(v) for v in pd.unique(arr)}
        for model in models:
            known = getattr(model, "classes_", None) if is_estimator(model) else None
            if known is not None:
                labels |= {_plain(v) for v in np.asarray(known)}
        try:
            ordered = tuple(sorted(labels))
        except TypeError:
            raise MlauditInputError(
                f"the class labels {sorted(map(repr, labels))} cannot be sorted; "
                "pass classes=[...] "
                "in the order of your probability columns."
            ) from None
    else:
        ordered = tuple(_plain(v) for v in classes)
        if len(set(ordered)) != len(ordered) or len(ordered) < 1:
            raise MlauditInputError(f"classes must list distinct labels; got {classes!r}.")
    codes = pd.Index(ordered).get_indexer(arr)
    if (codes < 0).any():
        bad = int(np.flatnonzero(codes < 0)[0])
        raise MlauditInputError(
            f"y has label {_plain(arr[bad])!r} (row {bad}) that is not in "
            f"classes={list(ordered)!r}."
        )
    pos: int | None = None
    if len(ordered) == 2:
        if pos_label is None:
            pos = 1
        elif pos_label in ordered:
            pos = ordered.index(pos_label)
        else:
            raise MlauditInputError(
                f"pos_label={pos_label!r} is not one of the classes {list(ordered)!r}."
            )
    elif pos_label is not None:
        raise MlauditInputError(
            f"pos_label is for binary tasks; this one has {len(ordered)} classes {list(ordered)!r}."
        )
    return Target("classification", codes.astype(np.int64), ordered, pos, arr)


def _call(model: Any, method: str, X: Any, role: str) -> np.ndarray:
    fn = getattr(model, method)
    out = fn(X)
    arr = np.asarray(out.to_numpy() if hasattr(out, "to_numpy") else out)
    n = n_rows(X)
    if arr.ndim == 0 or arr.shape[0] != n:
        raise MlauditInputError(
            f"{role}.{method}(X) returned shape {arr.shape}; expected {n} rows (one per row of X)."
        )
    return arr


def _codes(raw: np.ndarray, target: Target, role: str, how: str) -> np.ndarray:
    import pandas as pd

    codes: np.ndarray = pd.Index(target.classes).get_indexer(raw)
    if (codes < 0).any():
        bad = int(np.flatnonzero(codes < 0)[0])
        raise MlauditInputError(
            f"{role} {how} label {_plain(raw[bad])!r} (row {bad}), which is not among the classes "
            f"{list(target.classes)!r}; pass classes=[...] listing every label."
        )
    return codes.astype(np.int64)


def _check_proba(P: np.ndarray, role: str, k: int) -> np.ndarray:
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != k:
        raise MlauditInputError(
            f"{role} probabilities must have shape (n_rows, {k}) (one column per class); "
            f"got {P.shape}."
        )
    if not np.all(np.isfinite(P)) or P.min() < 0 or P.max() > 1:
        raise MlauditInputError(f"{role} probabilities must be finite and within [0, 1].")
    return P


def _align_proba(P: np.ndarray, model: Any, target: Target, role: str) -> np.ndarray:
    k = len(target.classes)
    known = getattr(model, "classes_", None)
    if known is None:
        return _check_proba(P, role, k)
    known_codes = _codes(np.asarray(known), target, role, "knows class")
    P = _check_proba(P, role, len(known_codes))
    out = np.zeros((P.shape[0], k))
    out[:, known_codes] = P
    return out


def model_outputs(
    model: Any, X: Any, target: Target, needs: set[Needs], role: str, n: int
) -> Outputs:
    """Call ``model`` (or read precomputed predictions) for what ``needs`` asks."""
    out = Outputs()
    if is_estimator(model):
        if X is None:
            raise MlauditInputError(
                f"{role} is a model, so X (the test rows) is required; got None."
            )
        if target.task == "regression":
            raw = _call(model, "predict", X, role)
            out.labels = _regression_values(raw, role)
            out.labels_original = raw
            return out
        wants_proba = bool(needs & {"proba", "score"})
        has_proba = callable(getattr(model, "predict_proba", None))
        if wants_proba or (not callable(getattr(model, "predict", None))):
            if has_proba:
                out.proba = _align_proba(
                    _call(model, "predict_proba", X, role), model, target, role
                )
            elif "proba" in needs or not callable(getattr(model, "predict", None)):
                raise MlauditInputError(
                    f"{role} has no predict_proba, but a metric needs probabilities "
                    "(log_loss, brier, a GateMetric with response='predict_proba'); use "
                    "label metrics such as accuracy or f1, or a probabilistic model."
                )
        if "score" in needs:
            if out.proba is not None and target.pos is not None:
                out.score = out.proba[:, target.pos]
            elif target.pos is not None and callable(getattr(model, "decision_function", None)):
                score = np.asarray(_call(model, "decision_function", X, role), dtype=np.float64)
                if score.ndim != 1:
                    raise MlauditInputError(
                        f"{role}.decision_function(X) returned shape {score.shape}; expected 1-D."
                    )
                if target.pos == 0:
                    score = -score
                out.score = score
            elif out.proba is None:
                raise MlauditInputError(
                    f"{role} has neither predict_proba nor decision_function; roc_auc needs scores."
                )
        if "labels" in needs:
            if callable(getattr(model, "predict", None)):
                raw = _call(model, "predict", X, role)
                out.labels_original = raw
                out.labels = _codes(raw, target, role, "predicted")
            else:
                assert out.proba is not None
                out.labels = np.argmax(out.proba, axis=1)
                out.labels_original = np.asarray(list(target.classes))[out.labels]
        return out
    # precomputed predictions
    arr = _as_array(model, role)
    if arr.shape[0] != n:
        raise MlauditInputError(
            f"{role} predictions have {arr.shape[0]} rows but y has {n}; they must be for "
            "the same rows."
        )
    if target.task == "regression":
        if arr.ndim != 1:
            raise MlauditInputError(
                f"{role} predictions must be 1-D for regression; got shape {arr.shape}."
            )
        out.labels = _regression_values(arr, role)
        out.labels_original = arr
        return out
    k = len(target.classes)
    if arr.ndim == 2:
        out.proba = _check_proba(arr, role, k)
        out.labels = np.argmax(out.proba, axis=1)
        out.labels_original = np.asarray(list(target.classes))[out.labels]
    elif arr.ndim == 1:
        import pandas as pd

        as_labels = pd.Index(target.classes).get_indexer(arr)
        if (as_labels >= 0).all():
            out.labels = as_labels.astype(np.int64)
            out.labels_original = arr
        elif k == 2 and arr.dtype.kind == "f":
            p = arr.astype(np.float64)
            if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
                raise MlauditInputError(
                    f"{role}: 1-D predictions that are not class labels "
                    f"{list(target.classes)!r} are read as the probability of the positive "
                    f"class {target.classes[target.pos or 0]!r} and must be within [0, 1]."
                )
            assert target.pos is not None
            P = np.empty((n, 2))
            P[:, target.pos] = p
            P[:, 1 - target.pos] = 1.0 - p
            out.proba = P
            out.labels = np.where(p >= 0.5, target.pos, 1 - target.pos).astype(np.int64)
            out.labels_original = np.asarray(list(target.classes))[out.labels]
        else:
            bad = int(np.flatnonzero(as_labels < 0)[0])
            raise MlauditInputError(
                f"{role} predictions contain {_plain(arr[bad])!r} (row {bad}), which is not among "
                f"the classes {list(target.classes)!r}; give predicted labels, probabilities "
                "(n_rows x n_classes) or the fitted model."
            )
    else:
        raise MlauditInputError(f"{role} predictions must be 1-D or 2-D; got shape {arr.shape}.")
    if out.proba is not None and target.pos is not None:
        out.score = out.proba[:, target.pos]
    if needs & {"proba", "score"} and out.proba is None:
        raise MlauditInputError(
            f"{role} was given as predicted labels, but a metric needs probabilities (roc_auc, "
            "log_loss, brier); pass predict_proba output of shape (n_rows, n_classes) or the "
            "fitted model."
        )
    return out


def _regression_values(raw: np.ndarray, role: str) -> np.ndarray:
    try:
        values = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise MlauditInputError(f"{role} predictions must be numbers for regression.") from None
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise MlauditInputError(
            f"{role} predictions must be 1-D for regression; got {values.shape}."
        )
    if not np.all(np.isfinite(values)):
        raise MlauditInputError(f"{role} predicted non-finite values (NaN or inf).")
    return values
