"""The audit never reads greener than the run: every marked test's outcome is recorded.

Acceptance tests through pytester, as a user runs pytest: a check that raises, a fixture
that fails, an xfail, a skip, two checks in one test, a record that cannot be written.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

# In-process pytester runs drop modules first imported inside them, and numpy cannot be
# imported twice in one process: import the heavy modules here, once.
import numpy  # noqa: F401
import pandas  # noqa: F401
import pytest
import scipy.stats  # noqa: F401

import pytest_mlaudit.checks.drift  # noqa: F401
from pytest_mlaudit.history import HistoryStore

TESTS = """
import numpy as np
import pandas as pd
import pytest

rng = np.random.default_rng(0)
A = pd.DataFrame({"x": rng.normal(size=500)})


@pytest.mark.drift
def test_ok(mlaudit):
    mlaudit.drift(A, A).assert_ok()


@pytest.mark.drift
def test_bad_input(mlaudit):
    mlaudit.drift(A, A, columns=["nope"])


@pytest.fixture
def server():
    raise RuntimeError("the model server never started")


@pytest.mark.load
def test_fixture_fails(mlaudit, server):
    pass


@pytest.mark.drift
@pytest.mark.xfail(reason="shows a failing audit", strict=True)
def test_expected_failure(mlaudit):
    mlaudit.drift(A, A.assign(x=A.x + 3)).assert_ok()


@pytest.mark.drift
@pytest.mark.skip(reason="no production data today")
def test_skipped(mlaudit):
    pass


@pytest.mark.drift
def test_two_checks(mlaudit):
    mlaudit.drift(A, A).assert_ok()
    mlaudit.drift(A, A, methods="psi").assert_ok()


@pytest.mark.drift
def test_check_then_assertion(mlaudit):
    mlaudit.drift(A, A)
    assert 1 == 2, "a plain assertion of the user's"


def test_not_an_audit():
    raise RuntimeError("not an audit test: not in the record")
"""


def _record(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _tests(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["nodeid"].split("::")[-1]: t for t in record["tests"]}


def test_every_marked_test_is_in_the_record_with_its_outcome(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest("--mlaudit-json=audit.json")
    result.assert_outcomes(passed=2, failed=3, errors=1, skipped=1, xfailed=1)
    record = _record(pytester.path / "audit.json")
    tests = _tests(record)
    assert set(tests) == {
        "test_ok",
        "test_bad_input",
        "test_fixture_fails",
        "test_expected_failure",
        "test_skipped",
        "test_two_checks",
        "test_check_then_assertion",
    }
    bad = tests["test_bad_input"]
    assert (bad["outcome"], bad["when"], bad["exception"]) == ("error", "call", "MlauditInputError")
    assert "nope" in bad["message"] and bad["checks"] == 0
    fixture = tests["test_fixture_fails"]
    assert (fixture["outcome"], fixture["when"], fixture["exception"]) == (
        "error",
        "setup",
        "RuntimeError",
    )
    assert fixture["markers"] == ["load"]
    assert fixture["message"] == "the model server never started"
    assert tests["test_expected_failure"]["outcome"] == "xfailed"
    assert tests["test_expected_failure"]["message"] == "shows a failing audit"
    assert (tests["test_skipped"]["outcome"], tests["test_skipped"]["message"]) == (
        "skipped",
        "no production data today",
    )
    assert tests["test_two_checks"]["checks"] == 2
    assert tests["test_check_then_assertion"]["outcome"] == "failed"
    assert tests["test_check_then_assertion"]["exception"] == "AssertionError"
    assert record["summary"] == {
        "checks": 5,
        "passed": 4,
        "failed": 0,
        "xfailed": 1,
        "tests": 7,
        "errors": 2,
        "skipped": 1,
        "xpassed": 0,
    }
    by_name = {c["name"].split("::")[-1]: c for c in record["checks"]}
    assert set(by_name) == {
        "test_ok",
        "test_expected_failure",
        "test_two_checks#1",
        "test_two_checks#2",
        "test_check_then_assertion",
    }
    assert by_name["test_expected_failure"]["outcome"] == "xfailed"
    assert by_name["test_check_then_assertion"]["outcome"] == "failed"
    assert by_name["test_check_then_assertion"]["passed"] is True


def test_terminal_summary_counts_errors_apart_and_names_each_check_once(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest("-p", "no:randomly")
    result.stdout.fnmatch_lines(
        [
            "*= mlaudit: 5 checks, 4 passed, 0 failed, 1 xfailed; 2 tests errored, 1 skipped =*",
            "PASS  drift test_audit.py::test_check_then_assertion  drifted_share=0 <= 0",
            "XFAIL drift test_audit.py::test_expected_failure  drifted_share=1 > 0  drifted: x",
            "PASS  drift test_audit.py::test_ok  drifted_share=0 <= 0",
            "PASS  drift test_audit.py::test_two_checks#1  drifted_share=0 <= 0",
            "PASS  drift test_audit.py::test_two_checks#2  drifted_share=0 <= 0",
            "ERROR drift test_audit.py::test_bad_input  MlauditInputError: columns names *nope*",
            "ERROR load  test_audit.py::test_fixture_fails  RuntimeError: the model server never "
            "started in setup",
            "SKIP  drift test_audit.py::test_skipped  no production data today",
        ]
    )
    out = result.stdout.str()
    block = out[out.index("= mlaudit:") : out.index("short test summary")]
    assert "test_not_an_audit" not in block


def test_history_keeps_the_outcomes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    pytester.runpytest("--mlaudit-json=audit.json")
    store = HistoryStore(pytester.path / ".mlaudit" / "history.sqlite", create=False)
    (run,) = store.runs()
    kept = store.record(run.id)
    assert kept["summary"]["errors"] == 2
    assert {t["nodeid"].split("::")[-1]: t["outcome"] for t in kept["tests"]}[
        "test_fixture_fails"
    ] == "error"


def test_a_strict_xpass_and_a_plain_xpass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_x="""
import pytest

