"""The maths of the estimate: calibration of the reference, and metrics without labels.

Confidence-based performance estimation (CBPE, as NannyML's): a *calibrated* probability
``p_i`` is the chance that row ``i`` is positive, so the current data's labels are, as far
as the model knows, independent Bernoulli draws ``Y_i ~ B(p_i)``. The decision
``yhat_i = score_i >= threshold`` and the ranking of the raw scores are fixed; every
metric is then a random variable of the labels alone.

* **Point estimates.** Accuracy has a closed form: ``mean(p_i yhat_i + (1 - p_i)(1 -
  yhat_i))``. ROC AUC, F1, precision and recall are ratios of dependent sums, so their
  expectation is taken over ``n_simulations`` seeded label draws (vectorised: the AUC of a
  draw is its rank sum, the confusion counts are dot products).
* **Interval.** The central ``confidence`` quantiles of the same simulated metrics. This
  is the spread of the metric the current labels *will* give, if the probabilities are
  right, which is what "the realised metric lies inside the interval" asks. An analytic
  variance exists only for accuracy (a sum of independent Bernoullis); the simulation
  gives every metric the same treatment, exact under the model's own probabilities,
  without delta-method approximations on small positive counts. The error of the
  calibration itself is not in the interval: it is tested first (:func:`calibration`).
* **Calibration test.** Hosmer-Lemeshow on ``bins`` equal-count bins of out-of-sample
  reference predictions (external validation, so ``bins`` degrees of freedom), with the
  expected calibration error (ECE) as its effect size: miscalibrated when the test is
  significant *and* ECE exceeds ``max_ece`` (the pattern of the drift check: a huge
  reference does not fail on a trivial miscalibration).
* **Calibrating.** Isotonic regression or Platt scaling (a logistic regression on the
  logit of the score) fitted on the reference. The reference's own calibrated
  probabilities are *cross-fitted* (each fold calibrated by a map fitted on the other
  folds), so its calibration test stays honest; the current data uses the map fitted on
  the whole reference.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "METRICS",
    "CalibrationFit",
    "Calibrator",
    "calibration",
    "cross_fit",
    "realised",
    "simulate",
]

#: The metrics estimated, in report order.
METRICS: Final = ("accuracy", "roc_auc", "f1", "precision", "recall")
#: Simulated label draws processed at once are bounded to about this many cells.
_CHUNK_CELLS: Final = 4_000_000
_EPS: Final = 1e-6

F64 = NDArray[np.float64]


@dataclasses.dataclass(frozen=True, slots=True)
class CalibrationFit:
    """The Hosmer-Lemeshow statistic, its p-value and the ECE of probabilities vs labels."""

    statistic: float
    pvalue: float
    ece: float
    bins: int
    mean_predicted: tuple[float, ...]  #: per bin, for the reliability table
    mean_observed: tuple[float, ...]
    counts: tuple[int, ...]


def calibration(p: F64, y: NDArray[np.int64], bins: int) -> CalibrationFit:
    """Hosmer-Lemeshow (``bins`` dof) and ECE of probabilities ``p`` for 0/1 labels ``y``."""
    from scipy import stats

    order = np.argsort(p, kind="stable")
    groups = [g for g in np.array_split(order, min(bins, p.size)) if g.size]
    stat, ece = 0.0, 0.0
    mp, mo, cnt = [], [], []
    for g in groups:
        n_g = g.size
        expected = float(p[g].sum())
        observed = float(y[g].sum())
        mean_p = expected / n_g
        var = n_g * mean_p * (1.0 - mean_p)
        stat += (observed - expected) ** 2 / max(var, _EPS)
        ece += abs(observed - expected) / p.size
        mp.append(mean_p)
        mo.append(observed / n_g)
        cnt.append(n_g)
    dof = len(groups)
    return CalibrationFit(
        statistic=stat,
        pvalue=float(stats.chi2.sf(stat, dof)),
        ece=ece,
        bins=dof,
        mean_predicted=tuple(mp),
        mean_observed=tuple(mo),
        counts=tuple(cnt),
    )


class Calibrator:
    """A monotone map from raw scores to calibrated probabilities (isotonic or Platt)."""

    __slots__ = ("_fit", "method")

    def __init__(self, method: str, scores: F64, y: NDArray[np.int64]) -> None:
        self.method = method
        if method == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            iso.fit(scores, y)
            self._fit: object = iso
        else:
            from sklearn.linear_model import LogisticRegression

            lr = LogisticRegression(C=1e6)
            lr.fit(_logit(scores)[:, None], y)
            self._fit = lr

    def __call__(self, scores: F64) -> F64:
        fit: Any = self._fit
        if self.method == "isotonic":
            out: F64 = np.asarray(fit.predict(scores), dtype=np.float64)
        else:
            out = np.asarray(fit.predict_proba(_logit(scores)[:, None])[:, 1], dtype=np.float64)
        clipped: F64 = np.clip(out, 0.0, 1.0)
        return clipped


def _logit(p: F64) -> F64:
    q = np.clip(p, _EPS, 1.0 - _EPS)
    out: F64 = np.log(q / (1.0 - q))
    return out


def cross_fit(
    method: str, scores: F64, y: NDArray[np.int64], folds: int, seed: int
) -> tuple[F64, Calibrator]:
    """Out-of-fold calibrated reference probabilities and the map fitted on all of it."""
    rng = np.random.default_rng(seed)
    # stratified folds: each fold keeps both classes
    fold = np.empty(y.size, dtype=np.intp)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        fold[idx] = rng.permutation(idx.size) % folds
    out = np.empty(y.size, dtype=float)
    for k in range(folds):
        held = fold == k
        out[held] = Calibrator(method, scores[~held], y[~held])(scores[held])
    return out, Calibrator(method, scores, y)


def _ranks(scores: F64) -> F64:
    from scipy.stats import rankdata

    out: F64 = np.asarray(rankdata(scores), dtype=float)
    return out


def _metrics_from(y: F64, ranks: F64, yhat: F64) -> dict[str, F64]:
    """Every metric for label rows ``y`` (draws x rows, 0/1 floats); NaN where undefined."""
    n = y.shape[1]
    pos = y.sum(axis=1)
    tp = y @ yhat
    pred_pos = float(yhat.sum())
    fp = pred_pos - tp
    fn = pos - tp
    tn = n - pos - fp
    with np.errstate(divide="ignore", invalid="ignore"):
        neg = n - pos
        auc = (y @ ranks - pos * (pos + 1) / 2.0) / (pos * neg)
        precision = np.where(pred_pos > 0, tp / pred_pos, np.nan)
        recall = np.where(pos > 0, tp / pos, np.nan)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
    auc = np.where((pos > 0) & (neg > 0), auc, np.nan)
    return {
        "accuracy": (tp + tn) / n,
        "roc_auc": auc,
        "f1": f1,
        "precision": precision,
        "recall": recall,
    }


def realised(scores: F64, y: NDArray[np.int64], threshold: float) -> dict[str, float]:
    """Every metric on real labels (NaN where undefined, e.g. AUC with one class)."""
    yhat = (scores >= threshold).astype(float)
    out = _metrics_from(y.astype(float)[None, :], _ranks(scores), yhat)
    return {k: float(v[0]) for k, v in out.items()}


@dataclasses.dataclass(frozen=True, slots=True)
class Simulated:
    """Per metric: the expectation and the interval's bounds."""

    estimate: dict[str, float]
    lower: dict[str, float]
    upper: dict[str, float]


