"""The deployment gate (failure mode 3): may this candidate model replace the baseline?

A point-estimate gate (``candidate >= baseline + delta``, as MLflow's model validation)
fails good candidates by chance: two models of the same quality, scored on a fresh
1,000-row test set, differ by a percentage point or two in either direction. This gate
asks whether the candidate is *significantly* worse, on the same rows.

The rule
--------
For each metric, ``d = candidate - baseline`` is computed on the test rows, and a paired
bootstrap (``n_boot`` seeded resamples of the rows, the same resamples for both models)
gives its distribution. For a metric where higher is better (accuracy, ROC AUC, F1, R²)
the gate **fails when the upper one-sided (1 - alpha) confidence bound of d is below
-min_delta**: even the most favourable plausible value says the candidate is worse by
more than the tolerance. For a lower-is-better metric (log loss, Brier, MAE, RMSE) it
fails when the *lower* bound of d is above ``+min_delta``. With ``min_delta=0`` and a
candidate exactly as good as the baseline, the gate fails with probability at most
``alpha`` (default 0.025, the upper end of a two-sided 95% interval).

With several metrics the per-metric ``alpha`` is ``alpha / len(metrics)``
(``correction="bonferroni"``), so the chance of failing an equally good candidate stays
at most ``alpha`` overall. A ``floor`` fails the candidate whose *point estimate* is
worse than an absolute limit (a minimum for higher-is-better metrics, a maximum for the
others), whatever the baseline. For accuracy the report adds McNemar's exact test on the
rows where exactly one model is right. When there are at most ``EXACT_MAX_DISCORDANT``
(100) such rows the bootstrap is too coarse (anti-conservative), and the exact bound
from the discordant pairs (:func:`.boot.exact_accuracy_bound`) decides instead.

The artifact checks (when ``candidate`` is a file path or an MLflow model URI, or
``artifact=True``) load the model, predict on a sample of rows, predict again and
compare, and time single-row calls. A model URI (``models:/credit-risk@challenger``,
``models:/credit-risk/3``, ``runs:/ID/model``) is resolved to the registry version it
names when the gate runs, loaded through ``mlflow.pyfunc`` (the native model where the
flavour has one, so ``predict_proba`` is there), and recorded
(:attr:`GateReport.candidate_source`, :attr:`GateReport.baseline_source`).

The result types are in :mod:`.report`. This module imports numpy only; scipy (McNemar)
and pandas are imported when needed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np

from pytest_mlaudit._validation import check_bool, check_float, check_int, check_option
from pytest_mlaudit.checks.gate import _validate as iv
from pytest_mlaudit.checks.gate.artifact import load_model, load_uri, probe_artifact, take_rows
from pytest_mlaudit.checks.gate.boot import (
    EXACT_MAX_DISCORDANT,
    bootstrap_counts,
    exact_accuracy_bound,
    mcnemar_exact,
    percentile_interval,
)
from pytest_mlaudit.checks.gate.metrics import GateMetric, MetricSpec, Outputs, Target
from pytest_mlaudit.checks.gate.report import (
    ArtifactCheck,
    GateReport,
    McNemar,
    MetricComparison,
    ModelSource,
)
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["check_gate"]

Correction = Literal["bonferroni", "none"]
_CORRECTIONS: Final[tuple[Correction, ...]] = ("bonferroni", "none")


def _needs(specs: Sequence[MetricSpec]) -> set[Any]:
    return {s.needs for s in specs}


def _evaluate_full(spec: MetricSpec, target: Target, out: Outputs) -> float:
    value = spec.evaluate(np.ones((1, target.n)), target, out)
    return float(value[0])


def _prepare_sample(X: Any, sample: Any, sample_rows: int) -> Any:
    if sample is not None:
        if iv.n_rows(sample, "sample") < 1:
            raise MlauditInputError("sample must have at least one row.")
        return sample
    if X is None:
        raise MlauditInputError("the artifact checks need rows to predict on: pass X or sample=...")
    rows = iv.n_rows(X)
    if rows < 1:
        raise MlauditInputError("X has no rows.")
    return take_rows(X, slice(0, min(rows, sample_rows)))


def _is_uri(obj: Any) -> bool:
    """An MLflow model URI (as ``registry.is_model_uri``, which is imported only when one
    is given: the registry module imports this package's report types)."""
    return isinstance(obj, str) and obj.startswith(("models:/", "runs:/"))


def _load(
    where: str, loader: Callable[[Path], Any] | None, tracking_uri: str | None, role: str
) -> tuple[Any, str, float | None, str | None, ModelSource | None]:
    """A model file or an MLflow model URI: ``(model, loader, seconds, error, source)``."""
    if _is_uri(where):
        return load_uri(where, tracking_uri, role=role)
    return (*load_model(where, loader, role=role), None)


def _describe(model: Any, where: str, source: ModelSource | None) -> str:
    if source is None or model is None:
        return iv.describe_model(model, path=where)
    return f"{type(model).__name__} from {source.describe()}"


def check_gate(
    candidate: Any,
    baseline: Any,
    X: Any,
    y: Any,
    *,
    metrics: str | GateMetric | Sequence[str | GateMetric] | None = None,
    min_delta: float | Mapping[str, float] = 0.0,
    floor: float | Mapping[str, float] | None = None,
    alpha: float = 0.025,
    correction: Correction = "bonferroni",
    n_boot: int = 2000,
    seed: int = 0,
    task: Literal["classification", "regression"] | None = None,
    classes: Sequence[Any] | None = None,
    pos_label: Any = None,
    artifact: bool | None = None,
    loader: Callable[[Path], Any] | None = None,
    sample: Any = None,
    sample_rows: int = 200,
    latency_rows: int = 50,
    max_latency_ms: float | None = None,
    tracking_uri: str | None = None,
) -> GateReport:
    """Compare a candidate model with the baseline on the same test rows.

    Parameters
    ----------
    candidate, baseline
        Fitted models (anything with ``predict``/``predict_proba``), a path to a model
        file (``.joblib``/``.pkl``, or any file with ``loader=``), an MLflow model URI
        (``"models:/credit-risk@challenger"``, ``"models:/credit-risk/3"``,
        ``"runs:/RUN_ID/model"``; needs the ``[mlflow]`` extra), or precomputed
        predictions for the rows of ``y``: predicted labels, probabilities of shape
        ``(n_rows, n_classes)`` in the order of ``classes``, the positive class's
        probability (binary), or predicted values (regression). ``baseline=None``
        checks the candidate against ``floor`` only (e.g. the first model, or a
        production model on freshly labelled data).
    X
        The test rows the models predict on (None when both give predictions).
    y
        The true labels or values of those rows. ``None`` runs the artifact checks only.
    metrics
        Names from ``accuracy``, ``roc_auc``, ``log_loss``, ``f1``, ``brier``
        (classification), ``mae``, ``rmse``, ``r2`` (regression), or
        :class:`GateMetric` objects. Default: ``accuracy`` or ``rmse``.
    min_delta
        How much worse than the baseline the candidate may be, in the metric's units
        (a float for every metric, or ``{metric: delta}``). Must be >= 0.
    floor
        The worst acceptable candidate value: a minimum for higher-is-better metrics,
        a maximum for the others. A float applies to the first metric; or
        ``{metric: limit}``.
    alpha
        The chance of failing a candidate that is exactly ``min_delta`` worse (one-sided,
        over all metrics with ``correction="bonferroni"``). Default 0.025: the gate
        uses the favourable end of a two-sided 95% interval.
    correction
        ``"bonferroni"`` (each of m metrics at ``alpha / m``) or ``"none"``.
    n_boot, seed
        Bootstrap resamples of the rows, and their seed (numpy ``default_rng``).
    task
        ``"classification"`` or ``"regression"``; guessed from the models and ``y``.
    classes
        The class labels in the order of probability columns (default: the sorted labels
        of ``y`` and the models' ``classes_``).
    pos_label
        The positive class of a binary task (default: the second of ``classes``, e.g. 1).
    artifact
        Run the release checks on the candidate: load, predict on ``sample``, the same
        output twice, single-row latency. Default: when ``candidate`` is a path or a
        model URI.
    loader
        ``loader(path) -> model`` for model files; default ``joblib.load`` for
        ``.joblib``/``.pkl``/``.pickle``. Loading a pickle runs code: load only your own.
    sample, sample_rows
        Schema-valid rows for the artifact checks; default the first ``sample_rows`` of X.
    latency_rows, max_latency_ms
        Single-row calls to time; fail when their 95th percentile exceeds
        ``max_latency_ms`` (default: measure only).
    tracking_uri
        The MLflow tracking store (and registry, unless ``MLFLOW_REGISTRY_URI`` names
        another) that model URIs are read from; default MLflow's own
        (``MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db``).

    Returns
    -------
    GateReport
        ``passed``, the per-metric estimates and intervals, and the reasons.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 1000)
    >>> base = np.where(rng.random(1000) < 0.85, y, 1 - y)   # 85% accurate
    >>> cand = np.where(rng.random(1000) < 0.85, y, 1 - y)   # as good, different errors
    >>> report = check_gate(cand, base, None, y)
    >>> report.passed
    True
    >>> worse = np.where(rng.random(1000) < 0.75, y, 1 - y)
    >>> check_gate(worse, base, None, y).passed
    False
    """
    alpha = check_float(
        "alpha",
        alpha,
        low=0.0,
        high=0.5,
        low_open=True,
        high_open=True,
        hint="alpha is the one-sided error rate of the gate, e.g. 0.025.",
    )
    n_boot = check_int("n_boot", n_boot, minimum=100)
    seed = check_int("seed", seed, minimum=0)
    sample_rows = check_int("sample_rows", sample_rows, minimum=1)
    latency_rows = check_int("latency_rows", latency_rows, minimum=0)
    correction = check_option("correction", correction, _CORRECTIONS)
    if max_latency_ms is not None:
        max_latency_ms = check_float(
            "max_latency_ms",
            max_latency_ms,
            low=0.0,
            low_open=True,
            hint="max_latency_ms must be > 0: the limit on the p95 of single-row calls, in ms.",
        )
    if artifact is not None:
        artifact = check_bool(
            "artifact",
            artifact,
            hint="artifact must be True, False or None (auto: when the candidate is a file).",
        )
    if tracking_uri is not None and not isinstance(tracking_uri, str | os.PathLike):
        raise MlauditInputError(
            f"tracking_uri must be a string such as 'sqlite:///mlflow.db' or "
            f"'http://mlflow:5000'; got {tracking_uri!r}."
        )
    tracking_uri = None if tracking_uri is None else str(tracking_uri)
    if candidate is None:
        raise MlauditInputError(
            "candidate is None; pass the fitted model, its file, or its predictions."
        )

    notes: list[str] = []
    candidate_path = str(candidate) if iv.is_path(candidate) else None
    run_artifact = candidate_path is not None if artifact is None else artifact
    artifact_check: ArtifactCheck | None = None
    candidate_source: ModelSource | None = None
    if candidate_path is not None:
        model, loader_name, seconds, error, candidate_source = _load(
            candidate_path, loader, tracking_uri, "candidate"
        )
        if error is not None:
            artifact_check = ArtifactCheck.failed(
                error,
                path=candidate_path,
                loader=loader_name,
                loaded=False,
                load_seconds=seconds,
                sample_rows=0,
                max_latency_ms=max_latency_ms,
            )
        candidate = model
    else:
        loader_name, seconds = None, None
    candidate_name = (
        iv.describe_model(candidate)
        if candidate_path is None
        else _describe(candidate, candidate_path, candidate_source)
    )
    X_candidate = iv.align_features(candidate, X, "candidate", notes)
    if sample is not None:
        sample = iv.align_features(candidate, sample, "candidate", notes, argument="sample")
    if artifact_check is None and run_artifact:
        if not iv.is_estimator(candidate):
            raise MlauditInputError(
                "artifact=True needs a model (or its file) as candidate; got predictions."
            )
        artifact_check = probe_artifact(
            candidate,
            _prepare_sample(X_candidate, sample, sample_rows),
            path=candidate_path,
            loader=loader_name,
            load_seconds=seconds,
            latency_rows=latency_rows,
            max_latency_ms=max_latency_ms,
        )

    baseline_path = str(baseline) if iv.is_path(baseline) else None
    baseline_source: ModelSource | None = None
    if baseline_path is not None:
        model, _, _, error, baseline_source = _load(baseline_path, loader, tracking_uri, "baseline")
        if error is not None:
            raise MlauditInputError(f"the baseline cannot be loaded: {error.rstrip('.')}.")
        baseline = model
    baseline_name = (
        None
        if baseline is None
        else iv.describe_model(baseline)
        if baseline_path is None
        else _describe(baseline, baseline_path, baseline_source)
    )
    X_baseline = iv.align_features(baseline, X, "baseline", notes)

    def report(
        comparisons: tuple[MetricComparison, ...], n: int, task_: str, classes_: tuple[str, ...]
    ) -> GateReport:
        return GateReport(
            metrics=comparisons,
            n_rows=n,
            task=task_,
            classes=classes_,
            candidate=candidate_name,
            baseline=baseline_name,
            alpha=alpha,
            correction=correction,
            n_boot=n_boot,
            seed=seed,
            artifact=artifact_check,
            notes=tuple(notes),
            candidate_source=candidate_source,
            baseline_source=baseline_source,
        )

    if y is None:
        if artifact_check is None:
            raise MlauditInputError(
                "y is None: without labels the gate can only run the artifact checks; pass y, "
                "or a model file as candidate (or artifact=True)."
            )
        return report((), 0, task or "unknown", ())
    if artifact_check is not None and not (artifact_check.loaded and artifact_check.predicted):
        notes.append("metrics were not computed: the candidate artifact does not load or predict")
        return report((), iv.n_rows(y, "y"), task or "unknown", ())

    y_arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    n = iv.n_rows(y_arr, "y")
    if X is not None and iv.n_rows(X) != n:
        raise MlauditInputError(
            f"X has {iv.n_rows(X)} rows but y has {n}; they must be the same rows."
        )
    models = [m for m in (candidate, baseline) if m is not None]
    task_ = iv.infer_task(task, y_arr, models)
    target = iv.build_target(y_arr, task=task_, classes=classes, pos_label=pos_label, models=models)
    from pytest_mlaudit.checks.gate.metrics import resolve_metrics

    specs = resolve_metrics(metrics, task_)
    deltas = iv.per_metric(
        "min_delta", min_delta, specs, scalar_applies_to="all", non_negative=True
    )
    floors = iv.per_metric("floor", floor, specs, scalar_applies_to="first")
    _check_metric_inputs(specs, target)

    needs = _needs(specs)
    out_c = iv.model_outputs(candidate, X_candidate, target, needs, "candidate", n)
    out_b = (
        None
        if baseline is None
        else iv.model_outputs(baseline, X_baseline, target, needs, "baseline", n)
    )

    per_alpha = alpha / len(specs) if correction == "bonferroni" else alpha
    diffs: list[list[np.ndarray]] = [[] for _ in specs]
    if out_b is not None:
        for W in bootstrap_counts(n, n_boot, seed):
            for i, spec in enumerate(specs):
                diffs[i].append(spec.evaluate(W, target, out_c) - spec.evaluate(W, target, out_b))
    if out_b is not None and n_boot * per_alpha < 10:
        notes.append(
            f"the interval's tail rests on {n_boot * per_alpha:.3g} resamples; raise n_boot "
            f"to at least {math.ceil(20 / per_alpha)} for a stable bound"
        )

    comparisons: list[MetricComparison] = []
    for i, spec in enumerate(specs):
        cand_value = _evaluate_full(spec, target, out_c)
        if not math.isfinite(cand_value):
            raise MlauditInputError(
                f"metric {spec.name!r} is not finite for the candidate on these rows "
                f"({cand_value})."
            )
        base_value = diff = low = high = conf = metric_alpha = None
        finite = 0
        mc = exact = None
        if out_b is not None:
            base_value = _evaluate_full(spec, target, out_b)
            diff = cand_value - base_value
            low, high, finite = percentile_interval(np.concatenate(diffs[i]), per_alpha)
            conf, metric_alpha = 1.0 - 2.0 * per_alpha, per_alpha
            if finite < n_boot:
                notes.append(
                    f"{spec.name}: {n_boot - finite} of {n_boot} resamples had an undefined value "
                    "(e.g. one class only) and were left out"
                )
            if spec.name == "accuracy":
                assert out_c.labels is not None and out_b.labels is not None
                right_c = out_c.labels == target.values
                right_b = out_b.labels == target.values
                only_c = int((right_c & ~right_b).sum())
                only_b = int((right_b & ~right_c).sum())
                p2, p1 = mcnemar_exact(only_c, only_b)
                mc = McNemar(only_c, only_b, p2, p1)
                if only_c + only_b <= EXACT_MAX_DISCORDANT:
                    exact = exact_accuracy_bound(only_c, only_b, n, per_alpha)
        comparisons.append(
            MetricComparison(
                metric=spec.name,
                greater_is_better=spec.greater_is_better,
                candidate=cand_value,
                baseline=base_value,
                difference=diff,
                ci_low=low,
                ci_high=high,
                confidence=conf,
                alpha=metric_alpha,
                min_delta=deltas.get(spec.name, 0.0),
                floor=floors.get(spec.name),
                n_boot=finite,
                mcnemar=mc,
                description=spec.description,
                exact_bound=exact,
            )
        )
    return report(tuple(comparisons), n, task_, tuple(str(c) for c in target.classes))


def _check_metric_inputs(specs: Sequence[MetricSpec], target: Target) -> None:
    names = {s.name for s in specs}
    if "roc_auc" in names:
        present = np.unique(target.values)
        if target.pos is not None and present.size < 2:
            raise MlauditInputError(
                "roc_auc needs both classes among the test labels y; this y has only "
                f"{target.classes[int(present[0])]!r}."
            )
        if target.pos is None and present.size < 2:
            raise MlauditInputError("roc_auc needs at least two classes among the test labels y.")
