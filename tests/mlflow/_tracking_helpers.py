"""What the tracking and history-backend tests share (H3b's; the registry tests have
conftest.py).

``pytester`` puts ``sys.modules`` back as it found it after each test, so SQLAlchemy and
alembic modules that MLflow imports lazily on first use would be dropped after one test
and imported a second time by the next (which breaks SQLAlchemy's compiled caches).
:func:`warm_mlflow` uses a whole store once, before any pytester snapshot is taken.
"""

from __future__ import annotations

from pathlib import Path

from pytest_mlaudit.integrations.mlflow.tracking import log_audit
from tests.history.records import drift_entry, record


def warm_mlflow(folder: Path) -> None:
    """Create a store, log an audit run, read it back: every lazy import is done."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{folder}/warm.db"
    logged = log_audit(record("2025-01-01T00:00:00+00:00", [drift_entry()]), tracking_uri=uri)
    c = MlflowClient(uri)
    c.search_runs([logged.experiment_id])
    c.download_artifacts(logged.run_id, "audit.json", str(folder))
    c.search_experiments()
