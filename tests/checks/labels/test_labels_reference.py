"""Reference tests: the wrapper loses nothing against calling cleanlab directly.

The reference is what one would write by hand: ``cross_val_predict`` with a seeded
``StratifiedKFold`` for out-of-fold probabilities, then ``cleanlab.filter.find_label_issues``,
``cleanlab.rank.get_label_quality_scores`` and ``cleanlab.count.compute_confident_joint``
on integer labels.
"""

from __future__ import annotations

import numpy as np
import pytest
from cleanlab.count import compute_confident_joint
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from pytest_mlaudit.checks.labels import check_labels
from pytest_mlaudit.checks.labels._validate import FILTER_BY, RANK_BY


def by_hand_probs(X: np.ndarray, y: np.ndarray, *, cv: int = 5, seed: int = 0) -> np.ndarray:
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    return cross_val_predict(
        LogisticRegression(max_iter=1000), X, y, cv=folds, method="predict_proba"
    )


def flagged_positions(report) -> set[int]:  # type: ignore[no-untyped-def]
    assert len(report.suspicious) == report.issues, "top_n must keep every flagged row here"
    return {row.position for row in report.suspicious}


@pytest.fixture(scope="module")
def big(noisy):  # type: ignore[no-untyped-def]
    """20,000 rows, 5 well-separated classes, 10% flipped, with by-hand OOF probabilities."""
    data = noisy(20_000)
    return data, by_hand_probs(data.X, data.y)


@pytest.fixture(scope="module")
def small_probs(small):  # type: ignore[no-untyped-def]
    return by_hand_probs(small.X, small.y)


def test_20k_flags_equal_direct_cleanlab_and_recall_flips(big) -> None:  # type: ignore[no-untyped-def]
    data, probs = big
    report = check_labels(data.X, data.y, pred_probs=probs, top_n=20_000, max_issue_rate=0.2)
    direct = find_label_issues(data.y, probs, n_jobs=1)
    assert flagged_positions(report) == set(np.flatnonzero(direct).tolist())
    flipped = set(data.flipped.tolist())
    hits = len(flagged_positions(report) & flipped)
    recall, precision = hits / len(flipped), hits / report.issues
    assert recall >= 0.9, recall
    assert precision >= 0.8, precision
    assert report.passed


def test_model_path_equals_cross_val_predict_by_hand(noisy) -> None:  # type: ignore[no-untyped-def]
    data = noisy(3_000, seed=3)
    report = check_labels(
        data.X, data.y, model=LogisticRegression(max_iter=1000), cv=4, seed=11, top_n=3_000
    )
    probs = by_hand_probs(data.X, data.y, cv=4, seed=11)
    direct = find_label_issues(data.y, probs, n_jobs=1)
    assert report.probabilities == "cross_validation"
    assert flagged_positions(report) == set(np.flatnonzero(direct).tolist())
    quality = get_label_quality_scores(data.y, probs)
    for row in report.suspicious:
        assert row.quality == pytest.approx(quality[row.position], abs=1e-12)
        assert row.suggested == int(probs[row.position].argmax())


@pytest.mark.parametrize("filter_by", FILTER_BY)
def test_every_filter_by_matches_cleanlab(small, small_probs, filter_by: str) -> None:  # type: ignore[no-untyped-def]
    probs = small_probs
    report = check_labels(
        None, small.y, pred_probs=probs, filter_by=filter_by, top_n=2_000, max_issue_rate=1.0
    )
    direct = find_label_issues(small.y, probs, filter_by=filter_by, n_jobs=1)
    assert flagged_positions(report) == set(np.flatnonzero(direct).tolist())
    assert report.filter_by == filter_by


@pytest.mark.parametrize("rank_by", RANK_BY)
def test_ranking_matches_cleanlab(small, small_probs, rank_by: str) -> None:  # type: ignore[no-untyped-def]
    probs = small_probs
    report = check_labels(None, small.y, pred_probs=probs, rank_by=rank_by, top_n=25)
    ranked = find_label_issues(small.y, probs, return_indices_ranked_by=rank_by, n_jobs=1)
    scores = get_label_quality_scores(small.y, probs, method=rank_by)
    kept = [row.position for row in report.suspicious]
    assert len(kept) == 25
    # same rows in the same order of score (cleanlab's argsort is not stable; ties aside)
    np.testing.assert_allclose([row.quality for row in report.suspicious], scores[ranked[:25]])
    assert set(kept) <= set(ranked.tolist())
    assert scores[kept].tolist() == sorted(scores[kept].tolist())


def test_confusion_holds_the_confident_joint_and_flagged_pairs(small, small_probs) -> None:  # type: ignore[no-untyped-def]
    probs = small_probs
    report = check_labels(None, small.y, pred_probs=probs, max_issue_rate=1.0)
    joint = compute_confident_joint(small.y, probs)
    mask = find_label_issues(small.y, probs, n_jobs=1)
    suggested = probs.argmax(axis=1)
    for cell in report.confusion:
        g, s = int(cell.given), int(cell.suggested)
        assert cell.confident == joint[g, s]
        assert cell.flagged == int(np.sum(mask & (small.y == g) & (suggested == s)))
    listed = {(c.given, c.suggested) for c in report.confusion}
    for g, s in zip(*np.nonzero(joint), strict=True):
        if g != s:
            assert (int(g), int(s)) in listed
    assert sum(c.flagged for c in report.confusion) == report.issues


def test_string_labels_give_the_same_flags_as_codes(small, small_probs) -> None:  # type: ignore[no-untyped-def]
    names = np.array(["ant", "bee", "cat", "dog", "eel"])
    probs = small_probs
    as_ints = check_labels(None, small.y, pred_probs=probs, top_n=2_000, max_issue_rate=1.0)
    as_strs = check_labels(None, names[small.y], pred_probs=probs, top_n=2_000, max_issue_rate=1.0)
    assert flagged_positions(as_ints) == flagged_positions(as_strs)
    assert as_strs.classes == tuple(names)
    for a, b in zip(as_ints.suspicious, as_strs.suspicious, strict=True):
        assert names[a.given] == b.given and names[a.suggested] == b.suggested
