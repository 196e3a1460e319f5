"""Distances between two distributions given as counts over the same buckets.

All take *counts* (not proportions) so a reference profile, which keeps counts, gives the
same numbers as raw data.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "PSI_EPSILON",
    "jensen_shannon",
    "linf",
    "psi",
    "total_variation",
    "wasserstein_normalised",
]

#: Proportions below this are raised to it before PSI's logarithm (empty bins).
PSI_EPSILON = 1e-4


def _proportions(counts: ArrayLike) -> NDArray[np.float64]:
    c = np.asarray(counts, dtype=float)
    total = c.sum()
    if total <= 0:
        raise ValueError("counts sum to zero")
    out: NDArray[np.float64] = c / total
    return out


def psi(ref_counts: ArrayLike, cur_counts: ArrayLike, *, eps: float = PSI_EPSILON) -> float:
    """Population stability index ``sum((q - p) * ln(q / p))``.

    ``p`` and ``q`` are the reference and current proportions per bucket, each raised to
    at least ``eps`` so an empty bucket gives a large but finite contribution.

    Examples
    --------
    >>> round(psi([50, 50], [40, 60]), 6)
    0.040547
    """
    p = np.maximum(_proportions(ref_counts), eps)
    q = np.maximum(_proportions(cur_counts), eps)
    return float(np.sum((q - p) * np.log(q / p)))


def jensen_shannon(ref_counts: ArrayLike, cur_counts: ArrayLike) -> float:
    """Jensen-Shannon *distance* (square root of the divergence), base 2: in [0, 1]."""
    from scipy.spatial import distance

    value = distance.jensenshannon(_proportions(ref_counts), _proportions(cur_counts), base=2)
    return float(np.clip(value, 0.0, 1.0))


def linf(ref_counts: ArrayLike, cur_counts: ArrayLike) -> float:
    """L-infinity distance: the largest absolute difference of a bucket's share (TFDV)."""
    return float(np.max(np.abs(_proportions(ref_counts) - _proportions(cur_counts))))


def total_variation(ref_counts: ArrayLike, cur_counts: ArrayLike) -> float:
    """Total variation distance ``0.5 * sum|p - q|``: the largest difference in probability
    that any set of buckets can show. The categorical analogue of the KS statistic."""
    return float(0.5 * np.sum(np.abs(_proportions(ref_counts) - _proportions(cur_counts))))


def wasserstein_normalised(
    ref_values: NDArray[np.float64], cur_values: NDArray[np.float64], ref_std: float
) -> float:
    """First Wasserstein distance divided by the reference's standard deviation.

    In "reference standard deviations": 0.1 means the mass moved on average a tenth of a
    standard deviation. A constant reference (std 0) is not normalised (divides by 1).
    """
    from scipy import stats

    w = float(stats.wasserstein_distance(ref_values, cur_values))
    return w / ref_std if ref_std > 0 else w
