"""The result of weighing drift by the model: prediction drift, importance, root causes.

:class:`PredictionDrift` is the model's score distribution, reference vs current;
:class:`ColumnImpact` one column's importance to the model beside its drift;
:class:`Segment` and :class:`ColumnCause` the segments that explain a drifted column;
:class:`ImpactReport` all of them with the verdict.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from pytest_mlaudit.result import BadWhen, CheckReport, Measure, breaches, fmt_number, format_table

__all__ = ["ColumnCause", "ColumnImpact", "ImpactReport", "PredictionDrift", "Segment"]


@dataclasses.dataclass(frozen=True, slots=True)
class PredictionDrift:
    """The model's score on the reference and on the current rows: KS and PSI.

    Drifted when PSI (on ``bins`` reference-quantile bins of the score) exceeds
    ``psi_threshold``; the KS statistic and p-value are reported beside it.
    """

    json_properties: ClassVar[tuple[str, ...]] = ("drifted",)

    score: str  #: what the score is ("probability of the positive class", "prediction")
    psi: float
    psi_threshold: float
    ks_statistic: float
    ks_pvalue: float
    mean_reference: float
    mean_current: float
    bins: int

    @property
    def drifted(self) -> bool:
        return breaches(self.psi, self.psi_threshold, BadWhen.ABOVE)


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnImpact:
    """One column: its share of the model's importance and its drift."""

    json_properties: ClassVar[tuple[str, ...]] = ("important",)

    column: str
    importance: float  #: share of the model's importance, in [0, 1]
    drifted: bool  #: drifted in the drift report
    method: str  #: the drift row shown (the most drifted one of the column)
    effect: float  #: its effect
    threshold: float  #: its threshold
    min_importance: float  #: below this the column's drift is ignored

    @property
    def important(self) -> bool:
        return self.importance >= self.min_importance


@dataclasses.dataclass(frozen=True, slots=True)
class Segment:
    """One segment of the rows (``column`` = ``value``, or a numeric bin) of a drifted
    column's root-cause search."""

    json_properties: ClassVar[tuple[str, ...]] = ("share_change", "new")

    column: str  #: the column that splits the rows
    value: str  #: its value, or a bin ``(a, b]``
    share_reference: float
    share_current: float
    #: the drifted column's largest effect / threshold without this segment (< 1: no drift)
    drift_without: float
    explains: bool  #: without this segment the column does not drift

    @property
    def share_change(self) -> float:
        return self.share_current - self.share_reference

    @property
    def new(self) -> bool:
        return self.share_reference == 0.0 and self.share_current > 0.0

    def describe(self) -> str:
        """``region=online is new and holds 15% of current rows; without it, income ...``."""
        where = f"{self.column}={self.value}"
        if self.new:
            text = f"{where} is new and holds {self.share_current:.0%} of current rows"
        else:
            text = (
                f"{where} went from {self.share_reference:.0%} to {self.share_current:.0%} "
                "of the rows"
            )
        return text


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnCause:
    """The segments examined for one drifted column, those that explain it first."""

    json_properties: ClassVar[tuple[str, ...]] = ("blamed",)

    column: str
    segments: tuple[Segment, ...]

    @property
    def blamed(self) -> tuple[Segment, ...]:
        """The segments whose removal stops the drift (empty: a global shift)."""
        return tuple(s for s in self.segments if s.explains)

    def describe(self) -> str:
        if not self.blamed:
            return f"{self.column}: no single segment explains it (a shift across the rows)"
        s = self.blamed[0]
        return f"{s.describe()}; without it, {self.column} does not drift"


