"""Data drift (failure mode 2): is production data still distributed like the training data?

Files: ``report.py`` the result types, ``check.py`` :func:`check_drift`, ``_validate.py``
its input validation, ``profile.py`` saved reference profiles.
"""

from __future__ import annotations

from pytest_mlaudit.checks.drift.check import (
    ColumnDrift,
    DriftReport,
    Histogram,
    ReferenceProfile,
    check_drift,
    profile_reference,
)

__all__ = [
    "ColumnDrift",
    "DriftReport",
    "Histogram",
    "ReferenceProfile",
    "check_drift",
    "profile_reference",
]
