"""The result of :func:`~pytest_mlaudit.checks.parity.check_parity`: per-feature numbers,
the counts of whole-record problems, and the minimal counterexamples.

:class:`ParityReport` computes ``passed`` from the numbers it keeps (the share of
compared examples with any mismatch against ``max_mismatch_rate``) and gives one
:class:`~pytest_mlaudit.result.Measure` per feature through :meth:`ParityReport.measures`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar, Final

import pandas as pd

from pytest_mlaudit.checks.parity.frames import JsonScalar
from pytest_mlaudit.result import BadWhen, CheckReport, Measure, breaches, fmt_number, format_table

__all__ = [
    "MIN_COMPARED_RATE",
    "Counterexample",
    "FeatureParity",
    "ParityCoverageWarning",
    "ParityReport",
]

#: Below this share of generated records compared, the check warns (the generator is
#: drawing records both pipelines reject).
MIN_COMPARED_RATE: Final = 0.5


class ParityCoverageWarning(UserWarning):
    """Most generated records were rejected by both pipelines: the check tested little."""


@dataclasses.dataclass(frozen=True, slots=True)
class FeatureParity:
    """How one feature compared over all checked examples."""

    json_properties: ClassVar[tuple[str, ...]] = ("mismatch_rate",)

    feature: str
    checked: int  #: examples where both pipelines produced a row
    mismatched: int  #: of those, examples where the values differ
    value_mismatches: int  #: both present, same type family, beyond the tolerance
    type_mismatches: int  #: both present, different type family (e.g. float vs str)
    missing_mismatches: int  #: missing (None/NaN) or absent on one side only
    max_abs_diff: float | None  #: largest |offline - online| over numeric pairs
    max_rel_diff: float | None  #: largest |offline - online| / max(|offline|, |online|)
    rtol: float
    atol: float
    offline_type: str  #: dtype of the offline column ("<absent>" if not produced)
    online_type: str  #: Python/numpy types of the online values

    @property
    def mismatch_rate(self) -> float:
        return self.mismatched / self.checked if self.checked else math.nan


@dataclasses.dataclass(frozen=True, slots=True)
class Counterexample:
    """A raw record on which the pipelines disagree, minimised where possible.

    ``record`` holds ``repr()`` of every raw field (exact, including NaN vs None and
    time zones); ``record_json`` the same values as JSON scalars where possible
    (datetimes as ISO-8601 strings; strict JSON writes NaN as the string ``"nan"``, so
    read ``record`` to tell a NaN from the text ``'nan'``).
    """

    feature: str | None  #: the feature that differs; None for a whole-record problem
    kind: str  #: value, type, missing, absent, offline_raised, online_raised, *_dropped, moved
    origin: str  #: "generated" (hypothesis) or "rows" (a real input row)
    shrunk: bool  #: minimised (hypothesis shrinking; greedy simplification of real rows)
    row: int | None  #: position of the real row (origin "rows")
    seed: int | None  #: the hypothesis seed (origin "generated")
    record: dict[str, str]  #: field -> repr of the raw value
    record_json: dict[str, JsonScalar]  #: field -> JSON-safe raw value
    record_literal: str  #: the whole record as a Python literal, to paste into a test
    offline: str  #: repr of the offline value (or "<raised ...>", "<no row>", "<absent>")
    online: str  #: repr of the online value
    offline_json: JsonScalar
    online_json: JsonScalar
    abs_diff: float | None
    rel_diff: float | None
    detail: str  #: why it counts as a mismatch
    traceback: str | None = None  #: for an exception on one side


@dataclasses.dataclass(frozen=True, slots=True)
class ParityReport(CheckReport):
    """The result of :func:`check_parity`."""

    kind: ClassVar[str] = "parity"
    json_properties: ClassVar[tuple[str, ...]] = ("mismatch_rate", "mismatched_features")

    features: tuple[FeatureParity, ...]
    n_examples: int  #: raw examples checked: real rows + generated records
    n_rows: int  #: real rows among them
    n_generated: int  #: records hypothesis generated
    n_mismatched: int  #: examples with any problem (a feature, an exception, a lost row)
    n_both_rejected: int  #: examples both pipelines rejected (raised/dropped): agreement
    n_offline_raised: int  #: examples only the offline pipeline raised on
    n_online_raised: int  #: examples only the online pipeline raised on
    n_dropped: int  #: examples one side returned no row for (the other did)
    n_moved: int  #: rows a frame pipeline returned out of input order
    max_mismatch_rate: float
    rtol: float
    atol: float
    strict_dtypes: bool
    online_mode: str
    seed: int
    max_examples: int
    counterexamples: tuple[Counterexample, ...]
    notes: tuple[str, ...] = ()
    #: generated records at least one pipeline produced features for (the others both
    #: rejected: raised on or dropped); None in records written before it was kept
    n_generated_compared: int | None = None
    #: what the generator drew per field (:meth:`Field.describe`), when the strategy
    #: carries a schema (``rows_like``/``from_schema``)
    generated_fields: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def generated_compared_rate(self) -> float | None:
        """Share of generated records that were compared (not rejected by both pipelines).

        Low means the generator spends its examples on records both sides refuse:
        look at :attr:`generated_fields` and correct the fields it got wrong with
        ``rows_like(..., overrides=...)``. None when nothing was generated.
        """
        if self.n_generated_compared is None or not self.n_generated:
            return None
        return self.n_generated_compared / self.n_generated

    @property
    def low_coverage(self) -> bool:
        """True when fewer than :data:`MIN_COMPARED_RATE` of the generated records were compared."""
        rate = self.generated_compared_rate
        return rate is not None and rate < MIN_COMPARED_RATE

    def coverage_warning(self) -> str:
        """The sentence warning about a low :attr:`generated_compared_rate` ("" when fine)."""
        rate = self.generated_compared_rate
        if rate is None or not self.low_coverage:
            return ""
        formatted = [f for f, d in self.generated_fields.items() if d.startswith("string")]
        hint = (
            " (the string fields as inferred: "
            + "; ".join(f"{f}: {self.generated_fields[f]}" for f in formatted[:5])
            + ")"
            if formatted
            else ""
        )
        return (
            f"only {self.n_generated_compared} of {self.n_generated} generated records "
            f"({rate:.0%}) were compared: both pipelines rejected the rest, so the generated "
            f"inputs test little{hint}. Check report.generated_fields, correct what was "
            "inferred with rows_like(sample, overrides={field: Field(...)}), or pass "
            "nulls='observed' if the pipelines refuse nulls on purpose."
        )

    @property
    def n_compared(self) -> int:
        """Examples at least one pipeline produced features for."""
        return self.n_examples - self.n_both_rejected

    @property
    def mismatch_rate(self) -> float:
        """Share of compared examples with any mismatch (NaN when none was compared)."""
        return self.n_mismatched / self.n_compared if self.n_compared else math.nan

    @property
    def mismatched_features(self) -> tuple[str, ...]:
        """Features with at least one mismatch, in feature order."""
        return tuple(f.feature for f in self.features if f.mismatched)

    @property
    def passed(self) -> bool:
        return not breaches(self.mismatch_rate, self.max_mismatch_rate, BadWhen.ABOVE)

    def headline(self) -> Measure:
        return Measure("mismatch_rate", self.mismatch_rate, self.max_mismatch_rate, BadWhen.ABOVE)

    def sizes(self) -> dict[str, int]:
        return {
            "n_examples": self.n_examples,
            "n_rows": self.n_rows,
            "n_generated": self.n_generated,
            "n_features": len(self.features),
        }

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)  # slots dataclass: no bare super()
        figures["mismatched_features"] = ",".join(self.mismatched_features)
        figures["n_mismatched_features"] = len(self.mismatched_features)
        figures["n_mismatched"] = self.n_mismatched
        figures["n_examples"] = self.n_examples
        figures["n_counterexamples"] = len(self.counterexamples)
        return figures

    def measures(self) -> tuple[Measure, ...]:
        """Per feature, its mismatch rate against ``max_mismatch_rate`` (the verdict's limit).

        A feature that was never checked (both sides rejected every example) has a NaN
        rate, which breaches: nothing compared is not a pass. With the default
        ``max_mismatch_rate=0`` the breached features are :attr:`mismatched_features`.
        """
        return tuple(
            Measure(
                "mismatch_rate",
                f.mismatch_rate,
                self.max_mismatch_rate,
                BadWhen.ABOVE,
                subject=f.feature,
            )
            for f in self.features
        )

    def feature(self, name: str) -> FeatureParity:
        """The row of one feature."""
        for f in self.features:
            if f.feature == name:
                return f
        raise KeyError(
            f"feature {name!r} was not compared; compared: {[f.feature for f in self.features]!r}"
        )

    def brief(self) -> str:
        parts = []
        if self.mismatched_features:
            shown = ", ".join(self.mismatched_features[:5])
            more = len(self.mismatched_features) - 5
            parts.append(f"mismatched: {shown}" + (f" (+{more} more)" if more > 0 else ""))
        if self.n_online_raised:
            parts.append(f"online raised on {self.n_online_raised}")
        if self.n_offline_raised:
            parts.append(f"offline raised on {self.n_offline_raised}")
        if self.n_dropped:
            parts.append(f"{self.n_dropped} row(s) lost")
        if self.n_moved:
            parts.append(f"{self.n_moved} row(s) reordered")
        if self.n_compared == 0:
            parts.append("nothing compared: both pipelines rejected every example")
        elif self.low_coverage:
            parts.append(f"only {self.generated_compared_rate:.0%} of generated records compared")
        return "; ".join(parts)

    def to_frame(self) -> pd.DataFrame:
        """One row per feature, as a pandas DataFrame."""
        return pd.DataFrame(
            [
                {
                    "feature": f.feature,
                    "checked": f.checked,
                    "mismatched": f.mismatched,
                    "mismatch_rate": f.mismatch_rate,
                    "value": f.value_mismatches,
                    "type": f.type_mismatches,
                    "missing": f.missing_mismatches,
                    "max_abs_diff": f.max_abs_diff,
                    "max_rel_diff": f.max_rel_diff,
                    "offline_type": f.offline_type,
                    "online_type": f.online_type,
                }
                for f in self.features
            ]
        )

    def summary(self, max_rows: int = 40) -> str:
        verdict = "passed" if self.passed else "FAILED"
        sources = []
        if self.n_rows:
            sources.append(f"{self.n_rows} real row(s)")
        if self.n_generated:
            compared = self.generated_compared_rate
            share = (
                f", {self.n_generated_compared} compared ({compared:.0%})"
                if compared is not None
                else ""
            )
            sources.append(f"{self.n_generated} generated record(s) (seed={self.seed}{share})")
        head = (
            f"parity {verdict}: {len(self.mismatched_features)} of {len(self.features)} "
            f"feature(s) differ between offline and online; {self.n_mismatched} of "
            f"{self.n_compared} compared example(s) mismatched ({self.headline().describe()}); "
            f"checked {' and '.join(sources) or 'nothing'}; rtol={fmt_number(self.rtol)}, "
            f"atol={fmt_number(self.atol)}, online_mode={self.online_mode!r}"
        )
        rows = sorted(self.features, key=lambda f: (not f.mismatched, -f.mismatched))
        table = format_table(
            [
                "feature",
                "checked",
                "mismatched",
                "rate",
                "value",
                "type",
                "missing",
                "max |diff|",
                "max rel",
                "offline type",
                "online type",
            ],
            [
                [
                    f.feature,
                    str(f.checked),
                    str(f.mismatched),
                    fmt_number(f.mismatch_rate),
                    str(f.value_mismatches),
                    str(f.type_mismatches),
                    str(f.missing_mismatches),
                    fmt_number(f.max_abs_diff),
                    fmt_number(f.max_rel_diff),
                    f.offline_type,
                    f.online_type,
                ]
                for f in rows[:max_rows]
            ],
        )
        lines = [head, table]
        if len(rows) > max_rows:
            lines.append(f"... {len(rows) - max_rows} more feature(s); see report.to_frame()")
        counts = [
            (self.n_offline_raised, "example(s) only the offline pipeline raised on"),
            (self.n_online_raised, "example(s) only the online pipeline raised on"),
            (self.n_dropped, "example(s) one pipeline returned no row for"),
            (self.n_moved, "row(s) returned out of input order"),
            (self.n_both_rejected, "example(s) both pipelines rejected (not compared)"),
        ]
        for count, text in counts:
            if count:
                lines.append(f"{count} {text}")
        if self.low_coverage:
            lines.append(f"WARNING: {self.coverage_warning()}")
        shown_fields = {f: d for f, d in self.generated_fields.items() if d.startswith("string:")}
        if shown_fields:
            lines.append(
                "formats inferred: " + "; ".join(f"{f}: {d}" for f, d in shown_fields.items())
            )
        lines.extend(f"note: {n}" for n in self.notes)
        for i, cx in enumerate(self.counterexamples, 1):
            lines.append(_format_counterexample(i, cx))
        return "\n".join(lines)


def _format_counterexample(i: int, cx: Counterexample) -> str:
    what = (
        f"feature {cx.feature!r}: {cx.kind} mismatch"
        if cx.feature is not None
        else {
            "offline_raised": "the offline pipeline raised, the online one did not",
            "online_raised": "the online pipeline raised, the offline one did not",
            "offline_dropped": "the offline pipeline returned no row",
            "online_dropped": "the online pipeline returned no row",
            "moved": "the offline pipeline returned this row out of order",
        }.get(cx.kind, cx.kind)
    )
    if cx.origin == "generated":
        src = "minimal generated record" if cx.shrunk else "generated record (not shrunk)"
        src += f" (hypothesis, seed={cx.seed})"
    else:
        src = f"real row {cx.row}" + (
            ", simplified (fields set to typical values while it still fails)" if cx.shrunk else ""
        )
    out = [
        f"counterexample {i} - {what}; {src}:",
        f"  record : {cx.record_literal}",
        f"  offline: {cx.offline}",
        f"  online : {cx.online}",
    ]
    if cx.abs_diff is not None:
        out.append(
            f"  diff   : {fmt_number(cx.abs_diff)}"
            + (f" (relative {fmt_number(cx.rel_diff)})" if cx.rel_diff is not None else "")
        )
    if cx.detail:
        out.append(f"  why    : {cx.detail}")
    if cx.traceback:
        out.append("  traceback:")
        out.extend("    " + line for line in cx.traceback.splitlines()[-12:])
    return "\n".join(out)
