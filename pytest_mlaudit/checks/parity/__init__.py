"""Feature parity (failure mode 1, before launch): do the offline and online feature code give
the same features for the same raw rows?

Files: ``report.py`` the result types, ``check.py`` :func:`check_parity`, ``_validate.py``,
then the machinery: ``frames.py`` (records <-> frames), ``run.py`` (calling the pipelines),
``compare.py`` (one feature, row by row), ``engine.py`` (one batch), ``search.py``
(hypothesis search and shrinking), ``counterexamples.py`` (describing and minimising the
failing records), and the raw-record strategies: ``fields.py`` (the schema types),
``infer.py`` (a schema from a sample), ``formats.py`` (timestamps, dates and numbers held
as strings), ``strategies.py`` (the values each field draws).
The public face of the strategies is :mod:`pytest_mlaudit.strategies`.
"""

from __future__ import annotations

from pytest_mlaudit.checks.parity.check import check_parity
from pytest_mlaudit.checks.parity.report import (
    Counterexample,
    FeatureParity,
    ParityCoverageWarning,
    ParityReport,
)

__all__ = [
    "Counterexample",
    "FeatureParity",
    "ParityCoverageWarning",
    "ParityReport",
    "check_parity",
]
