"""The review loop: audit sample CSV -> reviewers' CSV -> review report, its file checks,
the corrected labels, and the check kind (registry, Auditor, record, measures)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import Auditor, CheckFailed, MlauditInputError, review_labels
from pytest_mlaudit.checks.label_review import LabelReviewReport
from pytest_mlaudit.checks.label_review._estimate import Stratum, stratified, wilson
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import report_from_dict
from tests.checks.labels.label_review_fixtures import Simulated, review_truthfully, simulate


@pytest.fixture(scope="module")
def sim() -> Simulated:
    return simulate(7, per_class=30)


@pytest.fixture
def reviewed(sim: Simulated, tmp_path: Path) -> Path:
    return review_truthfully(sim, tmp_path / "reviewed.csv")


def _edit(path: Path, row: int, **cells: str) -> Path:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column, value in cells.items():
        frame.loc[row, column] = value
    frame.to_csv(path, index=False)
    return path


# -- round trip and estimates ---------------------------------------------------------


def test_round_trip_sample_csv_to_review_report(sim: Simulated, reviewed: Path) -> None:
    review = review_labels(sim.report, reviewed, max_noise_rate=0.2)
    sample = sim.report.audit_sample.rows
    pos = np.array([r.position for r in sample])
    truly_wrong = sim.y[pos] != sim.y_true[pos]
    assert review.sample_rows == review.reviewed == len(sample) == 90
    assert review.wrong == int(truly_wrong.sum())
    flagged = np.array([r.flagged for r in sample])
    assert review.reviewed_flagged == int(flagged.sum())
    assert review.confirmed_flagged == int((truly_wrong & flagged).sum())
    assert review.source == str(reviewed) and review.audited_rows == 2_000
    # the estimates are weighted by the strata's sizes, not the sample's
    for c, cls in zip(review.per_class, sim.report.per_class, strict=True):
        assert (c.rows, c.flagged) == (cls.rows, cls.issues)
        rate_f = c.wrong_flagged / c.reviewed_flagged
        rate_u = c.wrong_unflagged / c.reviewed_unflagged
        expected = (cls.issues * rate_f + (cls.rows - cls.issues) * rate_u) / cls.rows
        assert c.noise_rate == pytest.approx(expected)
        assert c.noise_low <= c.noise_rate <= c.noise_high
    assert review.noise_low <= review.noise_rate <= review.noise_high
    assert review.passed and review.notes == ()
    assert "flag precision" in review.summary() and "label_review passed" in review.summary()


def test_a_blind_sample_and_record_inputs_give_the_same_review(
    sim: Simulated, tmp_path: Path
) -> None:
    full = review_labels(sim.report, review_truthfully(sim, tmp_path / "full.csv"))
    blind_path = review_truthfully(sim, tmp_path / "blind.csv", blind=True)
    assert "flagged" not in pd.read_csv(blind_path).columns
    blind = review_labels(sim.report, blind_path)
    entry = CheckEntry.from_report("labels", sim.report)
    from_dict = review_labels(json.loads(json.dumps(sim.report.to_dict())), blind_path)
    from_entry = review_labels(entry, blind_path)
    from_entry_dict = review_labels(entry.to_dict(), blind_path)
    for other in (blind, from_dict, from_entry, from_entry_dict):
        assert other.noise_rate == full.noise_rate and other.precision == full.precision
        assert other.corrections == full.corrections


def test_the_review_report_round_trips_through_the_record(sim: Simulated, reviewed: Path) -> None:
    review = review_labels(sim.report, reviewed)
    rebuilt = report_from_dict(json.loads(json.dumps(review.to_dict())))
    assert rebuilt == review and isinstance(rebuilt, LabelReviewReport)


def test_partial_reviews_count_only_the_reviewed_rows(sim: Simulated, reviewed: Path) -> None:
    frame = pd.read_csv(reviewed, dtype=str, keep_default_na=False)
    frame = frame.iloc[5:]  # rows may also be dropped from the file: not reviewed
    frame.loc[frame.index[:3], ["reviewer_verdict", "reviewer_label"]] = ""
    frame.to_csv(reviewed, index=False)
    review = review_labels(sim.report, reviewed)
    assert review.reviewed == 90 - 8
    assert any("8 rows of the sample have no verdict" in n for n in review.notes)


def test_a_stratum_without_reviewed_rows_cannot_be_estimated(
    sim: Simulated, reviewed: Path
) -> None:
    frame = pd.read_csv(reviewed, dtype=str, keep_default_na=False)
    first = sim.report.classes[0]
    drop = (frame["given"] == str(first)) & (frame["flagged"] == "True")
    frame.loc[drop, ["reviewer_verdict", "reviewer_label"]] = ""
    frame.to_csv(reviewed, index=False)
    review = review_labels(sim.report, reviewed, max_noise_rate=1.0)
    assert math.isnan(review.per_class[0].noise_rate) and math.isnan(review.noise_rate)
    assert not review.passed  # an estimate that cannot be made does not pass
    assert any(f"class {first!r}: none of its" in n for n in review.notes)


# -- corrections ----------------------------------------------------------------------


def test_corrected_label_file(sim: Simulated, reviewed: Path, tmp_path: Path) -> None:
    review = review_labels(sim.report, reviewed)
    out = review.write_corrections(tmp_path / "fixes" / "corrected.csv")
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["position", "index", "given", "corrected"]
    sample_pos = np.array([r.position for r in sim.report.audit_sample.rows])
    wrong = sample_pos[sim.y[sample_pos] != sim.y_true[sample_pos]]
    assert list(frame["position"]) == sorted(wrong.tolist())
    assert (frame["given"].to_numpy() == sim.y[frame["position"]]).all()
    assert (frame["corrected"].to_numpy() == sim.y_true[frame["position"]]).all()
    assert (frame["given"] != frame["corrected"]).all()
    with pytest.raises(MlauditInputError, match="exists; pass overwrite=True"):
        review.write_corrections(out)
    assert review.write_corrections(out, overwrite=True) == out


def test_a_wrong_row_without_a_label_counts_but_is_not_corrected(
    sim: Simulated, reviewed: Path
) -> None:
    frame = pd.read_csv(reviewed, dtype=str, keep_default_na=False)
    row = int(np.flatnonzero(frame["reviewer_verdict"] == "wrong")[0])
    full = review_labels(sim.report, reviewed)
    _edit(reviewed, row, reviewer_label="", reviewer_verdict="WRONG ")
    review = review_labels(sim.report, reviewed)
    assert review.wrong == full.wrong and len(review.corrections) == len(full.corrections) - 1
    assert any("1 rows judged wrong have no 'reviewer_label'" in n for n in review.notes)


def test_string_labels_and_pandas_ids_in_the_corrections(tmp_path: Path) -> None:
    from pytest_mlaudit import check_labels

    names = np.array(["approve", "decline"])
    y_true = np.r_[[0] * 60, [1] * 60]
    y = y_true.copy()
    y[:6] = 1
    probs = np.where(y_true[:, None] == np.arange(2), 0.9, 0.1)
    ids = [f"app-{i}" for i in range(120)]
    report = check_labels(
        None, pd.Series(names[y], index=ids), pred_probs=probs, audit_per_class=12
    )
    path = report.audit_sample.to_csv(tmp_path / "s.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    pos = frame["position"].astype(int).to_numpy()
    wrong = y[pos] != y_true[pos]
    frame["reviewer_verdict"] = np.where(wrong, "wrong", "correct")
    frame["reviewer_label"] = np.where(wrong, names[y_true[pos]], "")
    frame.to_csv(path, index=False)
    fixes = review_labels(report, path).corrections_frame()
    assert len(fixes) == 6
    assert set(fixes["index"]) == {f"app-{i}" for i in range(6)}
    assert set(fixes["given"]) == {"decline"} and set(fixes["corrected"]) == {"approve"}


# -- file validation ------------------------------------------------------------------


@pytest.mark.parametrize("column", ["position", "reviewer_verdict", "reviewer_label"])
def test_a_missing_column_is_named(sim: Simulated, reviewed: Path, column: str) -> None:
    pd.read_csv(reviewed, dtype=str).drop(columns=[column]).to_csv(reviewed, index=False)
    with pytest.raises(MlauditInputError, match=rf"has no column '{column}'"):
        review_labels(sim.report, reviewed)


def test_an_unknown_verdict_names_the_row_and_column(sim: Simulated, reviewed: Path) -> None:
    position = pd.read_csv(reviewed)["position"][4]
    _edit(reviewed, 4, reviewer_verdict="maybe")
    with pytest.raises(
        MlauditInputError,
        match=rf"line 6 \(position={position}\): column 'reviewer_verdict' is 'maybe'; "
        "write 'correct' or 'wrong'",
    ):
        review_labels(sim.report, reviewed)


def test_a_row_not_in_the_sample_is_named(sim: Simulated, reviewed: Path) -> None:
    in_sample = {r.position for r in sim.report.audit_sample.rows}
    outside = next(i for i in range(2_000) if i not in in_sample)
    _edit(reviewed, 2, position=str(outside))
    with pytest.raises(
        MlauditInputError,
        match=rf"line 4 \(position={outside}\): column 'position' names no row of this "
        "report's audit sample",
    ):
        review_labels(sim.report, reviewed)
    _edit(reviewed, 2, position="abc")
    with pytest.raises(MlauditInputError, match=r"line 4 \(position=abc\)"):
        review_labels(sim.report, reviewed)


def test_contradictions_and_unknown_labels_are_named(sim: Simulated, reviewed: Path) -> None:
    frame = pd.read_csv(reviewed, dtype=str, keep_default_na=False)
    given = frame.loc[0, "given"]
    other = next(str(c) for c in sim.report.classes if str(c) != given)
    cases = [
        ({"reviewer_verdict": "wrong", "reviewer_label": given}, "differs from the given"),
        ({"reviewer_verdict": "correct", "reviewer_label": other}, "differs from the given"),
        ({"reviewer_verdict": "", "reviewer_label": other}, "is filled but 'reviewer_verdict'"),
        ({"reviewer_verdict": "wrong", "reviewer_label": "cat"}, "'cat', which is not a class"),
        ({"given": other}, "column 'given' is"),
        ({"position": frame.loc[1, "position"]}, "appears twice"),
    ]
    for cells, message in cases:
        path = review_truthfully(sim, reviewed)
        _edit(path, 0, **cells)
        with pytest.raises(MlauditInputError, match=r"line [23] \(position=\d+\).*" + message):
            review_labels(sim.report, path)


def test_bad_arguments_are_refused(sim: Simulated, reviewed: Path, tmp_path: Path) -> None:
    with pytest.raises(MlauditInputError, match="is not a file"):
        review_labels(sim.report, tmp_path / "nope.csv")
    empty = review_truthfully(sim, tmp_path / "empty.csv")
    pd.read_csv(empty).assign(reviewer_verdict="", reviewer_label="").to_csv(empty, index=False)
    with pytest.raises(MlauditInputError, match="has no verdict"):
        review_labels(sim.report, empty)
    with pytest.raises(MlauditInputError, match="report_or_record must be the LabelReport"):
        review_labels(object(), reviewed)
    with pytest.raises(MlauditInputError, match="max_noise_rate"):
        review_labels(sim.report, reviewed, max_noise_rate=2.0)
    with pytest.raises(MlauditInputError, match="fail_on"):
        review_labels(sim.report, reviewed, fail_on="mean")
    with pytest.raises(MlauditInputError, match="confidence must be strictly between"):
        review_labels(sim.report, reviewed, confidence=1.0)


# -- the check: verdict, measures, registry, Auditor ----------------------------------


def test_the_check_fails_above_the_limit_on_the_chosen_figure(
    sim: Simulated, reviewed: Path
) -> None:
    review = review_labels(sim.report, reviewed, max_noise_rate=0.05)
    assert review.noise_rate > 0.05 and not review.passed
    with pytest.raises(CheckFailed, match="label_review FAILED"):
        review.assert_ok()
    loose = review_labels(sim.report, reviewed, max_noise_rate=0.2)
    worst_upper = max(c.noise_high for c in loose.per_class)
    assert loose.passed
    strict = review_labels(sim.report, reviewed, max_noise_rate=0.2, fail_on="upper")
    assert strict.passed == (worst_upper <= 0.2 and strict.noise_high <= 0.2)
    assert strict.headline().name.startswith("noise_rate_upper")


def test_measures_are_the_per_class_noise_rates(sim: Simulated, reviewed: Path) -> None:
    review = review_labels(sim.report, reviewed, max_noise_rate=0.09)
    measures = review.measures()
    assert [m.subject for m in measures] == [str(c) for c in sim.report.classes]
    for m, c in zip(measures, review.per_class, strict=True):
        assert (m.name, m.statistic, m.threshold) == ("noise_rate", c.noise_rate, 0.09)
    assert review.passed == (not any(m.breached for m in measures) and review.noise_rate <= 0.09)
    figures = review.key_figures()
    assert figures["noise_rate"] == review.noise_rate and figures["reviewed"] == 90


def test_the_auditor_runs_it_under_the_labels_marker(sim: Simulated, reviewed: Path) -> None:
    seen: list[str] = []
    audit = Auditor(
        defaults={"labels": {"max_noise_rate": 0.2, "max_issue_rate": 0.3}},
        sink=lambda name, report, seconds: seen.append(name),
    )
    review = audit.label_review(sim.report, reviewed)
    assert isinstance(review, LabelReviewReport) and review.max_noise_rate == 0.2
    assert seen == ["label_review"]


def test_the_estimators_edge_cases() -> None:
    assert stratified([Stratum(10, 10, 3)], 0.95).low == pytest.approx(0.3)  # a census
    none = stratified([Stratum(100, 10, 0), Stratum(0, 0, 0)], 0.95)
    assert none.estimate == 0.0 and 0.0 < none.high < 0.35
    low, high = wilson(0.5, 100, 0.95)
    assert (low, high) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert math.isnan(stratified([Stratum(5, 0, 0)], 0.95).estimate)


def test_the_record_entry_keeps_the_measures_for_the_history(
    sim: Simulated, reviewed: Path
) -> None:
    from pytest_mlaudit.report.sections.label_review import advice, render

    review = review_labels(sim.report, reviewed, max_noise_rate=0.05)
    entry = CheckEntry.from_report("label_review", review)
    data = json.loads(json.dumps(entry.to_dict()))
    assert CheckEntry.from_dict(data).measures == review.measures()
    assert [m["subject"] for m in data["measures"]] == [str(c) for c in sim.report.classes]
    html = render(data).to_html()
    assert "Per class (given label)" in html and "Corrected labels" in html
    assert "FAIL" in html and "write_corrections" in advice(data)


def test_the_history_keeps_the_estimated_noise_rate_over_time(tmp_path: Path) -> None:
    from pytest_mlaudit.history import HistoryStore
    from pytest_mlaudit.record import build_record

    store = HistoryStore(tmp_path / "history.sqlite")
    expected = {}
    for run, seed in enumerate((1, 2)):
        s = simulate(seed, per_class=20)
        review = review_labels(s.report, review_truthfully(s, tmp_path / f"r{seed}.csv"))
        entry = CheckEntry.from_report("label_review", review, nodeid="t.py::test_review")
        store.append(build_record([entry], cwd=tmp_path))
        expected[run] = {str(c.label): c.noise_rate for c in review.per_class}
    trended = [m for m in store.measures() if m.name == "noise_rate" and m.subject]
    assert len(trended) == 6
    assert sorted(m.value for m in trended) == pytest.approx(
        sorted(v for run in expected.values() for v in run.values())
    )
    assert {m.threshold for m in trended} == {0.05}
