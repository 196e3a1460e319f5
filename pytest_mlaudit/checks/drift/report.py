"""The result types of the drift check: one row per (column, method), and the report.

:class:`ColumnDrift` is one statistic of one column, :class:`Histogram` the binned counts
of a column on both sides (for plots; never raw rows), :class:`DriftReport` all of them
with the verdict. The report's :meth:`DriftReport.measures` gives each row to the audit
history (see its docstring for how the two measures of a significance test combine).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Final

import pandas as pd

from pytest_mlaudit.io.frames import ColumnKind
from pytest_mlaudit.result import BadWhen, CheckReport, Measure, breaches, fmt_number, format_table
from pytest_mlaudit.stats.corrections import Correction

__all__ = ["ColumnDrift", "DriftReport", "Histogram"]

#: Categories shown per column in the record's histograms; the rest are pooled.
HISTOGRAM_CATEGORIES: Final = 20


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnDrift:
    """One statistic of one column.

    For significance tests (``ks``, ``chi2``, ``missing``) the column drifts when the
    corrected p-value is below ``alpha`` *and* ``effect > threshold``; for distances
    (``psi``, ``js``, ``wasserstein``, ``linf``) when ``statistic > threshold``
    (``effect`` equals ``statistic`` there).
    """

    json_properties: ClassVar[tuple[str, ...]] = ("significant", "drifted")

    column: str
    method: str  #: ks, chi2, missing, psi, js, wasserstein or linf
    kind: ColumnKind
    statistic: float  #: the method's statistic (D, chi-square, PSI, ...)
    pvalue: float | None  #: raw p-value; None for distances
    pvalue_adjusted: float | None  #: after the correction across this report's tests
    alpha: float | None  #: significance level (tests only)
    effect: float  #: effect size: D, total variation, |change of null share|, or the distance
    threshold: float  #: the effect floor (tests) or the distance threshold
    bad_when: BadWhen  #: always ABOVE: larger effects are worse
    n_reference: int  #: non-missing reference values used
    n_current: int  #: non-missing current values used
    missing_reference: float  #: share of missing values in the reference column
    missing_current: float  #: share of missing values in the current column
    details: dict[str, float | int | str]  #: method extras (dof, pooled cells, means, ...)

    @property
    def is_test(self) -> bool:
        return self.pvalue is not None

    @property
    def pvalue_is_bound(self) -> bool:
        """True when ``pvalue`` (and so ``pvalue_adjusted``) is an upper bound of scipy's
        p-value, within 1e-12 of it and far below ``alpha`` (``details["ks_method"] ==
        "bound"``, see :func:`~pytest_mlaudit.checks.drift._columns.settle_pvalues`)."""
        return self.details.get("ks_method") == "bound"

    @property
    def significant(self) -> bool:
        """Tests: the corrected p-value is below alpha. Distances: always True."""
        if self.pvalue_adjusted is None or self.alpha is None:
            return True
        return self.pvalue_adjusted < self.alpha

    @property
    def drifted(self) -> bool:
        return self.significant and breaches(self.effect, self.threshold, self.bad_when)


@dataclasses.dataclass(frozen=True, slots=True)
class Histogram:
    """Binned counts of one column on both sides, for plots (never raw rows).

    Numeric: ``edges`` has one more entry than the counts (reference-quantile bins, outer
    edges at the smallest/largest value seen). Categorical: ``labels`` name the counts;
    ``other_*`` pool the remaining reference categories, ``unseen`` the current-only ones.
    """

    column: str
    kind: ColumnKind
    edges: tuple[float, ...] | None
    labels: tuple[str, ...] | None
    reference: tuple[int, ...]
    current: tuple[int, ...]
    missing_reference: int
    missing_current: int
    other_reference: int = 0
    other_current: int = 0
    unseen_current: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class DriftReport(CheckReport):
    """The result of :func:`check_drift`: every column's statistics and the verdict.

    :meth:`measures` gives each row to the audit history as :class:`Measure` values about
    its column (``subject``): for every (column, method) row one measure named after the
    method, its ``effect`` against its ``threshold`` (bad above); for a significance test
    (``ks``, ``chi2``, ``missing``) also ``<method>_pvalue``, the corrected p-value
    against ``alpha`` (bad below). A distance drifts when its measure breaches; a test
    drifts only when **both** of its measures breach (significant *and* larger than the
    effect floor), exactly as :attr:`ColumnDrift.drifted`.
    """

    kind: ClassVar[str] = "drift"
    json_properties: ClassVar[tuple[str, ...]] = ("drifted_columns", "drifted_share")

    columns: tuple[ColumnDrift, ...]
    n_reference: int  #: rows of the reference
    n_current: int  #: rows of the current data
    alpha: float
    correction: Correction
    min_effect: float
    drift_share: float  #: the dataset fails when the drifted share exceeds this
    checked_columns: tuple[str, ...]
    unchecked_columns: tuple[str, ...]  #: columns only in current (no reference to compare)
    unseen_categories: dict[str, tuple[str, ...]]  #: column -> most frequent unseen values
    histograms: dict[str, Histogram]
    reference_is_profile: bool = False
    #: columns of both sides that ``columns=`` left out (on purpose, not for lack of data)
    excluded_columns: tuple[str, ...] = ()
    #: what the check inferred or chose, e.g. numbers held in an object column
    notes: tuple[str, ...] = ()
    #: sketch profiles only: columns whose KS statistic is too close to the effect floor
    #: to call at the sketch size (``D - bound <= floor < D + bound``); not drifted, but
    #: not shown stable either: compare them exactly, or with a larger ``k``
    undecided_columns: tuple[str, ...] = ()

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """Columns with at least one drifted statistic, in column order."""
        drifted = {c.column for c in self.columns if c.drifted}
        return tuple(c for c in self.checked_columns if c in drifted)

    @property
    def drifted_share(self) -> float:
        return len(self.drifted_columns) / len(self.checked_columns)

    @property
    def passed(self) -> bool:
        return not breaches(self.drifted_share, self.drift_share, BadWhen.ABOVE)

    def headline(self) -> Measure:
        return Measure("drifted_share", self.drifted_share, self.drift_share, BadWhen.ABOVE)

    def sizes(self) -> dict[str, int]:
        return {
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "n_columns": len(self.checked_columns),
        }

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)  # zero-arg super() fails in slotted dataclasses
        figures["drifted_columns"] = ",".join(self.drifted_columns)
        figures["n_drifted"] = len(self.drifted_columns)
        figures["n_columns"] = len(self.checked_columns)
        return figures

    def measures(self) -> tuple[Measure, ...]:
        """Per (column, method): the effect against its threshold, and for tests the
        corrected p-value against alpha (see the class docstring)."""
        out: list[Measure] = []
        for row in self.columns:
            out.append(Measure(row.method, row.effect, row.threshold, row.bad_when, row.column))
            if row.pvalue_adjusted is not None and row.alpha is not None:
                out.append(
                    Measure(
                        f"{row.method}_pvalue",
                        row.pvalue_adjusted,
                        row.alpha,
                        BadWhen.BELOW,
                        row.column,
                    )
                )
        return tuple(out)

    def brief(self) -> str:
        if not self.drifted_columns:
            return ""
        shown = ", ".join(self.drifted_columns[:5])
        more = len(self.drifted_columns) - 5
        return f"drifted: {shown}" + (f" (+{more} more)" if more > 0 else "")

    def column(self, name: str) -> tuple[ColumnDrift, ...]:
        """The rows of one column."""
        rows = tuple(c for c in self.columns if c.column == name)
        if not rows:
            raise KeyError(f"column {name!r} was not checked; checked: {self.checked_columns!r}")
        return rows

    def to_frame(self) -> pd.DataFrame:
        """One row per (column, method), as a pandas DataFrame (``pvalue_is_bound``: the
        p-values of that row are upper bounds, see :attr:`ColumnDrift.pvalue_is_bound`)."""
        return pd.DataFrame(
            [
                {
                    "column": c.column,
                    "method": c.method,
                    "statistic": c.statistic,
                    "pvalue": c.pvalue,
                    "pvalue_adjusted": c.pvalue_adjusted,
                    "pvalue_is_bound": c.pvalue_is_bound,
                    "effect": c.effect,
                    "threshold": c.threshold,
                    "drifted": c.drifted,
                    "n_reference": c.n_reference,
                    "n_current": c.n_current,
                    "missing_reference": c.missing_reference,
                    "missing_current": c.missing_current,
                }
                for c in self.columns
            ]
        )

    def summary(self, max_rows: int = 40) -> str:
        n = len(self.checked_columns)
        verdict = "passed" if self.passed else "FAILED"
        head = (
            f"drift {verdict}: {len(self.drifted_columns)} of {n} column(s) drifted "
            f"({self.headline().describe()}); {self.correction}-corrected at "
            f"alpha={fmt_number(self.alpha)}, effect floor {fmt_number(self.min_effect)}; "
            f"n_reference={self.n_reference}, n_current={self.n_current}"
        )
        rows = sorted(
            self.columns,
            key=lambda c: (not c.drifted, -(c.effect / c.threshold if c.threshold else c.effect)),
        )
        table = format_table(
            ["column", "method", "statistic", "p (adj)", "effect", "threshold", "drifted"],
            [
                [
                    c.column,
                    c.method,
                    fmt_number(c.statistic),
                    ("<=" if c.pvalue_is_bound else "") + fmt_number(c.pvalue_adjusted),
                    fmt_number(c.effect),
                    fmt_number(c.threshold),
                    "DRIFT"
                    if c.drifted
                    else (
                        "undecided"
                        if c.details.get("verdict") == "undecided"
                        else ("signif." if c.is_test and c.significant else "no")
                    ),
                ]
                for c in rows[:max_rows]
            ],
        )
        lines = [head, table]
        if len(rows) > max_rows:
            lines.append(f"... {len(rows) - max_rows} more row(s); see report.to_frame()")
        for col, values in self.unseen_categories.items():
            lines.append(f"unseen categories in {col!r}: {', '.join(map(repr, values))}")
        if self.unchecked_columns:
            lines.append(
                f"not checked (only in current): {', '.join(map(repr, self.unchecked_columns))}"
            )
        if self.excluded_columns:
            lines.append(f"left out with columns=: {', '.join(map(repr, self.excluded_columns))}")
        if self.undecided_columns:
            lines.append(
                "undecided at this sketch size (compare exactly or with a larger k): "
                + ", ".join(map(repr, self.undecided_columns))
            )
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)
