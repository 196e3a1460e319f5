"""What the store keeps of a check: its key figures and its measures, whatever the kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pytest_mlaudit.checks.drift import check_drift
from pytest_mlaudit.history import HistoryStore
from pytest_mlaudit.record import AuditRecord, CheckEntry, build_record
from tests.history.records import measure, record


def test_measures_of_a_kind_the_store_never_heard_of(tmp_path: Path) -> None:
    entry = {
        "nodeid": "tests/test_fairness.py::test_gap",
        "seq": 0,
        "check": "fairness",
        "kind": "fairness",
        "markers": ["fairness"],
        "passed": False,
        "duration_s": 0.0,
        "headline": {"name": "gap", "statistic": 0.2, "threshold": 0.1, "bad_when": "above"},
        "sizes": {"n": 10},
        "figures": {"passed": False, "gap": 0.2, "group": "b"},
        "brief": "",
        "result": {"kind": "fairness"},
        "measures": [
            measure("gap", 0.2, 0.1, "above", "group=b"),
            measure("gap", 0.05, 0.1, "above", "group=a"),
            measure("rate", 0.7, None, "above", "group=a"),
        ],
    }
    store = HistoryStore(tmp_path / "h.sqlite")
    store.append(record("2025-03-01T06:00:00Z", [entry]))
    rows = {(m.subject, m.name): (m.value, m.threshold, m.flagged) for m in store.measures()}
    assert rows == {
        ("", "gap"): (0.2, None, None),  # the key figures, as before (text ones are left out)
        ("group=b", "gap"): (0.2, 0.1, True),
        ("group=a", "gap"): (0.05, 0.1, False),
        ("group=a", "rate"): (0.7, None, None),  # tracked without a threshold: no flag
    }


def test_a_record_older_than_schema_1_1_gets_its_measures_from_the_report(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(size=300) + 1
    report = check_drift({"x": a, "y": a}, {"x": b, "y": a}, methods=["ks", "psi"])
    entry = CheckEntry.from_report("drift", report, nodeid="t.py::test_d")
    data = build_record([entry], cwd=tmp_path).to_dict()
    new_rows = _rows(tmp_path / "new.sqlite", AuditRecord.from_dict(data))
    data["schema_version"] = "1.0"
    for e in data["checks"]:
        del e["measures"]  # a 1.0 writer had no such key
    old_rows = _rows(tmp_path / "old.sqlite", AuditRecord.from_dict(data))
    assert old_rows == new_rows
    psi = {s: (flag, value > 0.2) for s, n, value, _, flag in new_rows if n == "psi"}
    assert psi == {"x": (True, True), "y": (False, False)}


def _rows(path: Path, rec: AuditRecord) -> list[tuple[Any, ...]]:
    store = HistoryStore(path)
    store.append(rec)
    return sorted(
        (m.subject, m.name, m.value, m.threshold, m.flagged) for m in store.measures() if m.subject
    )
