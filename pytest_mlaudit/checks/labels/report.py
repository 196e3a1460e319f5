"""The result types of the label audit: per-class counts, rows, the audit sample, the report.

Everything here is JSON-friendly (the audit record stores it) and imports only the
standard library at import time: pandas is imported by the methods that build frames,
so reading an audit record back stays cheap.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias

from pytest_mlaudit._serde import NOT_RECORDED
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.result import BadWhen, CheckReport, Measure, breaches, fmt_number, format_table

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "AuditSample",
    "ClassCount",
    "ClassIssues",
    "ConfusionCell",
    "FlaggedRows",
    "Label",
    "LabelReport",
    "LabelRow",
]

#: A class label or row id as stored in the report: the user's int or str (else its str()).
Label: TypeAlias = int | str
#: A feature value in a row (only with ``include_features=True``).
FeatureValue: TypeAlias = bool | int | str | float | None

#: At most this many (given, suggested) cells are kept in :attr:`LabelReport.confusion`.
MAX_CONFUSION_CELLS: Final = 500
#: Rows of the summary table that ``assert_ok()`` prints.
_SUMMARY_ROWS: Final = 10
#: Columns of the audit-sample table (features follow).
_ROW_COLUMNS: Final = ("position", "index", "given", "suggested", "quality", "flagged")
#: The empty columns of the audit sample that reviewers fill in (read by ``review_labels``).
VERDICT_COLUMN: Final = "reviewer_verdict"
LABEL_COLUMN: Final = "reviewer_label"
#: The verdicts a reviewer may write (any case); an empty cell is "not reviewed".
VERDICTS: Final = ("correct", "wrong")


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _pct(x: float) -> str:
    return "nan" if math.isnan(x) else f"{100 * x:.2f}%"


@dataclasses.dataclass(frozen=True, slots=True)
class LabelRow:
    """One row of the data as the audit sees it."""

    position: int  #: 0-based position of the row in the input
    index: Label  #: the pandas index label if X or y is pandas, else the position
    given: Label  #: the label in the data
    suggested: Label  #: the most probable class under the out-of-sample probabilities
    quality: float  #: cleanlab label-quality score in [0, 1]; lower is more suspicious
    flagged: bool  #: whether cleanlab flags the given label as an issue
    #: the row's feature values (only with ``include_features=True``; missing -> null)
    features: dict[str, FeatureValue] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The row as a flat mapping (features under their column names)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in _ROW_COLUMNS}
        for name, value in (self.features or {}).items():
            out[name if name not in out else f"feature_{name}"] = value
        return out


@dataclasses.dataclass(frozen=True, slots=True)
class ClassIssues:
    """Flagged rows among the rows given one class label."""

    label: Label  #: the class
    rows: int  #: rows whose given label is this class
    issues: int  #: of those, rows flagged as label issues
    max_rate: float | None = None  #: the per-class limit, if any

    @property
    def rate(self) -> float:
        """``issues / rows`` (0 for a class with no rows)."""
        return _rate(self.issues, self.rows)

    @property
    def breached(self) -> bool:
        """True when the class has a limit and its rate is above it."""
        return self.max_rate is not None and breaches(self.rate, self.max_rate, BadWhen.ABOVE)


@dataclasses.dataclass(frozen=True, slots=True)
class ConfusionCell:
    """One (given label -> suggested label) cell of the confusion table."""

    given: Label  #: the label in the data
    suggested: Label  #: the class the out-of-sample probabilities favour
    flagged: int  #: flagged rows with this given and suggested label
    confident: int  #: cleanlab's (calibrated) confident-joint count for the pair


@dataclasses.dataclass(frozen=True, slots=True)
class ClassCount:
    """A class and its number of rows (e.g. a rare class left out of the audit)."""

    label: Label
    rows: int


@dataclasses.dataclass(frozen=True, slots=True)
class AuditSample:
    """A seeded per-class sample of rows for people to verify by hand.

    For each class, up to ``per_class`` rows whose given label is that class: half of
    them flagged and half not where the class has enough of each (the rest filled from
    the other group), in random order. The sample is thus stratified by (class, flagged);
    the size of each stratum is on the report (:attr:`ClassIssues.rows` and
    :attr:`ClassIssues.issues`), so :func:`~pytest_mlaudit.review_labels` weights the
    reviewers' verdicts by it to estimate the precision of the flags and the true noise
    rate per class.
    """

    rows: tuple[LabelRow, ...]  #: ordered by class, shuffled within a class
    per_class: int  #: rows requested per class
    seed: int  #: the seed that drew them

    def to_frame(self, *, blind: bool = False) -> pd.DataFrame:
        """The sample as a DataFrame, with two empty columns for the reviewers.

        ``reviewer_verdict``: ``correct`` or ``wrong`` (is the given label right?);
        ``reviewer_label``: the right label, for a row judged wrong. An empty verdict means
        "not reviewed". ``blind=True`` leaves out ``suggested``, ``quality`` and
        ``flagged`` so that reviewers are not anchored by the model's opinion.
        """
        import pandas as pd

        records = [row.as_dict() for row in self.rows]
        frame = pd.DataFrame.from_records(records, columns=_columns(self.rows))
        if blind:
            frame = frame.drop(columns=["suggested", "quality", "flagged"])
        frame[VERDICT_COLUMN] = ""
        frame[LABEL_COLUMN] = ""
        return frame

    def to_csv(
        self, path: str | os.PathLike[str], *, blind: bool = False, overwrite: bool = False
    ) -> Path:
        """Write :meth:`to_frame` to ``path`` as CSV and return the path.

        Reviewers fill in ``reviewer_verdict`` (and ``reviewer_label`` for a wrong row);
        :func:`~pytest_mlaudit.review_labels` reads the file back. An existing file is
        never replaced unless ``overwrite=True``.
        """
        return write_csv(self.to_frame(blind=blind), path, overwrite=overwrite)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """Write ``frame`` to ``path`` as CSV (parents made) and return the path; an existing
    file is replaced only with ``overwrite=True``."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise MlauditInputError(
            f"{str(target)!r} exists; pass overwrite=True to replace it, or choose another path."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target, index=False)
    return target


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class FlaggedRows:
    """Every flagged row of one audit, as arrays (kept on the live report, not recorded).

    One entry per flagged row, lowest quality first (ties by position).
    """

    input_rows: int  #: rows of the input (audited or skipped)
    positions: np.ndarray  #: 0-based positions of the flagged rows in the input
    index: tuple[Label, ...]  #: their row ids (pandas index label, else the position)
    given: np.ndarray  #: class codes of their given labels (into ``classes``)
    suggested: np.ndarray  #: class codes of their suggested labels
    quality: np.ndarray  #: their label-quality scores
    classes: tuple[Label, ...]  #: the class of each code

    def __len__(self) -> int:
        return int(self.positions.size)


