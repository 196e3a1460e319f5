"""Unit tests of check_labels and LabelReport: verdicts, the record, rows and samples."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB

from pytest_mlaudit.checks.labels import LabelReport, check_labels
from pytest_mlaudit.errors import CheckFailed, MlauditInputError
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import BadWhen, report_from_dict


@pytest.fixture(scope="module")
def report(small) -> LabelReport:  # type: ignore[no-untyped-def]
    return check_labels(
        small.X, small.y, model=GaussianNB(), max_issue_rate=0.2, top_n=20, audit_per_class=6
    )


def roundtrip(report: LabelReport) -> LabelReport:
    text = json.dumps(report.to_dict(), allow_nan=False)
    return LabelReport.from_dict(json.loads(text))


# -- verdict -------------------------------------------------------------------------


def test_passed_follows_the_overall_rate(report: LabelReport) -> None:
    assert 0.08 < report.issue_rate < 0.2
    assert report.passed
    report.assert_ok()
    strict = LabelReport.from_dict({**report.to_dict(), "max_issue_rate": 0.05})
    assert not strict.passed
    h = strict.headline()
    assert (h.name, h.statistic, h.threshold, h.bad_when) == (
        "issue_rate",
        report.issue_rate,
        0.05,
        BadWhen.ABOVE,
    )
    with pytest.raises(CheckFailed) as info:
        strict.assert_ok()
    assert "labels FAILED" in str(info.value)
    assert "most suspicious rows" in str(info.value)
    assert info.value.report is strict


def test_a_class_above_its_limit_fails_and_is_the_headline(small) -> None:  # type: ignore[no-untyped-def]
    y = small.y.copy()
    rows_of_3 = np.flatnonzero(small.y_true == 3)[:120]
    y[rows_of_3] = 4  # class 4 now holds many rows that look like class 3
    report = check_labels(
        small.X, y, model=GaussianNB(), max_issue_rate=0.5, per_class_max_rate={4: 0.15}
    )
    by_label = {c.label: c for c in report.per_class}
    assert by_label[4].max_rate == 0.15 and by_label[4].breached
    assert all(c.max_rate is None for label, c in by_label.items() if label != 4)
    assert not report.passed
    assert report.headline().name == "issue_rate[4]"
    assert report.headline().statistic == by_label[4].rate
    assert report.worst_class().label == 4
    assert "FAIL" in report.summary()


def test_one_limit_for_every_class(report: LabelReport) -> None:
    data = report.to_dict()
    for c in data["per_class"]:
        c["max_rate"] = 0.01
    capped = LabelReport.from_dict(data)
    assert not capped.passed
    assert all(c.breached for c in capped.per_class)


def test_headline_key_figures_sizes_and_brief(report: LabelReport) -> None:
    figures = report.key_figures()
    assert figures["passed"] is True
    assert figures["issue_rate"] == report.issue_rate
    assert figures["issue_rate_threshold"] == 0.2
    assert figures["issues"] == report.issues and figures["rows"] == 2_000
    assert report.sizes() == {"rows": 2_000, "classes": 5, "rows_skipped": 0}
    assert f"{report.issues}/2000 rows flagged" in report.brief()
    assert report.headline().describe().startswith("issue_rate=")


# -- the record ----------------------------------------------------------------------


def test_to_dict_round_trips_through_strict_json(report: LabelReport) -> None:
    again = roundtrip(report)
    assert again == report
    assert again.passed == report.passed
    assert report.to_dict()["kind"] == "labels"
    assert report_from_dict(report.to_dict()) == report
    entry = CheckEntry.from_report("labels", report)
    assert CheckEntry.from_dict(json.loads(json.dumps(entry.to_dict()))).report() == report


def test_the_record_keeps_top_n_rows_and_aggregates_only(noisy) -> None:  # type: ignore[no-untyped-def]
    data = noisy(6_000, seed=1)
    report = check_labels(data.X, data.y, model=GaussianNB(), top_n=7, audit_per_class=4)
    d = report.to_dict()
    assert report.issues > 100
    assert len(d["suspicious"]) == 7
    assert len(d["audit_sample"]["rows"]) == 5 * 4
    assert len(d["per_class"]) == 5 and len(d["confusion"]) <= 25
    assert all(row["features"] is None for row in d["suspicious"])
    assert len(json.dumps(d)) < 20_000


def test_suspicious_rows_are_flagged_and_ranked(report: LabelReport) -> None:
    rows = report.suspicious
    assert len(rows) == 20 == report.top_n
    assert all(r.flagged and r.given != r.suggested for r in rows)
    assert [r.quality for r in rows] == sorted(r.quality for r in rows)
    assert all(0.0 <= r.quality <= 1.0 for r in rows)
    frame = report.suspicious_frame()
    assert list(frame.columns) == ["position", "index", "given", "suggested", "quality", "flagged"]
    assert frame["position"].tolist() == [r.position for r in rows]


def test_per_class_counts_add_up(report: LabelReport) -> None:
    assert sum(c.rows for c in report.per_class) == report.rows
    assert sum(c.issues for c in report.per_class) == report.issues
    assert sum(c.flagged for c in report.confusion) == report.issues
    assert report.classes == (0, 1, 2, 3, 4)


# -- labels and row ids --------------------------------------------------------------


def test_string_labels_and_pandas_index_are_mapped_back(small) -> None:  # type: ignore[no-untyped-def]
    names = np.array(["low", "mid", "high", "top", "none"])
    index = pd.Index([f"loan-{i:05d}" for i in range(len(small.y))], name="loan_id")
    X = pd.DataFrame(small.X, index=index, columns=[f"f{j}" for j in range(20)])
    y = pd.Series(names[small.y], index=index, name="grade")
    report = check_labels(X, y, model=GaussianNB(), max_issue_rate=0.3, top_n=5)
    assert report.classes == ("high", "low", "mid", "none", "top")  # sorted, as sklearn
    for row in (*report.suspicious, *report.audit_sample.rows):
        assert row.index == f"loan-{row.position:05d}"
        assert row.given == y.iloc[row.position]
        assert row.given in report.classes and row.suggested in report.classes
    assert roundtrip(report) == report


def test_y_series_index_is_used_with_numpy_x(small) -> None:  # type: ignore[no-untyped-def]
    y = pd.Series(small.y, index=np.arange(len(small.y)) * 10 + 7)
    report = check_labels(small.X, y, model=GaussianNB(), top_n=3, max_issue_rate=1.0)
    assert [r.index for r in report.suspicious] == [r.position * 10 + 7 for r in report.suspicious]


def test_bool_and_integer_valued_float_labels(small) -> None:  # type: ignore[no-untyped-def]
    as_bool = check_labels(small.X, small.y >= 2, model=GaussianNB(), max_issue_rate=1.0)
    assert as_bool.classes == ("False", "True")
    as_float = check_labels(small.X, small.y.astype(float), model=GaussianNB(), max_issue_rate=1)
    assert as_float.classes == (0, 1, 2, 3, 4)
    assert roundtrip(as_bool) == as_bool


def test_y_as_a_column_vector_or_one_column_frame(small) -> None:  # type: ignore[no-untyped-def]
    flat = check_labels(None, small.y, pred_probs=np.eye(5)[small.y_true] * 0.9 + 0.02)
    column = check_labels(None, small.y[:, None], pred_probs=np.eye(5)[small.y_true] * 0.9 + 0.02)
    frame = check_labels(
        None, pd.DataFrame({"y": small.y}), pred_probs=np.eye(5)[small.y_true] * 0.9 + 0.02
    )
    assert flat == column == frame


def test_features_only_when_asked(small) -> None:  # type: ignore[no-untyped-def]
    X = pd.DataFrame(small.X[:, :3], columns=["income", "age", "debt"])
    X["region"] = np.where(small.y_true % 2 == 0, "north", "south")
    X.loc[0, "income"] = np.nan
    probs = np.eye(5)[small.y_true] * 0.9 + 0.02
    without = check_labels(X, small.y, pred_probs=probs, top_n=4)
    assert all(r.features is None for r in without.suspicious)
    report = check_labels(X, small.y, pred_probs=probs, top_n=4, include_features=True)
    for row in report.suspicious:
        assert row.features is not None
        assert set(row.features) == {"income", "age", "debt", "region"}
        assert row.features["region"] == X["region"].iloc[row.position]
        assert row.features["age"] == pytest.approx(X["age"].iloc[row.position])
    assert roundtrip(report) == report
    frame = report.suspicious_frame()
    assert {"income", "region"} <= set(frame.columns)


def test_features_of_numpy_rows(small) -> None:  # type: ignore[no-untyped-def]
    probs = np.eye(5)[small.y_true] * 0.9 + 0.02
    report = check_labels(small.X, small.y, pred_probs=probs, top_n=2, include_features=True)
    row = report.suspicious[0]
    assert row.features is not None and len(row.features) == 20
    assert row.features["x3"] == pytest.approx(small.X[row.position, 3])


# -- rare and absent classes ---------------------------------------------------------


def test_rare_classes_skip_keeps_original_positions(small) -> None:  # type: ignore[no-untyped-def]
    y = small.y.astype(object)
    y[[5, 17, 900]] = "rare"
    y = np.array([str(v) for v in y])
    report = check_labels(small.X, y, model=GaussianNB(), rare_classes="skip", cv=5, top_n=2_000)
    assert [(c.label, c.rows) for c in report.skipped] == [("rare", 3)]
    assert "rare" not in report.classes and report.rows == 2_000 - 3
    assert report.sizes()["rows_skipped"] == 3
    assert not {5, 17, 900} & {r.position for r in report.suspicious}
    assert all(y[r.position] == r.given for r in report.suspicious)
    assert "skipped rare classes" in report.summary()


def test_a_named_class_without_rows_has_rate_zero(small) -> None:  # type: ignore[no-untyped-def]
    probs = np.full((len(small.y), 6), 0.01)
    probs[np.arange(len(small.y)), small.y_true] = 0.95
    report = check_labels(
        None, small.y, pred_probs=probs, classes=[0, 1, 2, 3, 4, 5], per_class_max_rate=0.5
    )
    empty = report.per_class[5]
    assert (empty.label, empty.rows, empty.issues, empty.rate) == (5, 0, 0, 0.0)
    assert not empty.breached


def test_classes_reorder_the_columns(small) -> None:  # type: ignore[no-untyped-def]
    probs = np.eye(5)[small.y_true] * 0.9 + 0.02
    names = np.array(["a", "b", "c", "d", "e"])
    order = [4, 2, 0, 1, 3]  # columns in this order of classes
    shuffled = check_labels(
        None, names[small.y], pred_probs=probs[:, order], classes=names[order], top_n=300
    )
    plain = check_labels(None, names[small.y], pred_probs=probs, top_n=300)
    assert shuffled.classes == tuple(names[order])
    assert {(r.position, r.suggested) for r in shuffled.suspicious} == {
        (r.position, r.suggested) for r in plain.suspicious
    }


# -- the audit sample ----------------------------------------------------------------


def test_audit_sample_mixes_flagged_and_clean_rows_per_class(report: LabelReport) -> None:
    sample = report.audit_sample
    assert sample.per_class == 6 and sample.seed == 0
    for label in report.classes:
        rows = [r for r in sample.rows if r.given == label]
        assert len(rows) == 6
        assert sum(r.flagged for r in rows) == 3
        assert len({r.position for r in rows}) == 6


def test_audit_sample_is_seeded(small) -> None:  # type: ignore[no-untyped-def]
    probs = np.eye(5)[small.y_true] * 0.9 + 0.02
    a = check_labels(None, small.y, pred_probs=probs, seed=5).audit_sample
    b = check_labels(None, small.y, pred_probs=probs, seed=5).audit_sample
    c = check_labels(None, small.y, pred_probs=probs, seed=6).audit_sample
    assert a == b
    assert a.rows != c.rows


def test_audit_sample_of_a_small_class_takes_what_there_is() -> None:
    y = np.array([0] * 50 + [1] * 3)
    probs = np.tile([0.9, 0.1], (53, 1))
    probs[50:] = [0.2, 0.8]
    report = check_labels(None, y, pred_probs=probs, audit_per_class=10)
    assert sum(r.given == 1 for r in report.audit_sample.rows) == 3
    assert sum(r.given == 0 for r in report.audit_sample.rows) == 10


def test_audit_sample_to_csv(report: LabelReport, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = report.audit_sample.to_csv(tmp_path / "audit" / "sample.csv")
    frame = pd.read_csv(path)
    assert len(frame) == 30
    assert list(frame.columns) == [
        "position",
        "index",
        "given",
        "suggested",
        "quality",
        "flagged",
        "reviewer_verdict",
        "reviewer_label",
    ]
    assert frame["reviewer_verdict"].isna().all()
    assert frame["reviewer_label"].isna().all()
    with pytest.raises(MlauditInputError, match="exists; pass overwrite=True"):
        report.audit_sample.to_csv(path)
    blind = pd.read_csv(report.audit_sample.to_csv(path, blind=True, overwrite=True))
    assert list(blind.columns) == [
        "position",
        "index",
        "given",
        "reviewer_verdict",
        "reviewer_label",
    ]


# -- determinism and imports ---------------------------------------------------------


def test_same_seed_same_report(small) -> None:  # type: ignore[no-untyped-def]
    model = LogisticRegression(max_iter=500)
    a = check_labels(small.X, small.y, model=model, seed=3)
    b = check_labels(small.X, small.y, model=model, seed=3)
    assert a == b
    assert a.seed == 3 and a.cv == 5 and a.model == "LogisticRegression(max_iter=500)"


def test_importing_the_check_pulls_in_nothing_heavy() -> None:
    code = (
        "import sys, pytest_mlaudit.checks.labels as m; "
        "heavy = {'pytest', 'numpy', 'pandas', 'sklearn', 'cleanlab', 'scipy'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
