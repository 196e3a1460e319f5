"""Fixtures of the example model repo: training data, production slices, the model.

A model repo writes these for its own data; pytest-mlaudit provides the ``mlaudit``
fixture and the markers.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

# The example repo's own modules (data.py, features.py, server.py), importable as a model
# repo's installed package would be.
sys.path.insert(0, str(Path(__file__).parent))

from data import FEATURES, make_production_slice, make_training_set, train_model


@pytest.fixture(scope="session")
def train_df() -> pd.DataFrame:
    """The training set (features and the ``default`` label)."""
    return make_training_set(20_000, seed=7)


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
