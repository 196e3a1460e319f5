"""The gate's section: the decision, the per-metric table, McNemar, the artifact checks."""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path
from typing import Any

import pytest
from fixture_records import HOSTILE, gate_data, gate_entries

from pytest_mlaudit.checks.gate import check_gate
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.report import sections
from pytest_mlaudit.report._html import DASH
from pytest_mlaudit.report.sections.gate import decision as gate_decision
from pytest_mlaudit.report.sections.gate import render as render_gate
from pytest_mlaudit.result import fmt_number


def as_dict(entry: CheckEntry) -> dict[str, Any]:
    return entry.to_dict()


@pytest.fixture(scope="module")
def gates() -> list[dict[str, Any]]:
    return [as_dict(e) for e in gate_entries()]


def rows_of(markup: str) -> list[list[str]]:
    """Every table row's cells as the text a browser shows."""
    out = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", markup, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        out.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return out


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def signed(x: float) -> str:
    return f"+{fmt_number(x)}" if x > 0 else fmt_number(x)


def test_the_metric_table_shows_the_numbers_that_decide(gates: list[dict[str, Any]]) -> None:
    failing = gates[0]
    markup = render_gate(failing).to_html()
    rows = {r[0]: r for r in rows_of(markup) if r and r[0].endswith(("↑", "↓"))}
    assert set(rows) == {"accuracy ↑", "roc_auc ↑"}
    for m in failing["result"]["metrics"]:
        row = rows[f"{m['metric']} ↑"]
        assert row[1] == fmt_number(m["baseline"])
        assert row[2] == fmt_number(m["candidate"])
        assert row[3] == signed(m["difference"])
        # the deciding side for a higher-is-better metric: the upper end of the interval
        assert row[4] == f"{signed(m['ci_high'])} (upper, {100 * m['confidence']:.1f}% CI)"
        assert row[5] == fmt_number(m["min_delta"])
    assert rows["accuracy ↑"][6] == DASH and rows["accuracy ↑"][7] == "WORSE"
    assert rows["roc_auc ↑"][6] == ">= 0.9" and rows["roc_auc ↑"][7] == "WORSE FLOOR"
    assert "Decision: Keep the production model; the candidate is worse" in text_of(markup)


def test_mcnemar_and_the_artifact_checks(gates: list[dict[str, Any]]) -> None:
    failing = gates[0]
    mc = failing["result"]["metrics"][0]["mcnemar"]
    text = text_of(render_gate(failing).to_html())
    assert (
        f"the candidate alone is right on {mc['candidate_only']} rows, the baseline alone on "
        f"{mc['baseline_only']} rows; p={fmt_number(mc['pvalue'])} for equal accuracy"
    ) in text
    rows = {r[0]: r for r in rows_of(render_gate(failing).to_html())}
    assert rows["loads"][1] == "yes" and rows["predicts"][1] == "yes"
    assert rows["deterministic"][1] == "yes"
    assert rows["deterministic"][2] == "0 rows of 50 changed between two identical calls"
    assert rows["latency p95"][1] == "ok" and "(no limit set)" in rows["latency p95"][2]
    # the same model against itself: no discordant rows, the exact bound decides
    passing = gates[1]
    metric = passing["result"]["metrics"][0]
    assert metric["exact_bound"] is not None
    markup = render_gate(passing).to_html()
    assert "the exact bound on them decides the metric" in text_of(markup)
    row = next(r for r in rows_of(markup) if r[0] == "accuracy ↑")
    assert row[4] == f"{signed(metric['exact_bound'])} (exact, 0 discordant rows)"


def test_mcnemar_agrees_or_disagrees_with_the_bootstrap(gates: list[dict[str, Any]]) -> None:
    entry = copy.deepcopy(gates[0])
    m = entry["result"]["metrics"][0]
    m.update(min_delta=0.0, exact_bound=None)
    assert "agrees with the bootstrap's verdict (worse)" in text_of(render_gate(entry).to_html())
    m["mcnemar"]["pvalue_worse"] = 0.5
    assert "disagrees with the bootstrap's verdict (worse)" in text_of(render_gate(entry).to_html())


