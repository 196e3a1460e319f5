"""Acceptance tests of ``@pytest.mark.gate`` and ``mlaudit.gate(...)`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

# In-process pytester runs drop modules first imported inside them, and numpy cannot be
# imported twice in one process: import what the inner tests use here, once.
import numpy  # noqa: F401
import pytest
import scipy.stats  # noqa: F401

import pytest_mlaudit.checks.gate  # noqa: F401
from pytest_mlaudit.checks.gate import GateReport
from pytest_mlaudit.record import read_record

TESTS = """
import numpy as np
import pytest

rng = np.random.default_rng(0)
Y = rng.integers(0, 2, 2000)
BASE = np.where(rng.random(2000) < 0.85, Y, 1 - Y)
SAME = np.where(rng.random(2000) < 0.85, Y, 1 - Y)
WORSE = np.where(rng.random(2000) < 0.78, Y, 1 - Y)


@pytest.mark.gate(min_delta=0.01)
def test_equal_candidate(mlaudit):
    report = mlaudit.gate(SAME, BASE, None, Y)
    assert report.metric("accuracy").min_delta == 0.01
    report.assert_ok()


@pytest.mark.gate
def test_worse_candidate(mlaudit):
    mlaudit.gate(WORSE, BASE, None, Y).assert_ok()


@pytest.mark.gate(floor=0.9)
def test_below_floor(mlaudit):
    mlaudit.gate(SAME, None, None, Y).assert_ok()
"""


def test_gate_marker_summary_and_record(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_release=TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--mlaudit-json=audit.json")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*mlaudit: 3 checks, 1 passed, 2 failed*",
            "FAIL gate test_release.py::test_below_floor  accuracy=0.8* < 0.9  "
            "accuracy 0.8* < floor 0.9",
            "PASS gate test_release.py::test_equal_candidate  accuracy_diff_ucb=* >= -0.01  "
            "accuracy *",
            "FAIL gate test_release.py::test_worse_candidate  accuracy_diff_ucb=-0.0* < 0  "
            "accuracy 0.7* vs 0.8*: significantly worse (95% CI of diff *",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*gate FAILED: 2000 test rows; paired bootstrap*", "*why it failed:*"]
    )
    record = read_record(pytester.path / "audit.json")
    entries = {e.nodeid.split("::")[1]: e for e in record.checks}
    assert {e.kind for e in record.checks} == {"gate"}
    assert entries["test_worse_candidate"].markers == ("gate",)
    report = entries["test_worse_candidate"].report()
    assert isinstance(report, GateReport) and not report.passed
    assert entries["test_equal_candidate"].figures["accuracy_diff_ucb_threshold"] == -0.01
    raw = json.loads((pytester.path / "audit.json").read_text())
    assert raw["checks"][0]["result"]["metrics"][0]["greater_is_better"] is True


def test_gate_marker_kwargs_are_validated(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import numpy as np
        import pytest

        @pytest.mark.gate(min_detla=0.01)
        def test_typo(mlaudit):
            y = np.array([0, 1] * 50)
            mlaudit.gate(y, y, None, y)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*sets 'min_detla', which no 'gate' check accepts*"])


def test_ini_defaults_reach_the_gate(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmlaudit_defaults =\n    gate.n_boot = 300\n    gate.alpha = 0.01\n")
    pytester.makepyfile(
        """
        import numpy as np

        def test_defaults(mlaudit):
            y = np.array([0, 1] * 100)
            report = mlaudit.gate(y, y, None, y)
            assert (report.n_boot, report.alpha) == (300, 0.01)
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_gate_report_in_junit(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_release=TESTS)
    pytester.runpytest("-p", "no:cacheprovider", "-k", "equal", "--junitxml=junit.xml")
    text = (pytester.path / "junit.xml").read_text()
    assert 'name="mlaudit.0.gate.accuracy_ci_high"' in text
    assert 'name="mlaudit.0.gate.accuracy_mcnemar_p"' in text
