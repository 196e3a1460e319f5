"""The retrain policy: its rules, read from TOML and validated (no history, no decision).

A TOML table: ``[tool.mlaudit.retrain]`` in ``pyproject.toml``, or a file of its own
(``retrain_policy.toml``, with the keys at the top level). Every key is checked; an
unknown one is an error that lists the known ones.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Final

from pytest_mlaudit._validation import check_bool, check_float, check_int
from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "HISTORY_BACKENDS",
    "POLICY_FILE",
    "DriftRule",
    "HistorySettings",
    "ImpactRule",
    "MetricRule",
    "MlflowMetricRule",
    "PerformanceRule",
    "PsiRule",
    "RetrainPolicy",
    "history_settings",
    "load_policy",
]

#: Direction of the gate's built-in metrics, for ``max_drop``.
_HIGHER_IS_BETTER: Final = {
    "accuracy": True,
    "roc_auc": True,
    "f1": True,
    "r2": True,
    "log_loss": False,
    "brier": False,
    "mae": False,
    "rmse": False,
    "issue_rate": False,
    "drifted_share": False,
}
POLICY_FILE: Final = "retrain_policy.toml"
#: where the audit history can be read from (the policy's ``[history] backend``)
HISTORY_BACKENDS: Final = ("sqlite", "mlflow")


def _keys(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise MlauditInputError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; known: {', '.join(allowed)}."
        )


def _int(table: Mapping[str, Any], key: str, default: int, where: str, minimum: int = 1) -> int:
    return check_int(f"{where}.{key}", table.get(key, default), minimum=minimum)


def _float(table: Mapping[str, Any], key: str, where: str) -> float | None:
    value = table.get(key)
    return None if value is None else check_float(f"{where}.{key}", value)


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, ())
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise MlauditInputError(f"{where}.{key} must be a list of strings; got {value!r}.")
    return tuple(value)


@dataclasses.dataclass(frozen=True, slots=True)
class DriftRule:
    """Retrain when a drift check failed in each of the last ``runs`` runs."""

    runs: int = 3  #: how many consecutive runs (that ran a drift check) must fail
    tests: tuple[str, ...] = ()  #: node-id substrings; empty: every drift check

    KEYS: ClassVar[tuple[str, ...]] = ("runs", "tests")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "drift") -> DriftRule:
        _keys(table, cls.KEYS, where)
        return cls(runs=_int(table, "runs", 3, where), tests=_strings(table, "tests", where))


@dataclasses.dataclass(frozen=True, slots=True)
class PsiRule:
    """Retrain when the PSI of an important feature exceeds ``threshold`` in each of the
    last ``runs`` runs (the drift checks must compute ``psi`` for those columns)."""

    features: tuple[str, ...]  #: the important features
    threshold: float = 0.2  #: PSI above this counts
    runs: int = 1
    tests: tuple[str, ...] = ()

    KEYS: ClassVar[tuple[str, ...]] = ("features", "threshold", "runs", "tests")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "psi") -> PsiRule:
        _keys(table, cls.KEYS, where)
        features = _strings(table, "features", where)
        if not features:
            raise MlauditInputError(f"{where}.features must name at least one feature.")
        threshold = _float(table, "threshold", where)
        if threshold is not None and threshold <= 0:
            raise MlauditInputError(f"{where}.threshold must be > 0; got {threshold!r}.")
        return cls(
            features=features,
            threshold=0.2 if threshold is None else threshold,
            runs=_int(table, "runs", 1, where),
            tests=_strings(table, "tests", where),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class MetricRule:
    """Retrain when a recorded performance metric is below a floor (above a ceiling) in
    each of the last ``runs`` runs, or worse by more than ``max_drop`` than at the last
    promotion.

    ``metric`` names a gate metric (the candidate's value, e.g. a production-performance
    gate with ``baseline=None``); ``figure`` names any key figure of a check instead
    (e.g. ``issue_rate`` of ``labels``).
    """

    metric: str | None = None
    figure: str | None = None
    check: str | None = None  #: only this check (default "gate" for ``metric``)
    tests: tuple[str, ...] = ()
    min: float | None = None  #: fire when the value is below this
    max: float | None = None  #: fire when the value is above this
    max_drop: float | None = None  #: fire when worse than at the last promotion by more
    higher_is_better: bool | None = None  #: direction for ``max_drop`` (known for built-ins)
    runs: int = 1

    KEYS: ClassVar[tuple[str, ...]] = (
        "metric",
        "figure",
        "check",
        "tests",
        "min",
        "max",
        "max_drop",
        "higher_is_better",
        "runs",
    )

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "metric") -> MetricRule:
        _keys(table, cls.KEYS, where)
        metric, figure = table.get("metric"), table.get("figure")
        if (metric is None) == (figure is None):
            raise MlauditInputError(
                f"{where}: give exactly one of metric = 'accuracy' (a gate metric) or "
                "figure = 'issue_rate' (a check's key figure)."
            )
        for key, value in (("metric", metric), ("figure", figure), ("check", table.get("check"))):
            if value is not None and not isinstance(value, str):
                raise MlauditInputError(f"{where}.{key} must be a string; got {value!r}.")
        name = str(metric or figure)
        hib = table.get("higher_is_better")
        if hib is not None:
            hib = check_bool(f"{where}.higher_is_better", hib, hint="Use true or false in TOML.")
        rule = cls(
            metric=metric,
            figure=figure,
            check=table.get("check", "gate" if metric is not None else None),
            tests=_strings(table, "tests", where),
            min=_float(table, "min", where),
            max=_float(table, "max", where),
            max_drop=_float(table, "max_drop", where),
            higher_is_better=hib if hib is not None else _HIGHER_IS_BETTER.get(name),
            runs=_int(table, "runs", 1, where),
        )
        if rule.min is None and rule.max is None and rule.max_drop is None:
            raise MlauditInputError(f"{where} ({name}): set min, max or max_drop.")
        if rule.max_drop is not None:
            if rule.max_drop < 0:
                raise MlauditInputError(f"{where}.max_drop must be >= 0; got {rule.max_drop!r}.")
            if rule.higher_is_better is None:
                raise MlauditInputError(
                    f"{where} ({name}): max_drop needs the direction; add higher_is_better = "
                    "true (a score) or false (a loss)."
                )
        return rule

    @property
    def label(self) -> str:
        return f"metric:{self.metric or self.figure}"


@dataclasses.dataclass(frozen=True, slots=True)
class PerformanceRule:
    """Retrain when the performance *estimated without labels* (a ``performance`` check)
    is below ``min``, or below the reference's realised value by more than ``max_drop``,
    in each of the last ``runs`` runs."""

    metric: str = "roc_auc"  #: accuracy, roc_auc, f1, precision or recall
    min: float | None = None
    max_drop: float | None = None
    runs: int = 1
    tests: tuple[str, ...] = ()

    KEYS: ClassVar[tuple[str, ...]] = ("metric", "min", "max_drop", "runs", "tests")
    METRICS: ClassVar[tuple[str, ...]] = ("accuracy", "roc_auc", "f1", "precision", "recall")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "performance") -> PerformanceRule:
        _keys(table, cls.KEYS, where)
        metric = table.get("metric", "roc_auc")
        if metric not in cls.METRICS:
            raise MlauditInputError(
                f"{where}.metric must be one of {', '.join(cls.METRICS)}; got {metric!r}."
            )
        rule = cls(
            metric=metric,
            min=_float(table, "min", where),
            max_drop=_float(table, "max_drop", where),
            runs=_int(table, "runs", 1, where),
            tests=_strings(table, "tests", where),
        )
        if rule.min is None and rule.max_drop is None:
            raise MlauditInputError(f"{where} ({metric}): set min, max_drop or both.")
        if rule.max_drop is not None and rule.max_drop < 0:
            raise MlauditInputError(f"{where}.max_drop must be >= 0; got {rule.max_drop!r}.")
        return rule


@dataclasses.dataclass(frozen=True, slots=True)
class ImpactRule:
    """Retrain when the drift reaches the model (an ``impact`` check) in each of the last
    ``runs`` runs: the score's PSI above ``prediction_psi``, or the drifted important
    columns holding more than ``drifted_importance`` of the model's importance."""

    prediction_psi: float | None = None
    drifted_importance: float | None = None
    runs: int = 1
    tests: tuple[str, ...] = ()

    KEYS: ClassVar[tuple[str, ...]] = ("prediction_psi", "drifted_importance", "runs", "tests")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "impact") -> ImpactRule:
        _keys(table, cls.KEYS, where)
        rule = cls(
            prediction_psi=_float(table, "prediction_psi", where),
            drifted_importance=_float(table, "drifted_importance", where),
            runs=_int(table, "runs", 1, where),
            tests=_strings(table, "tests", where),
        )
        if rule.prediction_psi is None and rule.drifted_importance is None:
            raise MlauditInputError(f"{where}: set prediction_psi, drifted_importance or both.")
        for key in ("prediction_psi", "drifted_importance"):
            value = getattr(rule, key)
            if value is not None and value < 0:
                raise MlauditInputError(f"{where}.{key} must be >= 0; got {value!r}.")
        return rule