def test_advice_keeps_or_promotes(gates: list[dict[str, Any]]) -> None:
    failing, passing = gates
    acc = failing["result"]["metrics"][0]
    words = sections.advice(failing)
    assert words.startswith(
        f"Keep the production model; the candidate is worse on accuracy by "
        f"{fmt_number(abs(acc['difference']))} ({fmt_number(acc['candidate'])} vs "
        f"{fmt_number(acc['baseline'])}; by at least {fmt_number(abs(acc['ci_high']))} at the "
        "upper end of its 97.5% confidence interval, more than min_delta=0.01)"
    )
    assert "below its floor on roc_auc" in words
    assert sections.advice(passing) == (
        "Promote: the candidate is not significantly worse than the production model on accuracy."
    )
    floor_only = copy.deepcopy(passing["result"])
    floor_only["baseline"] = None
    for m in floor_only["metrics"]:
        m.update(baseline=None, floor=0.8)
    floor_only["artifact"] = {"passed": True, "problems": [], "loaded": True}
    assert gate_decision(floor_only) == (
        True,
        "Promote: the candidate meets its floor on accuracy, and has an artifact that loads, "
        "predicts and repeats itself within its limits.",
    )
    rec = {"schema_version": "1.1", "checks": [failing, passing]}
    actions = text_of(sections.actions(rec).to_html())
    assert "Keep the production model" in actions and "Promote" not in actions
    section = sections.gate(rec)
    assert section is not None
    shown = text_of(section.to_html())
    assert "Deployment gate" in shown and "Decision: Promote: the candidate is not" in shown


def test_a_loss_is_decided_by_the_lower_bound() -> None:
    X, y, baseline, candidate = gate_data(seed=1)
    report = check_gate(candidate, baseline, X, y, metrics=["log_loss"], n_boot=500, seed=0)
    entry = as_dict(CheckEntry.from_report("gate", report, nodeid="t.py::test_loss"))
    m = entry["result"]["metrics"][0]
    row = next(r for r in rows_of(render_gate(entry).to_html()) if r[0] == "log_loss ↓")
    assert row[4] == f"{signed(m['ci_low'])} (lower, {100 * m['confidence']:.1f}% CI)"
    assert sections.advice(entry).startswith(
        f"Keep the production model; the candidate is worse on log_loss by "
        f"{fmt_number(abs(m['difference']))}"
    )
    assert "at the lower end of its" in sections.advice(entry)


def test_a_broken_artifact_and_no_baseline(gates: list[dict[str, Any]]) -> None:
    entry = copy.deepcopy(gates[1])
    r = entry["result"]
    r["baseline"] = None
    for m in r["metrics"]:
        m.update(baseline=None, difference=None, ci_low=None, ci_high=None, mcnemar=None)
        m.update(floor=0.95, below_floor=True, significantly_worse=False, passed=False)
    r["artifact"] = {
        "path": "models/candidate.joblib",
        "loader": "joblib.load",
        "loaded": False,
        "load_seconds": 0.01,
        "error": "UnpicklingError: invalid load key '<'",
        "sample_rows": 0,
        "predicted": False,
        "deterministic": None,
        "mismatched_rows": 0,
        "latency_rows": 0,
        "latency_ms_p50": None,
        "latency_ms_p95": None,
        "batch_ms_per_row": None,
        "max_latency_ms": 5.0,
        "passed": False,
        "problems": ["does not load: UnpicklingError: invalid load key '<'"],
    }
    entry["passed"] = False
    words = sections.advice(entry)
    assert words.startswith("Do not promote the candidate; the candidate is below its floor")
    assert "its artifact does not load: UnpicklingError" in words
    markup = render_gate(entry).to_html()
    rows = {r[0]: r for r in rows_of(markup)}
    assert rows["loads"][1] == "NO" and rows["predicts"][1] == DASH
    assert "no baseline: only the floors apply" in text_of(markup)
    assert "difference = candidate - baseline" not in text_of(markup)
    assert "&lt;" in markup and "key '<'" not in markup


def test_hostile_metric_names_are_escaped() -> None:
    (entry, _) = (as_dict(e) for e in gate_entries(HOSTILE[:2]))
    markup = render_gate(entry).to_html()
    assert "<script" not in markup.lower()
    text = text_of(markup)
    assert "<script>alert('col')</script> ↑" in text
    assert "<script>alert('col')</script>" in sections.advice(entry)  # plain text, escaped later
    actions = sections.actions({"schema_version": "1.1", "checks": [entry]}).to_html()
    assert "<script" not in actions and "&lt;script&gt;" in actions


def test_the_gate_renders_in_the_full_report(records: dict[str, Path]) -> None:
    full = sections.read(records["full"])
    section = sections.gate(full)
    assert section is not None and "could not be shown" not in section.to_html()
    assert sections.other(full) is not None  # the unknown kind, not the gate
    assert "gate" not in text_of(sections.other(full).to_html()).split("Other checks")[1][:40]  # type: ignore[union-attr]
