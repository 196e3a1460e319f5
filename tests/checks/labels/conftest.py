"""Shared data for the label-audit tests: seeded synthetic classification data with a
known set of flipped labels."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np
import pytest


@dataclasses.dataclass(frozen=True)
class Noisy:
    X: np.ndarray
    y_true: np.ndarray
    y: np.ndarray  #: y_true with ``flipped`` rows moved to another class
    flipped: np.ndarray  #: positions of the flipped rows, sorted


def make_noisy(
    n: int, *, n_classes: int = 5, noise: float = 0.1, seed: int = 0, class_sep: float = 2.0
) -> Noisy:
    """``make_classification`` with well-separated classes and exactly ``noise * n``
    labels moved to a different class, uniformly at random (all seeded)."""
    from sklearn.datasets import make_classification

    X, y_true = make_classification(
        n_samples=n,
        n_features=20,
        n_informative=10,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=class_sep,
        flip_y=0.0,  # no hidden noise: the flipped rows are exactly the ones below
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    flipped = np.sort(rng.choice(n, size=round(noise * n), replace=False))
    y = y_true.copy()
    y[flipped] = (y_true[flipped] + rng.integers(1, n_classes, size=flipped.size)) % n_classes
    return Noisy(X=X, y_true=y_true, y=y, flipped=flipped)


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread() -> Iterator[None]:
    """One BLAS/OpenMP thread while these tests run. On a small shared CI machine the
    threads of several model fits fight each other and the other jobs: measured on 2
    cores under load, the labels tests took 56 s with the default threads and 21 s with
    one. Every comparison here is between computations in the same process, so the
    results do not depend on it."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="session")
def noisy() -> Callable[..., Noisy]:
    """The factory :func:`make_noisy`."""
    return make_noisy


@pytest.fixture(scope="session")
def small() -> Noisy:
    """2,000 rows, 5 classes, 10% flipped."""
    return make_noisy(2_000)
