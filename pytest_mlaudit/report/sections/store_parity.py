"""The report section of a store-parity check (a feature store's online path against its
offline path): kind ``store_parity``, shown under training/serving skew.

Per feature view, its features with their mismatch counts and causes, then the mismatching
entities: the entity key, both values, both rows' event times and the likely cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections._common import (
    Section,
    _dict,
    _dicts,
    _list,
    _notes,
    _num,
    _opt,
    _result,
    _short_list,
    _title,
    describe,
)
from pytest_mlaudit.report.sections.parity import (
    COUNT_HEADERS,
    TYPE_HEADERS,
    count_cells,
    type_cells,
)

__all__ = ["advice", "render"]

#: Mismatching entities shown per check.
MAX_SHOWN: Final = 25

#: What to do for each cause, most specific first.
_FIX: Final = {
    "absent": "serve every feature the model trains on from the online store (a view with "
    "online=False, or an on-demand view whose online output lacks the column)",
    "not_materialized": "materialize the views (feast materialize-incremental) before serving",
    "stale": "materialize again: the online store lags the offline source "
    "(schedule materialize-incremental after each load)",
    "expired_ttl": "raise the view's ttl or refresh its source: training reads null where "
    "serving still gets a value",
    "type_coerced": "declare the feature with the type its source holds (the online store "
    "keeps it converted)",
    "transformation": "make the on-demand transformation row-wise (no batch statistics, "
    "no dtype-dependent code): it gives another result online",
    "input_differs": "fix the source view's mismatch first; the on-demand feature follows",
    "online_newer": "compare as of the end of the last materialization (at=...)",
    "unknown": "look at the rows: the event times do not explain the difference",
}


def _mismatched(r: Mapping[str, Any]) -> list[str]:
    feats = [str(f) for f in _list(r.get("mismatched_features"))]
    if not feats:
        for f in _dicts(r.get("features")):
            if _num(f.get("mismatched")) > 0 or f.get("absent_in"):
                feats.append(f"{f.get('view')}:{f.get('feature')}")
    return feats


def _causes(r: Mapping[str, Any]) -> dict[str, int]:
    total: dict[str, int] = {}
    for f in _dicts(r.get("features")):
        for cause, n in _dict(f.get("causes")).items():
            total[str(cause)] = total.get(str(cause), 0) + int(_num(n))
    return total


def advice(entry: Mapping[str, Any]) -> str:
    """The fix of the main cause, naming the features."""
    r = _result(entry)
    feats = _mismatched(r)
    causes = _causes(r)
    order = [c for c in _FIX if c in causes]
    fix = "; ".join(_FIX[c] for c in order[:2]) or "compare the two reads of the store"
    where = f" on {_short_list(feats)}" if feats else ""
    named = f" ({', '.join(order[:3])})" if order else ""
    return (
        f"Fix the feature store: online and offline reads disagree{where}{named}. "
        f"{fix[0].upper()}{fix[1:]}."
    )


def _cause_cell(causes: Mapping[str, Any]) -> str:
    return ", ".join(f"{c} {int(_num(n))}" for c, n in sorted(causes.items())) or "-"


def render(entry: dict[str, Any]) -> Section:
    """Per feature view and feature, then the mismatching entities with their causes."""
    from pytest_mlaudit.checks.store_parity.report import CAUSES

    r = _result(entry)
    features = _dicts(r.get("features"))
    bad = _mismatched(r)
    keys = " | ".join(", ".join(map(str, _list(k))) for k in _list(r.get("entity_keys")))
    service = r.get("feature_service")
    section = Section().html(_title(entry, "feature store parity"))
    section.html(
        h.tag(
            "p",
            f"{len(bad)} of {h.plural(len(features), 'feature')}"
            + (f" of feature service {service}" if service else "")
            + " differ between the offline read (get_historical_features as of "
            f"{r.get('at', '?')}) and the online read (get_online_features) of project ",
            h.tag("code", h.name(r.get("project", "?"))),
            f"; {h.number(r.get('n_mismatched'))} of "
            f"{h.plural(r.get('n_entities'), 'entity', 'entities')} "
            f"mismatched ({describe(entry.get('headline'))}). Entities: "
            f"{r.get('entities_from', '?')} (keys {keys}); rtol={h.number(r.get('rtol'))}, "
            f"atol={h.number(r.get('atol'))}.",
        )
    )
    if r.get("n_offline_missing_rows"):
        section.html(
            h.tag(
                "p",
                f"get_historical_features returned no row for "
                f"{h.plural(r.get('n_offline_missing_rows'), 'entity', 'entities')} (Feast drops "
                "an entity whose rows all fall outside the view's ttl).",
            )
        )
    by_view: dict[str, list[dict[str, Any]]] = {}
    for f in features:
        by_view.setdefault(str(f.get("view", "?")), []).append(f)
    ordered_views = sorted(by_view, key=lambda v: (not any(_failing(f) for f in by_view[v]), v))
    for view in ordered_views:
        rows = sorted(by_view[view], key=lambda f: (not _failing(f), str(f.get("feature"))))
        demand = " (on-demand view)" if any(f.get("on_demand") for f in rows) else ""
        section.html(
            h.tag("h4", "Feature view ", h.tag("code", h.name(view)), demand),
            h.table(
                ["feature", *COUNT_HEADERS, "absent in", "causes", "max |diff|", *TYPE_HEADERS],
                [
                    [
                        h.name(f.get("feature")),
                        *count_cells(f),
                        h.name(f.get("absent_in") or "-"),
                        h.text(_cause_cell(_dict(f.get("causes")))),
                        _opt(f.get("max_abs_diff")),
                        *type_cells(f),
                    ]
                    for f in rows
                ],
                numeric=[1, 2, 3, 4, 5, 6, 9],
                row_levels=["fail" if _failing(f) else None for f in rows],
            ),
        )
    causes = _causes(r)
    if causes:
        section.html(
            h.tag("h4", "Likely causes"),
            h.tag(
                "ul",
                *[
                    h.tag(
                        "li",
                        h.tag("strong", cause),
                        f" ({h.plural(n, 'mismatch', 'mismatches')}): ",
                        CAUSES.get(cause, cause),
                    )
                    for cause, n in sorted(causes.items(), key=lambda kv: -kv[1])
                ],
            ),
        )
    shown = _dicts(r.get("mismatches"))[:MAX_SHOWN]
    if shown:
        section.html(
            h.tag("h4", "Mismatching entities"),
            h.table(
                [
                    "view",
                    "feature",
                    "entity",
                    "offline",
                    "online",
                    "cause",
                    "why (the rows' event times)",
                ],
                [
                    [
                        h.name(m.get("view")),
                        h.name(m.get("feature")),
                        h.tag(
                            "code",
                            h.name(
                                ", ".join(f"{k}={v!r}" for k, v in _dict(m.get("entity")).items())
                            ),
                        ),
                        h.tag("code", h.name(m.get("offline", "?"), limit=80)),
                        h.tag("code", h.name(m.get("online", "?"), limit=80)),
                        h.name(m.get("cause", "?")),
                        h.text(_why(m)),
                    ]
                    for m in shown
                ],
                row_levels=["fail"] * len(shown),
            ),
        )
    section.extend(_notes(r.get("notes")))
    return section


def _why(m: Mapping[str, Any]) -> str:
    """The cause's explanation, which names both rows' event times; the bare times when
    there is none (one column, so the table fits the page: the text wraps at its spaces)."""
    detail = str(m.get("detail") or "")
    if detail:
        return detail
    offline, online = m.get("offline_timestamp") or "-", m.get("online_timestamp") or "-"
    return f"offline row {offline}; online row {online}"


def _key(entity: Any) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in _dict(entity).items())


def _failing(f: Mapping[str, Any]) -> bool:
    return _num(f.get("mismatched")) > 0 or bool(f.get("absent_in"))
