"""Names in a policy that the history never saw: a typo that would keep a rule silent.

A rule naming a test, feature, metric, figure or check that never ran can never fire. The
history knows every name that ran, so each one the policy names is looked up there, and
one it does not know is a problem that names the closest known ones (:mod:`difflib`). An
empty history knows nothing yet, and nothing is reported.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from pytest_mlaudit.history import HistoryStore
from pytest_mlaudit.retrain.policy import ImpactRule, PerformanceRule, RetrainPolicy

__all__ = ["unknown_names"]


def _closest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(set(known)), n=3, cutoff=0.6)
    return f"; closest: {', '.join(map(repr, close))}" if close else ""


def _test_names(nodeids: Iterable[str]) -> set[str]:
    """The node ids and their test functions (``test_x`` of ``tests/t.py::test_x[1]``)."""
    out = set()
    for nodeid in nodeids:
        out.add(nodeid)
        out.add(nodeid.rsplit("::", 1)[-1].split("[", 1)[0])
    return out


def _tests(where: str, tests: Sequence[str], nodeids: set[str], what: str) -> list[str]:
    problems = []
    for test in tests:
        if not any(test in nodeid for nodeid in nodeids):
            problems.append(
                f"{where} tests: no {what} in the history ran in a test matching {test!r}"
                + _closest(test, _test_names(nodeids))
            )
    return problems


def unknown_names(store: HistoryStore, policy: RetrainPolicy, *, now: str) -> tuple[str, ...]:
    """One sentence per name of ``policy`` that no run of the history (up to ``now``) has."""
    checks = store.checks(until=now)
    if not checks:
        return ()
    problems: list[str] = []
    where = policy.source
    if policy.drift is not None:
        drift = {c.nodeid for c in checks if c.kind == "drift"}
        if not drift:
            problems.append(f"{where} [drift]: the history has no drift check at all")
        else:
            problems += _tests(f"{where} [drift]", policy.drift.tests, drift, "drift check")
    if policy.psi is not None:
        rule = policy.psi
        rows = store.measures(name="psi", kind="drift", until=now)
        problems += _tests(f"{where} [psi]", rule.tests, {r.nodeid for r in rows}, "PSI")
        known = {
            r.subject for r in rows if not rule.tests or any(t in r.nodeid for t in rule.tests)
        }
        for feature in rule.features:
            if feature not in known:
                problems.append(
                    f"{where} [psi] features: the history has no PSI of {feature!r}"
                    + _closest(feature, known)
                )
    model_rules: tuple[tuple[str, PerformanceRule | ImpactRule | None], ...] = (
        ("performance", policy.performance),
        ("impact", policy.impact),
    )
    for kind, model_rule in model_rules:
        if model_rule is None:
            continue
        ran = {c.nodeid for c in checks if c.kind == kind}
        if not ran:
            problems.append(f"{where} [{kind}]: the history has no {kind} check at all")
        else:
            problems += _tests(f"{where} [{kind}]", model_rule.tests, ran, f"{kind} check")
    names = {c.check for c in checks}
    for i, m in enumerate(policy.metrics):
        at = f"{where} [[metric]] #{i + 1}"
        if m.check is not None and m.check not in names:
            problems.append(
                f"{at} check: no {m.check!r} check in the history" + _closest(m.check, names)
            )
            continue
        if m.metric is not None:
            rows = store.measures(name="candidate", check=m.check, until=now)
            known, what = {r.subject for r in rows}, f"{m.check or 'any'} metric"
            name, key = m.metric, "metric"
        else:
            assert m.figure is not None
            rows = store.measures(subjects=[""], check=m.check, until=now)
            known, what = {r.name for r in rows}, "key figure"
            name, key = m.figure, "figure"
        if name not in known:
            problems.append(
                f"{at} {key}: the history has no {what} named {name!r}" + _closest(name, known)
            )
            continue
        matching = {r.nodeid for r in rows if (r.subject if m.metric else r.name) == name}
        problems += _tests(at, m.tests, matching, f"{name!r}")
    return tuple(problems)
