"""The one way pytest-mlaudit reaches MLflow: the import guard and the client.

The tracking URI is resolved as MLflow resolves it (``MLFLOW_TRACKING_URI``, else
MLflow's own default, an SQLite store ``mlflow.db`` in the working folder), unless a
caller passes one. The registry URI follows the tracking URI unless
``MLFLOW_REGISTRY_URI`` or an explicit one says otherwise.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["EXTRA_HINT", "client", "require_mlflow", "resolve_tracking_uri"]

#: what to install when MLflow is missing
EXTRA_HINT = "pip install 'pytest-mlaudit[mlflow]'"


def require_mlflow(argument: str = "mlflow") -> ModuleType:
    """Import and return :mod:`mlflow`; a missing install names the extra.

    ``argument`` is what the user asked for that needs MLflow (an option, a URI), so
    the message says why MLflow is wanted.
    """
    try:
        import mlflow
    except ImportError as exc:
        raise MlauditInputError(
            f"{argument} needs MLflow, which is not installed ({exc}): {EXTRA_HINT}"
        ) from None
    return mlflow


def resolve_tracking_uri(tracking_uri: str | None = None) -> str:
    """The tracking URI in force: ``tracking_uri`` when given, else MLflow's own."""
    mlflow = require_mlflow("the MLflow tracking store")
    if tracking_uri:
        return str(tracking_uri)
    return str(mlflow.get_tracking_uri())


def client(tracking_uri: str | None = None, registry_uri: str | None = None) -> Any:
    """An ``mlflow.MlflowClient`` for the given (or the configured) stores."""
    mlflow = require_mlflow("the MLflow tracking store")
    uri = resolve_tracking_uri(tracking_uri)
    return mlflow.MlflowClient(tracking_uri=uri, registry_uri=registry_uri or None)
