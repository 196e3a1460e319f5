"""The report section of a skew check (served vs training distributions): kind ``skew``.

The distribution table, the join on ids and the joined examples that differ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections._common import (
    Section,
    _code_list,
    _dict,
    _dicts,
    _list,
    _notes,
    _num,
    _opt,
    _result,
    _short_list,
    _title,
)
from pytest_mlaudit.report.sections.parity import failing_features

__all__ = ["advice", "render"]


def advice(entry: Mapping[str, Any]) -> str:
    """Fix the feature code or the logs, or retrain: which features are skewed."""
    feats = failing_features(_result(entry))
    where = f" ({_short_list(feats)})" if feats else ""
    return (
        f"Fix the feature code or the serving logs: serving features differ from training"
        f"{where}; if the code is right and the world changed, retrain on recent data."
    )


def render(entry: dict[str, Any]) -> Section:
    """Distributions, the join on ids and the joined examples that differ."""
    r = _result(entry)
    skewed = failing_features(r)
    checked = _list(r.get("checked_features"))
    section = Section().html(_title(entry, "training/serving skew"))
    section.html(
        h.tag(
            "p",
            f"{len(skewed)} of {h.plural(len(checked), 'feature')} skewed between the "
            f"training features ({h.plural(r.get('n_training'), 'row')}) and the logged "
            f"serving features ({h.plural(r.get('n_serving'), 'row')}). Distributions fail above "
            f"L-infinity {h.number(r.get('linf_threshold'))} (categorical) or Jensen-Shannon "
            f"{h.number(r.get('js_threshold'))} (numeric).",
        )
    )
    dist = _dicts(r.get("distribution"))
    if dist:

        def ratio(d: Mapping[str, Any]) -> float:
            t = _num(d.get("threshold"))
            return _num(d.get("statistic")) / t if t > 0 else _num(d.get("statistic"))

        ordered = sorted(dist, key=lambda d: (not d.get("skewed"), -ratio(d)))
        section.html(
            h.tag("h4", "Distributions, most skewed first"),
            h.table(
                [
                    "feature",
                    "type",
                    "method",
                    "statistic",
                    "threshold",
                    "missing (training)",
                    "missing (serving)",
                    "verdict",
                ],
                [
                    [
                        h.name(d.get("feature")),
                        d.get("kind", "?"),
                        d.get("method", "?"),
                        _opt(d.get("statistic")),
                        _opt(d.get("threshold")),
                        h.pct(d.get("missing_training")),
                        h.pct(d.get("missing_serving")),
                        h.badge("SKEW", "fail") if d.get("skewed") else "ok",
                    ]
                    for d in ordered
                ],
                numeric=range(3, 7),
                row_levels=["fail" if d.get("skewed") else None for d in ordered],
            ),
        )
    join = _dict(r.get("join"))
    joined = _dicts(r.get("joined"))
    if join:
        section.html(
            h.tag("h4", "Examples joined on their id"),
            h.tag(
                "p",
                "Joined on ",
                h.join([h.tag("code", h.name(c)) for c in _list(join.get("id_columns"))], ", "),
                f": {h.plural(join.get('n_joined'), 'example')} in both; "
                f"{h.number(join.get('training_ids_only'))} training-only and "
                f"{h.plural(join.get('serving_ids_only'), 'serving-only id')}.",
            ),
        )
    if joined:

        def joined_skewed(j: Mapping[str, Any]) -> bool:
            if isinstance(j.get("skewed"), bool):
                return bool(j["skewed"])
            rate = _num(j.get("diff_rate"))
            return math.isnan(rate) or rate > _num(j.get("threshold", 0.0))

        ordered_j = sorted(joined, key=lambda j: (not joined_skewed(j), -_num(j.get("diff_count"))))
        section.html(
            h.table(
                [
                    "feature",
                    "joined",
                    "match",
                    "mismatch",
                    "training only",
                    "serving only",
                    "diff rate",
                    "max |diff|",
                ],
                [
                    [
                        h.name(j.get("feature")),
                        j.get("n_joined"),
                        j.get("match_count"),
                        j.get("mismatch_count"),
                        j.get("training_only"),
                        j.get("serving_only"),
                        h.pct(_opt(j.get("diff_rate"))),
                        _opt(j.get("max_abs_diff")),
                    ]
                    for j in ordered_j
                ],
                numeric=range(1, 8),
                row_levels=["fail" if joined_skewed(j) else None for j in ordered_j],
            )
        )
    examples = _dicts(r.get("examples"))
    if examples:
        section.html(
            h.tag("h4", "Joined examples that differ"),
            h.table(
                ["feature", "id", "training value", "serving value"],
                [
                    [
                        h.name(x.get("feature")),
                        h.tag("code", h.name(x.get("id"))),
                        h.tag("code", h.name(x.get("training"))),
                        h.tag("code", h.name(x.get("serving"))),
                    ]
                    for x in examples
                ],
            ),
        )
    section.extend(_code_list("Not checked (serving only): ", r.get("unchecked_features")))
    inferred = [f"{k}: {v}" for k, v in _dict(r.get("inferred")).items()]
    section.extend(_notes([*inferred, *_list(r.get("notes"))], "Inferred"))
    return section
