"""Two-sample Kolmogorov-Smirnov test on sorted samples.

:func:`ks_2samp_sorted` returns the same statistic and p-value as
``scipy.stats.ks_2samp(x, y)`` (two-sided, ``method="auto"``). For samples of at most
10,000 values it calls scipy's exact method; above that it computes the statistic from
the sorted samples (each sample's values searched in both, block by block, with no
pooled copy: a few MB of temporaries whatever the size) and the asymptotic p-value with
the same formula as scipy (``kstwo.sf(d, round(m*n/(m+n)))``).

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

__all__ = ["MAX_EXACT_N", "KSResult", "asymptotic_pvalue", "ks_2samp_sorted", "ks_test_sorted"]

#: scipy's ``MAX_AUTO_N``: up to this size per side ``method="auto"`` is exact.
MAX_EXACT_N = 10_000

#: scipy's warning when its exact computation fails and it falls back to the asymptotic one.
_EXACT_FAILED = "ks_2samp: Exact calculation unsuccessful"
#: ``warnings.catch_warnings`` changes process-wide state: one KS call at a time in it.
_WARNINGS_LOCK = threading.Lock()


class KSResult(NamedTuple):
    statistic: float
    pvalue: float
    method: Literal["exact", "asymp"]  #: how the p-value was computed


#: values per block of :func:`ks_statistic_sorted` (bounds its temporaries: 8 MB each)
_BLOCK = 1 << 20


def ks_statistic_sorted(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """The two-sided KS statistic ``D`` of two sorted, NaN-free samples.

    Both empirical CDFs are evaluated at every value of either sample, counting the
    values ``<=`` it in each (``searchsorted(side="right")``, as scipy does, which also
    handles ties), block by block: the temporaries are a few blocks, not the samples.
    """
    n1, n2 = x.shape[0], y.shape[0]
    max_s = min_s = 0.0
    for own, other, own_is_x in ((x, y, True), (y, x, False)):
        n = own.shape[0]
        for start in range(0, n, _BLOCK):
            stop = min(start + _BLOCK, n)
            # the last occurrence of each value: its count of values <= it is its index + 1
            last = np.empty(stop - start, dtype=bool)
            np.not_equal(own[start + 1 : stop], own[start : stop - 1], out=last[:-1])
            last[-1] = stop == n or own[stop] != own[stop - 1]
            c_own = np.flatnonzero(last) + (start + 1)
            if not c_own.size:  # a block of one value that goes on in the next block
                continue
            at = own[c_own - 1]
            c_other = np.searchsorted(other, at, side="right")
            c1, c2 = (c_own, c_other) if own_is_x else (c_other, c_own)
            diffs = c1 / n1
            diffs -= c2 / n2
            max_s = max(max_s, float(diffs.max()))
            min_s = max(min_s, float(-diffs.min()))
    min_s = float(np.clip(min_s, 0, 1))
    return min_s if min_s > max_s else max_s


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


def ks_test_sorted(x: NDArray[np.float64], y: NDArray[np.float64]) -> KSResult:
    """:func:`ks_2samp_sorted` and the method that gave its p-value (no warning).

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
    return KSResult(d, asymptotic_pvalue(d, n1, n2), "asymp")


def asymptotic_pvalue(d: float, n1: int, n2: int) -> float:
    """scipy's two-sided asymptotic p-value, ``kstwo.sf(d, round(m*n/(m+n)))``."""
    from scipy import stats

    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    return float(np.clip(stats.distributions.kstwo.sf(d, np.round(en)), 0, 1))
