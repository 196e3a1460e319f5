"""The data-contract section: every broken rule with its counts and a few offending values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections._common import Section, _dicts, _result, _title

__all__ = ["advice", "render"]


def _where(rule: Mapping[str, Any]) -> str:
    column = rule.get("column")
    return "(batch)" if column is None else str(column)


def render(entry: dict[str, Any]) -> Section:
    """The contract, the batch's size, and a table of every rule (broken ones first)."""
    r = _result(entry)
    rules = _dicts(r.get("rules"))
    broken = [x for x in rules if not x.get("passed")]
    section = Section().html(_title(entry, "contract"))
    source = r.get("source")
    section.html(
        h.tag(
            "p",
            f"{h.plural(len(broken), 'rule')} of {len(rules)} broken in "
            f"{h.plural(r.get('rows', 0), 'row')} against the contract ",
            h.tag("code", h.name(r.get("contract", "?"))),
            *([" (", h.tag("code", h.name(source)), ")"] if source else []),
            f"; checked by {r.get('engine', 'mlaudit')}.",
        )
    )
    order = broken + [x for x in rules if x.get("passed")]
    rows, levels = [], []
    for x in order:
        examples = _dicts(x.get("examples"))
        shown = ", ".join(
            f"{h.visible(str(e.get('value')))} (row {h.visible(str(e.get('row')))})"
            for e in examples[:5]
        )
        rows.append(
            [
                h.name(_where(x)),
                h.name(x.get("rule", "?")),
                h.name(x.get("expected", "")),
                h.name(x.get("observed", "")),
                x.get("failed"),
                x.get("checked"),
                h.text(shown),
                h.badge("BROKEN", "fail") if not x.get("passed") else "ok",
            ]
        )
        levels.append(None if x.get("passed") else "fail")
    section.html(
        h.table(
            ["column", "rule", "expected", "observed", "failed", "of", "examples", "verdict"],
            rows,
            numeric=[4, 5],
            row_levels=levels,
        )
    )
    return section


def advice(entry: Mapping[str, Any]) -> str:
    """Name the broken rules; fix the pipeline, or change the contract on purpose."""
    rules = _dicts(_result(entry).get("rules"))
    broken = [f"{_where(x)}: {x.get('rule')}" for x in rules if not x.get("passed")]
    shown = ", ".join(h.visible(b) for b in broken[:5])
    more = f" and {len(broken) - 5} more" if len(broken) > 5 else ""
    return (
        f"Stop this batch before it reaches the model: it breaks the data contract ({shown}"
        f"{more}). Fix the upstream pipeline, or, if the change is intended, edit the "
        "contract in a reviewed commit."
    )
