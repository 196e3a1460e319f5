"""stats.moments.mean_std is numpy's mean() and std(), bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_mlaudit.stats.moments import LEAF, mean_std


@pytest.mark.parametrize("seed", range(3))
def test_mean_std_equals_numpy_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = [2, 7, 129, LEAF - 1, LEAF, LEAF + 1, LEAF + 8, 2 * LEAF + 3, 1_000_003]
    sizes += [int(v) for v in rng.integers(LEAF, 3_000_000, size=6)]
    for n in sizes:
        for scale in (1.0, 1e-7, 3e8):
            x = rng.normal(5.0, 2.0, size=n) * scale
            if seed == 1:
                x.sort()  # the drift checks pass sorted values
            if seed == 2:
                x = np.round(x, 1)  # ties and exact decimals
            assert mean_std(x) == (float(x.mean()), float(x.std())), (n, scale)


def test_mean_std_of_other_arrays_is_numpys() -> None:
    x = np.arange(3 * LEAF, dtype=np.float64)[::2]  # not contiguous
    assert mean_std(x) == (float(x.mean()), float(x.std()))
    y = np.arange(3 * LEAF, dtype=np.float32)
    assert mean_std(y) == (float(y.mean()), float(y.std()))  # type: ignore[arg-type]
