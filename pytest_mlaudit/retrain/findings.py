"""Each trigger rule of a policy against the history, as a :class:`Finding`.

Every sentence says exactly what the rule tested and what the numbers were, fired or
not: a rule that needs ``runs`` runs in a row says, when it did not fire, which of those
runs were over the limit and which were not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from pytest_mlaudit.history import CheckRow, HistoryStore, MeasureRow
from pytest_mlaudit.retrain.policy import DriftRule, MetricRule, PsiRule

__all__ = ["Finding", "drift_finding", "fmt", "metric_findings", "psi_finding"]


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict, in words, with the runs it looked at."""

    rule: str  #: drift, psi, metric:<name>, max_days_between, min_days_between
    fired: bool  #: a trigger asks for a retrain / a blocker blocks
    detail: str  #: the evidence in one sentence
    runs: tuple[int, ...] = ()  #: the run ids the evidence comes from, newest first


def fmt(x: float | None) -> str:
    """A number as the sentences show it."""
    from pytest_mlaudit.result import fmt_number

    return "nan" if x is None else fmt_number(x)


def _and(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _was(items: Sequence[str]) -> str:
    return f"{_and(items)} {'was' if len(items) == 1 else 'were'}"


def _by_run(rows: Sequence[Any]) -> list[tuple[int, list[Any]]]:
    """Group rows (newest run first) by run, keeping that order."""
    out: list[tuple[int, list[Any]]] = []
    for r in rows:
        if not out or out[-1][0] != r.run_id:
            out.append((r.run_id, []))
        out[-1][1].append(r)
    return out


def _since(rows: Sequence[Any], since: str | None) -> list[Any]:
    return [r for r in rows if since is None or r.created_at > since]


def persisted(
    name: str, values: Sequence[float], hit: Callable[[float], bool], side: str, limit: str
) -> tuple[bool, str]:
    """Did ``hit`` hold in every one of ``values`` (the last runs, newest first)? With the
    sentence that says so: ``side`` is "below"/"above", ``limit`` e.g. "the floor 0.8"."""
    k = len(values)
    shown = [fmt(v) for v in values]
    hits = [s for s, v in zip(shown, values, strict=True) if hit(v)]
    misses = [s for s, v in zip(shown, values, strict=True) if not hit(v)]
    if not misses:
        return True, f"{name} {side} {limit} in each of the last {k} run(s) ({', '.join(shown)})"
    if not hits:
        return False, (
            f"{name} not {side} {limit} in any of the last {k} run(s) ({', '.join(shown)})"
        )
    return False, (
        f"{name} not {side} {limit} in all of the last {k} run(s): {_was(hits)} {side} "
        f"but {_was(misses)} not"
    )


# --------------------------------------------------------------------------- drift


def drift_finding(store: HistoryStore, rule: DriftRule, since: str | None, now: str) -> Finding:
    """A drift check failed in each of the last ``rule.runs`` runs that ran one (a check
    of an ``xfail`` test, failing as expected, is not counted)."""
    rows: list[CheckRow] = _since(store.checks(kind="drift", tests=rule.tests, until=now), since)
    recent = _by_run(rows)[: rule.runs]
    ids = tuple(rid for rid, _ in recent)
    if len(recent) < rule.runs:
        return Finding(
            "drift",
            False,
            f"only {len(recent)} run(s) with a drift check since the "
            f"last retrain; the rule needs {rule.runs}",
            ids,
        )
    # a failing check of an xfail test is expected to fail: no news, no evidence of drift
    failing = [[c for c in cs if not c.passed and c.outcome != "xfailed"] for _, cs in recent]
    expected = sum(1 for _, cs in recent for c in cs if not c.passed and c.outcome == "xfailed")
    if all(failing):
        latest = failing[0][0]
        return Finding(
            "drift",
            True,
            f"drift persisted: a drift check failed in each of the last {rule.runs} run(s) "
            f"(runs {', '.join(f'#{i}' for i in ids)}; latest: {latest.nodeid} "
            f"{latest.brief or latest.statistic_name})",
            ids,
        )
    clean = sum(1 for bad in failing if not bad)
    note = (
        f" ({expected} failing check(s) of xfail tests, expected to fail, not counted)"
        if expected
        else ""
    )
    return Finding(
        "drift",
        False,
        f"no persistent drift: {clean} of the last {rule.runs} run(s) passed every drift "
        f"check{note}",
        ids,
    )


# --------------------------------------------------------------------------- psi


def psi_finding(store: HistoryStore, rule: PsiRule, since: str | None, now: str) -> Finding:
    """The PSI of an important feature above the threshold in each of the last runs."""
    rows: list[MeasureRow] = _since(
        store.measures(
            name="psi", kind="drift", subjects=rule.features, tests=rule.tests, until=now
        ),
        since,
    )
    runs = _by_run(rows)[: rule.runs]
    ids = tuple(rid for rid, _ in runs)
    features = ", ".join(rule.features)
    if len(runs) < rule.runs:
        return Finding(
            "psi",
            False,
            f"PSI of {features} recorded in only "
            f"{len(runs)} run(s) since the last retrain; the rule needs {rule.runs}",
            ids,
        )
    over = [
        {m.subject: m.value for m in ms if m.value is not None and m.value > rule.threshold}
        for _, ms in runs
    ]
    limit = f"above {fmt(rule.threshold)}"
    if all(over):
        latest = ", ".join(f"{k}={fmt(v)}" for k, v in sorted(over[0].items()))
        return Finding(
            "psi",
            True,
            f"PSI {limit} on important feature(s) in each of the last "
            f"{rule.runs} run(s) (latest run #{ids[0]}: {latest})",
            ids,
        )
    if not any(over):
        peak = max((m.value for _, ms in runs for m in ms if m.value is not None), default=None)
        return Finding(
            "psi",
            False,
            f"PSI of {features} not {limit} in any of the last {rule.runs} run(s) "
            f"(at most {fmt(peak)})",
            ids,
        )
    hits = [
        f"run #{rid} ({', '.join(f'{k}={fmt(v)}' for k, v in sorted(high.items()))})"
        for (rid, _), high in zip(runs, over, strict=True)
        if high
    ]
    misses = [f"run #{rid}" for (rid, _), high in zip(runs, over, strict=True) if not high]
    return Finding(
        "psi",
        False,
        f"PSI of {features} not {limit} in all of the last {rule.runs} run(s): "
        f"{_was(hits)} {limit} but {_was(misses)} not",
        ids,
    )


# --------------------------------------------------------------------------- metrics


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


def _worst(rows: Sequence[MeasureRow], *, low: bool) -> float:
    values = [r.value for r in rows if r.value is not None]
    return min(values) if low else max(values)


def metric_findings(
    store: HistoryStore, rule: MetricRule, since: str | None, now: str
) -> list[Finding]:
    """The floor/ceiling finding and the ``max_drop`` finding of one metric rule."""
    name = str(rule.metric or rule.figure)
    all_rows = _metric_rows(store, rule, now)
    rows = _since(all_rows, since)
    runs = _by_run(rows)[: rule.runs]
    ids = tuple(rid for rid, _ in runs)
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
            results = []
            if rule.min is not None:
                floor = rule.min
                values = [_worst(ms, low=True) for _, ms in runs]
                results.append(
                    persisted(name, values, lambda v: v < floor, "below", f"the floor {fmt(floor)}")
                )
            if rule.max is not None:
                ceiling = rule.max
                values = [_worst(ms, low=False) for _, ms in runs]
                results.append(
                    persisted(
                        name, values, lambda v: v > ceiling, "above", f"the ceiling {fmt(ceiling)}"
                    )
                )
            fired = [text for hit, text in results if hit]
            detail = "; ".join(fired) if fired else "; ".join(text for _, text in results)
            findings.append(Finding(rule.label, bool(fired), detail, ids))
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
    """Worse than at the last promotion by more than ``max_drop`` in each of the last
    ``runs`` runs since it (one bad week does not fire a ``runs = 3`` rule)."""
    name = rule.metric or rule.figure
    label = f"{rule.label}:drop"
    assert rule.max_drop is not None and rule.higher_is_better is not None
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
        before = [r for r in all_rows if r.created_at <= promo.created_at][:1]
        at_promo = [r for r in all_rows if before and r.run_id == before[0].run_id]
    after = _by_run([r for r in recent if r.created_at > promo.created_at])[: rule.runs]
    if not at_promo or not after:
        return Finding(
            label,
            False,
            f"{name} has no value at the promotion of {promo.created_at} or none since",
        )
    low = rule.higher_is_better
    base = _worst(at_promo, low=low)
    ids = (*(rid for rid, _ in after), at_promo[0].run_id)
    if len(after) < rule.runs:
        return Finding(
            label,
            False,
            f"{name} recorded in only {len(after)} run(s) since the promotion of "
            f"{promo.created_at}; max_drop with runs = {rule.runs} needs {rule.runs}",
            ids,
        )
    values = [_worst(ms, low=low) for _, ms in after]
    drops = [(base - v) if low else (v - base) for v in values]
    latest, drop = values[0], drops[0]
    limit = f"max_drop {fmt(rule.max_drop)}"
    over = [d > rule.max_drop for d in drops]
    if all(over):
        more = f" and in each of the last {rule.runs} runs ({', '.join(map(fmt, drops))})"
        return Finding(
            label,
            True,
            f"{name} degraded by {fmt(drop)} since the promotion of "
            f"{promo.created_at} ({fmt(base)} -> {fmt(latest)}; {limit})"
            + (more if rule.runs > 1 else ""),
            ids,
        )
    if rule.runs == 1:
        return Finding(
            label,
            False,
            f"{name} {fmt(base)} at the last promotion, {fmt(latest)} now "
            f"(a drop of {fmt(drop)}, not more than {limit})",
            ids,
        )
    n_over = sum(over)
    shown = f"(drops, newest first: {', '.join(map(fmt, drops))})"
    head = f"{name} {fmt(base)} at the last promotion, {fmt(latest)} now: the drop"
    if not n_over:
        detail = f"{head} did not exceed {limit} in any of the last {rule.runs} runs {shown}"
    else:
        detail = (
            f"{head} exceeded {limit} in {n_over} of the last {rule.runs} runs, not in all {shown}"
        )
    return Finding(label, False, detail, ids)
