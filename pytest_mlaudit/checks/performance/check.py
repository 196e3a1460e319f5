"""Performance without labels: does the drift hurt the model before the labels arrive?

:func:`check_performance` estimates a binary classifier's accuracy, ROC AUC, F1,
precision and recall on unlabelled current data from its calibrated probabilities
(confidence-based performance estimation, as NannyML's CBPE; see
:mod:`pytest_mlaudit.checks.performance._cbpe` for the maths and why the interval is
simulated). The reference (held-out data with labels, *not* the training set) is
checked for calibration first; a miscalibrated model fails the check unless
``calibrate=True`` calibrates it on the reference (cross-fitted).

Multiclass models get the *top-label* accuracy only: whether the predicted class is right
is a binary event whose probability is the (calibrated) confidence of that class, so the
same calibration test, calibrators and simulation apply; the other metrics need a binary
model and are refused for multiclass ones.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np

from pytest_mlaudit._validation import check_bool, check_float, check_int, check_option
from pytest_mlaudit.checks.performance._cbpe import (
    METRICS,
    calibration,
    cross_fit,
    realised,
    simulate,
)
from pytest_mlaudit.checks.performance._validate import (
    MULTICLASS,
    binary_labels,
    correct_labels,
    model_classes,
    probabilities,
)
from pytest_mlaudit.checks.performance.report import (
    CalibrationCheck,
    MetricEstimate,
    PerformanceReport,
)
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["check_performance"]

_METHODS: Final = ("isotonic", "platt")


def check_performance(
    model: Any,
    reference: Any,
    reference_y: Any,
    current: Any,
    *,
    metric: str = "roc_auc",
    min_value: float | None = None,
    max_drop: float | None = None,
    y_current: Any = None,
    calibrate: bool = False,
    calibration_method: str = "isotonic",
    calibration_alpha: float = 0.01,
    max_ece: float = 0.02,
    calibration_bins: int = 10,
    threshold: float = 0.5,
    confidence: float = 0.95,
    n_simulations: int = 1000,
    seed: int = 0,
) -> PerformanceReport:
    """Estimate a binary classifier's performance on ``current`` without its labels.

    Parameters
    ----------
    model
        A binary classifier with ``predict_proba`` (e.g. a scikit-learn pipeline).
    reference, reference_y
        Held-out labelled rows the model did not train on, and their labels (the model's
        classes, or 0/1). Their predictions test the calibration and give the reference
        value of each metric.
    current
        The unlabelled rows to estimate the performance on.
    metric
        The metric of the verdict: ``"accuracy"``, ``"roc_auc"``, ``"f1"``,
        ``"precision"`` or ``"recall"`` (all five are estimated).
    min_value
        Fail when the estimate of ``metric`` is below this.
    max_drop
        Fail when the estimate is below the reference's realised value by more than this.
    y_current
        The current labels, when they have arrived: the realised metrics are set beside
        the estimates (the verdict stays the estimate's).
    calibrate
        Calibrate the probabilities on the reference (``calibration_method``:
        ``"isotonic"`` or ``"platt"``), cross-fitted so the reference's test stays honest.
    calibration_alpha, max_ece, calibration_bins
        The reference is miscalibrated when the Hosmer-Lemeshow test on
        ``calibration_bins`` bins is significant at ``calibration_alpha`` *and* the
        expected calibration error exceeds ``max_ece``; a miscalibrated model fails.
    threshold
        The decision threshold on the score (accuracy, F1, precision, recall).
    confidence, n_simulations, seed
        The interval's level, the simulated labelings it comes from and their seed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(24000, 2))
    >>> y = (rng.random(24000) < 1 / (1 + np.exp(-2 * X[:, 0]))).astype(int)
    >>> model = LogisticRegression().fit(X[:20000], y[:20000])
    >>> ref, ref_y, cur = X[20000:22000], y[20000:22000], X[22000:]
    >>> report = check_performance(model, ref, ref_y, cur, min_value=0.7)
    >>> report.passed, report.calibration.calibrated
    (True, True)
    """
    metric = check_option("metric", metric, METRICS, hint="All five are estimated anyway.")
    if min_value is not None:
        min_value = check_float("min_value", min_value)
    if max_drop is not None:
        max_drop = check_float("max_drop", max_drop, low=0.0)
    calibrate = check_bool("calibrate", calibrate)
    method = check_option("calibration_method", calibration_method, _METHODS)
    alpha = check_float("calibration_alpha", calibration_alpha, low=0.0, high=1.0, low_open=True)
    max_ece = check_float("max_ece", max_ece, low=0.0, high=1.0)
    bins = check_int("calibration_bins", calibration_bins, minimum=2)
    threshold = check_float("threshold", threshold, low=0.0, high=1.0)
    confidence = check_float(
        "confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True
    )
    n_simulations = check_int("n_simulations", n_simulations, minimum=50)
    seed = check_int("seed", seed, minimum=0)

    ref_proba = probabilities(model, reference, "reference")
    cur_proba = probabilities(model, current, "current")
    n_classes = int(ref_proba.shape[1])
    if cur_proba.shape[1] != n_classes:
        raise MlauditInputError(
            f"model.predict_proba gives {n_classes} columns on reference but "
            f"{cur_proba.shape[1]} on current."
        )
    notes: list[str] = []
    cur_y = None
    if n_classes == 2:
        ref_scores, cur_scores = ref_proba[:, 1], cur_proba[:, 1]
        ref_y = binary_labels(model, reference_y, "reference_y", ref_scores.size)
        if y_current is not None:
            cur_y = binary_labels(model, y_current, "y_current", cur_scores.size)
    else:
        # top-label: "the predicted class is right" is a binary event whose probability
        # is the confidence of the predicted class; every row is "predicted right"
        if metric != "accuracy":
            raise MlauditInputError(
                f"metric={metric!r} with a {n_classes}-class model; " + MULTICLASS
            )
        classes = model_classes(model, n_classes)
        ref_scores, cur_scores = ref_proba.max(axis=1), cur_proba.max(axis=1)
        ref_pred = classes[ref_proba.argmax(axis=1)]
        ref_y = correct_labels(reference_y, ref_pred, classes, "reference_y")
        if y_current is not None:
            cur_pred = classes[cur_proba.argmax(axis=1)]
            cur_y = correct_labels(y_current, cur_pred, classes, "y_current")
        threshold = 0.0
        notes.append(
            f"{n_classes} classes: the top-label accuracy is estimated from the (calibrated) "
            "probability of the predicted class; the other metrics need a binary model"
        )
    if ref_y.min() == ref_y.max():
        raise MlauditInputError(
            "reference_y holds one class only (for a multiclass model: the model is right on "
            "every reference row, or on none); the reference needs both to test the "
            "calibration and give the reference's metrics."
        )

    raw_fit = calibration(ref_scores, ref_y, bins)
    if calibrate:
        folds = int(min(5, ref_y.sum(), ref_y.size - ref_y.sum()))
        if folds < 2:
            raise MlauditInputError(
                "calibrate=True needs at least 2 rows of each class in the reference."
            )
        ref_p, calibrator = cross_fit(method, ref_scores, ref_y, folds, seed)
        fit = calibration(ref_p, ref_y, bins)
        cur_p = calibrator(cur_scores)
        notes.append(
            f"probabilities calibrated on the reference ({method}, {folds}-fold cross-fitted "
            "for the reference's own test)"
        )
    else:
        fit, cur_p, method = raw_fit, cur_scores, "none"
    cal = CalibrationCheck(
        method=method,
        statistic=fit.statistic,
        pvalue=fit.pvalue,
        ece=fit.ece,
        alpha=alpha,
        max_ece=max_ece,
        bins=fit.bins,
        raw_pvalue=raw_fit.pvalue,
        raw_ece=raw_fit.ece,
        mean_predicted=fit.mean_predicted,
        mean_observed=fit.mean_observed,
        counts=fit.counts,
    )
    sim = simulate(
        cur_scores,
        cur_p,
        threshold,
        n_simulations=n_simulations,
        confidence=confidence,
        seed=seed,
    )
    ref_values = realised(ref_scores, ref_y, threshold)
    cur_values = None if cur_y is None else realised(cur_scores, cur_y, threshold)
    estimates = tuple(
        MetricEstimate(
            metric=m,
            estimate=sim.estimate[m],
            lower=sim.lower[m],
            upper=sim.upper[m],
            reference=ref_values[m],
            realised=None if cur_values is None else cur_values[m],
        )
        for m in METRICS
        if n_classes == 2 or m == "accuracy"
    )
    if any(math.isnan(e.estimate) for e in estimates):
        notes.append("some metrics are undefined on the current data (no predicted positives)")
    return PerformanceReport(
        metric=metric,
        estimates=estimates,
        calibration=cal,
        min_value=min_value,
        max_drop=max_drop,
        confidence=confidence,
        threshold=threshold,
        n_simulations=n_simulations,
        seed=seed,
        n_reference=int(ref_scores.size),
        n_current=int(cur_scores.size),
        positive_rate_reference=float(ref_y.mean()),
        positive_rate_current=float(np.mean(cur_p)),
        notes=tuple(notes),
        n_classes=n_classes,
    )
