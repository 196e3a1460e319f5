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
from collections.abc import Mapping, Sequence
from typing import Any, Final

from pytest_mlaudit.history import HistoryStore, MeasureRow, parse_time, utc_iso
from pytest_mlaudit.retrain.policy import (
    DriftRule,
    MetricRule,
    PsiRule,
    RetrainPolicy,
    load_policy,
)

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
class Finding:
    """One rule's verdict, in words, with the runs it looked at."""

    rule: str  #: drift, psi, metric:<name>, max_days_between, min_days_between
    fired: bool  #: a trigger asks for a retrain / a blocker blocks
    detail: str  #: the evidence in one sentence
    runs: tuple[int, ...] = ()  #: the run ids the evidence comes from, newest first


@dataclasses.dataclass(frozen=True, slots=True)
class RetrainDecision:
    """Retrain or not, and why.

    ``retrain`` is True when some trigger fired and no blocker holds. ``exit_code`` is
    what ``mlaudit retrain-check`` exits with: 10 retrain, 0 don't.
    """

    retrain: bool
    evaluated_at: str  #: the "now" of the decision (ISO-8601 UTC)
    last_retrain: str | None  #: when the last retrain was recorded
    runs_considered: int  #: runs since the last retrain, up to now
    triggers: tuple[Finding, ...]  #: each trigger rule's finding (fired or not)
    blockers: tuple[Finding, ...]  #: each blocker's finding (fired = blocks)
    policy: str  #: where the policy came from

    @property
    def exit_code(self) -> int:
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
        return "\n".join(lines)


def _days(a: str, b: str) -> float:
    return (parse_time(b) - parse_time(a)).total_seconds() / 86400.0


def _fmt(x: float | None) -> str:
    from pytest_mlaudit.result import fmt_number

    return "nan" if x is None else fmt_number(x)


def _by_run(rows: Sequence[MeasureRow]) -> list[tuple[int, str, list[MeasureRow]]]:
    """Group rows (newest run first) by run, keeping that order."""
    out: list[tuple[int, str, list[MeasureRow]]] = []
    for r in rows:
        if not out or out[-1][0] != r.run_id:
            out.append((r.run_id, r.created_at, []))
        out[-1][2].append(r)
    return out


def _drift_finding(store: HistoryStore, rule: DriftRule, since: str | None, now: str) -> Finding:
    rows = store.checks(kind="drift", tests=rule.tests, until=now)
    if since is not None:
        rows = [r for r in rows if r.created_at > since]
    per_run: list[tuple[int, str, list[Any]]] = []
    for r in rows:
        if not per_run or per_run[-1][0] != r.run_id:
            per_run.append((r.run_id, r.created_at, []))
        per_run[-1][2].append(r)
    recent = per_run[: rule.runs]
    failing = [(rid, at, [c for c in cs if not c.passed]) for rid, at, cs in recent]
    ids = tuple(rid for rid, _, _ in recent)
    if len(recent) < rule.runs:
        return Finding(
            "drift",
            False,
            f"only {len(recent)} run(s) with a drift check since the "
            f"last retrain; the rule needs {rule.runs}",
            ids,
        )
    if all(bad for _, _, bad in failing):
        latest = failing[0][2][0]
        return Finding(
            "drift",
            True,
            f"drift persisted: a drift check failed in each of the last {rule.runs} run(s) "
            f"(runs {', '.join(f'#{i}' for i in ids)}; latest: {latest.nodeid} "
            f"{latest.brief or latest.statistic_name})",
            ids,
        )
    clean = sum(1 for _, _, bad in failing if not bad)
    return Finding(
        "drift",
        False,
        f"no persistent drift: {clean} of the last {rule.runs} run(s) passed every drift check",
        ids,
    )


def _psi_finding(store: HistoryStore, rule: PsiRule, since: str | None, now: str) -> Finding:
    rows = store.measures(
        name="psi", kind="drift", subjects=rule.features, tests=rule.tests, until=now
    )
    if since is not None:
        rows = [r for r in rows if r.created_at > since]
    runs = _by_run(rows)[: rule.runs]
    ids = tuple(rid for rid, _, _ in runs)
    if len(runs) < rule.runs:
        return Finding(
            "psi",
            False,
            f"PSI of {', '.join(rule.features)} recorded in only "
            f"{len(runs)} run(s) since the last retrain; the rule needs {rule.runs}",
            ids,
        )
    over = []
    for _, _, ms in runs:
        high = {m.subject: m.value for m in ms if m.value is not None and m.value > rule.threshold}
        over.append(high)
    if all(over):
        latest = ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(over[0].items()))
        return Finding(
            "psi",
            True,
            f"PSI above {_fmt(rule.threshold)} on important feature(s) in each of the last "
            f"{rule.runs} run(s) (latest run #{ids[0]}: {latest})",
            ids,
        )
    peak = max((m.value for _, _, ms in runs for m in ms if m.value is not None), default=None)
    return Finding(
        "psi",
        False,
        f"PSI of {', '.join(rule.features)} at most {_fmt(peak)} "
        f"(threshold {_fmt(rule.threshold)}) in the last {rule.runs} run(s)",
        ids,
    )


