"""Acceptance tests of the pytest plugin, run as a user runs it (pytester)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

# In-process pytester runs drop modules first imported inside them, and numpy cannot be
# imported twice in one process: import the heavy modules here, once.
import numpy  # noqa: F401
import pandas  # noqa: F401
import pytest
import scipy.stats  # noqa: F401

import pytest_mlaudit.checks.drift  # noqa: F401

TESTS = """
import numpy as np
import pandas as pd
import pytest

rng = np.random.default_rng(0)
TRAIN = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b", "c"], 2000)})
CLEAN = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b", "c"], 2000)})
DRIFTED = CLEAN.assign(x=CLEAN["x"] + 0.6)


@pytest.mark.drift
def test_clean(mlaudit):
    mlaudit.drift(TRAIN, CLEAN).assert_ok()


@pytest.mark.drift
def test_drifted(mlaudit):
    mlaudit.drift(TRAIN, DRIFTED).assert_ok()


@pytest.mark.drift(psi_threshold=0.9)
def test_marker_kwargs(mlaudit):
    report = mlaudit.drift(TRAIN["x"], DRIFTED["x"], methods="psi")
    assert report.columns[0].threshold == 0.9
    report.assert_ok()


def test_not_an_audit():
    assert True
"""


def _record(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_markers_are_registered_with_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    for name in ("drift", "skew", "labels", "load"):
        result.stdout.fnmatch_lines([f"@pytest.mark.{name}(**defaults): *"])


def test_options_are_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*--mlaudit-json=PATH*", "*--mlaudit-report=DIR*", "*mlaudit_defaults*"]
    )


def test_run_writes_record_summary_and_junit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest(
        "--mlaudit-json=out/audit.json", "--junitxml=junit.xml", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*= mlaudit: 3 checks, 2 passed, 1 failed =*",
            "PASS drift test_audit.py::test_clean  drifted_share=0 <= 0",
            "FAIL drift test_audit.py::test_drifted  drifted_share=0.5 > 0  drifted: x",
            "PASS drift test_audit.py::test_marker_kwargs  drifted_share=0 <= 0",
            "mlaudit: record written to out/audit.json",
        ]
    )
    # the failing test shows the table of drifted columns
    result.stdout.fnmatch_lines(
        ["*CheckFailed: drift FAILED: 1 of 2 column(s) drifted*", "*x*ks*DRIFT*"]
    )
    record = _record(pytester.path / "out" / "audit.json")
    assert record["summary"] == {
        "checks": 3,
        "passed": 2,
        "failed": 1,
        "xfailed": 0,
        "tests": 3,
        "errors": 0,
        "skipped": 0,
        "xpassed": 0,
    }
    assert record["run"]["exitstatus"] == 1
    checks = {c["nodeid"]: c for c in record["checks"]}
    drifted = checks["test_audit.py::test_drifted"]
    assert drifted["markers"] == ["drift"] and drifted["kind"] == "drift"
    assert drifted["passed"] is False and drifted["result"]["drifted_columns"] == ["x"]
    assert drifted["sizes"] == {"n_reference": 2000, "n_current": 2000, "n_columns": 2}
    assert drifted["duration_s"] > 0
    assert set(drifted["result"]["histograms"]) == {"x", "c"}
    assert checks["test_audit.py::test_marker_kwargs"]["result"]["columns"][0]["threshold"] == 0.9
    # JUnit XML: each check's key figures as properties
    tree = ET.parse(pytester.path / "junit.xml")
    props = {
        p.get("name"): p.get("value")
        for case in tree.iter("testcase")
        if case.get("name") == "test_drifted"
        for p in case.iter("property")
    }
    assert props["mlaudit.0.drift.passed"] == "False"
    assert props["mlaudit.0.drift.drifted_columns"] == "x"
    assert props["mlaudit.0.drift.drifted_share"] == "0.5"


def test_dash_m_selects_by_failure_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest("-m", "drift", "-k", "clean or marker")
    result.assert_outcomes(passed=2, deselected=2)
    result = pytester.runpytest("-m", "not drift")
    result.assert_outcomes(passed=1, deselected=3)
    result = pytester.runpytest("-m", "skew or labels")
    result.assert_outcomes(deselected=4)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_ini_defaults_apply_and_markers_override_them(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        mlaudit_json = audit.json
        mlaudit_defaults =
            drift.alpha = 0.001
            drift.psi_threshold = 0.3
        """
    )
    pytester.makepyfile(
        """
        import numpy as np, pytest
        X = np.random.default_rng(0).normal(size=300)

        def test_ini(mlaudit):
            r = mlaudit.drift(X, X, methods=["ks", "psi"])
            assert r.alpha == 0.001 and r.column("value")[1].threshold == 0.3

        @pytest.mark.drift(alpha=0.2)
        def test_marker_wins(mlaudit):
            assert mlaudit.drift(X, X).alpha == 0.2

        @pytest.mark.drift(alpha=0.2)
        def test_call_wins(mlaudit):
            assert mlaudit.drift(X, X, alpha=0.1).alpha == 0.1
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)
    assert (pytester.path / "audit.json").exists()


def test_bad_ini_line_and_typo_in_marker_kwargs(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmlaudit_defaults = drift alpha 0.1\n")
    result = pytester.runpytest()
    result.stderr.fnmatch_lines(["*mlaudit_defaults: cannot read 'drift alpha 0.1'*"])
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        """
        import numpy as np, pytest

        @pytest.mark.drift(psi_treshold=0.1)
        def test_typo(mlaudit):
            mlaudit.drift(np.arange(10.0), np.arange(10.0))
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*MlauditInputError: @pytest.mark.drift(...) on "
            "test_bad_ini_line_and_typo_in_marker_kwargs.py::test_typo sets 'psi_treshold'*"
        ]
    )


def test_no_record_without_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest("-k", "clean")
    result.assert_outcomes(passed=1, deselected=3)
    assert not list(pytester.path.rglob("*.json"))
    result.stdout.fnmatch_lines(["*mlaudit: 1 check, 1 passed, 0 failed*"])


def _comparable(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in c.items() if k != "duration_s"} for c in record["checks"]]


def test_xdist_record_equals_serial_record(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_audit=TESTS, test_more=TESTS.replace("test_", "test_more_"))
    serial = pytester.runpytest_subprocess("--mlaudit-json=serial.json")
    serial.assert_outcomes(passed=6, failed=2)
    parallel = pytester.runpytest_subprocess("-n", "2", "--mlaudit-json=parallel.json")
    parallel.assert_outcomes(passed=6, failed=2)
    parallel.stdout.fnmatch_lines(["*= mlaudit: 6 checks, 4 passed, 2 failed =*"])
    a, b = _record(pytester.path / "serial.json"), _record(pytester.path / "parallel.json")
    assert len(a["checks"]) == 6
    assert _comparable(a) == _comparable(b)
    assert a["summary"] == b["summary"]
