"""Contingency test of reference vs current counts: chi-square, or Fisher's exact test.

The two samples are rows of a 2 x K table and the test asks whether they come from the
same distribution. This differs from a goodness-of-fit test that treats the reference's
proportions as exact: that one ignores the reference's own sampling noise and
false-alarms when both samples are large.

Small counts
------------
Pearson's chi-square is an approximation that needs expected counts of about 5 or more
in every cell (Cochran's rule). Where they are smaller:

* with more than two buckets, the buckets with small expected counts are pooled into one
  (and, while that bucket is still too small, it absorbs the smallest remaining one);
* a 2 x 2 table that still has an expected count below 5 (two buckets to begin with, as
  in a null-rate test, or what pooling left) gets **Fisher's exact test**
  (``scipy.stats.fisher_exact``, two-sided) instead of the approximation.

:class:`ContingencyResult` records which test ran (``test``: ``"chi2"`` or ``"fisher"``)
and how many buckets were pooled. The statistic is always Pearson's chi-square of the
final table; with Fisher's test the p-value is the exact one.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["MIN_EXPECTED", "ContingencyResult", "chi2_contingency_2xk"]

#: Cochran's rule: buckets whose smallest expected count is below this are pooled.
MIN_EXPECTED = 5.0

ContingencyTest = Literal["chi2", "fisher"]


@dataclasses.dataclass(frozen=True, slots=True)
class ContingencyResult:
    statistic: float  #: Pearson's chi-square of the (pooled) table
    pvalue: float  #: of the test that ran
    dof: int
    pooled: int  #: original buckets merged into the pooled bucket (0: none)
    test: ContingencyTest = "chi2"  #: "chi2" (Pearson) or "fisher" (Fisher's exact, 2 x 2)


def _expected(table: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = (
        table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    )
    return out


def _pool(table: NDArray[np.float64], min_expected: float) -> tuple[NDArray[np.float64], int]:
    """Merge buckets with small expected counts until all are large or two are left."""
    pooled = 0  # original buckets inside the pooled (last) bucket
    while table.shape[1] > 2:
        small = _expected(table).min(axis=0) < min_expected
        if pooled:
            small[-1] = False  # the pooled bucket is judged below
        if small.any():
            if pooled:
                merged = table[:, small].sum(axis=1) + table[:, -1]
                rest = table[:, ~small][:, :-1]
                pooled += int(small.sum())
            else:
                merged = table[:, small].sum(axis=1)
                rest = table[:, ~small]
                pooled = int(small.sum())
                if rest.shape[1] == 0:  # every bucket is small: keep the largest apart
                    j = int(np.argmax(table.sum(axis=0)))
                    rest = table[:, [j]]
                    merged = table.sum(axis=1) - table[:, j]
                    pooled -= 1
            table = np.hstack([rest, merged[:, None]])
            continue
        if pooled and _expected(table)[:, -1].min() < min_expected:
            # the pooled bucket is still small: it absorbs the smallest other bucket
            j = int(np.argmin(table[:, :-1].sum(axis=0)))
            table[:, -1] += table[:, j]
            table = np.delete(table, j, axis=1)
            pooled += 1
            continue
        break
    return table, pooled


def chi2_contingency_2xk(
    ref_counts: ArrayLike, cur_counts: ArrayLike, *, min_expected: float = MIN_EXPECTED
) -> ContingencyResult:
    """The contingency test of the 2 x K table ``[ref_counts, cur_counts]``.

    Pearson's chi-square without continuity correction where the expected counts allow
    it, after pooling small buckets; Fisher's exact test on a 2 x 2 table with an
    expected count below ``min_expected`` (see the module docs).

    Examples
    --------
    >>> r = chi2_contingency_2xk([30, 70], [50, 50])
    >>> round(r.statistic, 4), r.dof, r.test
    (8.3333, 1, 'chi2')
    >>> r = chi2_contingency_2xk([7, 196], [1, 202])   # expected counts of 4
    >>> r.test, r.pooled, round(r.pvalue, 4)
    ('fisher', 0, 0.0676)
    """
    from scipy import stats

    table = np.vstack([np.asarray(ref_counts, float), np.asarray(cur_counts, float)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return ContingencyResult(statistic=0.0, pvalue=1.0, dof=0, pooled=0)
    table, pooled = _pool(table, min_expected)
    res = stats.chi2_contingency(table, correction=False)
    statistic, pvalue, dof = float(res.statistic), float(res.pvalue), int(res.dof)
    test: ContingencyTest = "chi2"
    if table.shape[1] == 2 and _expected(table).min() < min_expected:
        pvalue = float(stats.fisher_exact(table.astype(np.int64)).pvalue)
        test = "fisher"
    return ContingencyResult(statistic, min(max(pvalue, 0.0), 1.0), dof, pooled, test)
