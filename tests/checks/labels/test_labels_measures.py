"""LabelReport.measures(): per class, the issue rate against the class's own limit."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_mlaudit import BadWhen, LabelReport, check_labels

rng = np.random.default_rng(0)
Y = np.repeat(["cat", "dog", "eel"], 100)
P = np.full((300, 3), 0.05)
P[np.arange(300), np.repeat([0, 1, 2], 100)] = 0.9
# 20 "dog" rows whose probabilities say "cat": flagged
P[100:120] = [0.9, 0.05, 0.05]


def _check(report: LabelReport) -> None:
    measures = report.measures()
    assert [m.subject for m in measures] == [str(c.label) for c in report.per_class]
    for m, c in zip(measures, report.per_class, strict=True):
        assert m.name == "issue_rate" and m.bad_when is BadWhen.ABOVE
        assert m.statistic == c.rate and m.threshold == c.max_rate
        assert m.breached == c.breached
    class_fail = any(m.breached for m in measures)
    overall_fail = report.issue_rate > report.max_issue_rate
    assert report.passed == (not class_fail and not overall_fail)


@pytest.mark.parametrize(
    "limits", [None, 0.1, 0.5, {"dog": 0.1}, {"cat": 0.01, "eel": 0.5}, {"dog": 0.3}]
)
def test_measures_agree_with_the_verdicts(limits: object) -> None:
    report = check_labels(None, Y, pred_probs=P, per_class_max_rate=limits, max_issue_rate=0.5)
    _check(report)
    assert LabelReport.from_dict(report.to_dict()).measures() == report.measures()


def test_a_class_without_a_limit_is_tracked_not_judged() -> None:
    report = check_labels(None, Y, pred_probs=P, max_issue_rate=0.5)
    dog = {m.subject: m for m in report.measures()}["dog"]
    assert dog.threshold is None and dog.statistic == pytest.approx(0.2) and not dog.breached


def test_numpy_scalars_are_accepted_for_options() -> None:
    a = check_labels(
        None, Y, pred_probs=P, top_n=np.int64(5), seed=np.int32(1), max_issue_rate=np.float64(0.5)
    )
    b = check_labels(None, Y, pred_probs=P, top_n=5, seed=1, max_issue_rate=0.5)
    assert a == b
