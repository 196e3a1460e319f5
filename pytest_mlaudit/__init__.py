"""pytest-mlaudit: the six ways ML models fail in production, as tests.

The public names are re-exported here and imported lazily, so ``import pytest_mlaudit``
(and the pytest plugin) stays cheap: numpy, pandas, scipy, cleanlab, locust and
papermill are imported only when a check that needs them runs.

>>> from pytest_mlaudit import check_drift  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pytest_mlaudit._version import __version__
from pytest_mlaudit.errors import CheckFailed, MlauditInputError
from pytest_mlaudit.result import BadWhen, CheckReport, Measure

if TYPE_CHECKING:
    from pytest_mlaudit.auditor import Auditor
    from pytest_mlaudit.checks.drift import (
        ColumnDrift,
        DriftReport,
        ReferenceProfile,
        check_drift,
        profile_reference,
    )
    from pytest_mlaudit.checks.gate import GateMetric, GateReport, check_gate
    from pytest_mlaudit.checks.labels import LabelReport, check_labels
    from pytest_mlaudit.checks.load import (
        SLO,
        CapacityReport,
        LoadReport,
        find_capacity,
        run_load,
        serve,
    )
    from pytest_mlaudit.checks.skew import ParityReport, SkewReport, check_parity, check_skew
    from pytest_mlaudit.history import HistoryStore
    from pytest_mlaudit.record import AuditRecord, read_record
    from pytest_mlaudit.retrain import RetrainDecision, RetrainPolicy, should_retrain

__all__ = [
    "SLO",
    "AuditRecord",
    "Auditor",
    "BadWhen",
    "CapacityReport",
    "CheckFailed",
    "CheckReport",
    "ColumnDrift",
    "DriftReport",
    "GateMetric",
    "GateReport",
    "HistoryStore",
    "LabelReport",
    "LoadReport",
    "Measure",
    "MlauditInputError",
    "ParityReport",
    "ReferenceProfile",
    "RetrainDecision",
    "RetrainPolicy",
    "SkewReport",
    "__version__",
    "check_drift",
    "check_gate",
    "check_labels",
    "check_parity",
    "check_skew",
    "find_capacity",
    "profile_reference",
    "read_record",
    "run_load",
    "serve",
    "should_retrain",
]

_LAZY: dict[str, str] = {
    "Auditor": "pytest_mlaudit.auditor",
    "AuditRecord": "pytest_mlaudit.record",
    "read_record": "pytest_mlaudit.record",
    "check_drift": "pytest_mlaudit.checks.drift",
    "profile_reference": "pytest_mlaudit.checks.drift",
    "ColumnDrift": "pytest_mlaudit.checks.drift",
    "DriftReport": "pytest_mlaudit.checks.drift",
    "ReferenceProfile": "pytest_mlaudit.checks.drift",
    "check_parity": "pytest_mlaudit.checks.skew",
    "check_skew": "pytest_mlaudit.checks.skew",
    "ParityReport": "pytest_mlaudit.checks.skew",
    "SkewReport": "pytest_mlaudit.checks.skew",
    "check_labels": "pytest_mlaudit.checks.labels",
    "LabelReport": "pytest_mlaudit.checks.labels",
    "LoadReport": "pytest_mlaudit.checks.load",
    "CapacityReport": "pytest_mlaudit.checks.load",
    "SLO": "pytest_mlaudit.checks.load",
    "serve": "pytest_mlaudit.checks.load",
    "run_load": "pytest_mlaudit.checks.load",
    "find_capacity": "pytest_mlaudit.checks.load",
    "check_gate": "pytest_mlaudit.checks.gate",
    "GateMetric": "pytest_mlaudit.checks.gate",
    "GateReport": "pytest_mlaudit.checks.gate",
    "HistoryStore": "pytest_mlaudit.history",
    "RetrainDecision": "pytest_mlaudit.retrain",
    "RetrainPolicy": "pytest_mlaudit.retrain",
    "should_retrain": "pytest_mlaudit.retrain",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_mlaudit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
