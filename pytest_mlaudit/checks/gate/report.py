"""The result types of the deployment gate: :class:`GateReport` and its parts.

* :class:`MetricComparison`: one metric of the candidate against the baseline, with the
  paired interval of the difference, the bound that decides, ``min_delta`` and the floor;
* :class:`McNemar`: the exact test on the rows where exactly one model is right
  (accuracy);
* :class:`ArtifactCheck`: what the release checks of a model file found
  (:func:`~pytest_mlaudit.checks.gate.artifact.probe_artifact` runs them);
* :class:`ModelSource`: the registry version (or run) a model was loaded from, when it
  was given as an MLflow URI (``models:/credit-risk@challenger``);
* :class:`GateReport`: every comparison plus the artifact checks, with the verdict
  computed from the numbers it holds.

This module imports nothing heavy itself (numpy comes with the package's check).
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

from pytest_mlaudit.result import BadWhen, CheckReport, Measure, fmt_number, format_table

__all__ = ["ArtifactCheck", "GateReport", "McNemar", "MetricComparison", "ModelSource"]


@dataclasses.dataclass(frozen=True, slots=True)
class ModelSource:
    """Where a model of the gate came from when it was given as an MLflow URI.

    ``version`` is the registry version the URI *resolved to when the gate ran* (an alias
    moves; the version does not), so ``mlaudit promote`` can tell whether the record's
    gate compared the version it is asked to promote.

    Examples
    --------
    >>> s = ModelSource("models:/credit-risk@challenger", name="credit-risk", version="3",
    ...                 alias="challenger", run_id="5f2c0e")
    >>> s.describe()
    'credit-risk version 3 (@challenger, run 5f2c0e)'
    >>> s.version_uri
    'models:/credit-risk/3'
    """

    json_properties: ClassVar[tuple[str, ...]] = ("version_uri",)

    uri: str  #: as given: ``models:/NAME@ALIAS``, ``models:/NAME/VERSION``, ``runs:/ID/PATH``
    name: str | None = None  #: the registered model's name (None for a run's model)
    version: str | None = None  #: the registry version that was loaded
    alias: str | None = None  #: the alias in the URI, if it named one
    run_id: str | None = None  #: the MLflow run that logged the model
    model_id: str | None = None  #: MLflow's logged-model id (``m-...``), when known
    flavor: str | None = None  #: the loader module (``mlflow.sklearn``, ...)
    registry: str | None = None  #: the registry URI it was read from (without credentials)

    @property
    def version_uri(self) -> str | None:
        """``models:/NAME/VERSION``: the URI that names this version for good."""
        if self.name is None or self.version is None:
            return None
        return f"models:/{self.name}/{self.version}"

    def describe(self) -> str:
        """``credit-risk version 3 (@challenger, run 5f2c0e)``, or the URI for a run's model."""
        if self.name is None or self.version is None:
            head = self.uri
        else:
            head = f"{self.name} version {self.version}"
        extra = [f"@{self.alias}"] if self.alias else []
        if self.run_id:
            extra.append(f"run {self.run_id}")
        return head + (f" ({', '.join(extra)})" if extra else "")


