"""Drift weighted by the model: prediction drift, importance-ranked drifted columns, and
the segment that explains each drifted column (its root cause).

Files: ``report.py`` the result types, ``check.py`` :func:`check_impact`, ``_validate.py``
the inputs, ``_importance.py`` the model's scores and column importances, ``_cause.py``
the root-cause search.
"""

from __future__ import annotations

from pytest_mlaudit.checks.impact.check import check_impact
from pytest_mlaudit.checks.impact.report import (
    ColumnCause,
    ColumnImpact,
    ImpactReport,
    PredictionDrift,
    Segment,
)

__all__ = [
    "ColumnCause",
    "ColumnImpact",
    "ImpactReport",
    "PredictionDrift",
    "Segment",
    "check_impact",
]
