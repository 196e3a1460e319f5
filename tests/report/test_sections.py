"""The report's sections, tables and plots, without a kernel."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from fixture_records import HOSTILE, other_entry

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report import _plots, sections
from pytest_mlaudit.report.sections._common import _entries
from pytest_mlaudit.report.sections.drift import sort_key
from pytest_mlaudit.result import BadWhen, Measure

SECTIONS = [
    sections.header,
    sections.actions,
    sections.summary,
    sections.drift,
    sections.skew,
    sections.gate,
    sections.labels,
    sections.load,
    sections.other,
    sections.failure_modes,
    sections.footer,
]


def minimal_record(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": "1.0", "checks": list(entries)}


@pytest.fixture(scope="module")
def full(records: dict[str, Path]) -> dict[str, Any]:
    return sections.read(records["full"])


@pytest.fixture(scope="module")
def hostile(records: dict[str, Path]) -> dict[str, Any]:
    return sections.read(records["hostile"])


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("value", HOSTILE)
def test_text_and_names_are_escaped(value: str) -> None:
    for fragment in (
        h.text(value),
        h.name(value),
        h.tag("td", value),
        h.table(["a"], [[value]]),
        h.badge(value, "fail"),
    ):
        assert "<script" not in fragment
        assert "<b>" not in fragment
    assert '"' not in h.text(value) and "'" not in h.text(value)
    assert "\n" not in h.name(value)  # a name stays on one line: "\n" is shown as \n


def test_name_is_cut_with_the_full_value_in_its_title() -> None:
    long = "<x>" * 50
    out = h.name(long, limit=20)
    assert out.startswith('<span title="&lt;x&gt;') and out.endswith("…</span>")
    assert "<x>" not in out


def test_attributes_are_escaped() -> None:
    out = h.tag("span", "x", title='" onmouseover="alert(1)')
    assert out == '<span title="&quot; onmouseover=&quot;alert(1)">x</span>'


def test_numbers_are_formatted_like_the_terminal_summary() -> None:
    assert h.number(0.000123) == "0.000123"
    assert h.number(1234567.0) == "1.23e+06"
    assert h.number("nan") == "nan" and h.number(None) == h.DASH
    assert h.pct(0.0312) == "3.12%" and h.pct(math.nan) == "nan" and h.pct(None) == h.DASH


@pytest.mark.parametrize("section", SECTIONS, ids=lambda f: f.__name__)
def test_hostile_record_renders_escaped_in_every_section(
    hostile: dict[str, Any], section: Any
) -> None:
    out = section(hostile)
    if out is None:
        return
    markup = out.to_html()
    assert "<script" not in markup.lower()
    assert "<b>bold</b>" not in markup
    assert "could not be shown" not in markup


# --------------------------------------------------------------------------- content


def test_sections_of_the_full_record(full: dict[str, Any]) -> None:
    for section in SECTIONS:
        out = section(full)
        assert out, section.__name__
        assert "could not be shown" not in out.to_html()


def test_drift_table_is_sorted_by_effect(full: dict[str, Any]) -> None:
    (entry, _) = _entries(full, ["drift"])
    rows = entry["result"]["columns"]
    ordered = sorted(rows, key=sort_key)
    drifted = [r["drifted"] for r in ordered]
    assert drifted == sorted(drifted, reverse=True)
    ratios = [r["effect"] / r["threshold"] for r in ordered if r["drifted"]]
    assert ratios == sorted(ratios, reverse=True)


def test_a_record_with_only_an_unknown_kind() -> None:
    record = minimal_record(other_entry())
    assert sections.drift(record) is None and sections.load(record) is None
    summary = sections.summary(record).to_html()
    assert "fairness" in summary and "auc_drop=0.04 &gt; 0.02" in summary
    other = sections.other(record)
    assert other is not None and "auc_new" in other.to_html()
    assert "Investigate this check" in sections.actions(record).to_html()


def test_malformed_entries_do_not_stop_the_report() -> None:
    broken = [
        {
            "kind": "drift",
            "passed": False,
            "result": {"columns": "not a list", "histograms": {"x": 3}},
        },
        {"kind": "labels", "result": None},
        {"kind": "load", "result": {"series": [{"t_s": "x"}], "latency": [], "slo": 3}},
        {"kind": "capacity", "result": {"steps": [{"users": None}], "slo": {"p95_ms": "?"}}},
        {"check": "parity"},
        "not an entry",
        {},
    ]
    record = minimal_record(*broken)
    for section in SECTIONS:
        out = section(record)
        assert out is None or isinstance(out.to_html(), str)


def test_an_empty_record_says_so() -> None:
    record = minimal_record()
    assert "no checks" in sections.summary(record).to_html()
    assert "Every check passed" in sections.actions(record).to_html()
    assert sections.drift(record) is None


@pytest.mark.parametrize(
    ("stat", "thr", "bad"),
    [
        (0.31, 0.2, "above"),
        (0.1, 0.2, "above"),
        (0.01, 0.05, "below"),
        (0.5, 0.05, "below"),
        (math.nan, 0.05, "below"),
        (0.2, 0.2, "above"),
    ],
)
def test_describe_matches_measure_describe(stat: float, thr: float, bad: str) -> None:
    measure = Measure("m", stat, thr, BadWhen(bad))
    headline = {
        "name": "m",
        "statistic": "nan" if math.isnan(stat) else stat,
        "threshold": thr,
        "bad_when": bad,
    }
    assert sections.describe(headline) == measure.describe()


# --------------------------------------------------------------------------- reading


def test_read_refuses_what_is_not_a_record(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(MlauditInputError, match=r"bad\.json.*not valid JSON"):
        sections.read(bad)
    bad.write_text(json.dumps({"schema_version": "2.0", "checks": []}), encoding="utf-8")
    with pytest.raises(MlauditInputError, match=r"schema 1\.x"):
        sections.read(bad)
    with pytest.raises(MlauditInputError, match="no audit record"):
        sections.read(tmp_path / "missing.json")
    with pytest.raises(MlauditInputError, match="record_path is empty"):
        sections.read("")


# --------------------------------------------------------------------------- plots


def _is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


def test_plots_survive_odd_data() -> None:
    weird = {"kind": "numeric", "edges": [0, 0, 0], "reference": [1, 2], "current": [0, 0]}
    nan_edges = {"kind": "numeric", "edges": ["nan", 1, 2], "reference": [1, 2], "current": [2, 1]}
    cats = {
        "kind": "categorical",
        "labels": [HOSTILE[5], HOSTILE[4]],
        "reference": [3, 0],
        "current": [0, 0],
        "unseen_current": 4,
        "missing_reference": 1,
    }
    empty: dict[str, Any] = {}
    pngs = _plots.drift_histograms([("$x$", weird), ("y", nan_edges), ("c", cats), ("e", empty)])
    assert len(pngs) == 2 and all(_is_png(p) for p in pngs)
    assert _is_png(_plots.class_rates([HOSTILE[1]], [0.5], [None], overall_limit=None))
    assert _is_png(_plots.load_timeline([{"t_s": 0, "width_s": 0, "p50_ms": None}]))
    assert _is_png(
        _plots.capacity_curve(
            [{"users": 1, "duration_s": 0}], knee_users=None, p95_limit=None, held=[False]
        )
    )


def test_plot_labels_are_one_short_line() -> None:
    assert _plots.label("a\nb") == "a\\nb"
    assert len(_plots.label("x" * 100, 20)) == 20


def test_a_kept_ks_bound_is_shown_as_a_bound() -> None:
    import numpy as np
    import pandas as pd

    from pytest_mlaudit import check_drift
    from pytest_mlaudit.record import CheckEntry

    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(size=20_000), "y": rng.normal(size=20_000)})
    cur = pd.DataFrame({"x": rng.normal(0.15, size=20_000), "y": rng.normal(size=20_000)})
    report = check_drift(ref, cur)
    methods = {c.column: c.details.get("ks_method") for c in report.columns}
    assert methods == {"x": "bound", "y": "asymp"}, methods  # scipy's sum is slow only for x
    entry = CheckEntry.from_report("drift", report, nodeid="t.py::t").to_dict()
    out = sections.drift(minimal_record(entry))
    assert out is not None
    rows = out.to_html().split("<tr")
    (x_row,) = [r for r in rows if ">x<" in r]
    (y_row,) = [r for r in rows if ">y<" in r]
    assert "&le;&#8239;" in x_row and "&le;" not in y_row
