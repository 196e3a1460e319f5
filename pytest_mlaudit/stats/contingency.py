"""Chi-square *contingency* test of reference vs current counts.

The two samples are rows of a 2 x K table and the test asks whether they come from the
same distribution. This differs from a goodness-of-fit test that treats the reference's
proportions as exact: that one ignores the reference's own sampling noise and
false-alarms when both samples are large.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["MIN_EXPECTED", "ContingencyResult", "chi2_contingency_2xk"]

#: Cochran's rule: buckets whose smallest expected count is below this are pooled.
MIN_EXPECTED = 5.0


@dataclasses.dataclass(frozen=True, slots=True)
class ContingencyResult:
    statistic: float
    pvalue: float
    dof: int
    pooled: int  #: how many buckets were pooled into one because of small expected counts


def chi2_contingency_2xk(
    ref_counts: ArrayLike, cur_counts: ArrayLike, *, min_expected: float = MIN_EXPECTED
) -> ContingencyResult:
    """Pearson's chi-square test on the 2 x K table ``[ref_counts, cur_counts]``.

    Buckets whose smaller expected count is below ``min_expected`` are pooled into one
    bucket (if the pooled bucket is still too small it joins the smallest remaining one),
    so the chi-square approximation holds. No continuity correction.

    Examples
    --------
    >>> r = chi2_contingency_2xk([30, 70], [50, 50])
    >>> round(r.statistic, 4), r.dof
    (8.3333, 1)
    """
    from scipy import stats

    table = np.vstack([np.asarray(ref_counts, float), np.asarray(cur_counts, float)])
    table = table[:, table.sum(axis=0) > 0]
    pooled = 0
    if table.shape[1] >= 2:
        row = table.sum(axis=1, keepdims=True)
        expected = row * table.sum(axis=0, keepdims=True) / table.sum()
        small = expected.min(axis=0) < min_expected
        if small.any() and (~small).sum() >= 1:
            pooled = int(small.sum())
            merged = table[:, small].sum(axis=1, keepdims=True)
            table = np.hstack([table[:, ~small], merged])
            exp_merged = row * merged.sum() / table.sum()
            if exp_merged.min() < min_expected and table.shape[1] > 2:
                keep = table[:, :-1]
                j = int(np.argmin(keep.sum(axis=0)))
                table[:, -1] += keep[:, j]
                table = np.delete(table, j, axis=1)
                pooled += 1
    if table.shape[1] < 2:
        return ContingencyResult(statistic=0.0, pvalue=1.0, dof=0, pooled=pooled)
    res = stats.chi2_contingency(table, correction=False)
    return ContingencyResult(
        statistic=float(res.statistic), pvalue=float(res.pvalue), dof=int(res.dof), pooled=pooled
    )
