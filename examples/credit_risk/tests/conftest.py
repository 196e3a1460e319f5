"""Fixtures of the example's tests (the data fixtures live in ../conftest.py)."""

from .feature_store_fixtures import stale_feature_store  # noqa: F401
from .load_fixtures import model_server
from .registry_fixtures import better_candidate, model_registry, worse_candidate  # noqa: F401

__all__ = ["model_server"]