@dataclasses.dataclass(frozen=True, slots=True)
class ArtifactCheck:
    """What the release checks found (``passed`` is computed from these fields)."""

    json_properties: ClassVar[tuple[str, ...]] = ("passed", "problems")

    path: str | None  #: the model file, None for an in-memory model
    loader: str | None  #: how it was loaded (``joblib.load``, ``pickle.load``, a callable's name)
    loaded: bool  #: the file loaded into an object with ``predict``/``predict_proba``
    load_seconds: float | None  #: time to load the file
    error: str | None  #: the first exception (loading or predicting), if any
    sample_rows: int  #: rows of the sample the model predicted on
    predicted: bool  #: it predicted one valid output per sample row
    deterministic: bool | None  #: two calls on the same sample gave identical outputs
    mismatched_rows: int  #: rows whose outputs differed between the two calls
    latency_rows: int  #: single-row calls timed
    latency_ms_p50: float | None  #: median single-row prediction latency
    latency_ms_p95: float | None  #: 95th percentile single-row latency
    batch_ms_per_row: float | None  #: one call on the whole sample, divided by its rows
    max_latency_ms: float | None = None  #: the limit on ``latency_ms_p95``, if any

    @classmethod
    def failed(
        cls,
        error: str,
        *,
        path: str | None,
        loader: str | None,
        loaded: bool,
        load_seconds: float | None,
        sample_rows: int,
        max_latency_ms: float | None,
    ) -> ArtifactCheck:
        """The checks of an artifact that did not load, or loaded but could not predict."""
        return cls(
            path=path,
            loader=loader,
            loaded=loaded,
            load_seconds=load_seconds,
            error=error,
            sample_rows=sample_rows,
            predicted=False,
            deterministic=None,
            mismatched_rows=0,
            latency_rows=0,
            latency_ms_p50=None,
            latency_ms_p95=None,
            batch_ms_per_row=None,
            max_latency_ms=max_latency_ms,
        )

    @property
    def latency_breached(self) -> bool:
        if self.max_latency_ms is None or self.latency_ms_p95 is None:
            return False
        return self.latency_ms_p95 > self.max_latency_ms

    @property
    def problems(self) -> tuple[str, ...]:
        """Why the artifact fails, one phrase per problem (empty when it passes)."""
        out: list[str] = []
        if not self.loaded:
            out.append(f"does not load: {self.error}")
            return tuple(out)
        if not self.predicted:
            out.append(f"does not predict on the {self.sample_rows}-row sample: {self.error}")
            return tuple(out)
        if self.deterministic is False:
            out.append(
                f"not deterministic: {self.mismatched_rows} of {self.sample_rows} rows changed "
                "between two identical calls"
            )
        if self.latency_breached:
            out.append(
                f"too slow: p95 single-row latency {fmt_number(self.latency_ms_p95)} ms > "
                f"{fmt_number(self.max_latency_ms)} ms"
            )
        return tuple(out)

    @property
    def passed(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        """One line: where it came from, and what was measured."""
        where = self.path or "in-memory model"
        if not self.loaded or not self.predicted:
            return f"{where}: " + "; ".join(self.problems)
        parts = [
            f"loaded in {fmt_number(self.load_seconds)} s" if self.load_seconds is not None else "",
            f"predicts on {self.sample_rows} rows",
            "deterministic" if self.deterministic else "NOT deterministic",
            f"p50/p95 single-row latency {fmt_number(self.latency_ms_p50)}/"
            f"{fmt_number(self.latency_ms_p95)} ms"
            + (f" (limit {fmt_number(self.max_latency_ms)})" if self.max_latency_ms else ""),
            f"batch {fmt_number(self.batch_ms_per_row)} ms/row",
        ]
        return f"{where}: " + ", ".join(p for p in parts if p)


@dataclasses.dataclass(frozen=True, slots=True)
class McNemar:
    """McNemar's exact test on the rows where exactly one of the two models is right."""

    candidate_only: int  #: rows the candidate gets right and the baseline wrong
    baseline_only: int  #: rows the baseline gets right and the candidate wrong
    pvalue: float  #: two-sided exact p-value of "equal accuracy"
    pvalue_worse: float  #: one-sided exact p-value of "the candidate is less accurate"


@dataclasses.dataclass(frozen=True, slots=True)
class MetricComparison:
    """One metric of the candidate against the baseline, with the paired interval.

    ``difference = candidate - baseline``; ``[ci_low, ci_high]`` is its two-sided
    ``confidence`` percentile interval (the paired bootstrap), whose ends are the
    one-sided ``1 - alpha`` bounds. The :attr:`bound` that decides is the bootstrap's,
    except for accuracy with few discordant rows, where :attr:`exact_bound` (exact, from
    the discordant pairs) decides. Without a baseline only the floor applies (the
    difference fields are None).
    """

    json_properties: ClassVar[tuple[str, ...]] = (
        "bound",
        "decided_by",
        "significantly_worse",
        "below_floor",
        "passed",
    )

    metric: str  #: accuracy, roc_auc, log_loss, f1, brier, mae, rmse, r2 or a GateMetric's name
    greater_is_better: bool  #: the metric's direction
    candidate: float  #: the candidate's value on the test rows
    baseline: float | None  #: the baseline's value on the same rows
    difference: float | None  #: candidate - baseline
    ci_low: float | None  #: lower bound of the difference (alpha percentile of the bootstrap)
    ci_high: float | None  #: upper bound (1 - alpha percentile)
    confidence: float | None  #: two-sided level of [ci_low, ci_high], 1 - 2 * alpha
    alpha: float | None  #: this metric's one-sided error rate (after the correction)
    min_delta: float  #: the tolerated worsening, in the metric's units
    floor: float | None  #: the worst acceptable candidate value (a max for lower-is-better)
    n_boot: int  #: bootstrap resamples with a finite difference (0 without a baseline)
    mcnemar: McNemar | None = None  #: accuracy only
    description: str = ""  #: what the metric is
    #: accuracy with at most ``EXACT_MAX_DISCORDANT`` discordant rows: the exact upper
    #: bound of the difference from the discordant pairs, which decides (else None)
    exact_bound: float | None = None

    @property
    def bound(self) -> float | None:
        """The bound that decides: :attr:`exact_bound` when set, else the end of the
        bootstrap interval most favourable to the candidate."""
        if self.exact_bound is not None:
            return self.exact_bound
        return self.ci_high if self.greater_is_better else self.ci_low

    @property
    def decided_by(self) -> str:
        """``"exact"`` (the discordant pairs), ``"bootstrap"``, or ``""`` without a baseline."""
        if self.baseline is None:
            return ""
        return "exact" if self.exact_bound is not None else "bootstrap"

    def comparison(self) -> Measure | None:
        """The bound against the tolerance: ``ucb >= -min_delta`` (or ``lcb <= min_delta``)."""
        if self.baseline is None:
            return None
        bound = math.nan if self.bound is None else self.bound
        if self.greater_is_better:
            return Measure(f"{self.metric}_diff_ucb", bound, -self.min_delta, BadWhen.BELOW)
        return Measure(f"{self.metric}_diff_lcb", bound, self.min_delta, BadWhen.ABOVE)

    def floor_measure(self) -> Measure | None:
        """The candidate's value against the floor (None without a floor)."""
        if self.floor is None:
            return None
        bad = BadWhen.BELOW if self.greater_is_better else BadWhen.ABOVE
        return Measure(self.metric, self.candidate, self.floor, bad)

    @property
    def significantly_worse(self) -> bool:
        m = self.comparison()
        return m is not None and m.breached

    @property
    def below_floor(self) -> bool:
        """The candidate is worse than the floor (below it, or above it for a loss)."""
        m = self.floor_measure()
        return m is not None and m.breached

    @property
    def passed(self) -> bool:
        return not self.significantly_worse and not self.below_floor

    def reasons(self) -> list[str]:
        """Why this metric fails (empty when it passes)."""
        out = []
        if self.significantly_worse:
            if self.bound is None or math.isnan(self.bound):
                out.append(f"{self.metric}: the interval could not be computed")
            else:
                side = "upper" if self.greater_is_better else "lower"
                source = ""
                if self.decided_by == "exact" and self.mcnemar is not None:
                    t = self.mcnemar
                    side = "exact upper"
                    source = f", from the {t.candidate_only + t.baseline_only} discordant rows,"
                gap = fmt_number(abs(self.bound))
                best = (
                    f"even at best the candidate scores {gap} lower"
                    if self.greater_is_better
                    else f"even at best the candidate's {self.metric} is {gap} higher"
                )
                out.append(
                    f"{self.metric}: candidate significantly worse by more than "
                    f"min_delta={fmt_number(self.min_delta)} (the {side} bound of "
                    f"candidate - baseline{source} is {fmt_number(self.bound)}: {best})"
                )
        if self.below_floor:
            op = "<" if self.greater_is_better else ">"
            out.append(
                f"{self.metric}: candidate {fmt_number(self.candidate)} {op} floor "
                f"{fmt_number(self.floor)}"
            )
        return out

    def exact_note(self) -> str:
        """``"exact bound +0.0041 from 12 discordant rows"`` when the exact bound decided."""
        if self.exact_bound is None or self.mcnemar is None:
            return ""
        k = self.mcnemar.candidate_only + self.mcnemar.baseline_only
        return f"exact bound {_signed(self.exact_bound)} from {k} discordant rows"

    def interval(self) -> str:
        if self.ci_low is None or self.ci_high is None:
            return "-"
        return f"[{_signed(self.ci_low)}, {_signed(self.ci_high)}]"


def _signed(x: float | None) -> str:
    if x is None:
        return "-"
    text = fmt_number(x)
    return text if x <= 0 or math.isnan(x) else f"+{text}"


def _pct(level: float | None) -> str:
    if level is None:
        return ""
    return f"{100 * level:.4g}%"


@dataclasses.dataclass(frozen=True, slots=True)
class GateReport(CheckReport):
    """The result of :func:`check_gate`: per-metric comparisons and the artifact checks.

    ``passed`` holds when no metric is significantly worse than the baseline by more than
    its ``min_delta``, none is worse than its ``floor``, and the artifact checks (if run)
    pass.
    """

    kind: ClassVar[str] = "gate"
    json_properties: ClassVar[tuple[str, ...]] = ("failures",)

    metrics: tuple[MetricComparison, ...]  #: one per metric, in the order asked
    n_rows: int  #: test rows both models were scored on
    task: str  #: "classification" or "regression"
    classes: tuple[str, ...]  #: the class labels (as text), in probability-column order
    candidate: str  #: what the candidate was (file, estimator repr, "precomputed predictions")
    baseline: str | None  #: the same for the baseline; None without one
    alpha: float  #: the gate's one-sided error rate over all metrics
    correction: str  #: "bonferroni" (alpha / number of metrics per metric) or "none"
    n_boot: int  #: bootstrap resamples asked for
    seed: int  #: seed of the resamples
    artifact: ArtifactCheck | None = None  #: release checks of the candidate, when run
    notes: tuple[str, ...] = ()  #: anything the reader should know (skipped metrics, ...)
    #: the registry version (or run) of the candidate, when given as an MLflow URI
    candidate_source: ModelSource | None = None
    #: the same for the baseline
    baseline_source: ModelSource | None = None

    @property
    def failures(self) -> tuple[str, ...]:
        """Every reason the gate fails, in order (empty when it passes)."""
        out: list[str] = []
        for m in self.metrics:
            out.extend(m.reasons())
        if self.artifact is not None:
            out.extend(f"artifact {p}" for p in self.artifact.problems)
        return tuple(out)

    @property
    def passed(self) -> bool:
        metrics_ok = all(m.passed for m in self.metrics)
        return metrics_ok and (self.artifact is None or self.artifact.passed)

    def metric(self, name: str) -> MetricComparison:
        """The comparison of one metric."""
        for m in self.metrics:
            if m.metric == name:
                return m
        raise KeyError(
            f"metric {name!r} was not compared; compared: {[m.metric for m in self.metrics]}"
        )

    def _artifact_measure(self) -> Measure:
        a = self.artifact
        assert a is not None
        problems = a.problems
        if a.latency_breached and len(problems) == 1:
            assert a.latency_ms_p95 is not None and a.max_latency_ms is not None
            return Measure("latency_p95_ms", a.latency_ms_p95, a.max_latency_ms, BadWhen.ABOVE)
        return Measure("artifact_problems", float(len(problems)), 0.0, BadWhen.ABOVE)

    def headline(self) -> Measure:
        for m in self.metrics:
            if m.significantly_worse:
                measure = m.comparison()
                assert measure is not None
                return measure
        for m in self.metrics:
            if m.below_floor:
                measure = m.floor_measure()
                assert measure is not None
                return measure
        if self.artifact is not None and not self.artifact.passed:
            return self._artifact_measure()
        if self.metrics:
            first = self.metrics[0]
            measure = first.comparison() or first.floor_measure()
            if measure is not None:
                return measure
        if self.artifact is not None:
            return self._artifact_measure()
        return Measure("failures", 0.0, 0.0, BadWhen.ABOVE)

    def measures(self) -> tuple[Measure, ...]:
        """Per metric (``subject``): ``candidate`` against its floor, and with a baseline
        ``baseline`` and ``diff`` (tracked) and the deciding bound of the difference
        against the tolerance (``diff_ucb >= -min_delta``, or ``diff_lcb <= min_delta``).

        ``candidate`` breaches exactly when the metric is below its floor, the bound
        exactly when it is significantly worse (the retrain policy reads ``candidate``).

        Examples
        --------
        >>> import numpy as np
        >>> from pytest_mlaudit.checks.gate import check_gate
        >>> y = np.array([0, 1] * 50)
        >>> report = check_gate(y, y, None, y, floor=0.9, n_boot=100)
        >>> [m.describe() for m in report.measures()]  # doctest: +NORMALIZE_WHITESPACE
        ['accuracy: candidate=1 >= 0.9', 'accuracy: baseline=1', 'accuracy: diff=0',
         'accuracy: diff_ucb=0 >= 0']
        """
        out: list[Measure] = []
        for m in self.metrics:
            bad = BadWhen.BELOW if m.greater_is_better else BadWhen.ABOVE
            out.append(Measure("candidate", m.candidate, m.floor, bad, subject=m.metric))
            decision = m.comparison()
            if m.baseline is None or decision is None:
                continue
            out.append(Measure("baseline", m.baseline, None, bad, subject=m.metric))
            diff = math.nan if m.difference is None else m.difference
            out.append(Measure("diff", diff, None, bad, subject=m.metric))
            name = decision.name.removeprefix(f"{m.metric}_")
            out.append(dataclasses.replace(decision, name=name, subject=m.metric))
        return tuple(out)

    def sizes(self) -> dict[str, int]:
        sizes = {"n_rows": self.n_rows, "n_metrics": len(self.metrics), "n_boot": self.n_boot}
        if self.artifact is not None:
            sizes["sample_rows"] = self.artifact.sample_rows
        return sizes

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)  # zero-arg super() fails in slotted dataclasses
        for m in self.metrics:
            values = {
                "candidate": m.candidate,
                "baseline": m.baseline,
                "diff": m.difference,
                "ci_low": m.ci_low,
                "ci_high": m.ci_high,
            }
            for name, value in values.items():
                if value is not None:
                    figures[f"{m.metric}_{name}"] = value
            if m.mcnemar is not None:
                figures[f"{m.metric}_mcnemar_p"] = m.mcnemar.pvalue
        sources = {"candidate": self.candidate_source, "baseline": self.baseline_source}
        for side, source in sources.items():
            if source is not None and source.version is not None:
                figures[f"{side}_version"] = source.version
        a = self.artifact
        if a is not None:
            figures["artifact_ok"] = a.passed
            if a.latency_ms_p95 is not None:
                figures["latency_p95_ms"] = a.latency_ms_p95
            if a.deterministic is not None:
                figures["deterministic"] = a.deterministic
        return figures

    def brief(self) -> str:
        problems: list[str] = []
        for m in self.metrics:
            if m.significantly_worse:
                evidence = m.exact_note() or f"{_pct(m.confidence)} CI of diff {m.interval()}"
                problems.append(
                    f"{m.metric} {fmt_number(m.candidate)} vs {fmt_number(m.baseline)}: "
                    f"significantly worse ({evidence})"
                )
            elif m.below_floor:
                op = "<" if m.greater_is_better else ">"
                problems.append(
                    f"{m.metric} {fmt_number(m.candidate)} {op} floor {fmt_number(m.floor)}"
                )
        if self.artifact is not None:
            problems.extend(f"artifact {p}" for p in self.artifact.problems)
        if problems:
            more = len(problems) - 1
            return problems[0] + (f" (+{more} more)" if more else "")
        if not self.metrics:
            return "artifact ok" if self.artifact is not None else ""
        m = self.metrics[0]
        if m.baseline is None:
            return f"{m.metric} {fmt_number(m.candidate)}"
        exact = m.exact_note()
        return (
            f"{m.metric} {fmt_number(m.candidate)} vs {fmt_number(m.baseline)}, "
            f"diff {_signed(m.difference)} {_pct(m.confidence)} CI {m.interval()}"
            + (f"; {exact}" if exact else "")
        )

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        alphas = {m.alpha for m in self.metrics if m.alpha is not None}
        setup = [f"{self.n_rows} test rows"]
        if self.baseline is not None and self.metrics:
            per = (
                f", {fmt_number(next(iter(alphas)))} per metric ({self.correction})"
                if len(self.metrics) > 1 and self.correction != "none" and len(alphas) == 1
                else ""
            )
            setup.append(
                f"paired bootstrap n_boot={self.n_boot} seed={self.seed}, "
                f"alpha={fmt_number(self.alpha)} one-sided{per}"
            )
        lines = [f"gate {verdict}: " + "; ".join(setup)]
        lines.append(f"candidate: {self.candidate}")
        if self.baseline is not None:
            lines.append(f"baseline:  {self.baseline}")
        if self.metrics:
            rows = []
            for m in self.metrics:
                rule = "-"
                measure = m.comparison()
                if measure is not None:
                    rule = measure.describe()
                status = "FAIL" if not m.passed else "ok"
                rows.append(
                    [
                        m.metric,
                        "higher" if m.greater_is_better else "lower",
                        fmt_number(m.candidate),
                        fmt_number(m.baseline),
                        _signed(m.difference),
                        m.interval(),
                        fmt_number(m.min_delta) if m.baseline is not None else "-",
                        fmt_number(m.floor),
                        rule,
                        status,
                    ]
                )
            level = {m.confidence for m in self.metrics if m.confidence is not None}
            ci = f"{_pct(next(iter(level)))} CI" if len(level) == 1 else "CI"
            lines += [
                "",
                format_table(
                    [
                        "metric",
                        "better",
                        "candidate",
                        "baseline",
                        "diff",
                        ci,
                        "min_delta",
                        "floor",
                        "rule: bound vs tolerance",
                        "verdict",
                    ],
                    rows,
                ),
            ]
            for m in self.metrics:
                if m.mcnemar is not None:
                    t = m.mcnemar
                    lines.append(
                        f"McNemar ({m.metric}): only the candidate right on "
                        f"{t.candidate_only} rows, "
                        f"only the baseline on {t.baseline_only}; exact p={fmt_number(t.pvalue)} "
                        f"(two-sided), p={fmt_number(t.pvalue_worse)} that the candidate is less "
                        "accurate"
                        + (
                            f"; with this few discordant rows the exact test decides (the "
                            f"rule's bound {fmt_number(m.exact_bound)} is exact, the bootstrap "
                            "interval is shown for reference)"
                            if m.exact_bound is not None
                            else ""
                        )
                    )
        if self.artifact is not None:
            lines += ["", "artifact: " + self.artifact.describe()]
        lines.append("")
        failures = self.failures
        if failures:
            lines.append("why it failed:")
            lines += [f"- {f}" for f in failures]
        else:
            lines.append("why it passed: " + self._why_passed())
        if self.notes:
            lines += ["notes:", *(f"- {n}" for n in self.notes)]
        return "\n".join(lines)

    def _why_passed(self) -> str:
        parts = []
        compared = [m for m in self.metrics if m.baseline is not None]
        if compared:
            noisy = [
                m.metric
                for m in compared
                if m.difference is not None
                and (m.difference < 0 if m.greater_is_better else m.difference > 0)
            ]
            parts.append(
                "no metric is significantly worse than the baseline by more than its min_delta"
                + (
                    f" ({', '.join(noisy)} lower in the point estimate, but within the noise "
                    "of this test set)"
                    if noisy
                    else ""
                )
            )
        if any(m.floor is not None for m in self.metrics):
            parts.append("every floor holds")
        if self.artifact is not None:
            parts.append(
                "the artifact loads, predicts, is deterministic"
                + (" and fast enough" if self.artifact.max_latency_ms is not None else "")
            )
        return "; ".join(parts) if parts else "nothing was checked"