def simulate(
    scores: F64,
    p: F64,
    threshold: float,
    *,
    n_simulations: int,
    confidence: float,
    seed: int,
) -> Simulated:
    """Expected metrics and their ``confidence`` intervals from labels drawn as ``B(p)``."""
    rng = np.random.default_rng(seed)
    ranks = _ranks(scores)
    yhat = (scores >= threshold).astype(float)
    n = scores.size
    per_chunk = max(1, _CHUNK_CELLS // max(n, 1))
    draws: dict[str, list[F64]] = {m: [] for m in METRICS}
    done = 0
    while done < n_simulations:
        k = min(per_chunk, n_simulations - done)
        y = (rng.random((k, n)) < p[None, :]).astype(float)
        for name, values in _metrics_from(y, ranks, yhat).items():
            draws[name].append(values)
        done += k
    tail = (1.0 - confidence) / 2.0
    estimate, lower, upper = {}, {}, {}
    for name in METRICS:
        values = np.concatenate(draws[name])
        values = values[~np.isnan(values)]
        if values.size == 0:
            estimate[name] = lower[name] = upper[name] = math.nan
            continue
        estimate[name] = float(values.mean())
        lower[name] = float(np.quantile(values, tail))
        upper[name] = float(np.quantile(values, 1.0 - tail))
    # accuracy's expectation is exact: no simulation error in the point estimate
    estimate["accuracy"] = float(np.mean(p * yhat + (1.0 - p) * (1.0 - yhat)))
    return Simulated(estimate, lower, upper)
