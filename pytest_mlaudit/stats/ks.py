"""Two-sample Kolmogorov-Smirnov test on sorted samples.

:func:`ks_2samp_sorted` returns the same statistic and p-value as
``scipy.stats.ks_2samp(x, y)`` (two-sided, ``method="auto"``). For samples of at most
10,000 values it calls scipy's exact method; above that it computes the statistic from
the sorted samples (the same floats as scipy's, evaluated only where the largest gap
can be, with no pooled copy: a few MB of temporaries whatever the size) and the
asymptotic p-value with the same formula as scipy (``kstwo.sf(d, round(m*n/(m+n)))``).

scipy's exact computation can fail (a floating-point overflow on some sample sizes and
statistics); scipy then warns *"ks_2samp: Exact calculation unsuccessful. Switching to
method=asymp"* and uses the asymptotic formula. Here that warning is turned into the
answer itself: :func:`ks_test_sorted` says which method gave the p-value
(``"exact"`` or ``"asymp"``) and no warning reaches the user, with the same numbers as
scipy's fallback.
"""

from __future__ import annotations

import math
import threading
import warnings
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MAX_EXACT_N",
    "KSResult",
    "asymptotic_pvalue",
    "costly_pvalue_bound",
    "ks_2samp_sorted",
    "ks_test_sorted",
]

#: scipy's ``MAX_AUTO_N``: up to this size per side ``method="auto"`` is exact.
MAX_EXACT_N = 10_000

#: scipy's warning when its exact computation fails and it falls back to the asymptotic one.
_EXACT_FAILED = "ks_2samp: Exact calculation unsuccessful"
#: ``warnings.catch_warnings`` changes process-wide state: one KS call at a time in it.
_WARNINGS_LOCK = threading.Lock()


class KSResult(NamedTuple):
    statistic: float
    pvalue: float  #: scipy's p-value; for method "bound" an upper bound of it
    method: Literal["exact", "asymp", "bound"]  #: how the p-value was computed


#: values per block of :func:`ks_statistic_sorted` (bounds its temporaries: 8 MB each)
_BLOCK = 1 << 20
#: values of a sample per interval whose largest gap is bounded before it is evaluated
_GRID = 256


