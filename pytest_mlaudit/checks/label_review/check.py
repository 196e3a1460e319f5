"""Read the reviewers' verdicts on a label audit's sample back: precision, noise rate, fixes.

:func:`review_labels` takes the :class:`~pytest_mlaudit.LabelReport` (or the audit record
holding it) and the audit-sample CSV with its reviewer columns filled in, and returns a
:class:`LabelReviewReport`: the precision of the flags, the estimated true noise rate per
class and overall with confidence intervals (stratified by (class, flagged), weighted by
the strata's sizes in the data; see ``_estimate.py``), and the corrected labels.
"""

from __future__ import annotations

import os
from typing import Any

from pytest_mlaudit._validation import check_fraction, check_option
from pytest_mlaudit.checks.label_review._estimate import Stratum, stratified
from pytest_mlaudit.checks.label_review.report import ClassNoise, Correction, LabelReviewReport
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["review_labels"]

#: What ``fail_on`` may compare with ``max_noise_rate``.
FAIL_ON = ("estimate", "upper")


def review_labels(
    report_or_record: Any,
    reviewed: str | os.PathLike[str],
    /,
    *,
    max_noise_rate: float = 0.05,
    confidence: float = 0.95,
    fail_on: str = "estimate",
) -> LabelReviewReport:
    """Estimate the true label-noise rate from reviewers' verdicts on the audit sample.

    Parameters
    ----------
    report_or_record
        The :class:`~pytest_mlaudit.LabelReport` of ``check_labels``/``mlaudit.labels()``,
        its ``to_dict()``, an audit-record entry of kind ``labels``, or an audit record
        (object, dict or JSON path) with exactly one labels entry.
    reviewed
        The CSV file ``report.audit_sample.to_csv(path)`` wrote, with ``reviewer_verdict``
        (``correct``/``wrong``; empty: not reviewed) and, for wrong rows,
        ``reviewer_label`` (the right label) filled in. ``blind=True`` files work too.
    max_noise_rate : float, default 0.05
        The check fails when the estimated noise rate of all audited rows, or of any
        class, is above this.
    confidence : float, default 0.95
        Level of the intervals (Wilson score at the design's effective sample size).
    fail_on : {"estimate", "upper"}, default "estimate"
        Compare the point estimate with the limit, or the upper end of its interval
        ("the noise rate is shown to be under the limit"; needs a large review).

    Returns
    -------
    LabelReviewReport

    Raises
    ------
    MlauditInputError
        For a report that is not a label audit, and for every problem in the file (a
        missing column, an unknown verdict or label, a row not in the sample), naming the
        line, the row and the column.
    """
    from pytest_mlaudit.checks.label_review import _validate as rv

    max_noise_rate = check_fraction("max_noise_rate", max_noise_rate)
    confidence = check_fraction("confidence", confidence)
    if not 0.0 < confidence < 1.0:
        raise MlauditInputError(
            f"confidence must be strictly between 0 and 1; got confidence={confidence}. "
            "Use e.g. 0.95."
        )
    fail_on = check_option("fail_on", fail_on, FAIL_ON)
    labels = rv.label_report(report_or_record)
    verdicts, unreviewed = rv.read_review(reviewed, labels)

    # per class: [reviewed flagged, wrong flagged, reviewed unflagged, wrong unflagged]
    counts: dict[Any, list[int]] = {c.label: [0, 0, 0, 0] for c in labels.per_class}
    for v in verdicts:
        k = 0 if v.row.flagged else 2
        counts[v.row.given][k] += 1
        counts[v.row.given][k + 1] += int(v.wrong)
    per_class: list[ClassNoise] = []
    flagged_strata: list[Stratum] = []
    all_strata: list[Stratum] = []
    notes: list[str] = []
    for c in labels.per_class:
        rf, wf, ru, wu = counts[c.label]
        strata = [Stratum(c.issues, rf, wf), Stratum(c.rows - c.issues, ru, wu)]
        flagged_strata.append(strata[0])
        all_strata += strata
        est = stratified(strata, confidence)
        for s, what in zip(strata, ("flagged", "unflagged"), strict=True):
            if s.population and not s.reviewed:
                notes.append(
                    f"class {c.label!r}: none of its {s.population} {what} rows was reviewed, "
                    "so its noise rate cannot be estimated; review some of them."
                )
        per_class.append(
            ClassNoise(c.label, c.rows, c.issues, rf, wf, ru, wu, est.estimate, est.low, est.high)
        )
    precision = stratified(flagged_strata, confidence)
    overall = stratified(all_strata, confidence)
    corrections = tuple(
        Correction(v.row.position, v.row.index, v.row.given, v.label)
        for v in sorted(verdicts, key=lambda v: v.row.position)
        if v.wrong and v.label is not None
    )
    missing = sum(v.wrong and v.label is None for v in verdicts)
    if missing:
        notes.append(
            f"{missing} rows judged wrong have no {'reviewer_label'!r}: they count as wrong "
            "but are not in the corrections."
        )
    if unreviewed:
        notes.append(f"{unreviewed} rows of the sample have no verdict (not reviewed).")
    reviewed_flagged = sum(v.row.flagged for v in verdicts)
    return LabelReviewReport(
        source=str(reviewed),
        sample_rows=len(labels.audit_sample.rows),
        reviewed=len(verdicts),
        wrong=sum(v.wrong for v in verdicts),
        reviewed_flagged=reviewed_flagged,
        confirmed_flagged=sum(v.wrong for v in verdicts if v.row.flagged),
        precision=precision.estimate,
        precision_low=precision.low,
        precision_high=precision.high,
        noise_rate=overall.estimate,
        noise_low=overall.low,
        noise_high=overall.high,
        confidence=confidence,
        max_noise_rate=max_noise_rate,
        fail_on=fail_on,
        per_class=tuple(per_class),
        corrections=corrections,
        audited_rows=labels.rows,
        notes=tuple(notes),
    )
