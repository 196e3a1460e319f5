"""Fixtures of the MLflow tests: a real SQLite tracking and registry store in a temp folder.

``registry_store`` (session) creates the store once (MLflow's schema migrations take
seconds) and logs two scikit-learn models as MLflow logged models: ``strong`` (logistic
regression on every feature) and ``weak`` (on one noisy feature only). Each test that
moves aliases takes ``registered`` (function scope): a registered model of its own name
in that store, with version 1 = weak (alias ``champion``) and version 2 = strong (alias
``challenger``), created from the logged models without copying them (milliseconds).

Other MLflow fixtures (tracking, the history backend) are added below, additively.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

FEATURES = ["income", "debt", "age", "noise"]


def make_rows(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Applicant-like rows whose default depends on income and debt."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "income": rng.normal(0, 1, n),
            "debt": rng.normal(0, 1, n),
            "age": rng.normal(0, 1, n),
            "noise": rng.normal(0, 1, n),
        }
    )
    logit = -0.3 - 1.4 * X["income"] + 1.1 * X["debt"] + 0.2 * X["age"]
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int), name="default")
    return X, y


_URI_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")


@contextlib.contextmanager
def using_store(uri: str) -> Iterator[None]:
    """MLflow's fluent API (``log_model``) on ``uri``, then back to exactly what it was.

    ``mlflow.set_tracking_uri``/``set_registry_uri`` also export the URIs as environment
    variables, so restoring through them would leave MLflow's *default* store exported
    (and created in the working folder); the module globals and the variables are put
    back as they were instead.
    """
    import mlflow
    import mlflow.tracking._model_registry.utils as registry_utils
    import mlflow.tracking._tracking_service.utils as tracking_utils

    saved = (tracking_utils._tracking_uri, registry_utils._registry_uri)
    env = {k: os.environ.get(k) for k in _URI_VARIABLES}
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        yield
    finally:
        tracking_utils._tracking_uri, registry_utils._registry_uri = saved
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclasses.dataclass(frozen=True)
class RegistryStore:
    """A store with two logged models, and the rows to compare them on."""

    uri: str  #: ``sqlite:///.../mlflow.db`` (tracking and registry)
    folder: Path
    run_id: str
    logged: dict[str, str]  #: "strong"/"weak" -> logged model URI (models:/m-...)
    X_test: pd.DataFrame
    y_test: pd.Series

    def client(self) -> Any:
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)

    def register(self, name: str, *which: str) -> list[str]:
        """Register ``which`` ("weak", "strong") as versions of ``name``, in order.

        (MLflow looks the logged model up through its global store, hence ``using_store``.)
        """
        c = self.client()
        with using_store(self.uri):
            if not c.search_registered_models(f"name = '{name}'"):
                c.create_registered_model(name)
            return [
                str(c.create_model_version(name, self.logged[w], run_id=self.run_id).version)
                for w in which
            ]


@pytest.fixture(scope="session")
def registry_store(tmp_path_factory: pytest.TempPathFactory) -> RegistryStore:
    import mlflow
    import mlflow.sklearn
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    folder = tmp_path_factory.mktemp("mlflow-registry")
    uri = f"sqlite:///{folder}/mlflow.db"
    X, y = make_rows(3000, seed=1)
    X_test, y_test = make_rows(2000, seed=2)
    # the weak model reads the noise column only; a pipeline keeps the gate's X the same
    weak = make_pipeline(
        ColumnTransformer([("keep", "passthrough", ["noise"])]), LogisticRegression()
    )
    models = {
        "strong": LogisticRegression(max_iter=1000).fit(X[FEATURES], y),
        "weak": weak.fit(X[FEATURES], y),
    }
    with using_store(uri):
        client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
        experiment = client.create_experiment("models", artifact_location=str(folder / "art"))
        logged = {}
        with mlflow.start_run(experiment_id=experiment) as run:
            for name, model in models.items():
                info = mlflow.sklearn.log_model(
                    model,
                    name=name,
                    pip_requirements=["scikit-learn"],
                    serialization_format="pickle",
                )
                logged[name] = info.model_uri
    return RegistryStore(uri, folder, run.info.run_id, logged, X_test, y_test)


_names = itertools.count(1)


@pytest.fixture
def registered(registry_store: RegistryStore) -> str:
    """A fresh registered model: v1 weak @champion, v2 strong @challenger; its name."""
    name = f"credit-risk-{next(_names)}"
    weak, strong = registry_store.register(name, "weak", "strong")
    c = registry_store.client()
    c.set_registered_model_alias(name, "champion", weak)
    c.set_registered_model_alias(name, "challenger", strong)
    return name