def ks_statistic_sorted(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """The two-sided KS statistic ``D`` of two sorted, NaN-free samples.

    scipy evaluates ``F_x - F_y`` at every value of either sample (counting the values
    ``<=`` it with ``searchsorted(side="right")``, which handles ties) and takes the
    largest difference each way. ``F_x - F_y`` only goes up at values of ``x`` and only
    down at values of ``y``, so its largest value is found among the values of ``x``, its
    smallest among those of ``y`` (:func:`_largest_gap`): the same floats, so the same
    ``D`` as scipy's, without evaluating most of the points.
    """
    max_s = _largest_gap(x, y)  # max of F_x - F_y
    min_s = float(np.clip(_largest_gap(y, x), 0, 1))  # max of F_y - F_x
    return min_s if min_s > max_s else max_s


def _largest_gap(own: NDArray[np.float64], other: NDArray[np.float64]) -> float:
    """``max(c_own(v) / n_own - c_other(v) / n_other)`` over the distinct values ``v`` of
    ``own`` (``c`` counts the values ``<= v``; at least 0: the last value gives ``>= 0``).

    ``own`` is cut into intervals of :data:`_GRID` values. In an interval, every value's
    own count is at most the interval's end and its count in ``other`` at least that of
    the interval's first value, so (division and subtraction round monotonically) the
    float of each point is at most the float of that corner. Points where the gap is
    known are evaluated first (each interval's last value); only the intervals whose
    corner exceeds the best of them are evaluated point by point, block by block. The
    result is the maximum over all points, bit for bit.
    """
    n_own, n_other = own.shape[0], other.shape[0]
    starts = np.arange(0, n_own, _GRID)
    ends = np.minimum(starts + _GRID, n_own)
    tail = own[ends - 1]
    known = np.searchsorted(own, tail, side="right") / n_own
    known -= np.searchsorted(other, tail, side="right") / n_other
    best = float(known.max())
    corner = ends / n_own
    corner -= np.searchsorted(other, own[starts], side="right") / n_other
    todo = corner > best
    # runs of consecutive intervals to evaluate: [run_starts[i], run_ends[i]) in values
    edges = np.flatnonzero(np.diff(todo.astype(np.int8), prepend=0, append=0))
    run_starts, run_ends = starts[edges[0::2]], ends[edges[1::2] - 1]
    for lo, hi in zip(run_starts.tolist(), run_ends.tolist(), strict=True):
        for a in range(lo, hi, _BLOCK):
            best = max(best, _block_gap(own, other, a, min(a + _BLOCK, hi)))
    return best


def _block_gap(own: NDArray[np.float64], other: NDArray[np.float64], a: int, b: int) -> float:
    """:func:`_largest_gap` over the values of ``own`` whose last occurrence is in ``[a, b)``."""
    n_own = own.shape[0]
    # the last occurrence of each value: its count of values <= it is its index + 1
    last = np.empty(b - a, dtype=bool)
    np.not_equal(own[a + 1 : b], own[a : b - 1], out=last[:-1])
    last[-1] = b == n_own or own[b] != own[b - 1]
    counts = np.flatnonzero(last) + (a + 1)
    if not counts.size:  # one value that goes on after b
        return -1.0
    gaps = counts / n_own
    gaps -= np.searchsorted(other, own[counts - 1], side="right") / other.shape[0]
    return float(gaps.max())


def ks_2samp_sorted(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float]:
    """``(statistic, pvalue)`` of the two-sided two-sample KS test.

    Both inputs must be sorted ascending and free of NaN (the caller validates).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> rng = np.random.default_rng(0)
    >>> x, y = np.sort(rng.normal(size=300)), np.sort(rng.normal(0.3, size=400))
    >>> d, p = ks_2samp_sorted(x, y)
    >>> ref = stats.ks_2samp(x, y)
    >>> bool(np.isclose(d, ref.statistic) and np.isclose(p, ref.pvalue))
    True
    """
    res = ks_test_sorted(x, y)
    return res.statistic, res.pvalue


def ks_test_sorted(
    x: NDArray[np.float64], y: NDArray[np.float64], *, bound_below: float = 0.0
) -> KSResult:
    """:func:`ks_2samp_sorted` and the method that gave its p-value (no warning).

    With ``bound_below > 0``, an asymptotic p-value that is costly to compute
    (:func:`costly_pvalue_bound`) and whose upper bound is at most ``bound_below`` is
    not computed: the result holds the bound, with method ``"bound"``
    (:func:`asymptotic_pvalue` gives scipy's value when it is needed).

    Examples
    --------
    >>> import numpy as np
    >>> ks_test_sorted(np.arange(50.0), np.arange(50.0) + 20).method
    'exact'
    >>> ks_test_sorted(np.arange(5.0), np.arange(5.0) + 0.5)  # scipy's exact p exceeds 1
    KSResult(statistic=0.2, pvalue=1.0, method='asymp')
    """
    from scipy import stats

    n1, n2 = x.shape[0], y.shape[0]
    if max(n1, n2) <= MAX_EXACT_N:
        with _WARNINGS_LOCK, warnings.catch_warnings():
            warnings.filterwarnings("error", message=_EXACT_FAILED, category=RuntimeWarning)
            try:
                res = stats.ks_2samp(x, y)  # "auto": exact at this size, as scipy
            except RuntimeWarning:
                pass
            else:
                return KSResult(float(res.statistic), float(res.pvalue), "exact")
        # scipy's fallback: the statistic as the exact attempt rounded it, asymptotic p
        d = ks_statistic_sorted(x, y)
        lcm = (n1 // math.gcd(n1, n2)) * n2
        d = round(d * lcm) / lcm
        return KSResult(d, asymptotic_pvalue(d, n1, n2), "asymp")
    d = float(ks_statistic_sorted(x, y))
    bound = costly_pvalue_bound(d, n1, n2) if bound_below > 0 else None
    if bound is not None and bound <= bound_below:
        return KSResult(d, bound, "bound")
    return KSResult(d, asymptotic_pvalue(d, n1, n2), "asymp")


def _effective_n(n1: int, n2: int) -> float:
    """scipy's ``round(m*n/(m+n))``, the sample size of the asymptotic distribution."""
    m, n = sorted([float(n1), float(n2)], reverse=True)
    return float(np.round(m * n / (m + n)))


def asymptotic_pvalue(d: float, n1: int, n2: int) -> float:
    """scipy's two-sided asymptotic p-value, ``kstwo.sf(d, round(m*n/(m+n)))``."""
    from scipy import stats

    return float(np.clip(stats.distributions.kstwo.sf(d, _effective_n(n1, n2)), 0, 1))


#: Above this ``N`` scipy's Smirnov function is an asymptotic formula (fast); at or
#: below it (and above 140) an exact sum of ``N`` terms, about 2 ms per 1,000.
_SMIRNOV_SUM_MAX_N = 1_000_000


def costly_pvalue_bound(d: float, n1: int, n2: int) -> float | None:
    """An upper bound of :func:`asymptotic_pvalue` where scipy computes it slowly, else None.

    For ``N = round(n1*n2/(n1+n2))`` above 140 and ``2.2 <= N*d**2 < 370``, scipy's
    ``kstwo.sf(d, N)`` is ``2 * smirnov(N, d)``, the exact one-sided tail, which it sums
    term by term up to ``N = 1,000,000`` (about 2 s at ``N = 1e6``, 0.5 s at a million
    rows per side). The one-sided tail is at most ``exp(-2*N*d**2)`` (Massart's
    inequality, which holds for every ``N`` and ``d``), so the p-value is at most
    ``2*exp(-2*N*d**2)``, returned here. Elsewhere scipy is fast and this gives None.

    Examples
    --------
    >>> costly_pvalue_bound(0.01, 1_000_000, 1_000_000)  # N*d**2 = 50: p <= 7e-44
    7.440151952041672e-44
    >>> costly_pvalue_bound(0.1, 1_000_000, 1_000_000) is None  # scipy gives 0.0 at once
    True
    """
    big_n = _effective_n(n1, n2)
    t = big_n * d * d
    if not (140 < big_n <= _SMIRNOV_SUM_MAX_N and 2.2 <= t < 370.0):
        return None
    return min(1.0, 2.0 * math.exp(-2.0 * t))
