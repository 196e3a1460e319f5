"""Fixtures of the example's tests (the data fixtures live in ../conftest.py)."""

from .load_fixtures import model_server

__all__ = ["model_server"]