@dataclasses.dataclass(frozen=True, slots=True)
class ImpactReport(CheckReport):
    """Drift weighted by the model; fails when the score distribution moved or when the
    drifted columns carry more than ``max_drifted_importance`` of the model's importance
    (columns below ``min_importance`` are ignored)."""

    kind: ClassVar[str] = "impact"
    json_properties: ClassVar[tuple[str, ...]] = (
        "drifted_importance",
        "important_drifted",
        "ignored_drifted",
    )

    prediction: PredictionDrift
    columns: tuple[ColumnImpact, ...]  #: by importance, largest first
    importance_method: str  #: permutation, model or score_permutation
    min_importance: float
    max_drifted_importance: float
    causes: tuple[ColumnCause, ...]  #: per drifted column, the most important first
    n_reference: int
    n_current: int
    drift_passed: bool  #: the verdict of the drift report it weighs
    seed: int
    notes: tuple[str, ...] = ()

    @property
    def important_drifted(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.columns if c.drifted and c.important)

    @property
    def ignored_drifted(self) -> tuple[str, ...]:
        """Drifted columns too unimportant to the model to count."""
        return tuple(c.column for c in self.columns if c.drifted and not c.important)

    @property
    def drifted_importance(self) -> float:
        """The share of the model's importance held by the important drifted columns."""
        return float(sum(c.importance for c in self.columns if c.drifted and c.important))

    @property
    def passed(self) -> bool:
        return not self.prediction.drifted and not breaches(
            self.drifted_importance, self.max_drifted_importance, BadWhen.ABOVE
        )

    def headline(self) -> Measure:
        return Measure(
            "drifted_importance",
            self.drifted_importance,
            self.max_drifted_importance,
            BadWhen.ABOVE,
        )

    def sizes(self) -> dict[str, int]:
        return {
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "n_columns": len(self.columns),
        }

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)  # zero-arg super() fails in slotted dataclasses
        figures["prediction_psi"] = self.prediction.psi
        figures["prediction_ks"] = self.prediction.ks_statistic
        figures["important_drifted"] = ",".join(self.important_drifted)
        return figures

    def measures(self) -> tuple[Measure, ...]:
        """The score's PSI (against its threshold) and KS (subject ``score``); per column
        its ``importance`` (tracked) and ``weighted_drift``: the importance of a drifted
        important column (0 otherwise), against ``max_drifted_importance``."""
        p = self.prediction
        out = [
            Measure("psi", p.psi, p.psi_threshold, BadWhen.ABOVE, "score"),
            Measure("ks", p.ks_statistic, None, BadWhen.ABOVE, "score"),
        ]
        for c in self.columns:
            out.append(Measure("importance", c.importance, None, BadWhen.ABOVE, c.column))
            weighted = c.importance if c.drifted and c.important else 0.0
            out.append(
                Measure(
                    "weighted_drift",
                    weighted,
                    self.max_drifted_importance,
                    BadWhen.ABOVE,
                    c.column,
                )
            )
        return tuple(out)

    def brief(self) -> str:
        p = self.prediction
        parts = [f"score PSI {fmt_number(p.psi)}"]
        if self.important_drifted:
            shown = ", ".join(
                f"{c.column} ({c.importance:.0%})"
                for c in self.columns
                if c.drifted and c.important
            )
            parts.append(f"drifted: {shown}")
        if self.ignored_drifted:
            parts.append(f"ignored (unimportant): {', '.join(self.ignored_drifted[:3])}")
        blamed = [c for c in self.causes if c.blamed]
        if blamed:
            parts.append(blamed[0].describe())
        return "; ".join(parts)

    def cause(self, column: str) -> ColumnCause:
        for c in self.causes:
            if c.column == column:
                return c
        raise KeyError(f"no root cause searched for {column!r}")

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        p = self.prediction
        n_drifted = sum(1 for c in self.columns if c.drifted)
        head = (
            f"impact {verdict}: {self.headline().describe()}; {n_drifted} column(s) drifted, "
            f"{len(self.important_drifted)} of them important to the model (importance >= "
            f"{fmt_number(self.min_importance)}, {self.importance_method})"
        )
        score = (
            f"score ({p.score}): PSI={fmt_number(p.psi)} (max {fmt_number(p.psi_threshold)}), "
            f"KS D={fmt_number(p.ks_statistic)} p={fmt_number(p.ks_pvalue)}, mean "
            f"{fmt_number(p.mean_reference)} -> {fmt_number(p.mean_current)}"
            + (": MOVED" if p.drifted else ": stable")
        )
        table = format_table(
            ["column", "importance", "drifted", "method", "effect", "threshold"],
            [
                [
                    c.column,
                    f"{c.importance:.1%}",
                    ("DRIFT" if c.important else "drift (ignored)") if c.drifted else "no",
                    c.method,
                    fmt_number(c.effect),
                    fmt_number(c.threshold),
                ]
                for c in self.columns
            ],
        )
        lines = [head, score, table]
        for cause in self.causes:
            lines.append(f"root cause of {cause.describe()}")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)
