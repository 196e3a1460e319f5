"""Performance without labels: confidence-based estimation of a binary classifier's
metrics on unlabelled data, after a test of the reference's calibration.

Files: ``report.py`` the result types, ``check.py`` :func:`check_performance`,
``_validate.py`` the model's scores and the labels, ``_cbpe.py`` the calibration test,
the calibrators and the simulated metrics.
"""

from __future__ import annotations

from pytest_mlaudit.checks.performance.check import check_performance
from pytest_mlaudit.checks.performance.report import (
    CalibrationCheck,
    MetricEstimate,
    PerformanceReport,
)

__all__ = ["CalibrationCheck", "MetricEstimate", "PerformanceReport", "check_performance"]
