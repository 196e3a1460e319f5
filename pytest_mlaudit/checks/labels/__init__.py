"""Label noise (failure mode 5): cleanlab's confident learning on out-of-fold probabilities.

Files: ``report.py`` the result types (:class:`LabelReport` and its rows, classes and
audit sample), ``check.py`` :func:`check_labels`, ``_validate.py`` its input validation
apart from the maths, ``probs.py`` out-of-fold probabilities and their cache.
"""

from __future__ import annotations

from pytest_mlaudit.checks.labels.check import check_labels
from pytest_mlaudit.checks.labels.report import (
    AuditSample,
    ClassCount,
    ClassIssues,
    ConfusionCell,
    LabelReport,
    LabelRow,
)

__all__ = [
    "AuditSample",
    "ClassCount",
    "ClassIssues",
    "ConfusionCell",
    "LabelReport",
    "LabelRow",
    "check_labels",
]
