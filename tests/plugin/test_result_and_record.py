"""The shared result shape and the audit record."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import BadWhen, Measure, MlauditInputError, check_drift
from pytest_mlaudit.auditor import Auditor
from pytest_mlaudit.record import (
    SCHEMA_VERSION,
    CheckEntry,
    build_record,
    read_record,
    write_record,
)


def test_measure_direction_is_explicit() -> None:
    assert Measure("psi", 0.3, 0.2, BadWhen.ABOVE).breached
    assert not Measure("psi", 0.2, 0.2, BadWhen.ABOVE).breached
    assert Measure("rps", 90.0, 100.0, BadWhen.BELOW).breached
    assert not Measure("rps", 120.0, 100.0, BadWhen.BELOW).breached
    # a NaN statistic fails closed
    assert Measure("psi", math.nan, 0.2, BadWhen.ABOVE).breached
    assert Measure("rps", math.nan, 1.0, BadWhen.BELOW).breached
    assert Measure("psi", 0.31, 0.2, "above").describe() == "psi=0.31 > 0.2"  # type: ignore[arg-type]
    with pytest.raises(MlauditInputError, match="threshold of 'psi' must be a finite number"):
        Measure("psi", 0.1, math.inf, BadWhen.ABOVE)


def _report():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=500), "c": rng.choice(["a", "b"], 500)})
    cur = pd.DataFrame({"x": rng.normal(1.0, size=500), "c": rng.choice(["a", "b"], 500)})
    return check_drift(ref, cur)


def test_record_round_trip_and_strict_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = _report()
    entry = CheckEntry.from_report(
        "drift", report, nodeid="t.py::test", seq=0, markers=["drift"], duration_s=0.1
    )
    record = build_record([entry], run={"exitstatus": 1})
    path = write_record(record, tmp_path / "sub" / "audit.json")
    text = path.read_text()
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    back = read_record(path)
    assert back.schema_version == SCHEMA_VERSION
    assert back.summary == {
        "checks": 1,
        "passed": 0,
        "failed": 1,
        "xfailed": 0,
        "tests": 0,  # no test outcomes were given to build_record
        "errors": 0,
        "skipped": 0,
        "xpassed": 0,
    }
    assert back.checks[0].report() == report
    assert back.checks[0].headline == report.headline()
    assert back.checks[0].brief == "drifted: x"
    assert "python" in back.environment and "numpy" in back.environment["packages"]
    assert not list(tmp_path.glob("sub/.audit.json.*"))  # no temporary file left


def test_read_record_errors_name_the_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MlauditInputError, match="no audit record at"):
        read_record(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(MlauditInputError, match=r"bad\.json' is not valid JSON"):
        read_record(bad)
    bad.write_text(json.dumps({"schema_version": "99.0"}))
    with pytest.raises(MlauditInputError, match=r"schema_version='99\.0'"):
        read_record(bad)


def test_auditor_layers_defaults_and_validates_them() -> None:
    seen: list[tuple[str, float]] = []
    audit = Auditor(
        defaults={"drift": {"alpha": 0.01, "psi_threshold": 0.5}},
        sources={"drift": "@pytest.mark.drift(...) on t.py::x"},
        sink=lambda check, report, seconds: seen.append((check, seconds)),
    )
    rng = np.random.default_rng(0)
    report = audit.drift(rng.normal(size=300), rng.normal(size=300), methods="psi")
    assert report.alpha == 0.01
    assert report.columns[0].threshold == 0.5
    assert audit.drift(rng.normal(size=300), rng.normal(size=300), alpha=0.2).alpha == 0.2
    assert [c for c, _ in seen] == ["drift", "drift"]
    typo = Auditor(
        defaults={"drift": {"psi_treshold": 0.1}},
        sources={"drift": "@pytest.mark.drift(...) on t.py::x"},
    )
    with pytest.raises(
        MlauditInputError, match=r"@pytest.mark.drift\(...\) on t.py::x sets 'psi_treshold'"
    ):
        typo.drift(rng.normal(size=30), rng.normal(size=30))


def test_record_order_is_independent_of_execution_order() -> None:
    report = _report()
    a = CheckEntry.from_report("drift", report, nodeid="b.py::t", seq=0)
    b = CheckEntry.from_report("drift", report, nodeid="a.py::t", seq=1)
    c = CheckEntry.from_report("drift", report, nodeid="a.py::t", seq=0)
    assert [(e.nodeid, e.seq) for e in build_record([a, b, c]).checks] == [
        ("a.py::t", 0),
        ("a.py::t", 1),
        ("b.py::t", 0),
    ]
