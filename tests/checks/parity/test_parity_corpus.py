"""The corpus: realistic online/offline bugs must each be caught, named and minimised;
the correct pipelines must pass, on real rows and on generated records."""

from __future__ import annotations

import math

import pytest

from pytest_mlaudit import check_parity
from pytest_mlaudit.checks.parity import ParityReport
from tests.checks.parity import parity_pipelines as P

EXAMPLES = 100  # hypothesis examples per check: enough for every bug, at every seed tried


@pytest.fixture(scope="module")
def raw():
    return P.make_raw(300)


_REPORTS: dict[str, ParityReport] = {}


def corpus_report(bug: P.Bug, raw) -> ParityReport:
    """Each bug is checked once per session; several tests read the same report."""
    if bug.name not in _REPORTS:
        inputs = raw if bug.real_rows_only else P.records_strategy()
        _REPORTS[bug.name] = check_parity(
            bug.offline,
            bug.online,
            inputs,
            online_mode=bug.online_mode,
            max_examples=EXAMPLES,
            seed=0,
        )
    return _REPORTS[bug.name]


def test_the_corpus_has_at_least_fifteen_feature_bugs():
    feature_bugs = [b for b in P.BUGS if b.expect]
    assert len(feature_bugs) >= 15
    assert len({b.name for b in P.BUGS}) == len(P.BUGS)


@pytest.mark.parametrize("bug", P.BUGS, ids=[b.name for b in P.BUGS])
def test_each_bug_is_caught_named_and_minimised(bug: P.Bug, raw) -> None:
    report = corpus_report(bug, raw)
    assert not report.passed, report.summary()
    named = set(report.mismatched_features)
    assert set(bug.expect) <= named <= set(bug.expect) | set(bug.may_also), report.summary()
    # one counterexample per named feature, minimised, with both values
    for feature in bug.expect:
        [cx] = [c for c in report.counterexamples if c.feature == feature]
        assert cx.shrunk or bug.real_rows_only, cx
        assert cx.origin == ("rows" if bug.real_rows_only else "generated")
        assert cx.offline != cx.online
        assert cx.record and cx.record_literal.startswith("{")
        assert feature in report.summary()
    if bug.expect_problem is not None:
        kinds = {c.kind for c in report.counterexamples}
        assert bug.expect_problem in kinds, report.summary()
        if bug.expect_problem.endswith("raised"):
            [cx] = [c for c in report.counterexamples if c.kind == bug.expect_problem]
            assert cx.traceback and "ZeroDivisionError" in cx.traceback
            assert "age': 0" in cx.record_literal  # shrunk to the one value that raises


def test_counterexamples_are_minimal_for_a_few_bugs(raw) -> None:
    """The field that matters keeps its edge value; every other field shrinks to the
    typical value (the counterexample of a bug that shows everywhere is all-typical)."""
    relevant = {
        "missing_default": ("income", "None"),
        "clip_bounds": ("age", "90"),
        "nan_is_not_none": ("score", "nan"),
        "abs_before_sqrt": ("distance_km", "-1.0"),
        "no_strip": ("region", "' north '"),
        "case_sensitive": ("region", "'NORTH'"),
    }
    by_name = {b.name: b for b in P.BUGS}

    def minimal(name: str) -> dict[str, str]:
        [cx] = corpus_report(by_name[name], raw).counterexamples
        return cx.record

    typical = minimal("log_vs_log1p")  # log instead of log1p differs on every record
    assert typical["income"] == repr(P.INCOME_MEDIAN) and typical["amounts"] == "[]"
    for name, (field, value) in relevant.items():
        record = minimal(name)
        assert record[field] == value, (name, record)
        assert {k: v for k, v in record.items() if k != field} == {
            k: v for k, v in typical.items() if k != field
        }, (name, record)


def test_the_correct_pipeline_passes_on_real_rows_and_generated_records(raw) -> None:
    report = check_parity(
        P.offline, P.online, [raw, P.records_strategy()], max_examples=2 * EXAMPLES, seed=0
    )
    assert report.passed, report.summary()
    assert report.n_rows == raw.shape[0] and report.n_generated > 100
    assert set(P.FEATURES) == {f.feature for f in report.features}
    assert report.counterexamples == ()
    # the edge cases were generated: nulls and negative values reached both sides
    assert report.feature("income_filled").checked == report.n_examples


@pytest.mark.parametrize(
    ("online", "mode"),
    [(P.online_batch, "records"), (P.online_vector, "record")],
    ids=["micro-batch", "feature-vector"],
)
def test_other_correct_online_shapes_pass(online, mode, raw) -> None:
    report = check_parity(
        P.offline,
        online,
        [raw, P.records_strategy()],
        online_mode=mode,
        max_examples=EXAMPLES,
        seed=1,
    )
    assert report.passed, report.summary()


def test_a_pair_of_batch_callables_passes(raw) -> None:
    from pytest_mlaudit.checks.parity.frames import records_from_frame

    def online_frame(df):
        import pandas as pd

        return pd.DataFrame([P.online(r) for r in records_from_frame(df)], index=df.index)

    report = check_parity(
        P.offline,
        online_frame,
        [raw, P.records_strategy()],
        online_mode="frame",
        max_examples=EXAMPLES,
        seed=2,
    )
    assert report.passed, report.summary()


def test_bugs_found_on_real_rows_too(raw) -> None:
    bug = next(b for b in P.BUGS if b.name == "unseen_category")
    dirty = raw.copy()
    dirty["region"] = dirty["region"].fillna("north")
    dirty.loc[3, "region"] = "North-East"
    report = check_parity(bug.offline, bug.online, dirty)
    assert report.mismatched_features == ("region_code",)
    [cx] = report.counterexamples
    assert cx.origin == "rows" and cx.row == 3
    assert cx.record["region"] == "'North-East'"
    assert (cx.offline, cx.online) == ("-1 (int64)", "0")
    assert isinstance(report, ParityReport) and math.isclose(report.mismatch_rate, 1 / 300)
