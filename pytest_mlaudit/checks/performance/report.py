"""The result of estimating a classifier's performance without labels.

:class:`MetricEstimate` is one metric (estimate, interval, the reference's realised value,
the current realised value when labels were given), :class:`CalibrationCheck` the test of
the reference's calibration, :class:`PerformanceReport` both with the verdict.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

from pytest_mlaudit.result import BadWhen, CheckReport, Measure, breaches, fmt_number, format_table

__all__ = ["CalibrationCheck", "MetricEstimate", "PerformanceReport"]


@dataclasses.dataclass(frozen=True, slots=True)
class MetricEstimate:
    """One metric on the current data, estimated from calibrated probabilities."""

    json_properties: ClassVar[tuple[str, ...]] = ("inside",)

    metric: str  #: accuracy, roc_auc, f1, precision or recall
    estimate: float  #: the expected value under the calibrated probabilities
    lower: float  #: the interval's lower bound (``confidence`` level)
    upper: float  #: the interval's upper bound
    reference: float  #: realised on the reference (its labels)
    realised: float | None = None  #: realised on the current data, when labels were given

    @property
    def inside(self) -> bool | None:
        """Whether the realised value lies in the interval (None without labels)."""
        if self.realised is None or math.isnan(self.realised):
            return None
        return self.lower <= self.realised <= self.upper

    @property
    def error(self) -> float | None:
        """Estimate minus realised value (None without labels)."""
        return None if self.realised is None else self.estimate - self.realised


@dataclasses.dataclass(frozen=True, slots=True)
class CalibrationCheck:
    """Are the probabilities used for the estimate calibrated on the reference?

    Hosmer-Lemeshow on ``bins`` equal-count bins of out-of-sample reference predictions
    (cross-fitted when ``method`` calibrated them); miscalibrated when ``pvalue < alpha``
    *and* the expected calibration error ``ece > max_ece``.
    """

    json_properties: ClassVar[tuple[str, ...]] = ("calibrated",)

    method: str  #: "none" (the model's own probabilities), "isotonic" or "platt"
    statistic: float  #: Hosmer-Lemeshow chi-square
    pvalue: float
    ece: float  #: expected calibration error over the bins
    alpha: float
    max_ece: float
    bins: int
    raw_pvalue: float  #: the model's own probabilities, before any calibration
    raw_ece: float
    mean_predicted: tuple[float, ...] = ()  #: per bin (the reliability table)
    mean_observed: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()

    @property
    def calibrated(self) -> bool:
        return not (self.pvalue < self.alpha and self.ece > self.max_ece)


@dataclasses.dataclass(frozen=True, slots=True)
class PerformanceReport(CheckReport):
    """The estimated performance on unlabelled current data, and the verdict.

    Fails when the reference's probabilities are miscalibrated (the estimate would rest
    on wrong probabilities), when the estimate of ``metric`` is below ``min_value``, or
    when it is below the reference's realised value by more than ``max_drop``.
    """

    kind: ClassVar[str] = "performance"
    json_properties: ClassVar[tuple[str, ...]] = ("floor",)

    metric: str  #: the metric the verdict is about
    #: every metric, in METRICS order (multiclass: accuracy only)
    estimates: tuple[MetricEstimate, ...]
    calibration: CalibrationCheck
    min_value: float | None
    max_drop: float | None
    confidence: float  #: level of the intervals
    threshold: float  #: the decision threshold on the model's score
    n_simulations: int
    seed: int
    n_reference: int
    n_current: int
    positive_rate_reference: float  #: the reference's share of positive labels
    #: the expected share of positives in the current data (multiclass: of right predictions)
    positive_rate_current: float
    notes: tuple[str, ...] = ()
    #: classes of the model; above 2 only the top-label accuracy is estimated
    n_classes: int = 2

    def estimate(self, metric: str | None = None) -> MetricEstimate:
        """The estimate of ``metric`` (default: the verdict's metric)."""
        name = metric or self.metric
        for e in self.estimates:
            if e.metric == name:
                return e
        raise KeyError(f"no estimate of {name!r}; known: {[e.metric for e in self.estimates]}")

    @property
    def floor(self) -> float | None:
        """The lowest passing estimate: ``min_value`` and reference minus ``max_drop``."""
        floors = [] if self.min_value is None else [self.min_value]
        if self.max_drop is not None:
            reference = self.estimate().reference
            if not math.isnan(reference):
                floors.append(reference - self.max_drop)
        return max(floors) if floors else None

    @property
    def passed(self) -> bool:
        if not self.calibration.calibrated:
            return False
        floor = self.floor
        return floor is None or not breaches(self.estimate().estimate, floor, BadWhen.BELOW)

    def headline(self) -> Measure:
        e = self.estimate()
        return Measure(f"estimated_{self.metric}", e.estimate, self.floor, BadWhen.BELOW)

    def sizes(self) -> dict[str, int]:
        return {"n_reference": self.n_reference, "n_current": self.n_current}

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)  # zero-arg super() fails in slotted dataclasses
        for e in self.estimates:
            figures[f"estimated_{e.metric}"] = e.estimate
        figures["calibration_ece"] = self.calibration.ece
        figures["calibrated"] = self.calibration.calibrated
        return figures

    def measures(self) -> tuple[Measure, ...]:
        """Per metric (``subject``): ``estimated`` (against the floor for the verdict's
        metric), its interval, the reference's value, the realised value when labels were
        given; and the calibration's ECE and p-value (subject ``calibration``)."""
        out: list[Measure] = []
        for e in self.estimates:
            floor = self.floor if e.metric == self.metric else None
            out.append(Measure("estimated", e.estimate, floor, BadWhen.BELOW, e.metric))
            out.append(Measure("estimated_lower", e.lower, None, BadWhen.BELOW, e.metric))
            out.append(Measure("estimated_upper", e.upper, None, BadWhen.BELOW, e.metric))
            out.append(Measure("reference", e.reference, None, BadWhen.BELOW, e.metric))
            if e.realised is not None:
                out.append(Measure("realised", e.realised, None, BadWhen.BELOW, e.metric))
        c = self.calibration
        out.append(Measure("ece", c.ece, c.max_ece, BadWhen.ABOVE, "calibration"))
        out.append(Measure("pvalue", c.pvalue, c.alpha, BadWhen.BELOW, "calibration"))
        return tuple(out)

    def brief(self) -> str:
        e = self.estimate()
        text = (
            f"{self.metric} ~{fmt_number(e.estimate)} [{fmt_number(e.lower)}, "
            f"{fmt_number(e.upper)}] vs reference {fmt_number(e.reference)}"
        )
        if e.realised is not None:
            text += f", realised {fmt_number(e.realised)}"
        if not self.calibration.calibrated:
            text = f"MISCALIBRATED reference (ECE {fmt_number(self.calibration.ece)}); " + text
        return text

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        c = self.calibration
        head = (
            f"performance {verdict}: {self.headline().describe()} (estimated without labels, "
            f"{fmt_number(self.confidence * 100)}% interval from {self.n_simulations} simulated "
            f"labelings); n_reference={self.n_reference}, n_current={self.n_current}"
        )
        cal = (
            f"calibration ({c.method}): Hosmer-Lemeshow p={fmt_number(c.pvalue)} "
            f"(alpha {fmt_number(c.alpha)}), ECE={fmt_number(c.ece)} (max {fmt_number(c.max_ece)})"
            f": {'ok' if c.calibrated else 'MISCALIBRATED'}"
        )
        if not c.calibrated:
            cal += (
                "; the estimate rests on wrong probabilities: pass calibrate=True to calibrate "
                "on the reference (cross-fitted), or recalibrate the model"
            )
        rows = [
            [
                e.metric + (" *" if e.metric == self.metric else ""),
                fmt_number(e.estimate),
                f"[{fmt_number(e.lower)}, {fmt_number(e.upper)}]",
                fmt_number(e.reference),
                fmt_number(e.realised),
                "-" if e.inside is None else ("yes" if e.inside else "NO"),
            ]
            for e in self.estimates
        ]
        table = format_table(
            ["metric", "estimate", "interval", "reference", "realised", "inside"], rows
        )
        lines = [head, cal, table]
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)
