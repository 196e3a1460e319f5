"""The report section of a parity check (online vs offline feature code): kind ``parity``.

The per-feature mismatch table and the minimal counterexamples (raw fields, both values,
why, and the record as a Python literal to paste into a unit test).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report._html import Html
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

__all__ = ["advice", "failing_features", "render"]

#: Counterexamples shown per parity check.
MAX_COUNTEREXAMPLES: Final = 10


#: the per-feature mismatch counts of a parity table (store parity's too), after the name
COUNT_HEADERS: Final = ("checked", "mismatched", "rate", "value", "type", "missing")
#: the two sides' value types, at the end of those tables
TYPE_HEADERS: Final = ("offline type", "online type")


def count_cells(f: Mapping[str, Any]) -> list[Any]:
    """One feature row's cells under :data:`COUNT_HEADERS`."""
    return [
        f.get("checked"),
        f.get("mismatched"),
        h.pct(_opt(f.get("mismatch_rate"))),
        f.get("value_mismatches"),
        f.get("type_mismatches"),
        f.get("missing_mismatches"),
    ]


def type_cells(f: Mapping[str, Any]) -> list[Any]:
    """One feature row's cells under :data:`TYPE_HEADERS`."""
    return [h.name(f.get("offline_type", "?")), h.name(f.get("online_type", "?"))]


def failing_features(r: Mapping[str, Any]) -> list[str]:
    """The mismatched (parity) or skewed (skew) features of a result, in order."""
    feats = [
        str(f) for key in ("mismatched_features", "skewed_features") for f in _list(r.get(key))
    ]
    if not feats:  # an older/newer record without the computed lists
        for f in _list(r.get("features")):
            if isinstance(f, dict) and _num(f.get("mismatched")) > 0:
                feats.append(str(f.get("feature", "?")))
    return list(dict.fromkeys(feats))


_CX_KIND: Final = {
    "offline_raised": "the offline pipeline raised, the online one did not",
    "online_raised": "the online pipeline raised, the offline one did not",
    "offline_dropped": "the offline pipeline returned no row",
    "online_dropped": "the online pipeline returned no row",
    "moved": "the offline pipeline returned this row out of order",
}


def _counterexample(i: int, cx: Mapping[str, Any]) -> Html:
    feature = cx.get("feature")
    kind = str(cx.get("kind", "?"))
    what: Any = (
        h.join(["feature ", h.tag("code", h.name(feature)), f": {kind} mismatch"])
        if feature is not None
        else _CX_KIND.get(kind, kind)
    )
    if cx.get("origin") == "generated":
        src = "minimal generated record" if cx.get("shrunk") else "generated record (not shrunk)"
        src += f" (hypothesis, seed={cx.get('seed')})"
    else:
        simplified = ", simplified (fields set to typical values while it still fails)"
        src = f"real row {cx.get('row')}" + (simplified if cx.get("shrunk") else "")
    fields = _dict(cx.get("record"))
    rows: list[list[Any]] = [
        [h.name(k), h.tag("code", h.name(v, limit=120))] for k, v in fields.items()
    ]
    values: list[list[Any]] = [
        ["offline", h.tag("code", h.name(cx.get("offline", "?"), limit=200))],
        ["online", h.tag("code", h.name(cx.get("online", "?"), limit=200))],
    ]
    if cx.get("abs_diff") is not None:
        diff = h.number(cx.get("abs_diff"))
        if cx.get("rel_diff") is not None:
            diff = h.Html(f"{diff} (relative {h.number(cx.get('rel_diff'))})")
        values.append(["|difference|", diff])
    if cx.get("detail"):
        values.append(["why", h.text(str(cx.get("detail")))])
    parts: list[Any] = [
        h.tag("p", h.tag("strong", f"Counterexample {i}"), f" {h.DASH} ", what, f"; {src}."),
        h.tag(
            "div",
            h.table(["raw field", "value"], rows),
            h.table(["pipeline", "feature value"], values),
            style="display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap;",
        ),
    ]
    if cx.get("record_literal"):
        parts.append(
            h.tag(
                "details",
                h.tag("summary", "the record as a Python literal"),
                h.tag("pre", str(cx.get("record_literal"))),
            )
        )
    if cx.get("traceback"):
        parts.append(
            h.tag("details", h.tag("summary", "traceback"), h.tag("pre", str(cx.get("traceback"))))
        )
    return h.join(parts)


def advice(entry: Mapping[str, Any]) -> str:
    """Fix the feature code: where online and offline disagree."""
    feats = failing_features(_result(entry))
    where = f" on {_short_list(feats)}" if feats else ""
    return (
        f"Fix the feature code: the online and offline features disagree{where}; make "
        "serving reuse the training transformation, and turn the counterexamples below "
        "into unit tests."
    )


