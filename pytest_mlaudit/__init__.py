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
    from pytest_mlaudit.checks.contract import (
        Contract,
        ContractReport,
        check_contract,
        infer_contract,
    )
    from pytest_mlaudit.checks.drift import (
        ColumnDrift,
        DriftReport,
        ReferenceProfile,
        SketchProfile,
        check_drift,
        profile_reference,
        sketch_profile,
    )
    from pytest_mlaudit.checks.gate import GateMetric, GateReport, check_gate
    from pytest_mlaudit.checks.impact import ImpactReport, check_impact
    from pytest_mlaudit.checks.label_review import LabelReviewReport, review_labels
    from pytest_mlaudit.checks.labels import LabelReport, check_labels
    from pytest_mlaudit.checks.load import (
        SLO,
        CapacityReport,
        LoadReport,
        find_capacity,
        run_load,
        serve,
    )
    from pytest_mlaudit.checks.parity import ParityReport, check_parity
    from pytest_mlaudit.checks.performance import (
        MetricEstimate,
        PerformanceReport,
        check_performance,
    )
    from pytest_mlaudit.checks.skew import SkewReport, check_skew
    from pytest_mlaudit.checks.soak import SoakReport, run_soak
    from pytest_mlaudit.checks.store_parity import StoreParityReport, check_store_parity
    from pytest_mlaudit.history import HistoryStore
    from pytest_mlaudit.record import AuditRecord, read_record
    from pytest_mlaudit.registry import CheckSpec, FailureMode, register
    from pytest_mlaudit.retrain import RetrainDecision, RetrainPolicy, should_retrain
    from pytest_mlaudit.session import AuditSession, audit_session

__all__ = [
    "SLO",
    "AuditRecord",
    "AuditSession",
    "Auditor",
    "BadWhen",
    "CapacityReport",
    "CheckFailed",
    "CheckReport",
    "CheckSpec",
    "ColumnDrift",
    "Contract",
    "ContractReport",
    "DriftReport",
    "FailureMode",
    "GateMetric",
    "GateReport",
    "HistoryStore",
    "ImpactReport",
    "LabelReport",
    "LabelReviewReport",
    "LoadReport",
    "Measure",
    "MetricEstimate",
    "MlauditInputError",
    "ParityReport",
    "PerformanceReport",
    "ReferenceProfile",
    "RetrainDecision",
    "RetrainPolicy",
    "SketchProfile",
    "SkewReport",
    "SoakReport",
    "StoreParityReport",
    "__version__",
    "audit_session",
    "check_contract",
    "check_drift",
    "check_gate",
    "check_impact",
    "check_labels",
    "check_parity",
    "check_performance",
    "check_skew",
    "check_store_parity",
    "find_capacity",
    "infer_contract",
    "profile_reference",
    "read_record",
    "register",
    "review_labels",
    "run_load",
    "run_soak",
    "serve",
    "should_retrain",
    "sketch_profile",
]

#: Names of the package itself, beside those every check kind exports (see registry.py).
_CORE: dict[str, str] = {
    "Auditor": "pytest_mlaudit.auditor",
    "AuditRecord": "pytest_mlaudit.record",
    "read_record": "pytest_mlaudit.record",
    "CheckSpec": "pytest_mlaudit.registry",
    "FailureMode": "pytest_mlaudit.registry",
    "register": "pytest_mlaudit.registry",
    "AuditSession": "pytest_mlaudit.session",
    "audit_session": "pytest_mlaudit.session",
    "HistoryStore": "pytest_mlaudit.history",
    "RetrainDecision": "pytest_mlaudit.retrain",
    "RetrainPolicy": "pytest_mlaudit.retrain",
    "should_retrain": "pytest_mlaudit.retrain",
}


def _module_of(name: str) -> str | None:
    if name in _CORE:
        return _CORE[name]
    registry = importlib.import_module("pytest_mlaudit.registry")
    for spec in registry.BUILTIN_CHECKS:  # no entry points are loaded for a built-in name
        if name in spec.exports:
            module: str = spec.exports[name]
            return module
    found: str | None = registry.exports().get(name)
    return found


def __getattr__(name: str) -> Any:
    module = _module_of(name) if not name.startswith("__") else None
    if module is None:
        raise AttributeError(f"module 'pytest_mlaudit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
