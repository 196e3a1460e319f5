"""Fixtures of the example's tests (the data fixtures live in ../conftest.py)."""

from .feature_store_fixtures import stale_feature_store  # noqa: F401
from .load_fixtures import model_server

__all__ = ["model_server"]
