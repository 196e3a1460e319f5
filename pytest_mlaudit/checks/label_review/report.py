"""The result types of a label review: per-class noise estimates, corrections, the report.

JSON-friendly (the audit record stores them); pandas is imported only by the methods
that build frames.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pytest_mlaudit.checks.labels.report import Label, write_csv
from pytest_mlaudit.result import BadWhen, CheckReport, Measure, breaches, format_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ClassNoise", "Correction", "LabelReviewReport"]


def _pct(x: float) -> str:
    return "nan" if math.isnan(x) else f"{100 * x:.1f}%"


def _interval(low: float, high: float) -> str:
    return f"[{_pct(low)}, {_pct(high)}]"


@dataclasses.dataclass(frozen=True, slots=True)
class ClassNoise:
    """The reviewers' verdicts on one class (rows given that label) and its noise rate."""

    label: Label  #: the class (given label)
    rows: int  #: rows given this label in the audited data
    flagged: int  #: of those, rows flagged by the label audit
    reviewed_flagged: int  #: flagged rows of the sample that were reviewed
    wrong_flagged: int  #: of those, judged wrong
    reviewed_unflagged: int  #: unflagged rows of the sample that were reviewed
    wrong_unflagged: int  #: of those, judged wrong
    noise_rate: float  #: estimated share of wrong labels in the class (stratified)
    noise_low: float  #: lower end of its confidence interval
    noise_high: float  #: upper end of its confidence interval


@dataclasses.dataclass(frozen=True, slots=True)
class Correction:
    """A row the reviewers fixed: its given label and the right one."""

    position: int  #: 0-based position of the row in the audited input
    index: Label  #: the row id (pandas index label, else the position)
    given: Label  #: the label in the data
    corrected: Label  #: the reviewer's label


