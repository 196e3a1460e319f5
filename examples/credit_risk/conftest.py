"""Fixtures of the example model repo: the feature store, training data, production
slices, the model.

A model repo writes these for its own data; pytest-mlaudit provides the ``mlaudit``
fixture and the markers. The training features come from the example's Feast repository
(``feature_repo/``, built by ``store.py`` from the seeded data), so the example runs in
the Feast environment (``.venv-feast``, ``scripts/example.sh``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

# The example repo's own modules (data.py, features.py, store.py, server.py), importable
# as a model repo's installed package would be.
sys.path.insert(0, str(Path(__file__).parent))

from data import FEATURES, make_production_slice, train_model
from store import FEAST_NEEDED, build_store, training_frame


@pytest.fixture(scope="session")
def feature_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The example's Feast feature store, built in a temporary folder: sources written
    from the seeded data, definitions applied, materialized up to ``store.AS_OF``."""
    pytest.importorskip("feast", reason=FEAST_NEEDED)
    return build_store(tmp_path_factory.mktemp("feature_store"))


@pytest.fixture(scope="session")
def train_df(feature_store: Any) -> pd.DataFrame:
    """The training set (features and the ``default`` label), read from the feature
    store point in time as of each application."""
    return training_frame(feature_store)


@pytest.fixture(scope="session")
def prod_df() -> pd.DataFrame:
    """Yesterday's production traffic: the same population as training."""
    return make_production_slice(5_000, seed=11)


@pytest.fixture(scope="session")
def prod_drifted_df() -> pd.DataFrame:
    """Production traffic after a downturn and a new sales channel: real drift."""
    return make_production_slice(5_000, seed=12, drifted=True)


@pytest.fixture(scope="session")
def model(train_df: pd.DataFrame) -> Any:
    """The example credit-risk model (scikit-learn pipeline)."""
    return train_model(train_df)


@pytest.fixture(scope="session")
def train_scores(model: Any, train_df: pd.DataFrame) -> pd.Series:
    return pd.Series(model.predict_proba(train_df[FEATURES])[:, 1], name="score")


@pytest.fixture(scope="session")
def prod_scores(model: Any, prod_df: pd.DataFrame) -> pd.Series:
    return pd.Series(model.predict_proba(prod_df[FEATURES])[:, 1], name="score")
