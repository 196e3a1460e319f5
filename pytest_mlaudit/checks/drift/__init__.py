"""Data drift (failure mode 2): is production data still distributed like the training data?

Files: ``report.py`` the result types (:class:`ColumnDrift`, :class:`Histogram`,
:class:`DriftReport`), ``check.py`` :func:`check_drift`, ``_validate.py`` its input
validation apart from the maths, ``_columns.py`` the per-column maths and the report's
assembly, ``profile.py`` reference profiles (:func:`profile_reference`,
:class:`ReferenceProfile`) and their files, ``sketch.py`` mergeable sketch profiles
(:func:`sketch_profile`, :class:`SketchProfile`) and ``_sketched.py`` the drift
verdicts from them, with the sketches' error bound.
"""

from __future__ import annotations

from pytest_mlaudit.checks.drift.check import check_drift
from pytest_mlaudit.checks.drift.profile import ReferenceProfile, profile_reference
from pytest_mlaudit.checks.drift.report import ColumnDrift, DriftReport, Histogram
from pytest_mlaudit.checks.drift.sketch import SketchProfile, sketch_profile

__all__ = [
    "ColumnDrift",
    "DriftReport",
    "Histogram",
    "ReferenceProfile",
    "SketchProfile",
    "check_drift",
    "profile_reference",
    "sketch_profile",
]
