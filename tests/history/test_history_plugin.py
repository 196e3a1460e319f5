"""``--mlaudit-history`` as a user runs it: appends, a broken or locked store, xdist."""

from __future__ import annotations

import sqlite3

# In-process pytester runs drop modules first imported inside them, and numpy cannot be
# imported twice in one process: import what the inner tests use here, once.
import numpy  # noqa: F401
import pandas  # noqa: F401
import pytest
import scipy.stats  # noqa: F401

import pytest_mlaudit.checks.drift
import pytest_mlaudit.history  # noqa: F401
from pytest_mlaudit.history import HistoryStore, pending_dir
from pytest_mlaudit.record import read_record

TESTS = """
import numpy as np
import pytest

rng = np.random.default_rng(0)
A, B = rng.normal(size=500), rng.normal(size=500)


@pytest.mark.drift
def test_same(mlaudit):
    mlaudit.drift({"x": A}, {"x": B}, methods=["ks", "psi"]).assert_ok()


@pytest.mark.drift
def test_shifted(mlaudit):
    mlaudit.drift({"x": A}, {"x": B + 1}, methods=["ks", "psi"]).assert_ok()
"""


def test_each_run_is_appended(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    args = (
        "-p",
        "no:cacheprovider",
        "--mlaudit-json=audit.json",
        "--mlaudit-history=h/history.sqlite",
    )
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "mlaudit: record written to audit.json",
            "mlaudit: record appended to the history h/history.sqlite as run #1",
        ]
    )
    pytester.runpytest(*args).assert_outcomes(passed=1, failed=1)
    store = HistoryStore(pytester.path / "h" / "history.sqlite")
    runs = store.runs()
    assert [r.id for r in runs] == [2, 1] and runs[0].source == "audit.json"
    assert runs[0].exitstatus == 1 and runs[0].n_failed == 1
    assert store.record(2) == read_record(pytester.path / "audit.json").to_dict()
    psi = store.measures(name="psi", tests=["test_shifted"])
    assert len(psi) == 2 and all(m.subject == "x" and m.value > 0.2 for m in psi)


def test_ini_key_and_no_json(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    (pytester.path / "sub").mkdir()
    pytester.makeini("[pytest]\nmlaudit_history = sub/audit-history.sqlite\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "same")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["mlaudit: record appended to the history */sub/audit-history.sqlite as run #1"]
    )
    assert not (pytester.path / "audit.json").exists()
    assert HistoryStore(pytester.path / "sub" / "audit-history.sqlite").count_runs() == 1


@pytest.mark.parametrize("k", ["same", "shifted"])
def test_a_broken_store_keeps_the_record_and_the_exit_status(
    pytester: pytest.Pytester, k: str
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    (pytester.path / "broken.sqlite").write_bytes(b"not a database" * 200)
    plain = pytester.runpytest("-p", "no:cacheprovider", "-k", k, "--mlaudit-json=plain.json")
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "-k",
        k,
        "--mlaudit-json=audit.json",
        "--mlaudit-history=broken.sqlite",
    )
    assert result.ret == plain.ret == (0 if k == "same" else 1)
    result.stdout.fnmatch_lines(
        [
            "mlaudit: the record was NOT added to the history store: *broken.sqlite* is not a "
            "readable SQLite history store * The record is kept at audit.json; add it later with "
            "`mlaudit history add audit.json --db broken.sqlite`."
        ]
    )
    assert read_record(pytester.path / "audit.json").summary["checks"] == 1


def test_a_locked_store_without_a_json_record_keeps_it_pending(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    db = pytester.path / "history.sqlite"
    HistoryStore(db).runs()
    monkeypatch.setenv("MLAUDIT_HISTORY_TIMEOUT", "0.3")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = pytester.runpytest(
            "-p", "no:cacheprovider", "-k", "same", f"--mlaudit-history={db}"
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "mlaudit: the record was NOT added * is locked by another writer *"
            "The record is kept at *history.sqlite.pending*"
        ]
    )
    assert len(list(pending_dir(db).glob("*.json"))) == 1
    # the next run appends its own record and the one that waited
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "same", f"--mlaudit-history={db}")
    result.stdout.fnmatch_lines(["*as run #2 (+1 pending record(s) from an earlier run)"])
    assert HistoryStore(db).count_runs() == 2 and not pending_dir(db).exists()


def test_xdist_appends_one_run_with_every_check(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--mlaudit-history=history.sqlite"
    )
    result.assert_outcomes(passed=1, failed=1)
    store = HistoryStore(pytester.path / "history.sqlite")
    assert store.count_runs() == 1 and len(store.checks()) == 2


def test_a_written_record_goes_to_the_default_history_unless_turned_off(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "same", "--mlaudit-json=a.json")
    result.assert_outcomes(passed=1)
    default = pytester.path / ".mlaudit" / "history.sqlite"
    assert HistoryStore(default).count_runs() == 1
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-k", "same", "--mlaudit-json=b.json", "--mlaudit-history=none"
    )
    result.assert_outcomes(passed=1)
    assert HistoryStore(default).count_runs() == 1
    assert (pytester.path / "b.json").exists()
    # without a record (no --mlaudit-json/--mlaudit-report) nothing is written at all
    (pytester.path / ".mlaudit" / "history.sqlite").unlink()
    pytester.runpytest("-p", "no:cacheprovider", "-k", "same").assert_outcomes(passed=1)
    assert not default.exists()


ERRORS = """
import numpy as np
import pytest

rng = np.random.default_rng(0)
A = rng.normal(size=500)


@pytest.fixture
def broken():
    raise FileNotFoundError("no data.csv")


@pytest.mark.drift
def test_broken(mlaudit, broken):
    mlaudit.drift({"x": A}, {"x": A}).assert_ok()


@pytest.mark.drift
@pytest.mark.xfail(strict=True, reason="shifted on purpose")
def test_expected(mlaudit):
    mlaudit.drift({"x": A}, {"x": A + 1}, methods=["ks", "psi"]).assert_ok()
"""


def test_a_run_with_an_erroring_marked_test_is_kept_as_such(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=ERRORS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--mlaudit-history=h.sqlite")
    result.assert_outcomes(errors=1, xfailed=1)
    store = HistoryStore(pytester.path / "h.sqlite")
    (run,) = store.runs()
    assert (run.n_failed, run.n_xfailed, run.n_errors) == (0, 1, 1)
    (check,) = store.checks()
    assert check.outcome == "xfailed" and not check.passed
    (errored,) = store.tests(outcome="error")
    assert errored.nodeid.endswith("::test_broken") and errored.n_checks == 0
    assert errored.exception == "FileNotFoundError"
