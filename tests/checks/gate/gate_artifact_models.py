"""Picklable toy models for the artifact checks (a module, so joblib can load them)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np


class Coin:
    """Predicts at random: not deterministic."""

    def predict(self, X: Any) -> np.ndarray:
        return np.random.default_rng().integers(0, 2, len(X))


class Slow:
    """Right answers, slowly (``delay`` seconds per call)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def predict(self, X: Any) -> np.ndarray:
        time.sleep(self.delay)
        return (np.asarray(X)[:, 0] > 0).astype(int)


class Broken:
    """Loads fine, fails on predict (e.g. a feature the serving schema lacks)."""

    def predict(self, X: Any) -> np.ndarray:
        raise KeyError("income_log")


class NaNs:
    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), np.nan)
