"""Feature parity (failure mode 1, before launch): do the offline and online feature code give
the same features for the same raw rows?

Files: ``report.py`` the result types, ``check.py`` :func:`check_parity`, ``_validate.py``,
then the machinery: ``frames.py`` (records <-> frames), ``run.py`` (calling the pipelines),
``compare.py`` (one feature, row by row), ``engine.py`` (one batch), ``search.py``
(hypothesis search and shrinking), ``strategies.py`` (raw-record strategies).
"""

from __future__ import annotations

from pytest_mlaudit.checks.parity.check import (
    Counterexample,
    DistributionSkew,
    FeatureParity,
    JoinStats,
    JoinedExample,
    JoinedSkew,
    ParityReport,
    SkewReport,
    check_parity,
    check_skew,
)

__all__ = [
    "Counterexample",
    "DistributionSkew",
    "FeatureParity",
    "JoinStats",
    "JoinedExample",
    "JoinedSkew",
    "ParityReport",
    "SkewReport",
    "check_parity",
    "check_skew",
]
