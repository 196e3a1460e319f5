"""Binning numeric samples on edges taken from the reference's quantiles."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["bin_counts_sorted", "quantile_edges", "sorted_quantiles"]


def sorted_quantiles(
    sorted_values: NDArray[np.float64], qs: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Quantiles of an already sorted sample, linear interpolation (numpy's default).

    ``np.quantile`` would partition the data again; on sorted data a lookup suffices.
    """
    pos = qs * (sorted_values.size - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, sorted_values.size - 1)
    frac = pos - lo
    a, b = sorted_values[lo], sorted_values[hi]
    return np.where(frac == 0, a, a + frac * (b - a))


def quantile_edges(sorted_ref: NDArray[np.float64], bins: int) -> NDArray[np.float64]:
    """Inner edges splitting the reference into ``bins`` equal-count bins.

    The outer bins are open, ``(-inf, e_1]`` and ``(e_k, inf)``, so current values outside
    the reference's range land in the extreme bins. Tied quantiles (a column with many
    equal values) collapse, so there may be fewer than ``bins`` bins.
    """
    qs = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    inner = sorted_quantiles(sorted_ref, qs)
    # drop an edge equal to the maximum: its right-hand bin would always be empty
    inner = np.unique(inner)
    return inner[inner < sorted_ref[-1]] if sorted_ref.size else inner


def bin_counts_sorted(
    sorted_values: NDArray[np.float64], inner_edges: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Counts of a sorted sample in ``(-inf, e_1], (e_1, e_2], ..., (e_k, inf)``."""
    cum = np.searchsorted(sorted_values, inner_edges, side="right")
    bounds = np.concatenate([[0], cum, [sorted_values.size]])
    return np.diff(bounds).astype(np.int64)
