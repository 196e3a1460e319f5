"""Label noise (failure mode 5): cleanlab's confident learning on out-of-fold probabilities.

Files: ``report.py`` the result types, ``check.py`` :func:`check_labels`, ``_validate.py``,
``probs.py`` (out-of-fold probabilities and their cache).
"""

from __future__ import annotations

from pytest_mlaudit.checks.labels.check import (
    AuditSample,
    ClassCount,
    ClassIssues,
    ConfusionCell,
    LabelReport,
    LabelRow,
    check_labels,
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
