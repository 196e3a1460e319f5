"""The load checks as a user runs them: pytest, the mlaudit fixture, markers, the record."""

from __future__ import annotations

import json

import pytest

from pytest_mlaudit.checks.load import Server
from tests.checks.load.conftest import LOCUSTFILES

TESTS = """\
import os

import pytest

URL = os.environ["MLAUDIT_TEST_URL"]
SCENARIO = os.environ["MLAUDIT_TEST_LOCUSTFILE"]


@pytest.mark.load(p95_ms=2000, users=2, spawn_rate=10, run_time=2)
def test_holds(mlaudit):
    report = mlaudit.load(SCENARIO, host=URL)
    report.assert_slo(error_rate=0.01)


@pytest.mark.load(p95_ms=5)
def test_cannot_hold(mlaudit):
    report = mlaudit.load(SCENARIO, host=URL, users=2, spawn_rate=10, run_time=2)
    report.assert_slo()


@pytest.mark.load
def test_usage_style(mlaudit):
    report = mlaudit.load(SCENARIO, host=URL, users=2, spawn_rate=10, run_time=2)
    report.assert_slo(p95_ms=5, error_rate=0.01)


def test_target_url(mlaudit, mlaudit_target_url):
    assert mlaudit_target_url == "https://staging.example"
    assert mlaudit.options("load")["allowed_hosts"] == ["https://staging.example"]
    assert mlaudit.options("capacity")["allowed_hosts"] == ["https://staging.example"]
"""


def test_load_tests_under_pytest(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, test_server: Server
) -> None:
    monkeypatch.setenv("MLAUDIT_TEST_URL", test_server.url)
    monkeypatch.setenv("MLAUDIT_TEST_LOCUSTFILE", str(LOCUSTFILES / "paced.py"))
    monkeypatch.setenv("PATH_UNDER_TEST", "/slow?ms=20")
    pytester.makepyfile(test_launch=TESTS)
    result = pytester.runpytest(
        "--mlaudit-json=audit.json",
        "--mlaudit-target-url=https://staging.example",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*load SLO breached: p95_ms=* > 5*",
            "*mlaudit: 3 checks, 1 passed, 2 failed*",
            "FAIL load test_launch.py::test_cannot_hold  p95_ms=* > 5*",
            "PASS load test_launch.py::test_holds  p95_ms=* <= 2000*",
            "FAIL load test_launch.py::test_usage_style  p95_ms=* > 5*",
        ]
    )
    record = json.loads((pytester.path / "audit.json").read_text())
    entries = {c["nodeid"].split("::")[-1]: c for c in record["checks"]}
    holds, cannot = entries["test_holds"], entries["test_cannot_hold"]
    # the marker's objectives are recorded with the numbers: the verdict is honest
    assert holds["passed"] is True and cannot["passed"] is False
    assert cannot["result"]["slo"]["p95_ms"] == 5.0
    assert cannot["headline"]["name"] == "p95_ms"
    assert holds["result"]["users"] == 2 and holds["markers"] == ["load"]
    assert holds["figures"]["requests"] > 0
    # an SLO given only to assert_slo() is recorded too: the record agrees with the test
    usage = entries["test_usage_style"]
    assert usage["passed"] is False and usage["result"]["slo"]["p95_ms"] == 5.0


def test_pytest_help_lists_the_target_url_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--mlaudit-target-url=URL*"])
    assert result.ret == 0


def test_target_url_from_ini_and_unset(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        def test_unset_is_none(mlaudit_target_url, mlaudit):
            assert mlaudit_target_url is None
            assert "allowed_hosts" not in mlaudit.options("load")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.makeini("[pytest]\nmlaudit_target_url = http://127.0.0.1:9\n")
    pytester.makepyfile(
        test_a="""
        def test_from_ini(mlaudit_target_url):
            assert mlaudit_target_url == "http://127.0.0.1:9"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
