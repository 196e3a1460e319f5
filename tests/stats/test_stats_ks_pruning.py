"""The KS statistic evaluated only where its largest gap can be equals scipy's, bit for bit.

:func:`ks_statistic_sorted` bounds the gap of each interval of ``_GRID`` values and only
evaluates the intervals whose bound beats a known point. These seeded cases cross the
interval and block boundaries with ties, runs of one value, identical samples, shifted
and scaled ones; the grid and the block are also shrunk so that small samples have many.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from pytest_mlaudit.stats import ks


def _scipy_statistic(x: np.ndarray, y: np.ndarray) -> float:
    """scipy.stats.ks_2samp's statistic, as its code computes it (every pooled point)."""
    pooled = np.concatenate([x, y])
    diffs = np.searchsorted(x, pooled, side="right") / x.size
    diffs = diffs - np.searchsorted(y, pooled, side="right") / y.size
    max_s, min_s = float(diffs.max()), float(np.clip(-diffs.min(), 0, 1))
    return min_s if min_s > max_s else max_s


def _cases(seed: int, n: int) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    for trial in range(n):
        n1, n2 = (int(v) for v in rng.integers(2, 4000, size=2))
        kind = trial % 7
        if kind == 0:
            x, y = rng.normal(size=n1), rng.normal(rng.uniform(0, 0.3), size=n2)
        elif kind == 1:  # few distinct values: every interval is ties
            x = rng.integers(0, 5, n1).astype(float)
            y = rng.integers(0, 6, n2).astype(float)
        elif kind == 2:  # the current is a part of the reference (or all of it)
            x = rng.normal(size=n1)
            y = x[: int(rng.integers(1, n1 + 1))].copy()
        elif kind == 3:
            x, y = np.round(rng.normal(size=n1), 1), np.round(rng.normal(0.1, size=n2), 1)
        elif kind == 4:  # one value on both sides but the last
            x, y = np.zeros(n1), np.r_[np.zeros(n2 - 1), 1.0]
        elif kind == 5:  # a long run of one value in the middle of continuous values
            x = rng.exponential(size=n1)
            y = np.r_[rng.exponential(size=n2 // 2), np.full(n2 - n2 // 2, 0.5)]
        else:  # a scale change: the gaps peak on both sides
            x, y = rng.normal(size=n1), rng.normal(scale=rng.uniform(0.8, 1.2), size=n2)
        if y.size:
            yield f"{kind}:{n1}x{n2}", np.sort(x), np.sort(y)


@pytest.mark.parametrize("grid, block", [(256, 1 << 20), (7, 64), (1, 5)])
def test_pruned_statistic_equals_scipy_bit_for_bit(
    grid: int, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ks, "_GRID", grid)
    monkeypatch.setattr(ks, "_BLOCK", block)
    for label, x, y in _cases(seed=grid, n=700):
        assert ks.ks_statistic_sorted(x, y) == _scipy_statistic(x, y), label
        assert ks.ks_statistic_sorted(y, x) == _scipy_statistic(y, x), label


def test_pruned_statistic_at_a_million_values_equals_scipy() -> None:
    rng = np.random.default_rng(5)
    x = np.sort(rng.normal(size=1_000_000))
    for y in (
        np.sort(rng.normal(size=700_001)),  # no drift: the gap peaks anywhere
        np.sort(rng.normal(0.01, size=1_200_000)),
        x.copy(),  # identical: no interval can be skipped
        np.sort(np.round(rng.normal(size=900_000), 2)),
    ):
        assert ks.ks_statistic_sorted(x, y) == _scipy_statistic(x, y)
