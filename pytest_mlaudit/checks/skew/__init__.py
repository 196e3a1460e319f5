"""Distribution skew (failure mode 1, after launch): are served features distributed like the
training features?"""

from __future__ import annotations

from pytest_mlaudit.checks.parity.check import (
    DistributionSkew,
    JoinedExample,
    JoinedSkew,
    JoinStats,
    SkewReport,
    check_skew,
)

__all__ = ["DistributionSkew", "JoinStats", "JoinedExample", "JoinedSkew", "SkewReport", "check_skew"]