@dataclasses.dataclass(frozen=True, slots=True)
class LabelReviewReport(CheckReport):
    """The result of :func:`~pytest_mlaudit.review_labels`.

    ``passed`` holds when neither the overall estimated noise rate nor any class's is
    above ``max_noise_rate``; ``fail_on`` says which figure is compared: the point
    estimate (default) or the upper end of its interval.
    """

    kind: ClassVar[str] = "label_review"

    source: str  #: the reviewed CSV file
    sample_rows: int  #: rows in the audit sample
    reviewed: int  #: rows of the sample with a verdict
    wrong: int  #: of those, judged wrong
    reviewed_flagged: int  #: reviewed rows that the audit flagged
    confirmed_flagged: int  #: of those, judged wrong (the flag was right)
    precision: float  #: estimated share of flagged rows whose label is wrong (stratified)
    precision_low: float  #: lower end of its confidence interval
    precision_high: float  #: upper end of its confidence interval
    noise_rate: float  #: estimated share of wrong labels in all audited rows
    noise_low: float  #: lower end of its confidence interval
    noise_high: float  #: upper end of its confidence interval
    confidence: float  #: the level of the intervals
    max_noise_rate: float  #: the limit
    fail_on: str  #: "estimate" or "upper": the figure compared with the limit
    per_class: tuple[ClassNoise, ...]  #: one entry per audited class
    corrections: tuple[Correction, ...]  #: rows judged wrong with the right label given
    audited_rows: int  #: rows of the label audit (the population the estimates are about)
    notes: tuple[str, ...] = ()

    def _compared(self, estimate: float, high: float) -> float:
        return high if self.fail_on == "upper" else estimate

    def _breached(self, estimate: float, high: float) -> bool:
        value = self._compared(estimate, high)
        # a rate that cannot be estimated (a stratum without a reviewed row) fails
        return math.isnan(value) or breaches(value, self.max_noise_rate, BadWhen.ABOVE)

    @property
    def passed(self) -> bool:
        if self._breached(self.noise_rate, self.noise_high):
            return False
        return not any(self._breached(c.noise_rate, c.noise_high) for c in self.per_class)

    @property
    def _measure_name(self) -> str:
        return "noise_rate_upper" if self.fail_on == "upper" else "noise_rate"

    def headline(self) -> Measure:
        overall = Measure(
            self._measure_name,
            self._compared(self.noise_rate, self.noise_high),
            self.max_noise_rate,
            BadWhen.ABOVE,
        )
        if self._breached(self.noise_rate, self.noise_high):
            return overall
        for m in self.measures():
            if m.breached or math.isnan(m.statistic):
                return Measure(f"{m.name}[{m.subject}]", m.statistic, m.threshold, m.bad_when)
        return overall

    def measures(self) -> tuple[Measure, ...]:
        """Per class: the estimated noise rate (or its upper bound) against the limit."""
        return tuple(
            Measure(
                self._measure_name,
                self._compared(c.noise_rate, c.noise_high),
                self.max_noise_rate,
                BadWhen.ABOVE,
                subject=str(c.label),
            )
            for c in self.per_class
        )

    def sizes(self) -> dict[str, int]:
        return {
            "sample_rows": self.sample_rows,
            "reviewed": self.reviewed,
            "audited_rows": self.audited_rows,
        }

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)
        figures.update(
            {
                "noise_rate": self.noise_rate,
                "noise_rate_low": self.noise_low,
                "noise_rate_high": self.noise_high,
                "noise_rate_threshold": self.max_noise_rate,
                "precision": self.precision,
                "reviewed": self.reviewed,
                "wrong": self.wrong,
                "corrections": len(self.corrections),
            }
        )
        return figures

    def brief(self) -> str:
        return (
            f"{self.wrong}/{self.reviewed} reviewed rows wrong; flag precision "
            f"{_pct(self.precision)}"
        )

    def corrections_frame(self) -> pd.DataFrame:
        """The rows the reviewers fixed: position, index, given, corrected."""
        import pandas as pd

        return pd.DataFrame.from_records(
            [dataclasses.astuple(c) for c in self.corrections],
            columns=["position", "index", "given", "corrected"],
        )

    def write_corrections(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write :meth:`corrections_frame` to ``path`` as CSV and return the path.

        An existing file is never replaced unless ``overwrite=True``.
        """
        return write_csv(self.corrections_frame(), path, overwrite=overwrite)

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        level = f"{round(100 * self.confidence)}%"
        compared = "upper bound" if self.fail_on == "upper" else "estimate"
        lines = [
            f"label_review {verdict}: estimated noise rate {_pct(self.noise_rate)} "
            f"{level} CI {_interval(self.noise_low, self.noise_high)} "
            f"(limit {_pct(self.max_noise_rate)} on the {compared}); {self.wrong} of "
            f"{self.reviewed} reviewed rows wrong ({self.sample_rows} in the sample, "
            f"{self.audited_rows} audited) from {self.source}",
            f"flag precision {_pct(self.precision)} {level} CI "
            f"{_interval(self.precision_low, self.precision_high)} "
            f"({self.confirmed_flagged} of {self.reviewed_flagged} reviewed flagged rows wrong)",
            "",
            format_table(
                [
                    "class",
                    "rows",
                    "flagged",
                    "wrong/reviewed flagged",
                    "wrong/reviewed other",
                    "noise rate",
                    "CI",
                    "verdict",
                ],
                [
                    [
                        str(c.label),
                        str(c.rows),
                        str(c.flagged),
                        f"{c.wrong_flagged}/{c.reviewed_flagged}",
                        f"{c.wrong_unflagged}/{c.reviewed_unflagged}",
                        _pct(c.noise_rate),
                        _interval(c.noise_low, c.noise_high),
                        "FAIL" if self._breached(c.noise_rate, c.noise_high) else "ok",
                    ]
                    for c in self.per_class
                ],
            ),
        ]
        if self.corrections:
            lines += ["", f"{len(self.corrections)} corrected labels (write_corrections(path))"]
        if self.notes:
            lines += ["", "notes:", *(f"- {note}" for note in self.notes)]
        return "\n".join(lines)
