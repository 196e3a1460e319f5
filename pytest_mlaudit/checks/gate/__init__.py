"""The deployment gate (failure mode 3): may this candidate model replace the baseline?

Files: ``report.py`` the result types, ``check.py`` :func:`check_gate`, ``_validate.py``
(options, targets, model outputs, feature alignment), then the machinery: ``metrics.py``
(the metrics on many resamples at once), ``boot.py`` (the paired bootstrap and the exact
bound on discordant pairs), ``artifact.py`` (release checks of a model file or an MLflow
registry version, loaded through :mod:`pytest_mlaudit.integrations.mlflow.registry`).
"""

from __future__ import annotations

from pytest_mlaudit.checks.gate.check import check_gate
from pytest_mlaudit.checks.gate.metrics import GateMetric
from pytest_mlaudit.checks.gate.report import (
    ArtifactCheck,
    GateReport,
    McNemar,
    MetricComparison,
    ModelSource,
)

__all__ = [
    "ArtifactCheck",
    "GateMetric",
    "GateReport",
    "McNemar",
    "MetricComparison",
    "ModelSource",
    "check_gate",
]