def _metric_rows(store: HistoryStore, rule: MetricRule, now: str) -> list[MeasureRow]:
    if rule.metric is not None:
        rows = store.measures(
            name="candidate", subjects=[rule.metric], check=rule.check, tests=rule.tests, until=now
        )
    else:
        assert rule.figure is not None
        rows = store.measures(
            name=rule.figure, subjects=[""], check=rule.check, tests=rule.tests, until=now
        )
    return [r for r in rows if r.value is not None]


def _metric_findings(
    store: HistoryStore, rule: MetricRule, since: str | None, now: str
) -> list[Finding]:
    name = rule.metric or rule.figure
    all_rows = _metric_rows(store, rule, now)
    rows = [r for r in all_rows if since is None or r.created_at > since]
    runs = _by_run(rows)[: rule.runs]
    ids = tuple(rid for rid, _, _ in runs)
    findings = []
    if rule.min is not None or rule.max is not None:
        if len(runs) < rule.runs:
            findings.append(
                Finding(
                    rule.label,
                    False,
                    f"{name} recorded in only {len(runs)} "
                    f"run(s) since the last retrain; the rule needs {rule.runs}",
                    ids,
                )
            )
        else:
            worst = [
                min(m.value for m in ms if m.value is not None)
                if rule.min is not None
                else max(m.value for m in ms if m.value is not None)
                for _, _, ms in runs
            ]
            below = rule.min is not None and all(v < rule.min for v in worst)
            above = rule.max is not None and all(v > rule.max for v in worst)
            values = ", ".join(_fmt(v) for v in worst)
            if below or above:
                limit = (
                    f"below the floor {_fmt(rule.min)}"
                    if below
                    else f"above the ceiling {_fmt(rule.max)}"
                )
                findings.append(
                    Finding(
                        rule.label,
                        True,
                        f"{name} {limit} in each of the last {rule.runs} run(s) ({values})",
                        ids,
                    )
                )
            else:
                findings.append(
                    Finding(
                        rule.label,
                        False,
                        f"{name} within its limit in the last {rule.runs} run(s) ({values})",
                        ids,
                    )
                )
    if rule.max_drop is not None:
        findings.append(_drop_finding(store, rule, all_rows, rows, now))
    return findings


def _drop_finding(
    store: HistoryStore,
    rule: MetricRule,
    all_rows: list[MeasureRow],
    recent: list[MeasureRow],
    now: str,
) -> Finding:
    name = rule.metric or rule.figure
    label = f"{rule.label}:drop"
    promotions = store.events("promotion", until=now)
    if not promotions:
        return Finding(
            label,
            False,
            "no promotion recorded (`mlaudit history mark promotion`), "
            f"so {name} has nothing to be compared with",
        )
    promo = promotions[0]
    if promo.run_id is not None:
        at_promo = [r for r in all_rows if r.run_id == promo.run_id]
    else:
        at_promo = [r for r in all_rows if r.created_at <= promo.created_at][:1]
        if at_promo:
            at_promo = [r for r in all_rows if r.run_id == at_promo[0].run_id]
    after = [r for r in recent if r.created_at > promo.created_at]
    if not at_promo or not after:
        return Finding(
            label,
            False,
            f"{name} has no value at the promotion of {promo.created_at} or none since",
        )
    base = at_promo[0].value
    latest = after[0].value
    assert base is not None and latest is not None
    drop = (base - latest) if rule.higher_is_better else (latest - base)
    assert rule.max_drop is not None
    ids = (after[0].run_id, at_promo[0].run_id)
    if drop > rule.max_drop:
        return Finding(
            label,
            True,
            f"{name} degraded by {_fmt(drop)} since the promotion of "
            f"{promo.created_at} ({_fmt(base)} -> {_fmt(latest)}; max_drop "
            f"{_fmt(rule.max_drop)})",
            ids,
        )
    return Finding(
        label,
        False,
        f"{name} {_fmt(base)} at the last promotion, {_fmt(latest)} now "
        f"(change within max_drop {_fmt(rule.max_drop)})",
        ids,
    )


def should_retrain(
    history: HistoryStore | str | os.PathLike[str],
    policy: RetrainPolicy | Mapping[str, Any] | str | os.PathLike[str],
    *,
    now: str | _dt.datetime | None = None,
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
        triggers.append(_drift_finding(store, pol.drift, last, when))
    if pol.psi is not None:
        triggers.append(_psi_finding(store, pol.psi, last, when))
    for rule in pol.metrics:
        triggers.extend(_metric_findings(store, rule, last, when))
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
                    f"{_fmt(pol.max_days_between)})",
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
                    f"{_fmt(pol.min_days_between)})",
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
    )
