"""The ``[[mlflow_metric]]`` rules: metrics other jobs log to MLflow, as findings.

A job that scores production traffic once labels arrive logs, say, ``accuracy`` to an
MLflow experiment of its own; a rule names that experiment and metric with a floor
(``min``) or a ceiling (``max``) and how many runs in a row must be past it. The values
are each run's latest value of the metric, newest run first, since the last retrain
and up to the decision's ``now``. MLflow is read only when the policy has such a rule.
"""

from __future__ import annotations

import difflib

from pytest_mlaudit.retrain.findings import Finding, fmt, persisted
from pytest_mlaudit.retrain.policy import MlflowMetricRule

__all__ = ["mlflow_metric_finding"]


def mlflow_metric_finding(
    rule: MlflowMetricRule,
    since: str | None,
    now: str,
    *,
    tracking_uri: str | None = None,
    where: str = "[[mlflow_metric]]",
) -> tuple[Finding, tuple[str, ...]]:
    """The rule's finding, and its problems (an experiment or metric MLflow never had)."""
    from pytest_mlaudit.integrations.mlflow.history import metric_values

    uri = rule.tracking_uri or tracking_uri
    found = metric_values(
        rule.experiment,
        rule.metric,
        tracking_uri=uri,
        filter_string=rule.filter,
        since=since,
        until=now,
    )
    name = f"{rule.metric} of MLflow experiment {rule.experiment!r}"
    if found is None:
        problem = f"{where} experiment: no MLflow experiment named {rule.experiment!r}"
        return Finding(rule.label, False, f"no MLflow experiment {rule.experiment!r}"), (problem,)
    values, names = found
    problems: tuple[str, ...] = ()
    if not values and names and rule.metric not in names:
        close = difflib.get_close_matches(rule.metric, names, n=3, cutoff=0.6)
        hint = f"; closest: {', '.join(map(repr, close))}" if close else ""
        problems = (f"{where} metric: no run of {rule.experiment!r} logged {rule.metric!r}{hint}",)
    recent = values[: rule.runs]
    if len(recent) < rule.runs:
        detail = (
            f"{name} logged in only {len(recent)} run(s) since the last retrain; "
            f"the rule needs {rule.runs}"
        )
        return Finding(rule.label, False, detail), problems
    shown = [v.value for v in recent]
    results = []
    if rule.min is not None:
        floor = rule.min
        results.append(
            persisted(name, shown, lambda v: v < floor, "below", f"the floor {fmt(floor)}")
        )
    if rule.max is not None:
        ceiling = rule.max
        results.append(
            persisted(name, shown, lambda v: v > ceiling, "above", f"the ceiling {fmt(ceiling)}")
        )
    fired = [text for hit, text in results if hit]
    detail = "; ".join(fired) if fired else "; ".join(text for _, text in results)
    runs = ", ".join(v.run_id[:8] for v in recent)
    return Finding(rule.label, bool(fired), f"{detail} (MLflow runs {runs})"), problems
