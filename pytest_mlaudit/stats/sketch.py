"""KLL quantile sketches (Apache DataSketches, the ``[sketch]`` extra) and the two-sample
Kolmogorov-Smirnov statistic between two of them, with its error bound.

A KLL sketch of size ``k`` answers rank queries with a *normalized rank error* ``eps``:
DataSketches fits ``eps`` (``normalized_rank_error(False)``, about ``1.33%`` at
``k=200``, ``0.27%`` at ``k=1000``) to the 99th percentile of the largest rank error
measured over thousands of trials, so with about 99% confidence every rank the sketch
gives is within ``eps`` of the exact one. A sketch that has not started compacting
(``n`` small enough to keep every value) is exact: ``eps = 0``.

The KS statistic is the largest gap between two CDFs. Each sketch CDF is within its
``eps`` of the exact empirical CDF everywhere, so the sketch statistic ``D_s`` satisfies

    |D_s - D_exact| <= eps_reference + eps_current

with about 98% confidence (both sketches within their bounds; a union bound), and
:func:`ks_sketch` returns ``D_s`` with that bound. ``D_s`` is evaluated at every value
either sketch retains, with inclusive ranks (the right-continuous CDF), which is where a
step function's largest gap is.

Nothing here is imported until a sketch is made.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "DEFAULT_K",
    "KSSketch",
    "kll_module",
    "ks_sketch",
    "ks_sketch_exact",
    "new_sketch",
    "rank_error",
    "retained",
]

#: DataSketches' default KLL size: rank error about 1.33% (99% confidence).
DEFAULT_K = 200


def kll_module(*, name: str = "sketch profiles") -> Any:
    """The ``datasketches`` module, or an error naming the extra to install."""
    try:
        import datasketches  # type: ignore[import-untyped]
    except ImportError:
        raise MlauditInputError(
            f"{name} need the datasketches package; install it with "
            "pip install 'pytest-mlaudit[sketch]'."
        ) from None
    return datasketches


def new_sketch(k: int) -> Any:
    """An empty KLL sketch of doubles of size ``k``."""
    return kll_module().kll_doubles_sketch(int(k))


def rank_error(sketch: Any) -> float:
    """The sketch's normalized rank error (single-sided), 0 while it is exact."""
    if sketch.is_empty() or not sketch.is_estimation_mode():
        return 0.0
    return float(sketch.normalized_rank_error(False))


def retained(sketch: Any) -> NDArray[np.float64]:
    """The distinct values the sketch retains, sorted."""
    return np.unique(np.fromiter((item for item, _ in sketch), dtype=np.float64))


class KSSketch(NamedTuple):
    statistic: float  #: D between the two sketch CDFs
    bound: float  #: eps_reference + eps_current: |D - D_exact| <= bound (about 98%)


def ks_sketch(reference: Any, current: Any) -> KSSketch:
    """The KS statistic of two KLL sketches and its error bound (see the module docs)."""
    points = np.union1d(retained(reference), retained(current))
    ref_cdf = np.asarray(reference.get_cdf(points.tolist(), inclusive=True))[:-1]
    cur_cdf = np.asarray(current.get_cdf(points.tolist(), inclusive=True))[:-1]
    d = float(np.max(np.abs(ref_cdf - cur_cdf))) if points.size else 0.0
    return KSSketch(d, rank_error(reference) + rank_error(current))


def ks_sketch_exact(reference: Any, current: NDArray[np.float64]) -> KSSketch:
    """The KS statistic of a KLL sketch against *exact* sorted values, and its bound.

    The current side is exact (its error is 0), so ``|D - D_exact| <= eps_reference``
    with about 99% confidence. The largest gap of two step functions is at one of their
    steps: the sketch's retained items and the current values.
    """
    # the sketch's CDF is a step function that changes only at its retained items; its
    # value there comes from get_cdf (iterating a merged sketch's weights is not reliable)
    items = retained(reference)
    n_ref, n_cur = int(reference.n), int(current.size)
    if n_ref == 0 or n_cur == 0:
        return KSSketch(0.0, rank_error(reference))
    steps = np.asarray(reference.get_cdf(items.tolist(), inclusive=True), dtype=np.float64)[:-1]

    def ref_cdf(points: NDArray[np.float64]) -> NDArray[np.float64]:
        idx = np.searchsorted(items, points, side="right")
        out = np.zeros(points.shape[0], dtype=np.float64)
        hit = idx > 0
        out[hit] = steps[idx[hit] - 1]
        return out

    # at the current values' last occurrences
    last = np.empty(current.size, dtype=bool)
    np.not_equal(current[1:], current[:-1], out=last[:-1])
    last[-1] = True
    at = current[last]
    gap_cur = float(np.max(np.abs(ref_cdf(at) - (np.flatnonzero(last) + 1) / n_cur)))
    # at the sketch's items
    cur_at = np.searchsorted(current, items, side="right") / n_cur
    gap_ref = float(np.max(np.abs(steps - cur_at)))
    return KSSketch(max(gap_cur, gap_ref), rank_error(reference))
