"""Property tests (hypothesis): on any valid small problem the wrapper agrees with
cleanlab, its numbers add up, row order does not matter and the record round-trips."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from cleanlab.filter import find_label_issues
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mlaudit.checks.labels import LabelReport, check_labels
from pytest_mlaudit.checks.labels._validate import FILTER_BY, RANK_BY

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities that look like an imperfect model's: mostly right."""
    k = draw(st.integers(2, 5))
    n = draw(st.integers(4 * k, 150))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, size=n)
    truth[:k] = np.arange(k)  # every class has rows
    sharpness = draw(st.floats(0.5, 20.0))
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), truth] += sharpness * rng.uniform(0.2, 1.0, size=n)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    noise = draw(st.floats(0.0, 0.4))
    labels = truth.copy()
    flip = rng.uniform(size=n) < noise
    flip[:k] = False  # every class keeps rows
    labels[flip] = (truth[flip] + rng.integers(1, k, size=int(flip.sum()))) % k
    return labels, probs


def flagged(report: LabelReport) -> set[int]:
    return {row.position for row in report.suspicious}


@pytest.mark.filterwarnings("ignore:May not flag all label issues:UserWarning")
@SETTINGS
@given(problem=problems(), filter_by=st.sampled_from(FILTER_BY))
def test_flags_equal_cleanlab(problem: tuple[np.ndarray, np.ndarray], filter_by: str) -> None:
    labels, probs = problem
    report = check_labels(None, labels, pred_probs=probs, filter_by=filter_by, top_n=len(labels))
    direct = find_label_issues(labels, probs, filter_by=filter_by, n_jobs=1)
    assert flagged(report) == set(np.flatnonzero(direct).tolist())


@SETTINGS
@given(
    problem=problems(),
    filter_by=st.sampled_from(FILTER_BY),
    rank_by=st.sampled_from(RANK_BY),
    top_n=st.integers(0, 30),
    per_class=st.integers(0, 6),
)
def test_numbers_add_up(
    problem: tuple[np.ndarray, np.ndarray], filter_by: str, rank_by: str, top_n: int, per_class: int
) -> None:
    labels, probs = problem
    report = check_labels(
        None,
        labels,
        pred_probs=probs,
        filter_by=filter_by,
        rank_by=rank_by,
        top_n=top_n,
        audit_per_class=per_class,
    )
    assert 0 <= report.issues <= report.rows == len(labels)
    assert sum(c.rows for c in report.per_class) == report.rows
    assert sum(c.issues for c in report.per_class) == report.issues
    assert sum(c.flagged for c in report.confusion) == report.issues
    assert len(report.suspicious) == min(top_n, report.issues)
    qualities = [r.quality for r in report.suspicious]
    assert qualities == sorted(qualities)
    assert all(r.flagged for r in report.suspicious)
    if not filter_by.startswith("low_"):  # cleanlab drops rows whose argmax is the label
        assert all(r.given != r.suggested for r in report.suspicious)
    for c in report.per_class:
        sample = [r for r in report.audit_sample.rows if r.given == c.label]
        assert len(sample) == min(per_class, c.rows)
        assert all(labels[r.position] == r.given for r in sample)
    assert report.passed == (
        report.issue_rate <= report.max_issue_rate and not any(c.breached for c in report.per_class)
    )


@SETTINGS
@given(problem=problems(), seed=st.integers(0, 2**16))
def test_row_order_does_not_matter(problem: tuple[np.ndarray, np.ndarray], seed: int) -> None:
    labels, probs = problem
    order = np.random.default_rng(seed).permutation(len(labels))
    a = check_labels(None, labels, pred_probs=probs, top_n=len(labels))
    b = check_labels(None, labels[order], pred_probs=probs[order], top_n=len(labels))
    assert {int(order[p]) for p in flagged(b)} == flagged(a)
    assert [(c.label, c.rows, c.issues) for c in a.per_class] == [
        (c.label, c.rows, c.issues) for c in b.per_class
    ]


_names = st.one_of(
    st.lists(st.text(min_size=1, max_size=8), min_size=5, max_size=5, unique=True),
    st.lists(st.integers(-(10**12), 10**12), min_size=5, max_size=5, unique=True),
)


@SETTINGS
@given(problem=problems(), names=_names)
def test_any_label_names_map_back_and_round_trip(
    problem: tuple[np.ndarray, np.ndarray], names: list[Any]
) -> None:
    labels, probs = problem
    k = probs.shape[1]
    ordered = sorted(names[:k])  # the column order is the sorted order of the classes
    values = np.array(ordered, dtype=object)[labels]
    as_codes = check_labels(None, labels, pred_probs=probs, top_n=10, audit_per_class=3)
    named = check_labels(None, values, pred_probs=probs, top_n=10, audit_per_class=3)
    assert named.classes == tuple(ordered)
    assert [r.position for r in named.suspicious] == [r.position for r in as_codes.suspicious]
    assert [r.given for r in named.suspicious] == [ordered[r.given] for r in as_codes.suspicious]
    text = json.dumps(named.to_dict(), allow_nan=False)
    assert LabelReport.from_dict(json.loads(text)) == named
