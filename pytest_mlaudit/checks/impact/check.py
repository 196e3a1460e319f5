"""Drift weighted by the model: does the drift touch what the model uses?

:func:`check_impact` puts three things beside a drift report (given, or computed with
:func:`~pytest_mlaudit.check_drift`):

* **prediction drift**: the model's score on the reference vs the current rows (PSI on
  reference-quantile bins, and the two-sample KS test), so "5 columns drifted" comes with
  "and the score distribution moved by X";
* **importance**: each column's share of the model's importance (see
  :mod:`~pytest_mlaudit.checks.impact._importance`), so the drifted columns are ranked by
  what they carry; drift in columns below ``min_importance`` is ignored;
* **root cause**: for each drifted column (the most important first), the segment of
  rows whose share changed and without which the column does not drift (see
  :mod:`~pytest_mlaudit.checks.impact._cause`).

It fails when the score's PSI exceeds ``prediction_psi`` or when the drifted important
columns hold more than ``max_drifted_importance`` of the model's importance.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pytest_mlaudit._validation import check_bool, check_float, check_int, check_option
from pytest_mlaudit.checks.drift import DriftReport, check_drift
from pytest_mlaudit.checks.impact._cause import causes
from pytest_mlaudit.checks.impact._importance import (
    IMPORTANCE_METHODS,
    importances,
    model_scores,
)
from pytest_mlaudit.checks.impact._validate import feature_names, matched_labels
from pytest_mlaudit.checks.impact.report import ColumnImpact, ImpactReport, PredictionDrift
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.stats import distances
from pytest_mlaudit.stats.histogram import bin_counts_sorted, quantile_edges
from pytest_mlaudit.stats.ks import ks_test_sorted

__all__ = ["check_impact"]


def _prediction_drift(
    ref: np.ndarray, cur: np.ndarray, score: str, threshold: float, bins: int
) -> PredictionDrift:
    r, c = np.sort(ref[np.isfinite(ref)]), np.sort(cur[np.isfinite(cur)])
    if r.size == 0 or c.size == 0:
        raise MlauditInputError("the model's scores are all NaN on one side; check the model.")
    edges = quantile_edges(r, bins)
    psi = distances.psi(bin_counts_sorted(r, edges), bin_counts_sorted(c, edges))
    ks = ks_test_sorted(r, c)
    return PredictionDrift(
        score=score,
        psi=psi,
        psi_threshold=threshold,
        ks_statistic=ks.statistic,
        ks_pvalue=ks.pvalue,
        mean_reference=float(r.mean()),
        mean_current=float(c.mean()),
        bins=int(edges.size + 1),
    )


def check_impact(
    model: Any,
    reference: Any,
    current: Any,
    *,
    drift: DriftReport | None = None,
    y_reference: Any = None,
    importance: str = "auto",
    min_importance: float = 0.05,
    max_drifted_importance: float = 0.1,
    prediction_psi: float = 0.1,
    prediction_bins: int = 10,
    alpha: float = 0.05,
    min_effect: float = 0.02,
    root_cause: bool = True,
    top_k: int = 10,
    max_cause_columns: int = 5,
    max_segment_share: float = 0.5,
    segment_bins: int = 4,
    max_rows: int = 20_000,
    importance_rows: int = 2_000,
    n_repeats: int = 5,
    seed: int = 0,
) -> ImpactReport:
    """Weigh the drift between ``reference`` and ``current`` by what ``model`` uses.

    Parameters
    ----------
    model
        A fitted model: ``predict_proba`` (classifiers) or ``predict`` (regressors).
    reference, current
        The rows the model was built on and the current rows (DataFrames with the model's
        input columns, or 2-D arrays).
    drift
        A :class:`~pytest_mlaudit.DriftReport` of the same data; ``None`` runs
        :func:`~pytest_mlaudit.check_drift` with ``alpha`` and ``min_effect``.
    y_reference
        The reference's labels: importance is then permutation importance (ROC AUC drop
        for binary classifiers, MSE rise otherwise).
    importance
        ``"auto"`` (permutation with labels, else the model's own importances, else
        permutation on the score), ``"permutation"``, ``"model"``, ``"score_permutation"``.
    min_importance
        Drift in columns with a smaller share of the importance is ignored (listed).
    max_drifted_importance
        Fail when the drifted important columns hold more of the importance than this.
    prediction_psi, prediction_bins
        Fail when the score's PSI on ``prediction_bins`` reference-quantile bins exceeds
        ``prediction_psi``.
    root_cause, top_k, max_cause_columns, max_segment_share, segment_bins, max_rows
        Search the segment that explains each drifted column (at most
        ``max_cause_columns``, the most important first): the ``top_k``
        segments whose share changed most (numeric splits in ``segment_bins`` bins,
        none holding more than ``max_segment_share``), on at most ``max_rows`` rows a side.
    importance_rows, n_repeats, seed
        Rows of the reference (a seeded subsample) and shuffles per column of the
        permutation importance; the seed of every random choice.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"signal": rng.normal(size=3000), "noise": rng.normal(size=3000)})
    >>> y = 2 * ref["signal"] + 0.01 * ref["noise"]
    >>> cur = ref.assign(noise=ref["noise"] + 1.0)  # only the unimportant column moved
    >>> report = check_impact(LinearRegression().fit(ref, y), ref, cur, y_reference=y)
    >>> report.passed, report.ignored_drifted
    (True, ('noise',))
    """
    importance = check_option("importance", importance, IMPORTANCE_METHODS)
    min_importance = check_float("min_importance", min_importance, low=0.0, high=1.0)
    max_drifted_importance = check_float(
        "max_drifted_importance", max_drifted_importance, low=0.0, high=1.0
    )
    prediction_psi = check_float("prediction_psi", prediction_psi, low=0.0, low_open=True)
    prediction_bins = check_int("prediction_bins", prediction_bins, minimum=2)
    root_cause = check_bool("root_cause", root_cause)
    top_k = check_int("top_k", top_k, minimum=1)
    max_cause_columns = check_int("max_cause_columns", max_cause_columns, minimum=1)
    max_segment_share = check_float(
        "max_segment_share", max_segment_share, low=0.0, high=1.0, low_open=True
    )
    segment_bins = check_int("segment_bins", segment_bins, minimum=2)
    max_rows = check_int("max_rows", max_rows, minimum=100)
    importance_rows = check_int("importance_rows", importance_rows, minimum=50)
    n_repeats = check_int("n_repeats", n_repeats, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if drift is not None and not isinstance(drift, DriftReport):
        raise MlauditInputError(
            f"drift must be a DriftReport (from check_drift) or None; got {type(drift).__name__}."
        )
    names, ref_frame, cur_frame = feature_names(reference, current)
    notes: list[str] = []
    if drift is None:
        drift = check_drift(ref_frame, cur_frame, alpha=alpha, min_effect=min_effect)
    else:
        alpha, min_effect = drift.alpha, drift.min_effect
        notes.append("weighs the drift report given with drift=")

    ref_scores, score = model_scores(model, reference, "reference")
    cur_scores, _ = model_scores(model, current, "current")
    prediction = _prediction_drift(ref_scores, cur_scores, score, prediction_psi, prediction_bins)

    rng = np.random.default_rng(seed)
    n_ref = len(ref_frame)
    rows = (
        np.sort(rng.choice(n_ref, size=importance_rows, replace=False))
        if (n_ref > importance_rows)
        else np.arange(n_ref)
    )
    sample = reference.iloc[rows] if hasattr(reference, "iloc") else np.asarray(reference)[rows]
    y_sample = None
    if y_reference is not None:
        y_arr = matched_labels(y_reference, n_ref)
        y_sample = y_arr[rows]
    shares, method = importances(
        model, sample, names, y_sample, method=importance, n_repeats=n_repeats, seed=seed
    )
    columns = []
    drifted = set(drift.drifted_columns)
    for name in names:
        rows_of = drift.column(name) if name in drift.checked_columns else ()
        if not rows_of:
            notes.append(f"{name!r} is not in the drift report; counted as not drifted")
        top = max(
            rows_of,
            key=lambda r: (r.drifted, r.effect / r.threshold if r.threshold else r.effect),
            default=None,
        )
        columns.append(
            ColumnImpact(
                column=name,
                importance=shares[name],
                drifted=name in drifted,
                method=top.method if top else "-",
                effect=top.effect if top else 0.0,
                threshold=top.threshold if top else 0.0,
                min_importance=min_importance,
            )
        )
    columns.sort(key=lambda c: (-c.importance, c.column))
    found: tuple[Any, ...] = ()
    # important drifted columns first (by importance), then the ignored ones
    targets = [c.column for c in columns if c.drifted][:max_cause_columns]
    if root_cause and targets:
        methods = {
            n: tuple(dict.fromkeys(r.method for r in drift.column(n) if r.method != "missing"))
            for n in targets
        }
        found = causes(
            ref_frame,
            cur_frame,
            targets,
            methods,
            alpha=alpha,
            min_effect=min_effect,
            top_k=top_k,
            max_share=max_segment_share,
            bins=segment_bins,
            max_values=20,
            max_rows=max_rows,
            seed=seed,
        )
    return ImpactReport(
        prediction=prediction,
        columns=tuple(columns),
        importance_method=method,
        min_importance=min_importance,
        max_drifted_importance=max_drifted_importance,
        causes=found,
        n_reference=n_ref,
        n_current=len(cur_frame),
        drift_passed=drift.passed,
        seed=seed,
        notes=tuple(notes),
    )
