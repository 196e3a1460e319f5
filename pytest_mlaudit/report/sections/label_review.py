"""The report section of a label review: one record entry of kind ``label_review``.

The reviewers' verdicts on the label audit's sample: the flags' precision and the
estimated true noise rate per class and overall, with their intervals, against the
limit, and how many labels the reviewers corrected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections._common import (
    Section,
    _dicts,
    _notes,
    _num,
    _opt,
    _result,
    _title,
)

__all__ = ["advice", "render"]


def _ci(low: Any, high: Any) -> h.Html:
    return h.join(["[", h.pct(_opt(low)), ", ", h.pct(_opt(high)), "]"])


def _bad(r: Mapping[str, Any], estimate: Any, high: Any) -> bool:
    """The figure ``fail_on`` compares is above the limit, or cannot be estimated."""
    value = _num(high if r.get("fail_on") == "upper" else estimate)
    limit = _num(r.get("max_noise_rate"))
    return math.isnan(value) or (not math.isnan(limit) and value > limit)


def advice(entry: Mapping[str, Any]) -> str:
    """Relabel: the estimated noise rate, the worst class, the corrections to apply."""
    r = _result(entry)
    rates = [(c, _num(c.get("noise_rate"))) for c in _dicts(r.get("per_class"))]
    known = [(c, x) for c, x in rates if not math.isnan(x)]
    worst = max(known, key=lambda cx: cx[1])[0] if known else None
    fixed = len(_dicts(r.get("corrections")))
    return (
        f"Reviewers judged {h.plural(r.get('wrong', '?'), 'row')} wrong of "
        f"{r.get('reviewed', '?')} reviewed (estimated noise rate "
        f"{h.pct(_opt(r.get('noise_rate')))}"
        + (f"; worst class {worst.get('label')!r}" if worst is not None else "")
        + f"): apply the {h.plural(fixed, 'corrected label')} (write_corrections), relabel "
        "the flagged rows of the classes above the limit, then retrain."
    )


def render(entry: dict[str, Any]) -> Section:
    """The precision of the flags, the noise rate per class and overall, with intervals."""
    r = _result(entry)
    level = _num(r.get("confidence"))
    shown_level = f"{round(100 * level)}%" if level == level else "?"
    compared = "upper end of its interval" if r.get("fail_on") == "upper" else "estimate"
    section = Section().html(_title(entry, "label review"))
    section.html(
        h.tag(
            "p",
            f"Reviewers gave a verdict on {h.plural(r.get('reviewed'), 'row')} of the "
            f"{r.get('sample_rows', '?')}-row audit sample ({h.number(r.get('wrong'))} "
            f"judged wrong), read from ",
            h.tag("code", h.name(r.get("source"), limit=200)),
            ". Estimated noise rate of the ",
            h.plural(r.get("audited_rows"), "audited row"),
            f": {h.pct(_opt(r.get('noise_rate')))} ({shown_level} interval ",
            _ci(r.get("noise_low"), r.get("noise_high")),
            f"; limit {h.pct(_opt(r.get('max_noise_rate')))} on the {compared}). Precision "
            f"of the flags: {h.pct(_opt(r.get('precision')))} ",
            _ci(r.get("precision_low"), r.get("precision_high")),
            f" ({h.number(r.get('confirmed_flagged'))} of "
            f"{h.number(r.get('reviewed_flagged'))} reviewed flagged rows wrong). The sample is "
            "stratified by class and flag, so each stratum is weighted by its size in the data.",
        )
    )
    per_class = _dicts(r.get("per_class"))
    if per_class:
        rows, levels = [], []
        for c in per_class:
            bad = _bad(r, c.get("noise_rate"), c.get("noise_high"))
            rows.append(
                [
                    h.name(c.get("label")),
                    c.get("rows"),
                    c.get("flagged"),
                    f"{c.get('wrong_flagged')}/{c.get('reviewed_flagged')}",
                    f"{c.get('wrong_unflagged')}/{c.get('reviewed_unflagged')}",
                    h.pct(_opt(c.get("noise_rate"))),
                    _ci(c.get("noise_low"), c.get("noise_high")),
                    h.badge("FAIL", "fail") if bad else "ok",
                ]
            )
            levels.append("fail" if bad else None)
        section.html(
            h.tag("h4", "Per class (given label)"),
            h.table(
                [
                    "class",
                    "rows",
                    "flagged",
                    "wrong / reviewed flagged",
                    "wrong / reviewed unflagged",
                    "noise rate",
                    f"{shown_level} interval",
                    "verdict",
                ],
                rows,
                numeric=[1, 2, 5],
                row_levels=levels,
            ),
        )
    corrections = _dicts(r.get("corrections"))
    if corrections:
        section.html(
            h.tag("h4", f"Corrected labels ({len(corrections)})"),
            h.table(
                ["row", "index", "given", "corrected"],
                [
                    [
                        c.get("position"),
                        h.name(c.get("index")),
                        h.name(c.get("given")),
                        h.name(c.get("corrected")),
                    ]
                    for c in corrections[:50]
                ],
                numeric=[0],
            ),
        )
    section.extend(_notes(r.get("notes"), "Notes"))
    return section
