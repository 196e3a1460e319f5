"""Every flagged row is on the live report; the record keeps the top N and the counts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import MlauditInputError
from pytest_mlaudit.checks.labels import LabelReport, check_labels
from pytest_mlaudit.result import report_from_dict
from tests.checks.labels.label_review_fixtures import simulate


def test_issues_frame_has_every_flagged_row_sorted_by_quality() -> None:
    sim = simulate(3, per_class=10)
    report = check_labels(None, sim.y, pred_probs=sim.probs, top_n=5)
    frame = report.issues_frame()
    assert report.issues > 5 and len(report.suspicious) == 5
    assert len(frame) == report.issues == int(report.issue_mask.sum())
    assert list(frame.columns) == ["position", "index", "given", "suggested", "quality"]
    assert frame["quality"].is_monotonic_increasing
    assert list(frame["position"][:5]) == [r.position for r in report.suspicious]
    assert set(frame["position"]) == set(np.flatnonzero(report.issue_mask))
    assert list(report.issue_positions) == sorted(frame["position"])
    assert (frame["given"].to_numpy() == sim.y[frame["position"]]).all()
    assert report.has_all_issues


def test_index_labels_and_skipped_rows_in_the_full_issues() -> None:
    """Row ids are the pandas index; rows of a skipped rare class are never flagged."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    ids = [f"r{i}" for i in range(202)]
    X = pd.DataFrame(
        {"a": np.r_[rng.normal(0, 1, 100), rng.normal(4, 1, 100), [9.0, 9.0]]}, index=ids
    )
    y = pd.Series(np.r_[[0] * 100, [1] * 100, [2, 2]], index=ids)
    y.iloc[:6] = 1  # six obvious flips
    report = check_labels(X, y, model=LogisticRegression(), cv=3, rare_classes="skip", top_n=2)
    frame = report.issues_frame()
    assert len(report.issue_mask) == 202 and not report.issue_mask[200:].any()
    assert {f"r{i}" for i in range(6)} <= set(frame["index"])
    assert len(frame) == report.issues


def test_the_record_keeps_the_top_n_and_counts_only() -> None:
    sim = simulate(1, per_class=10)
    report = sim.report
    data = report.to_dict()
    assert "flagged_rows" not in data
    assert len(data["suspicious"]) == report.top_n < report.issues
    assert data["issues"] == report.issues
    rebuilt = report_from_dict(json.loads(json.dumps(data)))
    assert isinstance(rebuilt, LabelReport)
    assert rebuilt == report  # the arrays are not part of the comparison
    assert not rebuilt.has_all_issues
    for use in (rebuilt.issues_frame, lambda: rebuilt.issue_mask):
        with pytest.raises(MlauditInputError, match=r"rebuilt from an audit record.*top_n=50"):
            use()
    assert len(rebuilt.suspicious_frame()) == report.top_n


def test_no_flagged_row_gives_an_empty_frame() -> None:
    y = np.array([0] * 20 + [1] * 20)
    probs = np.where(y[:, None] == np.arange(2), 0.95, 0.05)
    report = check_labels(None, y, pred_probs=probs)
    assert report.issues == 0
    frame = report.issues_frame()
    assert frame.empty and list(frame.columns)[:3] == ["position", "index", "given"]
    assert not report.issue_mask.any()
