"""The label review loop: reviewers' verdicts on the label audit's sample, read back.

Files: ``report.py`` the result types (:class:`LabelReviewReport`, :class:`ClassNoise`,
:class:`Correction`), ``check.py`` :func:`review_labels`, ``_validate.py`` the label
report and the reviewed CSV file, ``_estimate.py`` the stratified estimates and their
intervals.
"""

from __future__ import annotations

from pytest_mlaudit.checks.label_review.check import review_labels
from pytest_mlaudit.checks.label_review.report import ClassNoise, Correction, LabelReviewReport

__all__ = ["ClassNoise", "Correction", "LabelReviewReport", "review_labels"]
