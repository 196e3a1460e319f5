"""Retrain on evidence, not on a calendar (failure mode 4).

:func:`should_retrain` reads the audit history (:mod:`pytest_mlaudit.history`) and a
policy the team writes, and answers *retrain* or *don't retrain*, with the reasons.
``mlaudit retrain-check`` (:mod:`pytest_mlaudit.cli.retrain_check`) is the same from a
scheduler.

Files
-----
``policy.py``
    :class:`RetrainPolicy` and its rules (:class:`DriftRule`, :class:`PsiRule`,
    :class:`MetricRule`, :class:`PerformanceRule`, :class:`ImpactRule`), read from TOML
    by :func:`load_policy`.
``estimates.py``
    The findings of the performance and impact rules, and the context a fired drift or
    PSI finding gets from the impact and performance checks of its run.
``decide.py``
    :func:`should_retrain`: each rule against the history, as a :class:`Finding`, and
    the :class:`RetrainDecision`.
``mlflow_metrics.py``
    The findings of the ``[[mlflow_metric]]`` rules (MLflow is read only for them).

The policy
----------
A TOML table: ``[tool.mlaudit.retrain]`` in ``pyproject.toml``, or a file of its own
(``retrain_policy.toml``, with the keys at the top level)::

    min_days_between = 7         # blocker: never retrain sooner after the last retrain
    max_days_between = 180       # optional safety net: retrain when this stale anyway

    [drift]                      # the drift check failed in each of the last 2 runs
    runs = 2
    tests = ["test_inputs_have_not_drifted"]   # optional node-id substrings

    [psi]                        # PSI above 0.2 on an important feature, 2 runs running
    threshold = 0.2
    features = ["income", "debt_ratio"]
    runs = 2

    [performance]                # the performance estimated without labels
    metric = "roc_auc"           # (a performance check: mlaudit.performance)
    min = 0.70                   # ... below this floor
    max_drop = 0.03              # ... or this much below the reference's realised value
    runs = 2

    [impact]                     # the drift reaches the model (mlaudit.impact)
    prediction_psi = 0.2         # the score distribution moved by more than this PSI
    drifted_importance = 0.3     # or drifted columns hold > 30% of the model's importance
    runs = 2

    [[metric]]                   # a performance metric from a gate/labels check
    metric = "roc_auc"           # a gate metric (the candidate's value) ...
    tests = ["test_production_performance"]
    min = 0.70                   # ... below this floor in each of the last `runs` runs
    max_drop = 0.03              # ... or this much worse than at the last promotion

    [[mlflow_metric]]            # a metric another job logs to MLflow
    experiment = "credit-risk-production"
    metric = "accuracy"          # each run's latest value ...
    min = 0.80                   # ... below this floor in each of the last `runs` runs
    runs = 2
    filter = "tags.model = 'credit-risk'"      # optional MLflow search filter

    [history]                    # where the history is: "sqlite" (default) or "mlflow",
    backend = "mlflow"           # the audit runs of pytest --mlaudit-mlflow
    experiment = "mlaudit"       # optional; tracking_uri = "http://..." optional too

Evidence is read from the runs *since the last retrain* (``mlaudit history mark
retrain``). The decision is *retrain* when at least one rule fires and no blocker holds
(``min_days_between``). A fired ``[drift]`` or ``[psi]`` rule also says what
that run's impact and performance checks found (does the drift reach the model?).

Standard library only.

Examples
--------
>>> policy = RetrainPolicy.from_mapping({"drift": {"runs": 2}})
>>> policy.drift
DriftRule(runs=2, tests=())
"""

from __future__ import annotations

from pytest_mlaudit.retrain.decide import (
    EXIT_NO_RETRAIN,
    EXIT_RETRAIN,
    EXIT_STORE_ERROR,
    EXIT_USAGE,
    Finding,
    RetrainDecision,
    should_retrain,
)
from pytest_mlaudit.retrain.policy import (
    HISTORY_BACKENDS,
    POLICY_FILE,
    DriftRule,
    HistorySettings,
    ImpactRule,
    MetricRule,
    MlflowMetricRule,
    PerformanceRule,
    PsiRule,
    RetrainPolicy,
    history_settings,
    load_policy,
)

__all__ = [
    "EXIT_NO_RETRAIN",
    "EXIT_RETRAIN",
    "EXIT_STORE_ERROR",
    "EXIT_USAGE",
    "HISTORY_BACKENDS",
    "POLICY_FILE",
    "DriftRule",
    "Finding",
    "HistorySettings",
    "ImpactRule",
    "MetricRule",
    "MlflowMetricRule",
    "PerformanceRule",
    "PsiRule",
    "RetrainDecision",
    "RetrainPolicy",
    "history_settings",
    "load_policy",
    "should_retrain",
]
