"""The report section of a deployment gate: one record entry of kind ``gate``.

The decision first (keep the production model, or promote the candidate), the registry
versions compared when the models came from the MLflow registry, then one row per metric
(baseline, candidate, their difference, the confidence bound that decides, ``min_delta``,
the floor, the verdict), McNemar's exact cross-check for accuracy, and the artifact
checks (loads, predicts, deterministic, single-row latency).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report._html import Html
from pytest_mlaudit.report.sections._common import (
    Section,
    _dict,
    _dicts,
    _notes,
    _num,
    _opt,
    _result,
    _short_list,
    _title,
)

__all__ = ["advice", "decision", "render"]


def _fmt(x: Any) -> str:
    from pytest_mlaudit.result import fmt_number

    v = _opt(x)
    return "-" if v is None else fmt_number(v)


def _signed(x: Any) -> str:
    v = _opt(x)
    if v is None:
        return h.DASH
    return f"+{_fmt(v)}" if v > 0 else _fmt(v)


def _higher_is_better(m: Mapping[str, Any]) -> bool:
    return m.get("greater_is_better", True) is not False


def _exact(m: Mapping[str, Any]) -> bool:
    """The exact bound from the discordant pairs decided (accuracy, few discordant rows)."""
    return m.get("exact_bound") is not None


def _discordant(m: Mapping[str, Any]) -> str:
    mc = _dict(m.get("mcnemar"))
    k = _num(mc.get("candidate_only")) + _num(mc.get("baseline_only"))
    return h.plural(int(k), "discordant row") if k == k else "the discordant rows"


def _bound(m: Mapping[str, Any]) -> float | None:
    """The bound that decides: the exact one when the record has it, else the end of the
    bootstrap interval most favourable to the candidate."""
    if _exact(m):
        return _opt(m.get("exact_bound"))
    return _opt(m.get("ci_high") if _higher_is_better(m) else m.get("ci_low"))


def _bound_source(m: Mapping[str, Any]) -> str:
    """Where the deciding bound comes from, for a table cell."""
    if _exact(m):
        return f"exact, {_discordant(m)}"
    return f"{_side(m)}, {_level(m)} CI"


def _worse(m: Mapping[str, Any]) -> bool:
    """Significantly worse than the baseline by more than ``min_delta``."""
    if isinstance(m.get("significantly_worse"), bool):
        return bool(m["significantly_worse"])
    if m.get("baseline") is None:
        return False
    bound, delta = _bound(m), _num(m.get("min_delta", 0.0))
    if bound is None or math.isnan(bound):
        return True
    return bound < -delta if _higher_is_better(m) else bound > delta


def _below_floor(m: Mapping[str, Any]) -> bool:
    """Worse than the floor (below it, or above it for a loss)."""
    if isinstance(m.get("below_floor"), bool):
        return bool(m["below_floor"])
    floor = _opt(m.get("floor"))
    if floor is None:
        return False
    value = _num(m.get("candidate"))
    return not value >= floor if _higher_is_better(m) else not value <= floor


def _side(m: Mapping[str, Any]) -> str:
    return "upper" if _higher_is_better(m) else "lower"


def _level(m: Mapping[str, Any]) -> str:
    """The two-sided level of the interval whose end is the deciding bound."""
    return h.DASH if m.get("confidence") is None else h.pct(m.get("confidence"), 1)


def _floor_op(m: Mapping[str, Any]) -> str:
    return "<" if _higher_is_better(m) else ">"


def _artifact_problems(r: Mapping[str, Any]) -> list[str]:
    a = _dict(r.get("artifact"))
    problems = [str(p) for p in a.get("problems") or () if isinstance(p, str)]
    if not problems and a and a.get("passed") is False:
        problems = [str(a.get("error") or "failed")]
    return problems


def _metric_name(m: Mapping[str, Any]) -> str:
    return h.visible(str(m.get("metric", "?")))


def decision(r: Mapping[str, Any]) -> tuple[bool, str]:
    """``(promote, sentence)``: what to do with the candidate, and why.

    Failing: ``"Keep the production model; the candidate is worse on accuracy by 0.05
    (0.8 vs 0.85) ..."``; passing: ``"Promote: ..."``.
    """
    metrics = _dicts(r.get("metrics"))
    reasons: list[str] = []
    for m in metrics:
        if _worse(m):
            gap, bound = abs(_num(m.get("difference"))), _bound(m)
            reason = (
                f"worse on {_metric_name(m)} by {_fmt(gap)} ({_fmt(m.get('candidate'))} vs "
                f"{_fmt(m.get('baseline'))}"
            )
            if reasons:  # the first reason says why; the others only how much
                why = ""
            elif bound is None or math.isnan(bound):
                why = "; its confidence bound could not be computed"
            elif _exact(m):
                why = (
                    f"; by at least {_fmt(abs(bound))} by the exact bound from "
                    f"{_discordant(m)}, more than min_delta={_fmt(m.get('min_delta', 0.0))}"
                )
            else:
                why = (
                    f"; by at least {_fmt(abs(bound))} at the {_side(m)} end of its "
                    f"{_level(m)} confidence interval, more than "
                    f"min_delta={_fmt(m.get('min_delta', 0.0))}"
                )
            reasons.append(f"{reason}{why})")
        if _below_floor(m):
            reasons.append(
                f"{'below' if _higher_is_better(m) else 'above'} its floor on {_metric_name(m)} "
                f"({_fmt(m.get('candidate'))} {_floor_op(m)} {_fmt(m.get('floor'))})"
            )
    problems = _artifact_problems(r)
    if problems:
        reasons.append("its artifact " + "; ".join(h.visible(p) for p in problems))
    has_baseline = r.get("baseline") is not None or any(
        m.get("baseline") is not None for m in metrics
    )
    if reasons:
        keep = "Keep the production model" if has_baseline else "Do not promote the candidate"
        return False, f"{keep}; the candidate is " + "; ".join(reasons) + "."
    parts = []
    names = [_metric_name(m) for m in metrics]
    if has_baseline and names:
        parts.append(
            f"is not significantly worse than the production model on {_short_list(names)}"
        )
    floors = [_metric_name(m) for m in metrics if m.get("floor") is not None]
    if floors:
        parts.append(f"meets its floor on {_short_list(floors)}")
    if r.get("artifact"):
        parts.append("has an artifact that loads, predicts and repeats itself within its limits")
    if len(parts) > 1:
        parts[-1] = "and " + parts[-1]
    what = ", ".join(parts) or "passed every check of the gate"
    return True, f"Promote: the candidate {what}."


def advice(entry: Mapping[str, Any]) -> str:
    """Keep the production model (and why), or promote the candidate."""
    return decision(_result(entry))[1]


def _metric_table(metrics: list[dict[str, Any]]) -> Html:
    rows, levels = [], []
    for m in metrics:
        worse, floor = _worse(m), _below_floor(m)
        verdicts = []
        if worse:
            verdicts.append(h.badge("WORSE", "fail"))
        if floor:
            verdicts.append(h.badge("FLOOR", "fail"))
        bound: Any = h.DASH
        if m.get("baseline") is not None:
            bound = h.text(f"{_signed(_bound(m))} ({_bound_source(m)})")
        delta = _opt(m.get("min_delta", 0.0))
        rows.append(
            [
                h.join(
                    [
                        h.tag("code", h.name(m.get("metric", "?"), limit=40)),
                        " ↑" if _higher_is_better(m) else " ↓",
                    ]
                ),
                _opt(m.get("baseline")),
                _opt(m.get("candidate")),
                h.text(_signed(m.get("difference"))),
                bound,
                h.text(_fmt(delta)),
                h.text(f"{'>=' if _higher_is_better(m) else '<='} {_fmt(m.get('floor'))}")
                if m.get("floor") is not None
                else h.DASH,
                h.join(verdicts, " ") if verdicts else "ok",
            ]
        )
        levels.append("fail" if worse or floor else None)
    return h.table(
        [
            "metric",
            "baseline",
            "candidate",
            "difference",
            "confidence bound",
            "min_delta",
            "floor",
            "verdict",
        ],
        rows,
        numeric=[1, 2, 3, 4, 5, 6],
        nowrap=[0, 4, 7],
        row_levels=levels,
    )


def _mcnemar_line(m: Mapping[str, Any]) -> Html | None:
    mc = _dict(m.get("mcnemar"))
    if not mc:
        return None
    alpha = _opt(m.get("alpha"))
    agree: list[Any] = []
    if _exact(m):
        agree = [
            " With this few discordant rows the exact bound on them decides the metric "
            "(the bootstrap is not trusted there)."
        ]
    elif alpha is not None and not _num(m.get("min_delta", 0.0)):
        says_worse = _num(mc.get("pvalue_worse")) < alpha
        agree = [
            f" At this metric's alpha={_fmt(alpha)} it ",
            "agrees with" if says_worse == _worse(m) else h.tag("strong", "disagrees with"),
            " the bootstrap's verdict (" + ("worse" if _worse(m) else "not worse") + ").",
        ]
    return h.tag(
        "p",
        "McNemar's exact test on ",
        h.tag("code", h.name(m.get("metric", "?"), limit=40)),
        " (the rows where exactly one model is right): the candidate alone is right on "
        f"{h.plural(mc.get('candidate_only'), 'row')}, the baseline alone on "
        f"{h.plural(mc.get('baseline_only'), 'row')}; p={_fmt(mc.get('pvalue'))} for equal "
        f"accuracy (two-sided), p={_fmt(mc.get('pvalue_worse'))} that the candidate is less "
        "accurate (one-sided).",
        *agree,
    )


def _yes(value: Any) -> Any:
    if value is True:
        return "yes"
    if value is False:
        return h.badge("NO", "fail")
    return h.DASH


def _artifact(a: Mapping[str, Any]) -> Section:
    where: list[Any] = (
        [h.tag("code", h.name(a.get("path"), limit=160))]
        if a.get("path")
        else ["an in-memory model (no file to load)"]
    )
    if a.get("loader"):
        where += [", loaded with ", h.tag("code", h.name(a.get("loader"), limit=80))]
    section = Section().html(
        h.tag("h4", "Artifact checks"), h.tag("p", "The candidate is ", *where, ".")
    )
    p95, limit = _opt(a.get("latency_ms_p95")), _opt(a.get("max_latency_ms"))
    slow = p95 is not None and limit is not None and p95 > limit
    sample = a.get("sample_rows")
    rows: list[list[Any]] = [
        [
            "loads",
            _yes(a.get("loaded")),
            f"in {_fmt(a.get('load_seconds'))} s" if a.get("load_seconds") is not None else "",
        ],
        [
            "predicts",
            _yes(a.get("predicted")) if a.get("loaded") else h.DASH,
            f"one valid output per row of a {_fmt(sample)}-row sample",
        ],
        [
            "deterministic",
            _yes(a.get("deterministic")),
            f"{h.plural(a.get('mismatched_rows'), 'row')} of {_fmt(sample)} changed between "
            "two identical calls",
        ],
        [
            "latency p95",
            h.badge("TOO SLOW", "fail") if slow else ("ok" if p95 is not None else h.DASH),
            f"{_fmt(p95)} ms"
            + (f" vs limit {_fmt(limit)} ms" if limit is not None else " (no limit set)")
            + f"; p50 {_fmt(a.get('latency_ms_p50'))} ms over "
            f"{h.plural(a.get('latency_rows'), 'single-row call')}; "
            f"batch {_fmt(a.get('batch_ms_per_row'))} ms per row",
        ],
    ]
    levels = [
        "fail" if a.get("loaded") is False else None,
        "fail" if a.get("loaded") and a.get("predicted") is False else None,
        "fail" if a.get("deterministic") is False else None,
        "fail" if slow else None,
    ]
    rows = [[check, verdict, h.text(measured)] for check, verdict, measured in rows]
    section.html(h.table(["check", "verdict", "measured"], rows, row_levels=levels))
    if a.get("error"):
        section.html(h.tag("p", "Error: ", h.tag("code", h.name(a.get("error"), limit=400))))
    return section


def _code(src: Mapping[str, Any], key: str, limit: int = 80) -> Any:
    value = src.get(key)
    return h.tag("code", h.name(value, limit=limit)) if value else h.DASH


def _sources(r: Mapping[str, Any]) -> Html | None:
    """The registry versions (or runs) compared, when the models were given as URIs."""
    rows = []
    for role in ("candidate", "baseline"):
        src = _dict(r.get(f"{role}_source"))
        if not src:
            continue

        alias = src.get("alias")
        rows.append(
            [
                role,
                _code(src, "name"),
                h.text(str(src["version"])) if src.get("version") else h.DASH,
                h.text(f"@{alias}") if alias else h.DASH,
                _code(src, "run_id", 40),
                _code(src, "uri", 160),
            ]
        )
    if not rows:
        return None
    return h.join(
        [
            h.tag("h4", "Models compared"),
            h.table(
                ["model", "registered model", "version", "alias", "run", "URI"],
                rows,
                nowrap=[2, 3],
            ),
            h.tag(
                "p",
                "The version is the one the URI named when the gate ran (an alias can move "
                "since); mlaudit promote moves an alias only to a version this gate compared.",
                style="color:#5f6368;font-size:12px;",
            ),
        ]
    )


def render(entry: dict[str, Any]) -> Section:
    """The decision, the per-metric table, McNemar's cross-check, the artifact checks."""
    r = _result(entry)
    metrics = _dicts(r.get("metrics"))
    _, sentence = decision(r)
    section = Section().html(_title(entry, "deployment gate"))
    section.html(h.tag("p", h.tag("strong", "Decision: ", sentence)))
    alphas = {_fmt(m.get("alpha")) for m in metrics if m.get("alpha") is not None}
    setup: list[Any] = [
        f"Scored on the same {h.plural(r.get('n_rows'), 'test row')} ({r.get('task', '?')}): "
        "candidate ",
        h.tag("code", h.name(r.get("candidate", "?"), limit=120)),
    ]
    if r.get("baseline") is not None:
        setup += [
            ", baseline ",
            h.tag("code", h.name(r.get("baseline"), limit=120)),
            f". Paired bootstrap of {h.plural(r.get('n_boot'), 'resample')} (seed "
            f"{r.get('seed', '?')}); one-sided alpha={_fmt(r.get('alpha'))} over all metrics"
            + (
                f" ({', '.join(sorted(alphas))} per metric, {r.get('correction', '?')})"
                if alphas
                else ""
            )
            + ".",
        ]
    else:
        setup.append("; no baseline: only the floors apply.")
    section.html(h.tag("p", *setup))
    sources = _sources(r)
    if sources is not None:
        section.html(sources)
    if metrics:
        section.html(h.tag("h4", "Metrics"), _metric_table(metrics))
    if any(m.get("baseline") is not None for m in metrics):
        section.html(
            h.tag(
                "p",
                "difference = candidate - baseline. The confidence bound is the end of the "
                "interval of the difference most favourable to the candidate (the upper end "
                "for ↑ metrics, the lower end for ↓ losses; for accuracy with few discordant "
                "rows the exact bound from those rows); a metric fails when even that bound "
                "is worse than min_delta, or the candidate is worse than its floor.",
                style="color:#5f6368;font-size:12px;",
            ),
        )
    for m in metrics:
        line = _mcnemar_line(m)
        if line is not None:
            section.html(line)
    artifact = _dict(r.get("artifact"))
    if artifact:
        section.extend(_artifact(artifact))
    section.extend(_notes(r.get("notes"), "Notes"))
    return section
