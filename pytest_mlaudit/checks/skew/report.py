"""The result of :func:`~pytest_mlaudit.checks.skew.check_skew`: per-feature distribution
distances, per-feature joined counts, how the join went, and a few differing examples.

:class:`SkewReport` computes ``passed`` from the numbers it keeps (no feature skewed) and
gives one :class:`~pytest_mlaudit.result.Measure` per feature and comparison through
:meth:`SkewReport.measures`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

from pytest_mlaudit.checks.parity.frames import JsonScalar
from pytest_mlaudit.result import BadWhen, CheckReport, Measure, breaches, fmt_number, format_table

__all__ = ["DistributionSkew", "JoinStats", "JoinedExample", "JoinedSkew", "SkewReport"]


@dataclasses.dataclass(frozen=True, slots=True)
class DistributionSkew:
    """Distribution distance of one feature between training and serving (TFDV-style)."""

    json_properties: ClassVar[tuple[str, ...]] = ("skewed",)

    feature: str
    kind: str  #: numeric or categorical
    method: str  #: "js" (numeric), "linf" (categorical), "type" (the kinds differ)
    statistic: float
    threshold: float
    n_training: int
    n_serving: int
    missing_training: float  #: share of missing values
    missing_serving: float
    details: dict[str, float | int | str]

    @property
    def skewed(self) -> bool:
        return breaches(self.statistic, self.threshold, BadWhen.ABOVE)


@dataclasses.dataclass(frozen=True, slots=True)
class JoinedSkew:
    """One feature over the examples joined on the id (TFDV's ``FeatureSkew`` counts)."""

    json_properties: ClassVar[tuple[str, ...]] = ("diff_count", "diff_rate", "skewed")

    feature: str
    n_joined: int  #: examples in both training and serving
    training_count: int  #: joined examples with the feature present in training
    serving_count: int  #: ... present in serving
    match_count: int  #: present in both and equal (within the tolerance)
    mismatch_count: int  #: present in both and different
    training_only: int  #: present in training only
    serving_only: int  #: present in serving only
    max_abs_diff: float | None
    threshold: float  #: max_mismatch_rate

    @property
    def diff_count(self) -> int:
        return self.training_only + self.serving_only + self.mismatch_count

    @property
    def diff_rate(self) -> float:
        return self.diff_count / self.n_joined if self.n_joined else math.nan

    @property
    def skewed(self) -> bool:
        return breaches(self.diff_rate, self.threshold, BadWhen.ABOVE)


@dataclasses.dataclass(frozen=True, slots=True)
class JoinStats:
    """How the two sides joined on the id column(s)."""

    id_columns: tuple[str, ...]
    n_joined: int
    training_ids_only: int  #: training examples whose id is not in serving
    serving_ids_only: int  #: serving examples whose id is not in training
    missing_ids_training: int  #: training examples without an id (skipped)
    missing_ids_serving: int
    duplicate_ids_training: int  #: examples dropped as repeated ids (allow_duplicate_ids)
    duplicate_ids_serving: int


@dataclasses.dataclass(frozen=True, slots=True)
class JoinedExample:
    """A joined example whose feature differs (TFDV's skew pairs, per feature)."""

    feature: str
    id: str  #: repr of the id value(s)
    training: str  #: repr of the training value
    serving: str  #: repr of the serving value
    training_json: JsonScalar
    serving_json: JsonScalar


@dataclasses.dataclass(frozen=True, slots=True)
class SkewReport(CheckReport):
    """The result of :func:`check_skew`."""

    kind: ClassVar[str] = "skew"
    json_properties: ClassVar[tuple[str, ...]] = ("skewed_features",)

    distribution: tuple[DistributionSkew, ...]
    joined: tuple[JoinedSkew, ...]
    join: JoinStats | None
    n_training: int
    n_serving: int
    checked_features: tuple[str, ...]
    unchecked_features: tuple[str, ...]  #: serving-only columns
    linf_threshold: float
    js_threshold: float
    max_mismatch_rate: float
    rtol: float
    atol: float
    examples: tuple[JoinedExample, ...] = ()
    #: feature -> what was inferred about it (e.g. numbers in an object column compared
    #: as numbers)
    inferred: dict[str, str] = dataclasses.field(default_factory=dict)
    notes: tuple[str, ...] = ()  #: e.g. how columns with non-string names are shown

    @property
    def skewed_features(self) -> tuple[str, ...]:
        """Features skewed by distribution or by joined mismatches, in feature order."""
        bad = {d.feature for d in self.distribution if d.skewed}
        bad |= {j.feature for j in self.joined if j.skewed}
        return tuple(f for f in self.checked_features if f in bad)

    @property
    def passed(self) -> bool:
        return not breaches(float(len(self.skewed_features)), 0.0, BadWhen.ABOVE)

    def headline(self) -> Measure:
        return Measure("skewed_features", float(len(self.skewed_features)), 0.0, BadWhen.ABOVE)

    def sizes(self) -> dict[str, int]:
        sizes = {
            "n_training": self.n_training,
            "n_serving": self.n_serving,
            "n_features": len(self.checked_features),
        }
        if self.join is not None:
            sizes["n_joined"] = self.join.n_joined
        return sizes

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)  # slots dataclass: no bare super()
        figures["skewed"] = ",".join(self.skewed_features)
        figures["max_linf"] = max(
            (d.statistic for d in self.distribution if d.method == "linf"), default=0.0
        )
        figures["max_js"] = max(
            (d.statistic for d in self.distribution if d.method == "js"), default=0.0
        )
        if self.join is not None:
            figures["n_joined"] = self.join.n_joined
            figures["max_diff_rate"] = max((j.diff_rate for j in self.joined), default=0.0)
        return figures

    def measures(self) -> tuple[Measure, ...]:
        """Per feature, its distribution distance (named after the method: ``js``, ``linf``,
        ``type``) and, when joined, its ``diff_rate``, each against its threshold.

        A measure breaches exactly when its row in :attr:`distribution` or :attr:`joined`
        is ``skewed``.
        """
        dist = (
            Measure(d.method, d.statistic, d.threshold, BadWhen.ABOVE, subject=d.feature)
            for d in self.distribution
        )
        joined = (
            Measure("diff_rate", j.diff_rate, j.threshold, BadWhen.ABOVE, subject=j.feature)
            for j in self.joined
        )
        return (*dist, *joined)

    def brief(self) -> str:
        if not self.skewed_features:
            return ""
        shown = ", ".join(self.skewed_features[:5])
        more = len(self.skewed_features) - 5
        return f"skewed: {shown}" + (f" (+{more} more)" if more > 0 else "")

    def summary(self, max_rows: int = 40) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"skew {verdict}: {len(self.skewed_features)} of {len(self.checked_features)} "
            f"feature(s) skewed ({self.headline().describe()}); n_training={self.n_training}, "
            f"n_serving={self.n_serving}"
        ]
        if self.distribution:
            rows = sorted(
                self.distribution, key=lambda d: (not d.skewed, -d.statistic / (d.threshold or 1))
            )
            lines.append("distribution (L-infinity for categorical, Jensen-Shannon for numeric):")
            lines.append(
                format_table(
                    [
                        "feature",
                        "kind",
                        "method",
                        "statistic",
                        "threshold",
                        "missing (train)",
                        "missing (serve)",
                        "skewed",
                    ],
                    [
                        [
                            d.feature,
                            d.kind,
                            d.method,
                            fmt_number(d.statistic),
                            fmt_number(d.threshold),
                            fmt_number(d.missing_training),
                            fmt_number(d.missing_serving),
                            "SKEW" if d.skewed else "no",
                        ]
                        for d in rows[:max_rows]
                    ],
                )
            )
        if self.join is not None:
            j = self.join
            lines.append(
                f"joined on {', '.join(j.id_columns)}: {j.n_joined} example(s) in both; "
                f"{j.training_ids_only} training-only and {j.serving_ids_only} serving-only id(s)"
            )
            rows_j = sorted(self.joined, key=lambda x: (not x.skewed, -x.diff_count))
            lines.append(
                format_table(
                    [
                        "feature",
                        "training",
                        "serving",
                        "match",
                        "mismatch",
                        "training only",
                        "serving only",
                        "diff rate",
                        "max |diff|",
                        "skewed",
                    ],
                    [
                        [
                            x.feature,
                            str(x.training_count),
                            str(x.serving_count),
                            str(x.match_count),
                            str(x.mismatch_count),
                            str(x.training_only),
                            str(x.serving_only),
                            fmt_number(x.diff_rate),
                            fmt_number(x.max_abs_diff),
                            "SKEW" if x.skewed else "no",
                        ]
                        for x in rows_j[:max_rows]
                    ],
                )
            )
            for ex in self.examples:
                lines.append(
                    f"  {ex.feature} at id {ex.id}: training {ex.training}, serving {ex.serving}"
                )
        if self.unchecked_features:
            lines.append(f"not checked (serving only): {', '.join(self.unchecked_features)}")
        lines.extend(f"inferred: {name}: {what}" for name, what in self.inferred.items())
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)
