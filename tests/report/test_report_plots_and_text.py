"""How the report reads: histogram ranges, category labels, node ids, plurals, outcomes."""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fixture_records import Rendered, other_entry

from pytest_mlaudit.checks.drift import check_drift
from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report import _plots, sections

# --------------------------------------------------------------------------- helpers


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The figures the plot functions save, fitted as for the PNG (nothing is encoded)."""
    captured: list[Any] = []

    def keep(fig: Any) -> bytes:
        _plots.fit(fig)
        captured.append(fig)
        return b"\x89PNG\r\n\x1a\n"

    monkeypatch.setattr(_plots, "_png", keep)
    return captured


def tick_texts(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]


# --------------------------------------------------------------------------- numeric range


def test_a_long_tail_is_drawn_compressed_and_labelled_with_its_true_end() -> None:
    edges = [-3.9, -1.6, -0.8, 0.0, 0.8, 1.6, 13.15]  # current data far right
    axis = _plots.numeric_axis(edges)
    assert axis.compressed == (False, True)
    assert axis.edges[:-1] == tuple(edges[:-1])  # inner bins to scale
    span = edges[-2] - edges[1]
    assert axis.edges[-1] == pytest.approx(edges[-2] + _plots.TAIL_SHARE * span)
    assert axis.xlim == (axis.edges[0], axis.edges[-1])
    assert axis.ticks[-1] == axis.edges[-1] and axis.tick_labels[-1] == "13.15"
    assert "right tail not to scale" in axis.xlabel


def test_short_tails_are_to_scale() -> None:
    edges = [-2.5, -1.6, 0.0, 1.6, 2.4]
    axis = _plots.numeric_axis(edges)
    assert axis.compressed == (False, False)
    assert axis.xlim == (-2.5, 2.4) and axis.xlabel == "value"


def test_current_data_outside_the_reference_range_stays_in_view(figures: list[Any]) -> None:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 2000)})
    cur = pd.DataFrame({"x": rng.normal(10, 1, 2000)})  # KS effect 1: no overlap at all
    hist = check_drift(ref, cur).to_dict()["histograms"]["x"]
    edges, current = hist["edges"], hist["current"]
    assert edges[-1] == pytest.approx(cur["x"].max())
    _plots.drift_histograms([("x", hist)])
    (fig,) = figures
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    drawn = _plots.numeric_axis(edges).edges
    # every bin holding current rows lies inside the plotted range
    for (a, b), count in zip(itertools.pairwise(drawn), current, strict=True):
        if count:
            assert lo <= a and b <= hi
    assert ax.get_xticklabels()[-1].get_text() == _plots._tick(edges[-1])
    # and the current side's bar is visible: its density is not dwarfed by the reference's
    heights = [p.get_data().values for p in ax.patches if hasattr(p, "get_data")]
    cur_heights = heights[-1]
    assert max(cur_heights) >= 0.5 * max(heights[0])


def test_ticks_are_short_numbers() -> None:
    assert [_plots._tick(x) for x in (0.25, 750.0, 20000.0, 231655.1, 1.5e6, 3e9)] == [
        "0.25",
        "750",
        "20k",
        "231.7k",
        "1.5M",
        "3e+09",
    ]


# --------------------------------------------------------------------------- category labels

LONG = ["married", "divorced or separated", "self-employed contractor", "doctor", "widowed"]


def test_category_names_are_never_cut_at_the_start(figures: list[Any]) -> None:
    hist = {
        "kind": "categorical",
        "labels": LONG,
        "reference": [30, 20, 20, 15, 15],
        "current": [25, 25, 20, 15, 15],
    }
    _plots.drift_histograms([("a", hist), ("b", hist), ("c", {**hist, "labels": LONG[:3]})])
    (fig,) = figures
    assert _plots.overflowing(fig) == []
    for ax, names in zip(fig.axes, [LONG, LONG, LONG[:3]], strict=False):
        for shown, name in zip(tick_texts(ax), names, strict=True):
            flat = shown.replace("\n", " ").replace("- ", "-")
            assert flat == name or (flat.endswith("…") and name.startswith(flat[:-1])), shown


def test_horizontal_category_labels_do_not_overlap(figures: list[Any]) -> None:
    hist = {"kind": "categorical", "labels": ["rent", "mortgage payer", "own"]}
    _plots.drift_histograms([("c", {**hist, "reference": [5, 4, 1], "current": [5, 4, 1]})])
    (fig,) = figures
    ax = fig.axes[0]
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert all(t.get_rotation() == 0 for t in labels)
    renderer = _plots._renderer(fig)
    boxes = [t.get_window_extent(renderer) for t in labels]
    for a, b in itertools.pairwise(boxes):
        assert a.x1 <= b.x0


def test_class_names_fit_the_bar_chart(figures: list[Any]) -> None:
    classes = ["approved", "declined by the underwriter", "manual review needed", "x"] * 3
    _plots.class_rates(classes, [0.1] * 12, [None] * 12, overall_limit=0.15)
    (fig,) = figures
    assert _plots.overflowing(fig) == []
    shown = tick_texts(fig.axes[0])
    assert shown[1] == "declined by the und…" and shown[2] == "manual review needed"


def test_category_ticks_choose_a_layout() -> None:
    assert _plots.category_ticks(["rent", "own"], 3.4) == (["rent", "own"], 0.0, "center")
    labels, rotation, _ = _plots.category_ticks(["self-employed"] * 3, 3.4)
    assert rotation == 0.0 and labels[0] == "self-employed"
    labels, rotation, ha = _plots.category_ticks([f"category number {i}" for i in range(30)], 3.4)
    assert rotation == 90.0 and ha == "right" and labels[0] == "category number 0"


# --------------------------------------------------------------------------- node ids


def test_node_ids_break_only_at_separators() -> None:
    out = h.nodeid("tests/a-b/test_x.py::test_y[case-1]")
    assert out == "tests/<wbr>a-<wbr>b/<wbr>test_<wbr>x.py::<wbr>test_<wbr>y[<wbr>case-<wbr>1]"
    cut = h.nodeid("tests/test_" + "x" * 50, limit=20)
    assert cut.startswith('<span title="tests/test_') and "/<wbr>test_<wbr>x" in cut
    assert cut.endswith("…</span>")


def test_the_test_column_never_breaks_inside_a_word() -> None:
    record = {"schema_version": "1.1", "checks": [other_entry()]}
    markup = sections.summary(record).to_html()
    cells = re.findall(r'<td style="([^"]*)"><code>tests/', markup)
    assert cells and all(
        "overflow-wrap:normal;word-break:normal;" in style and "anywhere" not in style
        for style in cells
    )


# --------------------------------------------------------------------------- plurals


@pytest.mark.parametrize(("n", "text"), [(0, "0 checks"), (1, "1 check"), (2, "2 checks")])
def test_counts_are_singular_or_plural(n: int, text: str) -> None:
    assert h.plural(n, "check") == text
    record = {"schema_version": "1.1", "checks": [other_entry()] * n}
    assert f">{text}<" in sections.header(record).to_html()


def test_no_plural_of_one_anywhere_in_the_report(full_report: Rendered) -> None:
    text = re.sub(r"<[^>]+>", "", full_report.html)
    assert not re.search(r"\b1 (checks|columns|features|rows|users|examples|replicas)\b", text)


# --------------------------------------------------------------------------- outcomes


def outcome_record() -> dict[str, Any]:
    xfailed = {**other_entry(), "outcome": "xfailed", "name": "tests/test_f.py::test_x"}
    xfailed["nodeid"] = "tests/test_f.py::test_x"
    passing = {**other_entry(), "passed": True, "outcome": "passed", "nodeid": "t.py::test_ok"}
    return {
        "schema_version": "1.1",
        "summary": {"checks": 2, "passed": 1, "failed": 0, "xfailed": 1, "tests": 3, "errors": 1},
        "checks": [xfailed, passing],
        "tests": [
            {
                "nodeid": "tests/test_f.py::test_x",
                "outcome": "xfailed",
                "message": "shows what a failing <audit> looks like",
                "checks": 1,
            },
            {"nodeid": "t.py::test_ok", "outcome": "passed", "checks": 1},
            {
                "nodeid": "tests/test_drift.py::test_broken_input",
                "markers": ["drift"],
                "outcome": "error",
                "when": "call",
                "exception": "MlauditInputError",
                "message": "column 'x' is missing <here>",
                "checks": 0,
            },
        ],
    }


def test_expected_failures_and_errors_are_not_shown_as_green_or_plain_fail() -> None:
    record = outcome_record()
    header = re.sub(r"<[^>]+>", " ", sections.header(record).to_html())
    for badge in ("2 checks", "1 passed", "0 failed", "1 xfailed (expected)", "1 test errored"):
        assert badge in header
    summary = sections.summary(record).to_html()
    assert "XFAIL" in summary and "Marked tests that recorded no check" in summary
    assert "MlauditInputError: column &#x27;x&#x27; is missing &lt;here&gt;" in summary
    actions = sections.actions(record).to_html()
    assert "Fix the test or its inputs: it raised MlauditInputError" in actions
    assert "Investigate" not in actions  # the xfailed check needs nothing
    assert "1 check failed as expected (xfail" in actions and "<li><code>tests/" in actions
    assert "Every check passed" not in actions  # a test errored
    assert ": shows what a failing &lt;audit&gt; looks like</li>" in actions  # the xfail reason


def test_a_test_that_errored_after_a_passing_check_needs_action() -> None:
    entry = {**other_entry(), "passed": True, "outcome": "error", "nodeid": "t.py::test_late"}
    record = {
        "schema_version": "1.1",
        "checks": [entry],
        "tests": [
            {
                "nodeid": "t.py::test_late",
                "outcome": "error",
                "when": "teardown",
                "exception": "RuntimeError",
                "message": "the server did not stop",
                "checks": 1,
            }
        ],
    }
    assert "ERROR" in sections.summary(record).to_html()
    actions = sections.actions(record).to_html()
    assert "Every check passed" not in actions
    assert "it raised RuntimeError: the server did not stop (in teardown); its checks" in actions


def test_only_expected_failures_need_no_action() -> None:
    record = outcome_record()
    record["tests"] = record["tests"][:2]
    actions = sections.actions(record).to_html()
    assert "No check needs action; nothing to do." in actions
    assert "1 check failed as expected" in actions


def test_a_part_shows_the_outcome_badge() -> None:
    record = outcome_record()
    other = sections.other(record)
    assert other is not None and "XFAIL</span> fairness" in other.to_html()


# --------------------------------------------------------------------------- footer


def test_the_rendered_footer_renders_this_record_again(full_report: Rendered) -> None:
    text = re.sub(r"<[^>]+>", "", full_report.html).replace("&#x27;", "'")
    import html

    text = html.unescape(text)
    record = shlex.quote(str(full_report.record))
    out = shlex.quote(str(Path(full_report.out).resolve()) + "/")
    assert f"Render it again with mlaudit report {record} -o {out}" in text


# --------------------------------------------------------------------------- title


@pytest.mark.parametrize(
    ("nodeids", "title"),
    [
        (["tests/test_a.py::t", "tests/sub/test_b.py::t"], "Audit report: credit-risk"),
        (
            ["examples/credit_risk/tests/test_a.py::t", "examples/credit_risk/tests/x/b.py::t"],
            "Audit report: credit-risk · examples/credit_risk",
        ),
        (["a/test_a.py::t", "b/test_b.py::t"], "Audit report: credit-risk"),
        (["test_a.py::t"], "Audit report: credit-risk"),
    ],
)
def test_the_title_names_the_project_and_where_its_tests_are(
    nodeids: list[str], title: str
) -> None:
    record = {
        "schema_version": "1.1",
        "run": {"rootdir": "/repo/credit-risk"},
        "checks": [{**other_entry(), "nodeid": n} for n in nodeids],
    }
    assert f"<h1>{title}</h1>" in sections.header(record).to_html()


# --------------------------------------------------------------------------- what the checks chose


def test_drift_says_which_columns_were_left_out_and_what_it_inferred() -> None:
    from fixture_records import drift_frames

    from pytest_mlaudit.record import CheckEntry
    from pytest_mlaudit.report.sections.drift import render

    ref, cur = drift_frames(4)
    ref["as_text"] = ref["num_0"].astype(object)
    cur["as_text"] = cur["num_0"].astype(object)
    report = check_drift(ref, cur, columns=["num_0", "num_1", "as_text"])
    entry = CheckEntry.from_report("drift", report, nodeid="t.py::test_d").to_dict()
    text = re.sub(r"<[^>]+>", "", render(entry).to_html())
    assert report.excluded_columns == ("num_2", "num_3")
    assert "Left out on purpose (not in columns=): num_2, num_3" in text
    assert "Not checked (only in the current data)" not in text
    assert report.notes and "Notes" in text
    for note in report.notes:
        assert h.text(note) in render(entry).to_html()


def test_parity_reports_the_share_of_generated_records_compared() -> None:
    from fixture_records import skew_entries

    from pytest_mlaudit.report.sections.parity import render

    entry = skew_entries()[0].to_dict()
    entry["result"].update(n_generated=200, n_generated_compared=72)
    entry["result"]["generated_fields"] = {"applied_at": "string <free text>"}
    text = re.sub(r"<[^>]+>", "", render(entry).to_html())
    assert "low coverage 72 of 200 generated records (36%) were compared" in text
    assert "What the generator drew per field" in text and "string &lt;free text&gt;" in text
    entry["result"].update(n_generated_compared=180)
    text = re.sub(r"<[^>]+>", "", render(entry).to_html())
    assert "180 of 200 generated records (90%) were compared." in text
    assert "low coverage" not in text
