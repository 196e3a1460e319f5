"""``values.mean()`` and ``values.std()`` of a large float64 array, the same floats, in a
fraction of the memory traffic.

numpy sums a contiguous float64 array pairwise: a run of more than 128 values is split
at ``n2 = n // 2 - (n // 2) % 8`` and the two halves' sums are added, recursively; the
tree depends only on the length. ``std`` sums the squares of ``values - mean`` held in a
temporary copy of the array. :func:`mean_std` cuts the same tree at leaves of at most
:data:`LEAF` values, sums each leaf with numpy (a leaf's sum is its subtree's) and adds
the leaves as the tree does, with the squared deviations of one leaf at a time in a
small buffer: no copy of the array, bit for bit numpy's ``mean()`` and ``std()``
(``tests/stats/test_stats_moments.py`` checks this across sizes and scales).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = ["LEAF", "mean_std"]

#: Values per leaf of the summation tree (512 KB of float64: the buffer stays in cache).
LEAF: Final = 1 << 16

_Tree = int | tuple["_Tree", "_Tree"]


def _tree(start: int, n: int, leaves: list[tuple[int, int]]) -> _Tree:
    """numpy's pairwise-sum tree of ``n`` values from ``start``, cut at :data:`LEAF`."""
    if n <= LEAF:
        leaves.append((start, start + n))
        return len(leaves) - 1
    half = n // 2
    half -= half % 8
    return (_tree(start, half, leaves), _tree(start + half, n - half, leaves))


def _add(tree: _Tree, sums: list[float]) -> float:
    if isinstance(tree, int):
        return sums[tree]
    return _add(tree[0], sums) + _add(tree[1], sums)


def mean_std(values: NDArray[np.float64]) -> tuple[float, float]:
    """``(float(values.mean()), float(values.std()))`` of a 1-D contiguous float64 array.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=200_000)
    >>> mean_std(x) == (float(x.mean()), float(x.std()))
    True
    """
    n = values.shape[0]
    if n <= LEAF or not values.flags.c_contiguous or values.dtype != np.float64:
        return float(values.mean()), float(values.std())
    leaves: list[tuple[int, int]] = []
    tree = _tree(0, n, leaves)
    mean = np.float64(_add(tree, [np.add.reduce(values[a:b]) for a, b in leaves])) / n
    buffer = np.empty(LEAF, dtype=np.float64)
    squares = []
    for a, b in leaves:
        dev = np.subtract(values[a:b], mean, out=buffer[: b - a])
        np.multiply(dev, dev, out=dev)
        squares.append(np.add.reduce(dev))
    return float(mean), float(np.sqrt(np.float64(_add(tree, squares)) / n))
