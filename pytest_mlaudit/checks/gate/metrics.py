"""The metrics of the deployment gate, each evaluated on many bootstrap resamples at once.

Every metric is a function ``evaluate(W, target, outputs) -> (b,) array`` of a ``(b, n)``
matrix of row weights ``W`` (bootstrap counts; a row of ones is the data as given). The
built-in metrics are weighted sums over rows, so a whole chunk of resamples is one
matrix product; a user's callable (:class:`GateMetric`) is called once per resample on
the rows the counts select.

Direction is explicit: :attr:`MetricSpec.greater_is_better`.

Imports numpy only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Final, Literal, TypeAlias

import numpy as np

from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "BUILTIN",
    "LOG_LOSS_EPS",
    "GateMetric",
    "MetricSpec",
    "Outputs",
    "Target",
    "resolve_metrics",
]

Task: TypeAlias = Literal["classification", "regression"]
Needs: TypeAlias = Literal["labels", "proba", "score", "values"]
Response: TypeAlias = Literal["predict", "predict_proba"]

#: Probabilities are clipped to ``[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]`` in the log loss: the
#: float64 machine epsilon, as ``sklearn.metrics.log_loss`` does (scikit-learn >= 1.5;
#: before, 1e-15). A true-class probability of 0 then costs ``-log(2.2e-16) = 36.04``.
LOG_LOSS_EPS: Final = float(np.finfo(np.float64).eps)


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """The labels of the test rows, as the metrics need them."""

    task: Task
    values: np.ndarray  #: regression: float targets; classification: class codes 0..k-1
    classes: tuple[Any, ...]  #: the class labels, in code order (empty for regression)
    pos: int | None  #: the code of the positive class (binary classification only)
    original: np.ndarray  #: y as given, for user callables

    @property
    def n(self) -> int:
        return int(self.values.shape[0])


@dataclasses.dataclass(slots=True)
class Outputs:
    """What one model produced on the test rows (only what the metrics asked for)."""

    labels: np.ndarray | None = None  #: class codes (classification) or values (regression)
    labels_original: np.ndarray | None = None  #: ``predict`` output as given, for callables
    proba: np.ndarray | None = None  #: (n, k) probabilities, columns in class-code order
    score: np.ndarray | None = None  #: binary: the positive class's probability or score


@dataclasses.dataclass(frozen=True, slots=True)
class GateMetric:
    """A metric of your own for :func:`~pytest_mlaudit.check_gate`.

    Parameters
    ----------
    name
        How the metric is named in the report (must not clash with a built-in name).
    fn
        ``fn(y_true, y_pred) -> float``, called on numpy arrays: ``y_pred`` is the output
        of ``predict`` (``response="predict"``) or the ``(n, k)`` probabilities in the
        order of the report's ``classes`` (``response="predict_proba"``).
    greater_is_better
        The metric's direction: ``True`` for scores (recall), ``False`` for losses (cost).
    response
        What ``fn`` receives as ``y_pred``.

    Examples
    --------
    >>> from sklearn.metrics import recall_score
    >>> recall = GateMetric("recall", recall_score, greater_is_better=True)
    >>> recall.name, recall.greater_is_better
    ('recall', True)
    """

    name: str
    fn: Callable[[Any, Any], float]
    greater_is_better: bool
    response: Response = "predict"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise MlauditInputError(
                f"GateMetric name must be an identifier such as 'recall'; got {self.name!r}."
            )
        if self.name in BUILTIN:
            raise MlauditInputError(
                f"GateMetric name {self.name!r} is a built-in metric; choose another name."
            )
        if not callable(self.fn):
            raise MlauditInputError(
                f"GateMetric {self.name!r}: fn must be callable as fn(y_true, y_pred); "
                f"got {type(self.fn).__name__}."
            )
        if not isinstance(self.greater_is_better, bool):
            raise MlauditInputError(
                f"GateMetric {self.name!r}: greater_is_better must be True or False; "
                f"got {self.greater_is_better!r}."
            )
        if self.response not in ("predict", "predict_proba"):
            raise MlauditInputError(
                f"GateMetric {self.name!r}: response must be 'predict' or 'predict_proba'; "
                f"got {self.response!r}."
            )


Evaluator: TypeAlias = Callable[[np.ndarray, Target, Outputs], np.ndarray]


@dataclasses.dataclass(frozen=True, slots=True)
class MetricSpec:
    """A metric the gate evaluates: its name, direction, inputs and evaluator."""

    name: str
    greater_is_better: bool
    tasks: tuple[Task, ...]
    needs: Needs
    evaluate: Evaluator
    description: str
    custom: bool = False


# --------------------------------------------------------------------------- built-ins


def _mean(W: np.ndarray, per_row: np.ndarray) -> np.ndarray:
    out: np.ndarray = (W @ per_row.astype(np.float64)) / W.sum(axis=1)
    return out


def _accuracy(W: np.ndarray, t: Target, o: Outputs) -> np.ndarray:
    assert o.labels is not None
    return _mean(W, o.labels == t.values)


def _f1(W: np.ndarray, t: Target, o: Outputs) -> np.ndarray:
    assert o.labels is not None
    if t.pos is not None:
        codes = [t.pos]
    else:
        codes = list(range(len(t.classes)))
    scores = np.zeros((W.shape[0], len(codes)))
    present = np.zeros((W.shape[0], len(codes)), dtype=bool)
    for j, c in enumerate(codes):
        actual = t.values == c
        predicted = o.labels == c
        tp = W @ (actual & predicted).astype(np.float64)
        fp = W @ (~actual & predicted).astype(np.float64)
        fn = W @ (actual & ~predicted).astype(np.float64)
        denom = 2 * tp + fp + fn
        with np.errstate(invalid="ignore", divide="ignore"):
            scores[:, j] = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)
        present[:, j] = (tp + fp + fn) > 0
    if t.pos is not None:
        return scores[:, 0]
    # macro average over the classes present in y or the predictions (as scikit-learn)
    n_present = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = np.where(
            n_present > 0, (scores * present).sum(axis=1) / n_present, np.nan
        )
    return out


#: Up to this many rows the AUC's running sums are exact in float32 (integers <= 2**24).
_F32_ROWS: Final = 8_000_000


def weighted_auc(W: np.ndarray, score: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """ROC AUC of ``score`` for the weighted rows: ties count one half (Mann-Whitney).

    ``W`` is ``(b, n)`` integer-valued weights (bootstrap counts); returns ``(b,)``, NaN
    where a resample lacks a class. The running sums are integers, so they are exact in
    float32 (half the memory traffic) up to :data:`_F32_ROWS` rows.
    """
    order = np.argsort(score, kind="stable")
    s = score[order]
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])  # last row of each group of ties
    dtype = np.float32 if s.size <= _F32_ROWS else np.float64
    Ws: np.ndarray = W.astype(dtype)[:, order]
    wp: np.ndarray = Ws * positive[order]
    cp: np.ndarray = np.cumsum(wp, axis=1, dtype=dtype)  # positive weight up to each row
    cn: np.ndarray = np.cumsum(np.subtract(Ws, wp, out=wp), axis=1, dtype=dtype)  # negatives
    if ends.size < s.size:  # ties: keep the group ends only
        cp, cn = cp[:, ends], cn[:, ends]
    gp: np.ndarray = np.diff(cp, axis=1, prepend=dtype(0))  # positive weight in each group
    both: np.ndarray = cn.copy()
    both[:, 1:] += cn[:, :-1]  # negatives up to the group + strictly below it
    num: np.ndarray = np.einsum("ij,ij->i", gp, both, dtype=np.float64) / 2.0
    den: np.ndarray = cp[:, -1].astype(np.float64) * cn[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


def _roc_auc(W: np.ndarray, t: Target, o: Outputs) -> np.ndarray:
    if t.pos is not None:
        assert o.score is not None
        return weighted_auc(W, o.score, t.values == t.pos)
    assert o.proba is not None
    # one-vs-rest, macro average (scikit-learn's multi_class="ovr", average="macro")
    present = np.unique(t.values)  # classes with rows in y (scikit-learn requires all)
    per_class = [weighted_auc(W, o.proba[:, j], t.values == j) for j in present]
    out: np.ndarray = np.mean(per_class, axis=0)
    return out


def _log_loss(W: np.ndarray, t: Target, o: Outputs) -> np.ndarray:
    assert o.proba is not None
    p_true = o.proba[np.arange(t.n), t.values]
    return _mean(W, -np.log(np.clip(p_true, LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS)))


def _brier(W: np.ndarray, t: Target, o: Outputs) -> np.ndarray:
    assert o.proba is not None
    onehot = np.zeros_like(o.proba)
    onehot[np.arange(t.n), t.values] = 1.0
    per_row = ((o.proba - onehot) ** 2).sum(axis=1)
    if t.pos is not None:  # binary: scikit-learn's brier_score_loss on the positive class
        per_row = per_row / 2.0
    return _mean(W, per_row)


def _mae(W: np.ndarray, t: Target, o: Outputs) -> np.ndarray:
    assert o.labels is not None
    return _mean(W, np.abs(t.values - o.labels))


def _rmse(W: np.ndarray, t: Target, o: Outputs) -> np.ndarray:
    assert o.labels is not None
    out: np.ndarray = np.sqrt(_mean(W, (t.values - o.labels) ** 2))
    return out


def _r2(W: np.ndarray, t: Target, o: Outputs) -> np.ndarray:
    assert o.labels is not None
    y = t.values - t.values.mean()  # centred: a stable sum of squares
    w = W.sum(axis=1)
    sse = W @ (t.values - o.labels) ** 2
    yy = W @ (y**2)
    sst = yy - (W @ y) ** 2 / w
    ok = sst > 1e-12 * yy
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = np.where(ok, 1.0 - sse / np.where(ok, sst, 1.0), np.nan)
    return out


_C: Final[tuple[Task, ...]] = ("classification",)
_R: Final[tuple[Task, ...]] = ("regression",)

#: The built-in metrics by name.
BUILTIN: Final[dict[str, MetricSpec]] = {
    "accuracy": MetricSpec(
        "accuracy", True, _C, "labels", _accuracy, "share of rows predicted right"
    ),
    "roc_auc": MetricSpec(
        "roc_auc",
        True,
        _C,
        "score",
        _roc_auc,
        "ROC AUC (binary), or one-vs-rest macro AUC (multiclass)",
    ),
    "log_loss": MetricSpec(
        "log_loss", False, _C, "proba", _log_loss, "mean negative log-likelihood of the true class"
    ),
    "f1": MetricSpec(
        "f1", True, _C, "labels", _f1, "F1 of the positive class (binary) or macro F1 (multiclass)"
    ),
    "brier": MetricSpec(
        "brier", False, _C, "proba", _brier, "Brier score (mean squared error of the probabilities)"
    ),
    "mae": MetricSpec("mae", False, _R, "values", _mae, "mean absolute error"),
    "rmse": MetricSpec("rmse", False, _R, "values", _rmse, "root mean squared error"),
    "r2": MetricSpec("r2", True, _R, "values", _r2, "coefficient of determination"),
}
_ALIASES: Final = {"auc": "roc_auc", "logloss": "log_loss", "brier_score": "brier"}


def _custom(metric: GateMetric, task: Task) -> MetricSpec:
    def evaluate(W: np.ndarray, t: Target, o: Outputs) -> np.ndarray:
        pred = o.labels_original if metric.response == "predict" else o.proba
        assert pred is not None
        rows = np.arange(t.n)
        out = np.empty(W.shape[0])
        for i, counts in enumerate(W):
            idx = np.repeat(rows, counts.astype(np.int64))
            try:
                value = metric.fn(t.original[idx], pred[idx])
            except Exception as exc:  # the user's function: say which one failed and how
                raise MlauditInputError(
                    f"metric {metric.name!r} raised {type(exc).__name__}: {exc}"
                ) from exc
            out[i] = float(value)
        return out

    needs: Needs = (
        "proba"
        if metric.response == "predict_proba"
        else ("labels" if task == "classification" else "values")
    )
    return MetricSpec(
        metric.name,
        metric.greater_is_better,
        (task,),
        needs,
        evaluate,
        f"user metric {getattr(metric.fn, '__name__', metric.name)}",
        custom=True,
    )


def default_metrics(task: Task) -> tuple[str, ...]:
    """The metrics used when ``metrics=None``: one primary metric per task."""
    return ("accuracy",) if task == "classification" else ("rmse",)


def resolve_metrics(metrics: Any, task: Task) -> tuple[MetricSpec, ...]:
    """Validate ``metrics`` (names and :class:`GateMetric` objects) for ``task``."""
    if metrics is None:
        metrics = default_metrics(task)
    if isinstance(metrics, str | GateMetric):
        metrics = (metrics,)
    try:
        items = list(metrics)
    except TypeError:
        raise MlauditInputError(
            f"metrics must be a metric name, a GateMetric, or a list of them; got "
            f"{type(metrics).__name__}."
        ) from None
    if not items:
        raise MlauditInputError("metrics is empty; name at least one metric, e.g. ['accuracy'].")
    specs: list[MetricSpec] = []
    for item in items:
        if isinstance(item, GateMetric):
            spec = _custom(item, task)
        elif isinstance(item, str):
            name = _ALIASES.get(item, item)
            if name not in BUILTIN:
                raise MlauditInputError(
                    f"unknown metric {item!r}; built-in metrics: {', '.join(BUILTIN)} (or pass "
                    "GateMetric(name, fn, greater_is_better=...) for one of your own)."
                )
            spec = BUILTIN[name]
            if task not in spec.tasks:
                fits = [m for m, s in BUILTIN.items() if task in s.tasks]
                raise MlauditInputError(
                    f"metric {item!r} is for {spec.tasks[0]}, but this is a {task} task; "
                    f"{task} metrics: {', '.join(fits)} (or pass task=... if the task was "
                    "guessed wrong)."
                )
        elif callable(item):
            raise MlauditInputError(
                f"metric {getattr(item, '__name__', item)!r} is a bare callable: its direction "
                "is unknown. Wrap it: GateMetric('name', fn, greater_is_better=True)."
            )
        else:
            raise MlauditInputError(
                f"metrics items must be names or GateMetric objects; got {item!r}."
            )
        if any(s.name == spec.name for s in specs):
            raise MlauditInputError(f"metric {spec.name!r} is listed twice in metrics.")
        specs.append(spec)
    return tuple(specs)