_NO_ROWS: Final = (
    "this LabelReport was rebuilt from an audit record, which keeps only the top_n={top_n} "
    "most suspicious rows (report.suspicious) and the counts, not every flagged row. "
    "Every flagged row is on the report check_labels returns: re-run check_labels, or use "
    "report.suspicious_frame() for the kept rows."
)


def _columns(rows: tuple[LabelRow, ...]) -> list[str]:
    columns = list(_ROW_COLUMNS)
    for row in rows:
        for name in row.as_dict():
            if name not in columns:
                columns.append(name)
    return columns


@dataclasses.dataclass(frozen=True, slots=True)
class LabelReport(CheckReport):
    """The result of :func:`check_labels`.

    ``passed`` holds when the overall issue rate is at most ``max_issue_rate`` and no
    class is above its own limit (``per_class_max_rate``).
    """

    kind: ClassVar[str] = "labels"

    rows: int  #: rows audited
    issues: int  #: rows flagged as label issues
    max_issue_rate: float  #: the limit of :attr:`issue_rate`
    classes: tuple[Label, ...]  #: the classes, in the order of the probability columns
    per_class: tuple[ClassIssues, ...]  #: one entry per class, same order
    confusion: tuple[ConfusionCell, ...]  #: (given -> suggested) cells, most flagged first
    suspicious: tuple[LabelRow, ...]  #: the ``top_n`` flagged rows, lowest quality first
    audit_sample: AuditSample  #: rows per class for manual verification
    probabilities: str  #: where the probabilities came from: pred_probs/cross_validation/cache
    model: str | None  #: the model's repr, when a model was given
    cv: int | None  #: folds of the cross-validation (None with pred_probs)
    seed: int  #: the seed of the folds and of the audit sample
    filter_by: str  #: cleanlab ``find_label_issues(filter_by=...)``
    rank_by: str  #: cleanlab ``get_label_quality_scores(method=...)``
    top_n: int  #: how many suspicious rows were asked for
    skipped: tuple[ClassCount, ...] = ()  #: rare classes left out (``rare_classes="skip"``)
    notes: tuple[str, ...] = ()  #: warnings from cleanlab, the cache, skipped classes
    #: every flagged row (None on a report rebuilt from a record: not serialised)
    flagged_rows: FlaggedRows | None = dataclasses.field(
        default=None, compare=False, repr=False, metadata={NOT_RECORDED: True}
    )

    @property
    def issue_rate(self) -> float:
        """Flagged rows over audited rows."""
        return _rate(self.issues, self.rows)

    @property
    def passed(self) -> bool:
        overall = breaches(self.issue_rate, self.max_issue_rate, BadWhen.ABOVE)
        return not overall and not any(c.breached for c in self.per_class)

    def worst_class(self) -> ClassIssues:
        """The class furthest above its limit, else the one with the highest rate."""
        limited = [c for c in self.per_class if c.max_rate is not None]
        if limited:
            worst = max(limited, key=lambda c: c.rate - (c.max_rate or 0.0))
            if worst.breached:
                return worst
        return max(self.per_class, key=lambda c: c.rate)

    def headline(self) -> Measure:
        overall = Measure(
            "issue_rate", self.issue_rate, self.max_issue_rate, bad_when=BadWhen.ABOVE
        )
        if not overall.breached:
            worst = self.worst_class()
            if worst.breached and worst.max_rate is not None:
                return Measure(
                    f"issue_rate[{worst.label}]", worst.rate, worst.max_rate, BadWhen.ABOVE
                )
        return overall

    def sizes(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "classes": len(self.classes),
            "rows_skipped": sum(c.rows for c in self.skipped),
        }

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)
        worst = self.worst_class()
        figures.update(
            {
                "issue_rate": self.issue_rate,
                "issue_rate_threshold": self.max_issue_rate,
                "issues": self.issues,
                "rows": self.rows,
                "worst_class": str(worst.label),
                "worst_class_rate": worst.rate,
            }
        )
        return figures

    def measures(self) -> tuple[Measure, ...]:
        """Per class: ``issue_rate`` against the class's own limit (None: tracked only).

        The overall limit is the headline's; a class fails the check only through its
        own limit (``per_class_max_rate``), so a measure breaches exactly when
        :attr:`ClassIssues.breached` holds.
        """
        return tuple(
            Measure("issue_rate", c.rate, c.max_rate, BadWhen.ABOVE, subject=str(c.label))
            for c in self.per_class
        )

    def brief(self) -> str:
        worst = self.worst_class()
        return (
            f"{self.issues}/{self.rows} rows flagged; worst class {worst.label!r} "
            f"{_pct(worst.rate)}"
        )

    @property
    def has_all_issues(self) -> bool:
        """True when every flagged row is on the report (False when rebuilt from a record)."""
        return self.flagged_rows is not None

    def _all_flagged(self) -> FlaggedRows:
        if self.flagged_rows is None:
            raise MlauditInputError(_NO_ROWS.format(top_n=self.top_n))
        return self.flagged_rows

    @property
    def issue_mask(self) -> np.ndarray:
        """Boolean array over the input rows: True where the row is flagged.

        Rows left out of the audit (``rare_classes="skip"``) are False. Raises
        :class:`~pytest_mlaudit.MlauditInputError` on a report rebuilt from a record.
        """
        import numpy as np

        flagged = self._all_flagged()
        mask = np.zeros(flagged.input_rows, dtype=bool)
        mask[flagged.positions] = True
        return mask

    @property
    def issue_positions(self) -> np.ndarray:
        """Positions (0-based, ascending) of every flagged row in the input."""
        import numpy as np

        return np.sort(self._all_flagged().positions)

    def issues_frame(self) -> pd.DataFrame:
        """Every flagged row, lowest quality first: position, index, given, suggested, quality.

        Unlike :attr:`suspicious` (the ``top_n`` rows the record keeps) this has one row per
        flagged row. Raises :class:`~pytest_mlaudit.MlauditInputError` on a report rebuilt
        from a record, which keeps only the top N and the counts.
        """
        import numpy as np
        import pandas as pd

        flagged = self._all_flagged()
        classes = np.empty(len(flagged.classes), dtype=object)
        classes[:] = list(flagged.classes)
        return pd.DataFrame(
            {
                "position": flagged.positions.astype(np.int64),
                "index": list(flagged.index),
                "given": classes[flagged.given] if len(flagged) else [],
                "suggested": classes[flagged.suggested] if len(flagged) else [],
                "quality": flagged.quality.astype(float),
            },
            columns=["position", "index", "given", "suggested", "quality"],
        )

    def suspicious_frame(self) -> pd.DataFrame:
        """The kept suspicious rows (:attr:`suspicious`) as a DataFrame."""
        import pandas as pd

        return pd.DataFrame.from_records(
            [row.as_dict() for row in self.suspicious], columns=_columns(self.suspicious)
        )

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        limit = f"limit {_pct(self.max_issue_rate)}"
        lines = [
            f"labels {verdict}: {self.issues} of {self.rows} rows flagged as label issues "
            f"({_pct(self.issue_rate)}, {limit}); cleanlab filter_by={self.filter_by!r}, "
            f"probabilities from {self.probabilities}"
            + (f" ({self.cv}-fold, seed={self.seed})" if self.cv else ""),
            "",
            format_table(
                ["class", "rows", "flagged", "rate", "limit", "verdict"],
                [
                    [
                        str(c.label),
                        str(c.rows),
                        str(c.issues),
                        _pct(c.rate),
                        "-" if c.max_rate is None else _pct(c.max_rate),
                        "FAIL" if c.breached else ("ok" if c.max_rate is not None else "-"),
                    ]
                    for c in self.per_class
                ],
            ),
        ]
        off = [c for c in self.confusion if c.given != c.suggested and c.flagged]
        if off:
            lines += [
                "",
                "most flagged (given -> suggested):",
                format_table(
                    ["given", "suggested", "flagged", "confident_joint"],
                    [
                        [str(c.given), str(c.suggested), str(c.flagged), str(c.confident)]
                        for c in off[:_SUMMARY_ROWS]
                    ],
                ),
            ]
        if self.suspicious:
            shown = self.suspicious[:_SUMMARY_ROWS]
            lines += [
                "",
                f"most suspicious rows ({len(shown)} of {len(self.suspicious)} kept):",
                format_table(
                    ["index", "given", "suggested", "quality"],
                    [
                        [str(r.index), str(r.given), str(r.suggested), fmt_number(r.quality)]
                        for r in shown
                    ],
                ),
            ]
        if self.skipped:
            skipped = ", ".join(f"{c.label!r} ({c.rows} rows)" for c in self.skipped)
            lines += ["", f"skipped rare classes: {skipped}"]
        if self.notes:
            lines += ["", "notes:", *(f"- {note}" for note in self.notes)]
        return "\n".join(lines)