def _coverage(r: Mapping[str, Any]) -> Section:
    """How many generated records were compared (not rejected by both pipelines)."""
    from pytest_mlaudit.checks.parity.report import MIN_COMPARED_RATE

    generated, compared = _num(r.get("n_generated")), _opt(r.get("n_generated_compared"))
    section = Section()
    if compared is None or not generated > 0:
        return section
    rate = compared / generated
    low = rate < MIN_COMPARED_RATE
    section.html(
        h.tag(
            "p",
            h.badge("low coverage", "warn") if low else "",
            " " if low else "",
            f"{h.number(int(compared))} of {h.plural(int(generated), 'generated record')} "
            f"({h.pct(rate, 0)}) were compared"
            + (
                f"; both pipelines rejected the rest, so the generated inputs test little "
                f"(below {h.pct(MIN_COMPARED_RATE, 0)}): correct the fields the generator "
                "got wrong (below) with rows_like(sample, overrides=...)."
                if low
                else "."
            ),
        )
    )
    fields = _dict(r.get("generated_fields"))
    if fields and low:
        section.html(
            h.tag("h4", "What the generator drew per field"),
            h.table(
                ["field", "drawn"],
                [[h.name(k), h.text(h.visible(str(v)))] for k, v in fields.items()],
            ),
        )
    return section


def render(entry: dict[str, Any]) -> Section:
    """Per-feature mismatches and the minimal counterexamples."""
    r = _result(entry)
    features = _dicts(r.get("features"))
    mismatched = failing_features(r)
    n_examples, both = _num(r.get("n_examples")), _num(r.get("n_both_rejected"))
    compared = n_examples - (both if both == both else 0)
    sources = []
    if r.get("n_rows"):
        sources.append(f"{h.plural(r.get('n_rows'), 'real row')}")
    if r.get("n_generated"):
        sources.append(
            f"{h.plural(r.get('n_generated'), 'generated record')} (seed {r.get('seed')})"
        )
    section = Section().html(_title(entry, "online/offline parity"))
    section.html(
        h.tag(
            "p",
            f"{len(mismatched)} of {h.plural(len(features), 'feature')} differ between the offline "
            f"(training) and online (serving) code; {h.number(r.get('n_mismatched'))} of "
            f"{h.plural(compared, 'compared example')} mismatched "
            f"({describe(entry.get('headline'))}). Checked {' and '.join(sources) or 'nothing'}; "
            f"rtol={h.number(r.get('rtol'))}, atol={h.number(r.get('atol'))}, "
            f"online_mode={r.get('online_mode', '?')}.",
        )
    )
    counts = [
        (r.get("n_offline_raised"), "example", "only the offline pipeline raised on"),
        (r.get("n_online_raised"), "example", "only the online pipeline raised on"),
        (r.get("n_dropped"), "example", "one pipeline returned no row for"),
        (r.get("n_moved"), "row", "returned out of input order"),
        (r.get("n_both_rejected"), "example", "both pipelines rejected (not compared)"),
    ]
    items = [h.tag("li", f"{h.plural(n, what)} {text}") for n, what, text in counts if n]
    if items:
        section.html(h.tag("ul", *items))
    section.extend(_coverage(r))
    if features:
        ordered = sorted(
            features, key=lambda f: (not _num(f.get("mismatched")) > 0, -_num(f.get("mismatched")))
        )
        section.html(
            h.tag("h4", "Features, most mismatched first"),
            h.table(
                ["feature", *COUNT_HEADERS, "max |diff|", "max rel. diff", *TYPE_HEADERS],
                [
                    [
                        h.name(f.get("feature")),
                        *count_cells(f),
                        _opt(f.get("max_abs_diff")),
                        _opt(f.get("max_rel_diff")),
                        *type_cells(f),
                    ]
                    for f in ordered
                ],
                numeric=range(1, 9),
                row_levels=["fail" if _num(f.get("mismatched")) > 0 else None for f in ordered],
            ),
        )
    examples = _dicts(r.get("counterexamples"))
    if examples:
        section.html(
            h.tag("h4", "Minimal counterexamples"),
            h.tag(
                "p",
                "Raw inputs on which the two code paths disagree, shrunk to "
                "the fewest unusual fields; paste the literal into a unit test.",
            ),
        )
        for i, x in enumerate(examples[:MAX_COUNTEREXAMPLES], 1):
            section.html(_counterexample(i, x))
    section.extend(_notes(r.get("notes")))
    return section