def _string(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise MlauditInputError(f"{where}.{key} must be a non-empty string; got {value!r}.")
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class MlflowMetricRule:
    """Retrain when a metric another job logs to MLflow (a production accuracy) is below
    ``min`` (above ``max``) in each of the last ``runs`` runs of ``experiment`` that
    logged it since the last retrain (each run's latest value)."""

    experiment: str  #: the MLflow experiment the other job logs to
    metric: str  #: the metric's key there
    min: float | None = None
    max: float | None = None
    runs: int = 1
    filter: str = ""  #: an MLflow search filter, e.g. "tags.model = 'credit-risk'"
    tracking_uri: str | None = None  #: default: the history's, else MLflow's

    KEYS: ClassVar[tuple[str, ...]] = (
        "experiment",
        "metric",
        "min",
        "max",
        "runs",
        "filter",
        "tracking_uri",
    )

    @classmethod
    def from_mapping(
        cls, table: Mapping[str, Any], where: str = "mlflow_metric"
    ) -> MlflowMetricRule:
        _keys(table, cls.KEYS, where)
        experiment, metric = _string(table, "experiment", where), _string(table, "metric", where)
        if experiment is None or metric is None:
            raise MlauditInputError(
                f"{where}: name the MLflow experiment and its metric, e.g. experiment = "
                "'credit-risk-production' and metric = 'accuracy'."
            )
        rule = cls(
            experiment=experiment,
            metric=metric,
            min=_float(table, "min", where),
            max=_float(table, "max", where),
            runs=_int(table, "runs", 1, where),
            filter=_string(table, "filter", where) or "",
            tracking_uri=_string(table, "tracking_uri", where),
        )
        if rule.min is None and rule.max is None:
            raise MlauditInputError(f"{where} ({metric}): set min, max or both.")
        return rule

    @property
    def label(self) -> str:
        return f"mlflow:{self.experiment}/{self.metric}"


@dataclasses.dataclass(frozen=True, slots=True)
class HistorySettings:
    """Where the audit history is read from (the policy's ``[history]`` table)."""

    backend: str = "sqlite"  #: "sqlite" (the local store) or "mlflow" (audit runs in MLflow)
    tracking_uri: str | None = None  #: mlflow: default $MLFLOW_TRACKING_URI, else MLflow's
    experiment: str | None = None  #: mlflow: default the mlaudit_mlflow_experiment ini key
    path: str | None = None  #: sqlite: the store (default as ``mlaudit history``)

    KEYS: ClassVar[tuple[str, ...]] = ("backend", "tracking_uri", "experiment", "path")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "history") -> HistorySettings:
        _keys(table, cls.KEYS, where)
        backend = table.get("backend", "sqlite")
        if backend not in HISTORY_BACKENDS:
            raise MlauditInputError(
                f"{where}.backend must be one of {', '.join(HISTORY_BACKENDS)}; got {backend!r}."
            )
        return cls(
            backend=backend,
            tracking_uri=_string(table, "tracking_uri", where),
            experiment=_string(table, "experiment", where),
            path=_string(table, "path", where),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class RetrainPolicy:
    """When to retrain. Build one with :meth:`from_mapping` or :func:`load_policy`.

    Examples
    --------
    >>> policy = RetrainPolicy.from_mapping(
    ...     {"min_days_between": 7, "drift": {"runs": 2}, "psi": {"features": ["income"]}}
    ... )
    >>> policy.drift.runs, policy.psi.threshold
    (2, 0.2)
    """

    min_days_between: float | None = None
    max_days_between: float | None = None
    drift: DriftRule | None = None
    psi: PsiRule | None = None
    metrics: tuple[MetricRule, ...] = ()
    source: str = "<mapping>"  #: where the policy was read from
    performance: PerformanceRule | None = None
    impact: ImpactRule | None = None
    #: metrics other jobs log to MLflow (``[[mlflow_metric]]``)
    mlflow_metrics: tuple[MlflowMetricRule, ...] = ()
    #: where the history is (``[history]``); None: the SQLite store
    history: HistorySettings | None = None

    KEYS: ClassVar[tuple[str, ...]] = (
        "min_days_between",
        "max_days_between",
        "drift",
        "psi",
        "metric",
        "performance",
        "impact",
        "mlflow_metric",
        "history",
    )

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], *, source: str = "<mapping>") -> RetrainPolicy:
        where = source
        _keys(table, cls.KEYS, where)

        def sub(key: str) -> Mapping[str, Any] | None:
            value = table.get(key)
            if value is None:
                return None
            if not isinstance(value, Mapping):
                raise MlauditInputError(f"{where}: [{key}] must be a table; got {value!r}.")
            return value

        drift, psi = sub("drift"), sub("psi")
        performance, impact = sub("performance"), sub("impact")
        metric_tables = table.get("metric", ())
        if isinstance(metric_tables, Mapping):
            metric_tables = [metric_tables]
        if not isinstance(metric_tables, list | tuple):
            raise MlauditInputError(f"{where}: [[metric]] must be an array of tables.")
        mlflow_tables = table.get("mlflow_metric", ())
        if isinstance(mlflow_tables, Mapping):
            mlflow_tables = [mlflow_tables]
        if not isinstance(mlflow_tables, list | tuple) or not all(
            isinstance(m, Mapping) for m in mlflow_tables
        ):
            raise MlauditInputError(f"{where}: [[mlflow_metric]] must be an array of tables.")
        history = sub("history")
        policy = cls(
            min_days_between=_float(table, "min_days_between", where),
            max_days_between=_float(table, "max_days_between", where),
            drift=None if drift is None else DriftRule.from_mapping(drift, f"{where} [drift]"),
            psi=None if psi is None else PsiRule.from_mapping(psi, f"{where} [psi]"),
            metrics=tuple(
                MetricRule.from_mapping(m, f"{where} [[metric]] #{i + 1}")
                for i, m in enumerate(metric_tables)
            ),
            source=source,
            performance=None
            if performance is None
            else PerformanceRule.from_mapping(performance, f"{where} [performance]"),
            impact=None if impact is None else ImpactRule.from_mapping(impact, f"{where} [impact]"),
            mlflow_metrics=tuple(
                MlflowMetricRule.from_mapping(m, f"{where} [[mlflow_metric]] #{i + 1}")
                for i, m in enumerate(mlflow_tables)
            ),
            history=None
            if history is None
            else HistorySettings.from_mapping(history, f"{where} [history]"),
        )
        if not (
            policy.drift
            or policy.psi
            or policy.metrics
            or policy.max_days_between
            or policy.performance
            or policy.impact
            or policy.mlflow_metrics
        ):
            raise MlauditInputError(
                f"{where}: the policy has no rule that can ask for a retrain; add [drift], "
                "[psi], [[metric]], [performance], [impact], [[mlflow_metric]] or "
                "max_days_between."
            )
        for key in ("min_days_between", "max_days_between"):
            value = getattr(policy, key)
            if value is not None and value < 0:
                raise MlauditInputError(f"{where}.{key} must be >= 0; got {value!r}.")
        return policy

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dataclasses.asdict(self)
        return data


