"""Data drift (failure mode 2): is production data still distributed like the training data?

Files: ``report.py`` the result types (:class:`ColumnDrift`, :class:`Histogram`,
:class:`DriftReport`), ``check.py`` :func:`check_drift`, ``_validate.py`` its input
validation apart from the maths, ``_columns.py`` the per-column maths and the report's
assembly, ``profile.py`` reference profiles (:func:`profile_reference`,
:class:`ReferenceProfile`) and their files.
"""

from __future__ import annotations

from pytest_mlaudit.checks.drift.check import check_drift
from pytest_mlaudit.checks.drift.profile import ReferenceProfile, profile_reference
from pytest_mlaudit.checks.drift.report import ColumnDrift, DriftReport, Histogram

__all__ = [
    "ColumnDrift",
    "DriftReport",
    "Histogram",
    "ReferenceProfile",
    "check_drift",
    "profile_reference",
]
