"""The retrain decision: each rule of a policy set against the audit history.

Evidence is read from the runs *since the last retrain* (``mlaudit history mark
retrain``): once a model is retrained, the old model's drift no longer argues for
another retrain. The decision is *retrain* when at least one rule fires and no blocker
holds (``min_days_between``). Every rule gives a :class:`Finding` whose sentence says
exactly what it tested, fired or not.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from collections.abc import Mapping
from typing import Any, Final

from pytest_mlaudit.history import HistoryStore, parse_time, utc_iso
from pytest_mlaudit.retrain._names import unknown_names
from pytest_mlaudit.retrain.estimates import impact_finding, model_context, performance_finding
from pytest_mlaudit.retrain.findings import (
    Finding,
    drift_finding,
    fmt,
    metric_findings,
    psi_finding,
)
from pytest_mlaudit.retrain.policy import RetrainPolicy, load_policy

__all__ = [
    "EXIT_NO_RETRAIN",
    "EXIT_RETRAIN",
    "EXIT_STORE_ERROR",
    "EXIT_USAGE",
    "Finding",
    "RetrainDecision",
    "should_retrain",
]

#: ``mlaudit retrain-check`` exit status when no retrain is warranted.
EXIT_NO_RETRAIN: Final = 0
#: ``mlaudit retrain-check`` exit status when a retrain is warranted.
EXIT_RETRAIN: Final = 10
#: Exit status when the history store cannot be used.
EXIT_STORE_ERROR: Final = 1
#: Exit status on a bad policy or argument.
EXIT_USAGE: Final = 2


@dataclasses.dataclass(frozen=True, slots=True)
class RetrainDecision:
    """Retrain or not, and why.

    ``retrain`` is True when some trigger fired and no blocker holds. ``exit_code`` is
    what ``mlaudit retrain-check`` exits with: 10 retrain, 0 don't, 2 when the policy
    names a test, feature, metric or check the history never saw (:attr:`problems`).
    """

    retrain: bool
    evaluated_at: str  #: the "now" of the decision (ISO-8601 UTC)
    last_retrain: str | None  #: when the last retrain was recorded
    runs_considered: int  #: runs since the last retrain, up to now
    triggers: tuple[Finding, ...]  #: each trigger rule's finding (fired or not)
    blockers: tuple[Finding, ...]  #: each blocker's finding (fired = blocks)
    policy: str  #: where the policy came from
    #: names in the policy that no run of the history has (a typo keeps a rule silent):
    #: each makes the decision an error, ``exit_code`` :data:`EXIT_USAGE`
    problems: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        if self.problems:
            return EXIT_USAGE
        return EXIT_RETRAIN if self.retrain else EXIT_NO_RETRAIN

    @property
    def reasons(self) -> tuple[str, ...]:
        """The sentences that explain the decision."""
        fired = [f.detail for f in self.triggers if f.fired]
        blocked = [f.detail for f in self.blockers if f.fired]
        if self.retrain:
            return tuple(fired)
        if fired and blocked:
            return tuple(blocked) + tuple(f"(would retrain: {d})" for d in fired)
        return tuple(f.detail for f in self.triggers)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dataclasses.asdict(self)
        data["exit_code"] = self.exit_code
        data["reasons"] = list(self.reasons)
        return data

    def summary(self) -> str:
        head = "RETRAIN" if self.retrain else "don't retrain"
        lines = [
            f"{head} (evaluated {self.evaluated_at}; {self.runs_considered} run(s) since the "
            f"last retrain {self.last_retrain or '(none recorded)'}; policy {self.policy})"
        ]
        for f in (*self.triggers, *self.blockers):
            mark = "x" if f.fired else " "
            lines.append(f"[{mark}] {f.rule}: {f.detail}")
        lines.extend(f"error: {p}" for p in self.problems)
        return "\n".join(lines)


def _with_context(store: HistoryStore, finding: Finding, now: str) -> Finding:
    """A fired drift/PSI finding with what that run's impact and performance checks say."""
    if not finding.fired or finding.rule not in ("drift", "psi") or not finding.runs:
        return finding
    context = model_context(store, finding.runs[0], now)
    if not context:
        return finding
    return dataclasses.replace(finding, detail=f"{finding.detail}; in that run {context}")


