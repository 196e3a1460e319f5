"""Retrain on evidence, not on a calendar (failure mode 4).

:func:`should_retrain` reads the audit history (:mod:`pytest_mlaudit.history`) and a
policy the team writes, and answers *retrain* or *don't retrain*, with the reasons.
``mlaudit retrain-check`` is the same from a scheduler.

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

    [[metric]]                   # a performance metric from a gate/labels check
    metric = "roc_auc"           # a gate metric (the candidate's value) ...
    tests = ["test_production_performance"]
    min = 0.70                   # ... below this floor in each of the last `runs` runs
    max_drop = 0.03              # ... or this much worse than at the last promotion

Evidence is read from the runs *since the last retrain* (``mlaudit history mark
retrain``): once a model is retrained, the old model's drift no longer argues for
another retrain. The decision is *retrain* when at least one rule fires and no blocker
holds (``min_days_between``).

Standard library only.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json
import math
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Final

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.history import (
    HistoryError,
    HistoryStore,
    MeasureRow,
    parse_time,
    resolve_path,
    utc_iso,
)

__all__ = [
    "EXIT_NO_RETRAIN",
    "EXIT_RETRAIN",
    "DriftRule",
    "Finding",
    "MetricRule",
    "PsiRule",
    "RetrainDecision",
    "RetrainPolicy",
    "load_policy",
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

#: Direction of the gate's built-in metrics, for ``max_drop``.
_HIGHER_IS_BETTER: Final = {
    "accuracy": True,
    "roc_auc": True,
    "f1": True,
    "r2": True,
    "log_loss": False,
    "brier": False,
    "mae": False,
    "rmse": False,
    "issue_rate": False,
    "drifted_share": False,
}
POLICY_FILE: Final = "retrain_policy.toml"


def _keys(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise MlauditInputError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; known: {', '.join(allowed)}."
        )


def _int(table: Mapping[str, Any], key: str, default: int, where: str, minimum: int = 1) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise MlauditInputError(f"{where}.{key} must be an integer >= {minimum}; got {value!r}.")
    return value


def _float(table: Mapping[str, Any], key: str, where: str) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MlauditInputError(f"{where}.{key} must be a finite number; got {value!r}.")
    return float(value)


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, ())
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise MlauditInputError(f"{where}.{key} must be a list of strings; got {value!r}.")
    return tuple(value)


@dataclasses.dataclass(frozen=True, slots=True)
class DriftRule:
    """Retrain when a drift check failed in each of the last ``runs`` runs."""

    runs: int = 3  #: how many consecutive runs (that ran a drift check) must fail
    tests: tuple[str, ...] = ()  #: node-id substrings; empty: every drift check

    KEYS: ClassVar[tuple[str, ...]] = ("runs", "tests")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "drift") -> DriftRule:
        _keys(table, cls.KEYS, where)
        return cls(runs=_int(table, "runs", 3, where), tests=_strings(table, "tests", where))


@dataclasses.dataclass(frozen=True, slots=True)
class PsiRule:
    """Retrain when the PSI of an important feature exceeds ``threshold`` in each of the
    last ``runs`` runs (the drift checks must compute ``psi`` for those columns)."""

    features: tuple[str, ...]  #: the important features
    threshold: float = 0.2  #: PSI above this counts
    runs: int = 1
    tests: tuple[str, ...] = ()

    KEYS: ClassVar[tuple[str, ...]] = ("features", "threshold", "runs", "tests")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "psi") -> PsiRule:
        _keys(table, cls.KEYS, where)
        features = _strings(table, "features", where)
        if not features:
            raise MlauditInputError(f"{where}.features must name at least one feature.")
        threshold = _float(table, "threshold", where)
        if threshold is not None and threshold <= 0:
            raise MlauditInputError(f"{where}.threshold must be > 0; got {threshold!r}.")
        return cls(
            features=features,
            threshold=0.2 if threshold is None else threshold,
            runs=_int(table, "runs", 1, where),
            tests=_strings(table, "tests", where),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class MetricRule:
    """Retrain when a recorded performance metric is below a floor (above a ceiling) in
    each of the last ``runs`` runs, or worse by more than ``max_drop`` than at the last
    promotion.

    ``metric`` names a gate metric (the candidate's value, e.g. a production-performance
    gate with ``baseline=None``); ``figure`` names any key figure of a check instead
    (e.g. ``issue_rate`` of ``labels``).
    """

    metric: str | None = None
    figure: str | None = None
    check: str | None = None  #: only this check (default "gate" for ``metric``)
    tests: tuple[str, ...] = ()
    min: float | None = None  #: fire when the value is below this
    max: float | None = None  #: fire when the value is above this
    max_drop: float | None = None  #: fire when worse than at the last promotion by more
    higher_is_better: bool | None = None  #: direction for ``max_drop`` (known for built-ins)
    runs: int = 1

    KEYS: ClassVar[tuple[str, ...]] = (
        "metric",
        "figure",
        "check",
        "tests",
        "min",
        "max",
        "max_drop",
        "higher_is_better",
        "runs",
    )

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "metric") -> MetricRule:
        _keys(table, cls.KEYS, where)
        metric, figure = table.get("metric"), table.get("figure")
        if (metric is None) == (figure is None):
            raise MlauditInputError(
                f"{where}: give exactly one of metric = 'accuracy' (a gate metric) or "
                "figure = 'issue_rate' (a check's key figure)."
            )
        for key, value in (("metric", metric), ("figure", figure), ("check", table.get("check"))):
            if value is not None and not isinstance(value, str):
                raise MlauditInputError(f"{where}.{key} must be a string; got {value!r}.")
        name = str(metric or figure)
        hib = table.get("higher_is_better")
        if hib is not None and not isinstance(hib, bool):
            raise MlauditInputError(f"{where}.higher_is_better must be true or false; got {hib!r}.")
        rule = cls(
            metric=metric,
            figure=figure,
            check=table.get("check", "gate" if metric is not None else None),
            tests=_strings(table, "tests", where),
            min=_float(table, "min", where),
            max=_float(table, "max", where),
            max_drop=_float(table, "max_drop", where),
            higher_is_better=hib if hib is not None else _HIGHER_IS_BETTER.get(name),
            runs=_int(table, "runs", 1, where),
        )
        if rule.min is None and rule.max is None and rule.max_drop is None:
            raise MlauditInputError(f"{where} ({name}): set min, max or max_drop.")
        if rule.max_drop is not None:
            if rule.max_drop < 0:
                raise MlauditInputError(f"{where}.max_drop must be >= 0; got {rule.max_drop!r}.")
            if rule.higher_is_better is None:
                raise MlauditInputError(
                    f"{where} ({name}): max_drop needs the direction; add higher_is_better = "
                    "true (a score) or false (a loss)."
                )
        return rule

    @property
    def label(self) -> str:
        return f"metric:{self.metric or self.figure}"


@dataclasses.dataclass(frozen=True, slots=True)
class RetrainPolicy:
    """When to retrain. Build one with :meth:`from_mapping` or :func:`load_policy`.

    Examples
    --------
    >>> policy = RetrainPolicy.from_mapping(
    ...     {"min_days_between": 7, "drift": {"runs": 2}, "psi": {"features": ["income"]}}
    ... )
    >>> policy.drift.runs, policy.psi.threshold
    (2, 0.2)
    """

    min_days_between: float | None = None
    max_days_between: float | None = None
    drift: DriftRule | None = None
    psi: PsiRule | None = None
    metrics: tuple[MetricRule, ...] = ()
    source: str = "<mapping>"  #: where the policy was read from

    KEYS: ClassVar[tuple[str, ...]] = (
        "min_days_between",
        "max_days_between",
        "drift",
        "psi",
        "metric",
    )

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], *, source: str = "<mapping>") -> RetrainPolicy:
        where = source
        _keys(table, cls.KEYS, where)

        def sub(key: str) -> Mapping[str, Any] | None:
            value = table.get(key)
            if value is None:
                return None
            if not isinstance(value, Mapping):
                raise MlauditInputError(f"{where}: [{key}] must be a table; got {value!r}.")
            return value

        drift, psi = sub("drift"), sub("psi")
        metric_tables = table.get("metric", ())
        if isinstance(metric_tables, Mapping):
            metric_tables = [metric_tables]
        if not isinstance(metric_tables, list | tuple):
            raise MlauditInputError(f"{where}: [[metric]] must be an array of tables.")
        policy = cls(
            min_days_between=_float(table, "min_days_between", where),
            max_days_between=_float(table, "max_days_between", where),
            drift=None if drift is None else DriftRule.from_mapping(drift, f"{where} [drift]"),
            psi=None if psi is None else PsiRule.from_mapping(psi, f"{where} [psi]"),
            metrics=tuple(
                MetricRule.from_mapping(m, f"{where} [[metric]] #{i + 1}")
                for i, m in enumerate(metric_tables)
            ),
            source=source,
        )
        if not (policy.drift or policy.psi or policy.metrics or policy.max_days_between):
            raise MlauditInputError(
                f"{where}: the policy has no rule that can ask for a retrain; add [drift], "
                "[psi], [[metric]] or max_days_between."
            )
        for key in ("min_days_between", "max_days_between"):
            value = getattr(policy, key)
            if value is not None and value < 0:
                raise MlauditInputError(f"{where}.{key} must be >= 0; got {value!r}.")
        return policy

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dataclasses.asdict(self)
        return data


def _policy_table(data: Mapping[str, Any], path: Path) -> Mapping[str, Any] | None:
    tool = data.get("tool")
    if isinstance(tool, Mapping):
        table = (
            tool.get("mlaudit", {}).get("retrain")
            if isinstance(tool.get("mlaudit"), Mapping)
            else None
        )
        return table if isinstance(table, Mapping) else None
    if path.name == "pyproject.toml":
        return None
    retrain = data.get("retrain")
    if isinstance(retrain, Mapping) and set(data) == {"retrain"}:
        return retrain
    return data


def load_policy(
    path: str | os.PathLike[str] | None = None, *, cwd: Path | None = None
) -> RetrainPolicy:
    """Read the policy: ``path`` (a policy file or a pyproject.toml), else the
    ``[tool.mlaudit.retrain]`` table of ``pyproject.toml`` in ``cwd``, else
    ``retrain_policy.toml`` there."""
    base = cwd or Path.cwd()
    candidates = [Path(path)] if path is not None else [base / "pyproject.toml", base / POLICY_FILE]
    for file in candidates:
        if not file.is_file():
            if path is not None:
                raise MlauditInputError(f"no retrain policy file at {str(file)!r}.")
            continue
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise MlauditInputError(f"{str(file)!r} is not valid TOML: {exc}.") from None
        table = _policy_table(data, file)
        if table is None:
            if path is not None:
                raise MlauditInputError(f"{str(file)!r} has no [tool.mlaudit.retrain] table.")
            continue
        where = f"{file.name} [tool.mlaudit.retrain]" if "tool" in data else str(file.name)
        return RetrainPolicy.from_mapping(table, source=where)
    raise MlauditInputError(
        "no retrain policy: add a [tool.mlaudit.retrain] table to pyproject.toml or write "
        f"{POLICY_FILE} (e.g. `min_days_between = 7` and `[drift]\\nruns = 2`), "
        "or pass --policy FILE."
    )


# --------------------------------------------------------------------------- the decision


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


# ------------------------------------------------------------------ `mlaudit retrain-check`


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit retrain-check``."""
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=None,
        help="the history store (default as `mlaudit history`)",
    )
    parser.add_argument(
        "--policy",
        metavar="FILE",
        default=None,
        help="a policy file, or a pyproject.toml with [tool.mlaudit.retrain] "
        f"(default: ./pyproject.toml, then ./{POLICY_FILE})",
    )
    parser.add_argument(
        "--now",
        metavar="ISO",
        default=None,
        help="decide as of this time (replays the past); default now",
    )
    parser.add_argument("--json", action="store_true", help="print the decision as JSON")
    parser.add_argument(
        "--github-output",
        action="store_true",
        help="also write retrain=true|false to $GITHUB_OUTPUT (GitHub Actions)",
    )
    parser.epilog = (
        f"exit status: {EXIT_NO_RETRAIN} no retrain warranted, {EXIT_RETRAIN} retrain warranted, "
        f"{EXIT_STORE_ERROR} the history store cannot be used, {EXIT_USAGE} bad policy or "
        "arguments."
    )


def run(args: argparse.Namespace) -> int:
    """``mlaudit retrain-check``: the decision, its reasons, and an exit status."""
    try:
        policy = load_policy(args.policy)
        decision = should_retrain(resolve_path(args.db), policy, now=args.now)
    except HistoryError as exc:
        print(f"mlaudit: error: {exc}", file=sys.stderr)
        return EXIT_STORE_ERROR
    except MlauditInputError as exc:
        print(f"mlaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(decision.to_dict(), indent=2))
    else:
        print(decision.summary())
    if args.github_output:
        target = os.environ.get("GITHUB_OUTPUT")
        if not target:
            print(
                "mlaudit: error: --github-output needs $GITHUB_OUTPUT (set by GitHub Actions)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(f"retrain={'true' if decision.retrain else 'false'}\n")
    return decision.exit_code
