"""Acceptance tests of ``@pytest.mark.skew`` with ``mlaudit.parity(...)`` and
``mlaudit.skew(...)`` as a user runs them (pytester, enabled by the top-level conftest).

The inner runs are in-process; everything they import is imported here first, so it
survives pytester's ``sys.modules`` restores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hypothesis.strategies
import pytest
import scipy.spatial.distance

import pytest_mlaudit.checks.parity.search
import pytest_mlaudit.checks.parity.strategies
from pytest_mlaudit.checks import parity, skew
from pytest_mlaudit.checks.parity import ParityReport
from pytest_mlaudit.checks.skew import SkewReport
from pytest_mlaudit.record import read_record

_PRELOADED = (  # imported here so that they survive pytester's sys.modules restores
    hypothesis.strategies,
    scipy.spatial.distance,
    parity,
    pytest_mlaudit.checks.parity.search,
    pytest_mlaudit.checks.parity.strategies,
    skew,
)

TESTS = """
import math

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit.strategies import Field, from_schema

RAW = pd.DataFrame({"income": [52000.0, 0.0, None], "region": ["north", "South ", None]})
RECORDS = from_schema({"income": Field("float", min=0, max=250_000, decimals=2),
                       "region": ["north", "south"]})


def offline(df):
    region = df["region"].str.strip().str.lower()
    income = df["income"].where(df["income"] >= 0)
    return pd.DataFrame({"income_log": np.log1p(income), "region": region},
                        index=df.index)


def online(record):
    income, region = record["income"], record["region"]
    return {
        "income_log": math.log1p(income) if income is not None and income >= 0 else math.nan,
        "region": region.strip().lower() if isinstance(region, str) else None,
    }


def online_with_log(record):
    out = online(record)
    income = record["income"]
    out["income_log"] = math.log(income) if income is not None and income > 0 else math.nan
    return out


@pytest.mark.skew(rtol=1e-6, max_examples=40, seed=5)
def test_online_features_match_offline(mlaudit):
    report = mlaudit.parity(offline=offline, online=online, inputs=[RAW, RECORDS])
    report.assert_ok()


@pytest.mark.skew(max_examples=40)
def test_online_uses_log_not_log1p(mlaudit):
    mlaudit.parity(offline=offline, online=online_with_log, inputs=[RAW, RECORDS]).assert_ok()


@pytest.mark.skew(linf_threshold=0.3)
def test_served_features_are_not_skewed(mlaudit):
    train = offline(RAW.assign(id=[1, 2, 3]).set_index("id")).reset_index()
    served = train.copy()
    served.loc[2, "income_log"] = 1.0
    mlaudit.skew(train, served, id_column="id").assert_ok()
"""


def _record(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture
def run(pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.makepyfile(test_features=TESTS)
    return pytester.runpytest("--mlaudit-json=audit.json", "-p", "no:cacheprovider")


def test_verdicts_and_the_failure_message(run: pytest.RunResult) -> None:
    run.assert_outcomes(passed=1, failed=2)
    out = run.stdout.str()
    # the failing parity test names the feature and shows the minimal raw record
    assert "parity FAILED: 1 of 2 feature(s) differ" in out
    assert "counterexample 1 - feature 'income_log': value mismatch" in out
    assert "record : {'income': " in out
    # the terminal summary: one line per check
    run.stdout.fnmatch_lines(
        [
            "*mlaudit: 3 checks, 1 passed, 2 failed*",
            "PASS parity *test_online_features_match_offline*mismatch_rate=0 <= 0",
            "FAIL parity *test_online_uses_log_not_log1p*mismatch_rate=* > 0*"
            "mismatched: income_log",
            "FAIL skew *test_served_features_are_not_skewed*skewed_features=1 > 0*"
            "skewed: income_log",
        ]
    )


def test_the_record_carries_the_counterexamples(
    run: pytest.RunResult, pytester: pytest.Pytester
) -> None:
    data = _record(pytester.path / "audit.json")
    entries = {e["nodeid"].split("::")[-1]: e for e in data["checks"]}
    ok = entries["test_online_features_match_offline"]
    assert ok["check"] == "parity" and ok["passed"] is True and ok["markers"] == ["skew"]
    # marker kwargs became the check's defaults
    assert ok["result"]["seed"] == 5 and ok["result"]["max_examples"] == 40
    assert ok["result"]["rtol"] == 1e-6

    bad = entries["test_online_uses_log_not_log1p"]
    assert bad["passed"] is False and bad["brief"] == "mismatched: income_log"
    assert bad["figures"]["mismatched_features"] == "income_log"
    cx = bad["result"]["counterexamples"]
    assert cx and {c["feature"] for c in cx} == {"income_log"}
    first = cx[0]
    for key in (
        "record",
        "record_json",
        "record_literal",
        "offline",
        "online",
        "abs_diff",
        "detail",
    ):
        assert key in first, key
    assert set(first["record"]) == {"income", "region"}

    record = read_record(pytester.path / "audit.json")
    parity = next(c for c in record.checks if c.nodeid.endswith("log1p"))
    rebuilt = parity.report()
    assert isinstance(rebuilt, ParityReport) and rebuilt.mismatched_features == ("income_log",)
    served = next(c for c in record.checks if c.check == "skew")
    assert isinstance(served.report(), SkewReport)
    assert served.result["linf_threshold"] == 0.3
    assert served.result["joined"][0]["feature"] in ("income_log", "region")


def test_an_unknown_marker_option_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.skew(rtool=1e-6)
def test_typo(mlaudit):
    mlaudit.parity(offline=lambda df: df, online=lambda r: r, inputs=None)
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*sets 'rtool', which no 'skew' check accepts*"])