@pytest.mark.drift
@pytest.mark.xfail(reason="should fail", strict=True)
def test_strict(mlaudit):
    mlaudit.drift([1.0, 2.0, 3.0] * 50, [1.0, 2.0, 3.0] * 50)

@pytest.mark.drift
@pytest.mark.xfail(reason="may fail")
def test_lenient(mlaudit):
    mlaudit.drift([1.0, 2.0, 3.0] * 50, [1.0, 2.0, 3.0] * 50)
"""
    )
    result = pytester.runpytest("--mlaudit-json=audit.json")
    result.assert_outcomes(failed=1, xpassed=1)
    tests = _tests(_record(pytester.path / "audit.json"))
    assert tests["test_strict"]["outcome"] == "failed"
    assert "XPASS(strict)" in tests["test_strict"]["message"]
    assert tests["test_lenient"]["outcome"] == "xpassed"


def test_record_path_that_is_a_directory_keeps_status_and_record(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    (pytester.path / "taken").mkdir()
    result = pytester.runpytest("--mlaudit-json=taken")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # as without the option: 3 failed
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    (line,) = [ln for ln in result.outlines if "could not write the record" in ln]
    saved = Path(line.split(" it was saved to ")[1].removesuffix(" instead."))
    assert saved.parent == pytester.path / ".mlaudit" / "records"
    assert _record(saved)["summary"]["errors"] == 2
    store = HistoryStore(pytester.path / ".mlaudit" / "history.sqlite", create=False)
    assert len(store.runs()) == 1


def test_unwritable_record_folder_falls_back(pytester: pytest.Pytester) -> None:
    if os.geteuid() == 0:
        # root writes anywhere: a path below a regular file fails for everyone
        (pytester.path / "a_file").write_text("x")
        target = "a_file/audit.json"
    else:  # pragma: no cover - the CI machines run as root
        locked = pytester.path / "locked"
        locked.mkdir(mode=0o500)
        target = "locked/audit.json"
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest(f"--mlaudit-json={target}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["mlaudit: could not write the record to *; it was saved to *"])


def test_record_file_mode_is_that_of_the_report_files(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit="import pytest\n\ndef test_a(mlaudit):\n    pass\n")
    pytester.runpytest("--mlaudit-json=audit.json")
    mask = os.umask(0)
    os.umask(mask)
    mode = stat.S_IMODE((pytester.path / "audit.json").stat().st_mode)
    assert mode == 0o666 & ~mask


def test_xdist_records_the_same_outcomes(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_audit=TESTS)
    pytester.runpytest_subprocess("--mlaudit-json=serial.json")
    pytester.runpytest_subprocess("-n", "2", "--mlaudit-json=parallel.json")

    def outcomes(name: str) -> list[dict[str, Any]]:
        record = _record(pytester.path / name)
        return [{k: v for k, v in t.items() if k != "duration_s"} for t in record["tests"]]

    assert outcomes("serial.json") == outcomes("parallel.json")
    assert len(outcomes("serial.json")) == 7
