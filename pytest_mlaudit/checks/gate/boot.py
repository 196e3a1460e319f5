"""The paired bootstrap of the deployment gate, vectorised, and the exact test on the
discordant pairs that decides accuracy when the two models disagree on few rows.

A bootstrap resample of ``n`` rows is represented by its *count vector*: how often each
row was drawn (a row of ``counts``, summing to ``n``). Every built-in metric is a function
of per-row weights, so one ``(b, n)`` count matrix evaluates ``b`` resamples with a matrix
product instead of ``b`` Python calls, and the candidate and the baseline are evaluated on
the *same* resamples (the pairing). The count matrices come from one seeded
:func:`numpy.random.default_rng` stream, in chunks of a size that depends on ``n`` only,
so a seed gives the same resamples on every machine.

With few discordant rows (rows where exactly one model is right) the bootstrap of an
accuracy difference is discrete and anti-conservative: with 4 of them, all in the
baseline's favour, no resample reaches a difference of 0 in more than ``e**-4 = 1.8%`` of
the draws, so the bootstrap bound says "significantly worse" while the exact
(McNemar) p-value is ``1/16``. :func:`exact_accuracy_bound` is the bound the gate uses
instead when there are at most :data:`EXACT_MAX_DISCORDANT` discordant rows.

Imports numpy only; scipy is imported inside :func:`mcnemar_exact` and
:func:`exact_accuracy_bound`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Final

import numpy as np

__all__ = [
    "EXACT_MAX_DISCORDANT",
    "MAX_CHUNK_CELLS",
    "bootstrap_counts",
    "chunk_rows",
    "exact_accuracy_bound",
    "mcnemar_exact",
    "percentile_interval",
]

#: A chunk of resamples holds at most this many counts (``b * n``): ~32 MB as float64.
MAX_CHUNK_CELLS: Final = 1 << 22
#: Up to this many discordant rows the exact bound decides an accuracy comparison (the
#: bootstrap's false-fail rate exceeds alpha there; ``tests/checks/gate`` shows both).
EXACT_MAX_DISCORDANT: Final = 100


def chunk_rows(n: int) -> int:
    """Resamples per chunk for ``n`` rows (at least 1; depends on ``n`` only)."""
    return max(1, MAX_CHUNK_CELLS // max(n, 1))


def bootstrap_counts(n: int, n_boot: int, seed: int) -> Iterator[np.ndarray]:
    """Yield ``(b, n)`` float64 count matrices, ``n_boot`` resamples in all.

    Each row is the multiplicity of every data row in one bootstrap resample (rows
    drawn uniformly with replacement), so each row sums to ``n``.

    Examples
    --------
    >>> chunks = list(bootstrap_counts(5, 3, seed=0))
    >>> [c.shape for c in chunks], chunks[0].sum(axis=1).tolist()
    ([(3, 5)], [5.0, 5.0, 5.0])
    """
    rng = np.random.default_rng(seed)
    step = chunk_rows(n)
    done = 0
    while done < n_boot:
        b = min(step, n_boot - done)
        # int32 draws are faster; b * n <= MAX_CHUNK_CELLS (or n alone) fits easily
        kind = np.int32 if b * n < 2**31 else np.int64
        idx: np.ndarray = rng.integers(0, n, size=(b, n), dtype=kind)
        idx += (np.arange(b, dtype=kind) * n)[:, None]
        counts = np.bincount(idx.ravel(), minlength=b * n).reshape(b, n)
        yield counts.astype(np.float64)
        done += b


def percentile_interval(samples: np.ndarray, alpha: float) -> tuple[float, float, int]:
    """The ``alpha`` and ``1 - alpha`` percentiles of the finite ``samples``.

    Returns ``(low, high, n_finite)``; ``(nan, nan, 0)`` when no sample is finite.
    ``low`` is the lower one-sided ``1 - alpha`` confidence bound, ``high`` the upper
    one; together they are the two-sided ``1 - 2 alpha`` percentile interval.
    """
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return math.nan, math.nan, 0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(low), float(high), int(finite.size)


def mcnemar_exact(candidate_only: int, baseline_only: int) -> tuple[float, float]:
    """McNemar's exact test on the discordant pairs of two classifiers.

    ``candidate_only``: rows only the candidate gets right; ``baseline_only``: rows only
    the baseline gets right. Returns ``(two_sided_p, p_candidate_worse)``, the latter
    the one-sided p-value of "the candidate is less accurate" (``P(X >= baseline_only)``
    for ``X ~ Binomial(candidate_only + baseline_only, 1/2)``).

    Examples
    --------
    >>> p2, p1 = mcnemar_exact(10, 10)
    >>> round(p2, 6), p1 > 0.5
    (1.0, True)
    """
    from scipy.stats import binom

    m = candidate_only + baseline_only
    if m == 0:
        return 1.0, 1.0
    worse = float(binom.sf(baseline_only - 1, m, 0.5))
    low = float(binom.cdf(min(candidate_only, baseline_only), m, 0.5))
    return min(1.0, 2.0 * low), min(1.0, worse)


def exact_accuracy_bound(candidate_only: int, baseline_only: int, n: int, alpha: float) -> float:
    """Upper one-sided ``1 - alpha`` bound of ``accuracy(candidate) - accuracy(baseline)``
    from the discordant pairs, exact given their number ``m``.

    With ``m = candidate_only + baseline_only`` of ``n`` rows discordant, the difference is
    ``(m / n) * (1 - 2 q)``, where ``q`` is the chance that a discordant row favours the
    baseline. ``q``'s exact (Clopper-Pearson) lower ``1 - alpha`` bound gives the bound of
    the difference. It is below 0 exactly when McNemar's exact one-sided test rejects
    "equal accuracy" at level ``alpha`` (``P(X >= baseline_only) <= alpha`` for
    ``X ~ Binomial(m, 1/2)``), so an equally good candidate fails with probability at most
    ``alpha`` whatever ``m`` is. With ``min_delta > 0`` the discordant share ``m / n`` is
    taken as known.

    Examples
    --------
    >>> round(exact_accuracy_bound(0, 4, 1000, 0.025), 5)  # 4 rows, all the baseline's
    0.00082
    >>> exact_accuracy_bound(0, 6, 1000, 0.025) < 0  # p = 1/64: significantly worse
    True
    """
    from scipy.stats import beta

    m = candidate_only + baseline_only
    if m == 0:
        return 0.0
    q_low = 0.0 if baseline_only == 0 else float(beta.ppf(alpha, baseline_only, candidate_only + 1))
    return (m / n) * (1.0 - 2.0 * q_low)
