"""The report section of a label-noise audit: one record entry of kind ``labels``.

Per-class flag rates against their limits (table and bar chart), the given -> suggested
matrix of flagged rows, the most suspicious rows, and what the record keeps for review.
"""

from __future__ import annotations

import math
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
    _title,
)

__all__ = ["advice", "render"]

#: Suspicious label rows shown.
MAX_LABEL_ROWS: Final = 20
#: Feature columns shown next to a suspicious label row.
MAX_FEATURES: Final = 10
#: Classes in the given -> suggested matrix.
MAX_MATRIX_CLASSES: Final = 15


def advice(entry: Mapping[str, Any]) -> str:
    """Relabel: how many rows are flagged, and the worst class."""
    r = _result(entry)
    fig = _dict(entry.get("figures"))
    rows, issues = _num(r.get("rows")), _num(r.get("issues"))
    worst = fig.get("worst_class")
    return (
        "Relabel: review the most suspicious rows below "
        f"({int(issues) if issues == issues else '?'} of "
        f"{h.plural(int(rows) if rows == rows else '?', 'row')} flagged"
        + (f"; worst class {worst!r}" if worst is not None else "")
        + "), fix the labelling guideline where a class is confused, then retrain."
    )


def render(entry: dict[str, Any]) -> Section:
    """Per-class rates, the given -> suggested matrix, the most suspicious rows."""
    r = _result(entry)
    rows, issues = _num(r.get("rows")), _num(r.get("issues"))
    rate = issues / rows if rows > 0 else math.nan
    section = Section().html(_title(entry, "label noise"))
    how = str(r.get("probabilities", "?"))
    if r.get("cv"):
        how += f", {r.get('cv')}-fold, seed {r.get('seed')}"
    section.html(
        h.tag(
            "p",
            f"{h.number(r.get('issues'))} of {h.plural(r.get('rows'), 'row')} flagged as likely "
            f"mislabelled ({h.pct(rate)}; limit {h.pct(r.get('max_issue_rate'))}). Out-of-sample "
            f"probabilities from {how}; cleanlab filter_by={r.get('filter_by', '?')}, "
            f"ranked by {r.get('rank_by', '?')}.",
        )
    )
    if r.get("model"):
        section.html(h.tag("p", "Model: ", h.tag("code", h.name(r.get("model"), limit=200))))
    per_class = _dicts(r.get("per_class"))
    if per_class:
        table_rows, levels, names, rates, limits = [], [], [], [], []
        for c in per_class:
            n, k = _num(c.get("rows")), _num(c.get("issues"))
            cr = k / n if n > 0 else 0.0
            lim = _opt(c.get("max_rate"))
            bad = lim is not None and cr > lim
            table_rows.append(
                [
                    h.name(c.get("label")),
                    c.get("rows"),
                    c.get("issues"),
                    h.pct(cr),
                    h.pct(lim) if lim is not None else h.DASH,
                    h.badge("FAIL", "fail") if bad else ("ok" if lim is not None else h.DASH),
                ]
            )
            levels.append("fail" if bad else None)
            names.append(str(c.get("label")))
            rates.append(cr)
            limits.append(lim)
        section.html(
            h.tag("h4", "Per class"),
            h.table(
                ["class (given)", "rows", "flagged", "rate", "limit", "verdict"],
                table_rows,
                numeric=[1, 2, 3, 4],
                row_levels=levels,
            ),
        )
        from pytest_mlaudit.report import _plots

        section.png(
            _plots.class_rates(names, rates, limits, overall_limit=_opt(r.get("max_issue_rate"))),
            "share of flagged rows per class",
        )
    skipped = _dicts(r.get("skipped"))
    if skipped:
        section.html(
            h.tag(
                "p",
                "Rare classes left out of the audit: ",
                h.join(
                    [
                        h.join([h.tag("code", h.name(c.get("label"))), f" ({c.get('rows')} rows)"])
                        for c in skipped
                    ],
                    ", ",
                ),
            )
        )
    section.extend(_confusion_matrix(r))
    suspicious = _dicts(r.get("suspicious"))
    if suspicious:
        shown = suspicious[:MAX_LABEL_ROWS]
        feats: list[str] = []
        for row in shown:
            for feature in _dict(row.get("features")):
                if feature not in feats:
                    feats.append(feature)
        feats = feats[:MAX_FEATURES]
        section.html(
            h.tag(
                "h4",
                f"Most suspicious rows ({len(shown)} of {len(suspicious)} kept, "
                "lowest label quality first)",
            ),
            h.table(
                ["row", "index", "given", "suggested", "label quality", *feats],
                [
                    [
                        row.get("position"),
                        h.name(row.get("index")),
                        h.name(row.get("given")),
                        h.name(row.get("suggested")),
                        _opt(row.get("quality")),
                        *[_dict(row.get("features")).get(f) for f in feats],
                    ]
                    for row in shown
                ],
                numeric=[0, 4],
            ),
        )
    sample = _dict(r.get("audit_sample"))
    if _list(sample.get("rows")):
        section.html(
            h.tag(
                "p",
                f"The record keeps the {h.plural(len(suspicious), 'most suspicious row')} of "
                f"{h.number(r.get('issues'))} flagged (the report object has them all, "
                f"issues_frame()) and an audit sample of {len(_list(sample.get('rows')))} rows "
                "(flagged and unflagged, per class) for reviewers: "
                "audit_sample.to_csv(path), then review_labels(report, path) estimates the "
                "true noise rate from their verdicts.",
            )
        )
    section.extend(_notes(r.get("notes"), "Notes"))
    return section


def _confusion_matrix(r: Mapping[str, Any]) -> Section:
    cells = _dicts(r.get("confusion"))
    section = Section()
    if not cells:
        return section
    flagged: dict[tuple[str, str], float] = {}
    totals: dict[str, float] = {}
    for c in cells:
        g, s, k = str(c.get("given")), str(c.get("suggested")), _num(c.get("flagged"))
        if k != k:
            continue
        flagged[(g, s)] = flagged.get((g, s), 0.0) + k
        totals[g] = totals.get(g, 0.0) + k
        totals[s] = totals.get(s, 0.0) + k
    order = [str(c) for c in _list(r.get("classes"))] or list(totals)
    classes = sorted((c for c in order if totals.get(c, 0) > 0), key=lambda c: -totals[c])
    classes = [c for c in order if c in set(classes[:MAX_MATRIX_CLASSES])]
    if not classes:
        return section
    peak = max((v for (g, s), v in flagged.items() if g != s), default=0.0) or 1.0
    head = "".join(h.tag("th", h.name(c, limit=20), style="text-align:right;") for c in classes)
    body = []
    for g in classes:
        tds = []
        for s in classes:
            v = flagged.get((g, s), 0.0)
            if g == s:
                style = "text-align:right;color:#888;"
            else:
                alpha = 0.1 + 0.6 * v / peak if v else 0.0
                style = f"text-align:right;background:rgba(232,116,59,{alpha:.2f});"
            tds.append(f'<td style="{style}">{h.number(int(v)) if v else "·"}</td>')
        body.append(
            f'<tr><th style="text-align:left;">{h.name(g, limit=30)}</th>{"".join(tds)}</tr>'
        )
    matrix = h.Html(
        '<table class="mlaudit-table"><thead><tr><th style="text-align:left;">'
        "given ↓ · suggested →</th>"
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    return section.html(
        h.tag("h4", "Flagged rows: given label → suggested label"),
        h.tag(
            "p",
            "Each cell counts the rows flagged with that given label whose "
            "out-of-sample prediction favours the suggested one; the darker, the more.",
        ),
        matrix,
    )
