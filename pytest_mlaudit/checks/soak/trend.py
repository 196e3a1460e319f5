"""Trends over a soak: a robust slope with its confidence interval, and error bursts.

:func:`theil_sen` fits ``y = a + b x`` with the Theil-Sen estimator (the median of the
pairwise slopes, :func:`scipy.stats.theilslopes`), whose confidence interval comes from
the distribution of those slopes: a few outliers (a GC pause, one slow request bin) move
neither the slope nor its interval much, unlike a least-squares fit or a first/last
difference. :func:`error_bursts` counts time bins whose error rate exceeds a limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["error_bursts", "theil_sen"]


def theil_sen(
    x: Sequence[float], y: Sequence[float], *, confidence: float = 0.95
) -> tuple[float, float, float, float]:
    """``(slope, intercept, low, high)`` of the Theil-Sen fit of ``y`` on ``x``;
    nan everywhere with fewer than 3 points or no spread in ``x``."""
    pairs = [(a, b) for a, b in zip(x, y, strict=True) if math.isfinite(a) and math.isfinite(b)]
    if len(pairs) < 3 or len({a for a, _ in pairs}) < 2:
        return math.nan, math.nan, math.nan, math.nan
    from scipy import stats

    xs = [a for a, _ in pairs]
    ys = [b for _, b in pairs]
    res = stats.theilslopes(ys, xs, alpha=confidence)
    return float(res[0]), float(res[1]), float(res[2]), float(res[3])


def error_bursts(
    bins: Sequence[tuple[int, int]], *, max_error_rate: float, min_requests: int = 5
) -> int:
    """Runs of consecutive bins (``(requests, failures)``) whose error rate exceeds
    ``max_error_rate``; a bin with fewer than ``min_requests`` requests neither starts
    nor breaks a burst unless all its requests failed.

    >>> error_bursts([(10, 0), (10, 5), (10, 6), (10, 0), (10, 9)], max_error_rate=0.1)
    2
    """
    bursts = 0
    inside = False
    for requests, failures in bins:
        if requests == 0:
            continue
        bad = failures / requests > max_error_rate and (
            requests >= min_requests or failures == requests
        )
        if bad and not inside:
            bursts += 1
        inside = bad
    return bursts
