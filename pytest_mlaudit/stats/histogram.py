"""Binning numeric samples on edges taken from the reference's quantiles."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["bin_counts_sorted", "quantile_edges", "sorted_quantiles", "with_support_bins"]


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


def with_support_bins(
    inner_edges: NDArray[np.float64],
    ref_counts: NDArray[np.int64],
    ref_min: float,
    ref_max: float,
    cur_min: float,
    cur_max: float,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Edges and reference counts with a bin of its own for values outside the reference.

    Reference-quantile bins have open outer bins, so a current value below the
    reference's minimum (or above its maximum) shares a bin with reference values and a
    binned distance cannot see that the support moved; a constant reference has one bin
    and sees nothing at all. When the current sample reaches beyond the reference range,
    this adds the bin ``(-inf, min)`` (an edge just below the minimum) and/or
    ``(max, inf)``, each with a reference count of zero (no reference value lies there),
    so PSI and Jensen-Shannon count the mass that left the reference's support. Within
    the range the bins are unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> e, c = with_support_bins(np.array([]), np.array([100]), 1.0, 1.0, 2.0, 2.0)
    >>> e.tolist(), c.tolist()
    ([1.0], [100, 0])
    """
    edges, counts = inner_edges, ref_counts
    if cur_min < ref_min:
        edges = np.concatenate([[np.nextafter(ref_min, -np.inf)], edges])
        counts = np.concatenate([[0], counts]).astype(np.int64)
    if cur_max > ref_max:
        edges = np.concatenate([edges, [ref_max]])
        counts = np.concatenate([counts, [0]]).astype(np.int64)
    return edges, counts
