"""The rules that read what drift does to the model: the performance estimated without
labels (``performance`` checks) and drift weighted by the model (``impact`` checks).

Each gives a :class:`~pytest_mlaudit.retrain.findings.Finding` whose sentence carries the
numbers: the estimate with its interval and the reference's value; the score's PSI, the
share of the model's importance that drifted and which columns hold it.
:func:`model_context` gives the same evidence for one run, so a fired drift rule can say
whether the drift reaches the model.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_mlaudit.history import HistoryStore, MeasureRow
from pytest_mlaudit.retrain.findings import Finding, _by_run, _since, fmt, persisted
from pytest_mlaudit.retrain.policy import ImpactRule, PerformanceRule

__all__ = ["impact_finding", "model_context", "performance_finding"]


def _value(rows: Sequence[MeasureRow], name: str, subject: str, *, low: bool) -> float | None:
    """The worst value of one measure among a run's rows (lowest or highest)."""
    values = [
        r.value for r in rows if r.name == name and r.subject == subject and r.value is not None
    ]
    if not values:
        return None
    return min(values) if low else max(values)


def _by_check(rows: Sequence[MeasureRow], metric: str) -> list[dict[str, float]]:
    """Per performance check of the rows: its measures of ``metric`` by name."""
    keyed: dict[tuple[str, int], dict[str, float]] = {}
    for r in rows:
        if r.subject == metric and r.value is not None:
            keyed.setdefault((r.nodeid, r.seq), {})[r.name] = r.value
    return [v for v in keyed.values() if "estimated" in v]


def _estimate_text(rows: Sequence[MeasureRow], metric: str) -> str:
    """``0.71 [0.69, 0.73] (reference 0.8)`` for the check with the lowest estimate."""
    checks = _by_check(rows, metric)
    if not checks:
        return "nan"
    worst = min(checks, key=lambda v: v["estimated"])
    text = fmt(worst["estimated"])
    if "estimated_lower" in worst and "estimated_upper" in worst:
        text += f" [{fmt(worst['estimated_lower'])}, {fmt(worst['estimated_upper'])}]"
    if "reference" in worst:
        text += f" (reference {fmt(worst['reference'])})"
    return text


def _drop(rows: Sequence[MeasureRow], metric: str) -> float | None:
    """The largest drop from the reference's realised value to the estimate in one run."""
    drops = [v["reference"] - v["estimated"] for v in _by_check(rows, metric) if "reference" in v]
    return max(drops) if drops else None


def performance_finding(
    store: HistoryStore, rule: PerformanceRule, since: str | None, now: str
) -> Finding:
    """The estimated ``rule.metric`` below its floor, or dropped by more than ``max_drop``
    from the reference, in each of the last ``rule.runs`` runs with a performance check."""
    label = f"performance:{rule.metric}"
    rows = _since(
        store.measures(subjects=[rule.metric], kind="performance", tests=rule.tests, until=now),
        since,
    )
    runs = _by_run(rows)[: rule.runs]
    ids = tuple(rid for rid, _ in runs)
    name = f"estimated {rule.metric}"
    if len(runs) < rule.runs or not runs:
        return Finding(
            label,
            False,
            f"{name} recorded in only {len(runs)} run(s) since the last retrain; the rule "
            f"needs {rule.runs}",
            ids,
        )
    results = []
    if rule.min is not None:
        floor = rule.min
        values = [_value(ms, "estimated", rule.metric, low=True) for _, ms in runs]
        results.append(
            persisted(
                name,
                [float("nan") if v is None else v for v in values],
                lambda v: v < floor,
                "below",
                f"the floor {fmt(floor)}",
            )
        )
    if rule.max_drop is not None:
        limit = rule.max_drop
        drops = [_drop(ms, rule.metric) for _, ms in runs]
        results.append(
            persisted(
                f"the drop of the {name} from the reference",
                [float("nan") if d is None else d for d in drops],
                lambda v: v > limit,
                "above",
                f"max_drop {fmt(limit)}",
            )
        )
    fired = [text for hit, text in results if hit]
    detail = "; ".join(fired) if fired else "; ".join(text for _, text in results)
    detail += f" (no labels yet; latest run #{ids[0]}: {_estimate_text(runs[0][1], rule.metric)})"
    return Finding(label, bool(fired), detail, ids)


