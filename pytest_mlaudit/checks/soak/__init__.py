"""Soak tests (failure mode 6, over time): steady load, and the trends of a slow failure.

Files: ``report.py`` the result types (:class:`SoakReport`, :class:`Trend`), ``check.py``
:func:`run_soak`, ``_validate.py``, then ``trend.py`` (Theil-Sen slopes, error bursts)
and ``watch.py`` (the RSS and file-descriptor sampler).
"""

from __future__ import annotations

from pytest_mlaudit.checks.soak.check import run_soak
from pytest_mlaudit.checks.soak.report import SoakPoint, SoakReport, Trend

__all__ = ["SoakPoint", "SoakReport", "Trend", "run_soak"]
