"""The example's MLflow model registry: a local store its gate tests compare models in.

A model repo's training job registers each model it trains; its gate tests compare the
versions by URI (``models:/credit-risk@challenger`` against ``models:/credit-risk@champion``)
and ``mlaudit promote`` moves the alias when the audit passed. Here the session builds
that registry once, under ``out/mlflow-<worker>/`` (git-ignored; ``mlflow ui
--backend-store-uri sqlite:///examples/credit_risk/out/mlflow-main/mlflow.db`` shows it):

========  ===========================================  ======================
version   model                                        alias
========  ===========================================  ======================
1         the production model (the ``model`` fixture)  ``champion``
2         income on the log scale (a better model)      ``challenger``
3         trained without the credit score (worse)      ``no-credit-score``
========  ===========================================  ======================

For the session ``MLFLOW_TRACKING_URI`` points at this store (as CI sets it for a team's
tracking server), so the tests name models by URI only; it is put back afterwards.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from data import CATEGORICAL, FEATURES, NUMERIC, TARGET

#: the registered model of the example
MODEL_NAME = "credit-risk"
OUT = Path(__file__).resolve().parents[1] / "out"


def fit_candidate(frame: pd.DataFrame, numeric: list[str], *, log_income: bool) -> Any:
    """A retrained candidate: the production pipeline, optionally with log income."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    parts = [
        ("num", StandardScaler(), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
    ]
    if log_income:
        parts.append(
            ("log_income", make_pipeline(FunctionTransformer(np.log), StandardScaler()), ["income"])
        )
    classifier = LogisticRegression(max_iter=1000, random_state=0)
    model = make_pipeline(ColumnTransformer(parts), classifier)
    return model.fit(frame[FEATURES], frame[TARGET])


@pytest.fixture(scope="session")
def better_candidate(train_df: pd.DataFrame) -> Any:
    return fit_candidate(train_df, NUMERIC, log_income=True)


@pytest.fixture(scope="session")
def worse_candidate(train_df: pd.DataFrame) -> Any:
    return fit_candidate(train_df, [c for c in NUMERIC if c != "credit_score"], log_income=False)


@pytest.fixture(scope="session")
def model_registry(
    model: Any, better_candidate: Any, worse_candidate: Any, train_df: pd.DataFrame
) -> Iterator[str]:
    """The registry's tracking URI, with the three versions above registered."""
    pytest.importorskip("mlflow", reason="the registry tests need pytest-mlaudit[mlflow]")
    import mlflow
    import mlflow.sklearn
    from mlflow.models import infer_signature

    folder = OUT / f"mlflow-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    uri = f"sqlite:///{folder}/mlflow.db"
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    os.environ["MLFLOW_TRACKING_URI"] = uri
    os.environ.pop("MLFLOW_REGISTRY_URI", None)
    try:
        assert mlflow.get_tracking_uri() == uri, "mlflow.set_tracking_uri was called earlier"
        client = mlflow.MlflowClient()
        experiment = client.create_experiment("credit-risk", artifact_location=str(folder / "art"))
        # integer columns declared as doubles: a missing value in serving is a float NaN
        sample = train_df[FEATURES].head(5)
        sample = sample.astype({c: "float64" for c in sample.select_dtypes("integer").columns})
        versions = {"champion": model, "challenger": better_candidate}
        versions["no-credit-score"] = worse_candidate
        for alias, fitted in versions.items():
            with mlflow.start_run(experiment_id=experiment, run_name=alias):
                info = mlflow.sklearn.log_model(
                    fitted,
                    name="model",
                    registered_model_name=MODEL_NAME,
                    signature=infer_signature(sample, fitted.predict(sample)),
                    pip_requirements=["scikit-learn", "pandas", "numpy"],
                    serialization_format="cloudpickle",
                )
            client.set_registered_model_alias(MODEL_NAME, alias, info.registered_model_version)
        yield uri
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
