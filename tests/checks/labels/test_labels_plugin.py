"""Acceptance tests of ``@pytest.mark.labels`` and ``mlaudit.labels(...)`` as a user runs
them (pytester; pytester itself is enabled by the top-level conftest).

The inner runs are in-process (fast). pytester restores ``sys.modules`` after each run, and
numpy's extension modules cannot be imported twice in one process, so everything the
inner tests import is imported here first and survives the restores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cleanlab.count
import cleanlab.filter
import cleanlab.rank
import pytest
import sklearn.datasets
import sklearn.linear_model
import sklearn.model_selection

from pytest_mlaudit.checks.labels import LabelReport
from pytest_mlaudit.checks.labels import _validate as _labels_input
from pytest_mlaudit.checks.labels import probs as _labels_probs
from pytest_mlaudit.result import report_from_dict

DATA = """
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

X, Y = make_classification(1500, n_features=10, n_informative=6, n_redundant=0, n_classes=3,
                           n_clusters_per_class=1, class_sep=2.0, flip_y=0.0, random_state=0)
NAMES = np.array(["approve", "refer", "reject"])
rng = np.random.default_rng(0)
FLIPPED = rng.choice(len(Y), 150, replace=False)
Y_NOISY = Y.copy()
Y_NOISY[FLIPPED] = (Y[FLIPPED] + rng.integers(1, 3, 150)) % 3
MODEL = LogisticRegression(max_iter=500)
"""

TESTS = (
    DATA
    + """

@pytest.mark.labels(max_issue_rate=0.2)
def test_noisy_but_within_limit(mlaudit):
    report = mlaudit.labels(X, NAMES[Y_NOISY], model=MODEL, cv=5)
    report.assert_ok()


@pytest.mark.labels
def test_noisy_over_the_default_limit(mlaudit):
    mlaudit.labels(X, NAMES[Y_NOISY], model=MODEL, top_n=5).assert_ok()


def test_not_an_audit():
    assert True
"""
)


_PRELOADED = (
    cleanlab.count,
    cleanlab.filter,
    cleanlab.rank,
    sklearn.datasets,
    sklearn.linear_model,
    sklearn.model_selection,
    _labels_input,
    _labels_probs,
)


def _record(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_marker_verdicts_summary_and_record(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest("--mlaudit-json=audit.json")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*labels FAILED: * of 1500 rows flagged as label issues (*, limit 5.00%)*",
            "*most suspicious rows (5 of 5 kept):*",
            "*mlaudit: 2 checks, 1 passed, 1 failed*",
            "PASS labels test_audit.py::test_noisy_but_within_limit  issue_rate=* <= 0.2  *",
            "FAIL labels test_audit.py::test_noisy_over_the_default_limit  issue_rate=* > 0.05  *",
        ]
    )
    record = _record(pytester.path / "audit.json")
    assert record["summary"] == {
        "checks": 2,
        "passed": 1,
        "failed": 1,
        "xfailed": 0,
        "tests": 2,
        "errors": 0,
        "skipped": 0,
        "xpassed": 0,
    }
    entries = {c["nodeid"].split("::")[1]: c for c in record["checks"]}
    failed = entries["test_noisy_over_the_default_limit"]
    assert failed["check"] == "labels" and failed["markers"] == ["labels"]
    assert failed["passed"] is False
    assert failed["sizes"] == {"rows": 1500, "classes": 3, "rows_skipped": 0}
    result_data = failed["result"]
    assert len(result_data["suspicious"]) == 5  # top_n, not the 1500-row table
    assert {r["given"] for r in result_data["suspicious"]} <= {"approve", "refer", "reject"}
    assert all(r["features"] is None for r in result_data["suspicious"])
    report = report_from_dict(result_data)
    assert isinstance(report, LabelReport) and not report.passed
    passed = report_from_dict(entries["test_noisy_but_within_limit"]["result"])
    assert passed.passed and passed.max_issue_rate == 0.2


def test_dash_m_labels_selects_the_audits(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    result = pytester.runpytest("-m", "labels", "-k", "within")
    result.assert_outcomes(passed=1, deselected=2)
    result = pytester.runpytest("-m", "not labels")
    result.assert_outcomes(passed=1, deselected=2)


def test_marker_and_ini_defaults_reach_check_labels(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        mlaudit_defaults =
            labels.max_issue_rate = 0.3
            labels.top_n = 3
        """
    )
    pytester.makepyfile(
        test_defaults=DATA
        + """

@pytest.mark.labels
def test_ini(mlaudit):
    report = mlaudit.labels(X, Y_NOISY, model=MODEL)
    assert (report.max_issue_rate, report.top_n) == (0.3, 3)


@pytest.mark.labels(per_class_max_rate={"refer": 0.01}, seed=4, cv=3)
def test_marker_wins(mlaudit):
    report = mlaudit.labels(X, NAMES[Y_NOISY], model=MODEL)
    assert (report.seed, report.cv) == (4, 3)
    assert report.per_class[1].max_rate == 0.01 and not report.passed
    assert report.headline().name == "issue_rate[refer]"


@pytest.mark.labels(max_issue_rate=0.01)
def test_call_wins(mlaudit):
    assert mlaudit.labels(X, Y_NOISY, model=MODEL, max_issue_rate=0.4).passed
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)


def test_typo_in_marker_kwargs_names_the_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_typo=DATA
        + """

@pytest.mark.labels(max_issue_rat=0.1)
def test_typo(mlaudit):
    mlaudit.labels(X, Y_NOISY, model=MODEL)
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*'max_issue_rat'*check_labels accepts:*max_issue_rate*"])


def test_bad_input_fails_the_test_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad=DATA
        + """

@pytest.mark.labels
def test_regression_target(mlaudit):
    mlaudit.labels(X, X[:, 0], model=MODEL)
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*MlauditInputError: y holds non-integer numbers*regression*"])


def test_cached_rerun_and_csv_export(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_cache=DATA
        + """

@pytest.mark.labels(cache=True, max_issue_rate=0.2)
def test_audit(mlaudit, tmp_path_factory):
    report = mlaudit.labels(X, Y_NOISY, model=MODEL)
    print("SOURCE", report.probabilities)
    report.audit_sample.to_csv("audit_sample.csv", overwrite=True)
    report.assert_ok()
"""
    )
    first = pytester.runpytest("-s")
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines(["*SOURCE cross_validation*"])
    second = pytester.runpytest("-s")
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines(["*SOURCE cache*"])
    assert len(list((pytester.path / ".mlaudit" / "cache").glob("labels-oof-*.npy"))) == 1
    lines = (pytester.path / "audit_sample.csv").read_text().splitlines()
    assert lines[0].startswith("position,index,given,suggested,quality,flagged")
    assert len(lines) == 1 + 3 * 10
