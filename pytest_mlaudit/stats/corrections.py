"""Multiple-testing corrections for the p-values of one report.

``holm`` (Holm-Bonferroni, controls the family-wise error rate, the default),
``bh`` (Benjamini-Hochberg, controls the false discovery rate; computed by
``scipy.stats.false_discovery_control``) and ``none``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

__all__ = ["CORRECTIONS", "Correction", "adjust_pvalues"]

Correction = Literal["holm", "bh", "none"]
CORRECTIONS: tuple[Correction, ...] = ("holm", "bh", "none")


def adjust_pvalues(pvalues: Sequence[float], method: Correction) -> list[float]:
    """Adjusted p-values, in the order given; compare each with alpha.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm")
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=float)
    if p.size == 0 or method == "none":
        return [float(v) for v in p]
    if method == "holm":
        m = p.size
        order = np.argsort(p, kind="stable")
        scaled = (m - np.arange(m)) * p[order]
        adjusted_sorted = np.minimum(np.maximum.accumulate(scaled), 1.0)
        adjusted = np.empty_like(p)
        adjusted[order] = adjusted_sorted
        return [float(v) for v in adjusted]
    if method == "bh":
        from scipy import stats

        return [float(v) for v in stats.false_discovery_control(p, method="bh")]
    raise ValueError(f"unknown correction {method!r}")