def _drifted_columns(rows: Sequence[MeasureRow]) -> str:
    """``income (42%), debt_ratio (24%)``: the drifted important columns of one run."""
    shares: dict[str, float] = {}
    for r in rows:
        if r.name == "weighted_drift" and r.value:
            shares[r.subject] = max(shares.get(r.subject, 0.0), r.value)
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{col} ({share:.0%})" for col, share in ranked[:5])


def impact_finding(store: HistoryStore, rule: ImpactRule, since: str | None, now: str) -> Finding:
    """The model's score moved, or the drifted columns hold much of its importance, in
    each of the last ``rule.runs`` runs with an impact check."""
    rows = _since(store.measures(kind="impact", tests=rule.tests, until=now), since)
    runs = _by_run(rows)[: rule.runs]
    ids = tuple(rid for rid, _ in runs)
    if len(runs) < rule.runs or not runs:
        return Finding(
            "impact",
            False,
            f"only {len(runs)} run(s) with an impact check since the last retrain; the rule "
            f"needs {rule.runs}",
            ids,
        )
    results = []
    if rule.prediction_psi is not None:
        psi_limit = rule.prediction_psi
        values = [_value(ms, "psi", "score", low=False) for _, ms in runs]
        results.append(
            persisted(
                "the PSI of the model's score",
                [float("nan") if v is None else v for v in values],
                lambda v: v > psi_limit,
                "above",
                fmt(psi_limit),
            )
        )
    if rule.drifted_importance is not None:
        share_limit = rule.drifted_importance
        values = [_value(ms, "drifted_importance", "", low=False) for _, ms in runs]
        results.append(
            persisted(
                "the share of the model's importance in drifted columns",
                [float("nan") if v is None else v for v in values],
                lambda v: v > share_limit,
                "above",
                fmt(share_limit),
            )
        )
    fired = [text for hit, text in results if hit]
    detail = "; ".join(fired) if fired else "; ".join(text for _, text in results)
    columns = _drifted_columns(runs[0][1])
    detail += (
        f" (latest run #{ids[0]}: drifted columns the model relies on: {columns})"
        if columns
        else f" (latest run #{ids[0]}: no drifted column the model relies on)"
    )
    return Finding("impact", bool(fired), detail, ids)


def model_context(store: HistoryStore, run_id: int, now: str) -> str:
    """What the impact and performance checks of one run say, in one clause ("" if none)."""
    rows = [r for r in store.measures(until=now) if r.run_id == run_id]
    parts = []
    impact = [r for r in rows if r.kind == "impact"]
    if impact:
        psi = _value(impact, "psi", "score", low=False)
        share = _value(impact, "drifted_importance", "", low=False)
        columns = _drifted_columns(impact)
        parts.append(
            f"the model's score moved by PSI {fmt(psi)} and the drifted columns hold "
            f"{'nan' if share is None else f'{share:.0%}'} of its importance"
            + (f" ({columns})" if columns else "")
        )
    perf = [r for r in rows if r.kind == "performance"]
    estimated = [r for r in perf if r.name == "estimated"]
    # the verdict's metric is the one estimated against a floor; else roc_auc
    gated = sorted({r.subject for r in estimated if r.threshold is not None})
    known = sorted({r.subject for r in estimated})
    for metric in (gated or (["roc_auc"] if "roc_auc" in known else known))[:1]:
        parts.append(f"estimated {metric} without labels {_estimate_text(perf, metric)}")
    return "; ".join(parts)