def _policy_table(data: Mapping[str, Any], path: Path) -> Mapping[str, Any] | None:
    tool = data.get("tool")
    if isinstance(tool, Mapping):
        table = (
            tool.get("mlaudit", {}).get("retrain")
            if isinstance(tool.get("mlaudit"), Mapping)
            else None
        )
        return table if isinstance(table, Mapping) else None
    if path.name == "pyproject.toml":
        return None
    retrain = data.get("retrain")
    if isinstance(retrain, Mapping) and set(data) == {"retrain"}:
        return retrain
    return data


def _find_table(
    path: str | os.PathLike[str] | None, cwd: Path | None
) -> tuple[Mapping[str, Any], str] | None:
    """The policy table and where it came from, or None when there is none."""
    base = cwd or Path.cwd()
    candidates = [Path(path)] if path is not None else [base / "pyproject.toml", base / POLICY_FILE]
    for file in candidates:
        if not file.is_file():
            if path is not None:
                raise MlauditInputError(f"no retrain policy file at {str(file)!r}.")
            continue
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise MlauditInputError(f"{str(file)!r} is not valid TOML: {exc}.") from None
        table = _policy_table(data, file)
        if table is None:
            if path is not None:
                raise MlauditInputError(f"{str(file)!r} has no [tool.mlaudit.retrain] table.")
            continue
        where = f"{file.name} [tool.mlaudit.retrain]" if "tool" in data else str(file.name)
        return table, where
    return None


def history_settings(
    path: str | os.PathLike[str] | None = None, *, cwd: Path | None = None
) -> HistorySettings | None:
    """The ``[history]`` table of the policy (found as :func:`load_policy` finds it),
    without reading its rules: what ``mlaudit history`` needs. None without one."""
    found = _find_table(path, cwd)
    if found is None or not isinstance(found[0].get("history"), Mapping):
        return None
    table, where = found
    return HistorySettings.from_mapping(table["history"], f"{where} [history]")


def load_policy(
    path: str | os.PathLike[str] | None = None, *, cwd: Path | None = None
) -> RetrainPolicy:
    """Read the policy: ``path`` (a policy file or a pyproject.toml), else the
    ``[tool.mlaudit.retrain]`` table of ``pyproject.toml`` in ``cwd``, else
    ``retrain_policy.toml`` there."""
    found = _find_table(path, cwd)
    if found is not None:
        return RetrainPolicy.from_mapping(found[0], source=found[1])
    raise MlauditInputError(
        "no retrain policy: add a [tool.mlaudit.retrain] table to pyproject.toml or write "
        f"{POLICY_FILE} (e.g. `min_days_between = 7` and `[drift]\\nruns = 2`), "
        "or pass --policy FILE."
    )