def _days(a: str, b: str) -> float:
    return (parse_time(b) - parse_time(a)).total_seconds() / 86400.0


def should_retrain(
    history: HistoryStore | str | os.PathLike[str],
    policy: RetrainPolicy | Mapping[str, Any] | str | os.PathLike[str],
    *,
    now: str | _dt.datetime | None = None,
    tracking_uri: str | None = None,
) -> RetrainDecision:
    """Decide whether to retrain, from the audit history and a policy.

    Parameters
    ----------
    history
        A :class:`~pytest_mlaudit.history.HistoryStore` or the path of one.
    policy
        A :class:`RetrainPolicy`, its mapping (the TOML table), or a policy file.
    now
        The moment of the decision (default: now); runs and events after it are ignored,
        which replays the past.
    tracking_uri
        The MLflow tracking store of the ``[[mlflow_metric]]`` rules that name none
        (default: that of an :class:`~pytest_mlaudit.integrations.mlflow.history.MlflowHistory`,
        else MLflow's own).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = HistoryStore(pathlib.Path(tempfile.mkdtemp()) / "h.sqlite")
    >>> decision = should_retrain(store, {"drift": {"runs": 2}})
    >>> decision.retrain, decision.exit_code
    (False, 0)
    """
    store = history if isinstance(history, HistoryStore) else HistoryStore(history, create=False)
    if isinstance(policy, RetrainPolicy):
        pol = policy
    elif isinstance(policy, Mapping):
        pol = RetrainPolicy.from_mapping(policy)
    else:
        pol = load_policy(policy)
    when = utc_iso(now)
    retrains = store.events("retrain", until=when)
    last = retrains[0].created_at if retrains else None
    runs = store.runs(until=when, since=None)
    considered = [r for r in runs if last is None or r.created_at > last]

    triggers: list[Finding] = []
    if pol.drift is not None:
        triggers.append(drift_finding(store, pol.drift, last, when))
    if pol.psi is not None:
        triggers.append(psi_finding(store, pol.psi, last, when))
    for rule in pol.metrics:
        triggers.extend(metric_findings(store, rule, last, when))
    if pol.performance is not None:
        triggers.append(performance_finding(store, pol.performance, last, when))
    if pol.impact is not None:
        triggers.append(impact_finding(store, pol.impact, last, when))
    external: list[str] = []
    if pol.mlflow_metrics:
        from pytest_mlaudit.retrain.mlflow_metrics import mlflow_metric_finding

        uri = tracking_uri or getattr(store, "tracking_uri", None)
        for i, mlflow_rule in enumerate(pol.mlflow_metrics):
            where = f"{pol.source} [[mlflow_metric]] #{i + 1}"
            finding, found = mlflow_metric_finding(
                mlflow_rule, last, when, tracking_uri=uri, where=where
            )
            triggers.append(finding)
            external.extend(found)
    # a fired drift or PSI rule says whether the drift reaches the model (same run)
    triggers = [_with_context(store, f, when) for f in triggers]
    if pol.max_days_between is not None:
        if last is None:
            triggers.append(
                Finding(
                    "max_days_between",
                    False,
                    "no retrain recorded yet "
                    "(`mlaudit history mark retrain`), so its age is unknown",
                )
            )
        else:
            age = _days(last, when)
            triggers.append(
                Finding(
                    "max_days_between",
                    age > pol.max_days_between,
                    f"the last retrain was {age:.1f} days ago (max_days_between "
                    f"{fmt(pol.max_days_between)})",
                )
            )
    blockers: list[Finding] = []
    if pol.min_days_between is not None:
        if last is None:
            blockers.append(Finding("min_days_between", False, "no retrain recorded yet"))
        else:
            age = _days(last, when)
            blockers.append(
                Finding(
                    "min_days_between",
                    age < pol.min_days_between,
                    f"the last retrain was {age:.1f} days ago (min_days_between "
                    f"{fmt(pol.min_days_between)})",
                )
            )
    fired = any(f.fired for f in triggers)
    blocked = any(f.fired for f in blockers)
    return RetrainDecision(
        retrain=fired and not blocked,
        evaluated_at=when,
        last_retrain=last,
        runs_considered=len(considered),
        triggers=tuple(triggers),
        blockers=tuple(blockers),
        policy=pol.source,
        problems=unknown_names(store, pol, now=when) + tuple(external),
    )
