"""Distribution skew (failure mode 1, after launch): are served features distributed like the
training features?

Files: ``report.py`` the result types, ``check.py`` :func:`check_skew`, ``_validate.py``,
then the machinery: ``distribution.py`` (TFDV's distribution comparators, on the drift
check's statistics) and ``join.py`` (the example-by-example comparison on an id).
"""

from __future__ import annotations

from pytest_mlaudit.checks.skew.check import check_skew
from pytest_mlaudit.checks.skew.report import (
    DistributionSkew,
    JoinedExample,
    JoinedSkew,
    JoinStats,
    SkewReport,
)

__all__ = [
    "DistributionSkew",
    "JoinStats",
    "JoinedExample",
    "JoinedSkew",
    "SkewReport",
    "check_skew",
]
