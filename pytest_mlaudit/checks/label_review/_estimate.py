"""Stratified estimates of a proportion from the reviewed audit sample, with an interval.

The audit sample is stratified by (class, flagged): stratum ``h`` has ``N_h`` rows in the
data, ``n_h`` of them reviewed and ``x_h`` judged wrong. A proportion over several strata
(the noise rate of a class, of all rows, the precision of the flags) is estimated by the
stratified estimator ``p = sum_h W_h x_h / n_h`` with ``W_h = N_h / sum N``, which is
unbiased however unequal the sampling fractions are.

Its interval is the Wilson score interval at the design's effective sample size (Korn &
Graubard 1998, "Confidence intervals for proportions with small expected number of
positive counts estimated from survey data"): ``n_eff = p (1 - p) / var(p)``, truncated at
the number of reviewed rows, where ``var(p) = sum_h W_h^2 (1 - n_h / N_h) q_h (1 - q_h) /
n_h`` (finite-population correction: a fully reviewed stratum adds no variance). ``q_h``
is the stratum's rate shrunk half a row towards 1/2, ``(x_h + 0.5) / (n_h + 1)``, so that
a stratum in which no reviewed row was wrong (the usual case for unflagged rows) still
adds its uncertainty instead of claiming certainty from five rows. Standard library only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from statistics import NormalDist

__all__ = ["Estimate", "Stratum", "stratified", "wilson"]


@dataclasses.dataclass(frozen=True, slots=True)
class Stratum:
    """One stratum: rows in the data, rows reviewed, reviewed rows judged wrong."""

    population: int
    reviewed: int
    wrong: int


@dataclasses.dataclass(frozen=True, slots=True)
class Estimate:
    """A proportion with its interval (all NaN when a stratum has no reviewed row)."""

    estimate: float
    low: float
    high: float


_NAN = Estimate(math.nan, math.nan, math.nan)


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(p: float, n: float, confidence: float) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``p`` observed on ``n`` rows."""
    if n <= 0:
        return (0.0, 1.0)
    z = _z(confidence)
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(max(p * (1 - p) / n + z2n / (4 * n), 0.0))
    return (max(0.0, centre - half), min(1.0, centre + half))


def stratified(strata: Iterable[Stratum], confidence: float) -> Estimate:
    """The stratified estimate of the wrong share over ``strata``, with its interval."""
    kept = [s for s in strata if s.population > 0]
    total = sum(s.population for s in kept)
    if not kept or any(s.reviewed == 0 for s in kept):
        return _NAN
    p = 0.0
    var = 0.0
    for s in kept:
        w = s.population / total
        p += w * s.wrong / s.reviewed
        q = (s.wrong + 0.5) / (s.reviewed + 1)
        fpc = max(0.0, 1.0 - s.reviewed / s.population)
        var += w * w * fpc * q * (1 - q) / s.reviewed
    p = min(max(p, 0.0), 1.0)
    reviewed = sum(s.reviewed for s in kept)
    if var == 0.0:  # every stratum reviewed in full: the proportion is known exactly
        return Estimate(p, p, p)
    n_eff = reviewed if p in (0.0, 1.0) else min(reviewed, p * (1 - p) / var)
    low, high = wilson(p, n_eff, confidence)
    return Estimate(p, min(low, p), max(high, p))
