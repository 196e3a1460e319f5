"""Bad input gets an MlauditInputError that names the argument, never a cleanlab or
scikit-learn internal error."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC

from pytest_mlaudit.checks.labels import check_labels
from pytest_mlaudit.errors import MlauditInputError

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 3))
Y = np.repeat([0, 1, 2], 20)
P = np.full((60, 3), 0.1)
P[np.arange(60), Y] = 0.8


def raises(match: str, *args: Any, **kwargs: Any) -> MlauditInputError:
    with pytest.raises(MlauditInputError, match=match) as info:
        check_labels(*args, **kwargs)
    assert type(info.value) is MlauditInputError
    return info.value


# -- the target ----------------------------------------------------------------------


def test_regression_target() -> None:
    raises(r"non-integer numbers .* regression target", X, rng.normal(size=60), model=GaussianNB())
    raises(r"regression target", X, list(rng.normal(size=60)), pred_probs=P)


def test_multilabel_indicator_matrix() -> None:
    raises(r"shape \(60, 3\): multi-label", X, np.eye(3)[Y], model=GaussianNB())


def test_multilabel_lists() -> None:
    ragged = [[0, 1] if i % 2 else [2] for i in range(60)]
    raises(r"sequences .* multi-label", X, ragged, model=GaussianNB())
    raises(r"sequences .* multi-label", X, [[0, 1]] * 60, model=GaussianNB())
    as_objects = pd.Series([(0, 1)] * 30 + [(2,)] * 30)
    raises(r"sequences .* multi-label", X, as_objects, model=GaussianNB())


def test_multilabel_sparse_and_multioutput_frame() -> None:
    raises(r"sparse matrix .* multi-label", X, scipy.sparse.csr_matrix(np.eye(3)[Y]), pred_probs=P)
    frame = pd.DataFrame({"a": Y, "b": Y})
    raises(r"DataFrame with 2 columns", X, frame, model=GaussianNB())


def test_single_class() -> None:
    raises(r"single class \('only' in all 60 rows\)", X, ["only"] * 60, model=GaussianNB())
    raises(
        r"single class",
        X,
        np.zeros(60, int),
        pred_probs=np.tile([0.5, 0.5], (60, 1)),
        classes=[0, 1],
    )


def test_rare_class_fewer_rows_than_folds() -> None:
    y = Y.copy()
    y[:2] = 9  # two rows of class 9: absent from at least three of five folds
    err = raises(r"fewer rows than cv=5 folds .* 9 \(2 rows\)", X, y, model=GaussianNB())
    assert "rare_classes='skip'" in str(err)
    raises(r"fewer rows than cv=3", X, y, model=GaussianNB(), cv=3)


def test_class_absent_from_a_training_fold() -> None:
    y = Y.copy()
    y[0] = 7  # one row: whichever fold holds it out, the model never sees class 7
    raises(r"cannot be in every fold: 7 \(1 rows\)", X, y, model=GaussianNB(), cv=2)


def test_skipping_rare_classes_must_leave_two() -> None:
    y = np.array([0] * 57 + [1, 1, 2])
    raises(r"fewer than two classes", X, y, model=GaussianNB(), rare_classes="skip")


def test_missing_and_mixed_labels() -> None:
    y = Y.astype(object)
    y[[3, 8]] = None
    raises(r"2 missing labels .* positions \[3, 8\]", X, y, model=GaussianNB())
    raises(r"missing labels", X, np.where(Y == 0, np.nan, Y), model=GaussianNB())
    raises(r"mixes label types \(int, str\)", X, [1, "a"] * 30, model=GaussianNB())
    raises(r"infinite", X, np.where(Y == 0, np.inf, Y), model=GaussianNB())


def test_empty_or_scalar_y() -> None:
    raises(r"y is empty", None, [], pred_probs=np.zeros((0, 2)))
    raises(r"y must be a 1-D sequence", X, "labels", model=GaussianNB())
    raises(r"y is None", X, None, model=GaussianNB())
    raises(r"dtype datetime64", X, pd.date_range("2024", periods=60).to_numpy(), model=GaussianNB())


# -- pred_probs and classes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("probs", "match"),
    [
        (P[:, :2] / P[:, :2].sum(1, keepdims=True), r"2 columns but there are 3 classes"),
        (P[:50], r"shape \(n_rows, n_classes\) = \(60, 3\); got shape \(50, 3\)"),
        (P[:, 0], r"1-D .* np.column_stack"),
        (np.where(np.arange(180).reshape(60, 3) == 4, np.nan, P), r"NaN or infinite .* row 1"),
        (P * 3, r"lie in \[0, 1\]"),
        (np.vstack([[-0.2, 0.6, 0.6], P[1:]]), r"got values from -0.2"),
        (P * 0.9, r"rows must sum to 1 .* 60 rows do not"),
        ([["a", "b", "c"]] * 60, r"numeric array"),
        (np.zeros((60, 3, 1)), r"shape \(n_rows, n_classes\)"),
    ],
)
def test_bad_pred_probs(probs: Any, match: str) -> None:
    raises(match, X, Y, pred_probs=probs)


def test_bad_classes() -> None:
    raises(r"not in classes: \[2\]", X, Y, pred_probs=P, classes=[0, 1, 5])
    raises(r"classes has duplicates", X, Y, pred_probs=P, classes=[0, 1, 1])
    raises(r"classes must be a sequence", X, Y, pred_probs=P, classes="abc")
    raises(r"classes= names the columns of pred_probs", X, Y, model=GaussianNB(), classes=[0, 1, 2])
    flags = np.array([True, False] * 30)
    raises(
        r"not distinct once shown as text", X, flags, pred_probs=P, classes=[False, True, "True"]
    )


def test_model_or_pred_probs() -> None:
    raises(r"exactly one of model= .* got both", X, Y, model=GaussianNB(), pred_probs=P)
    raises(r"exactly one of model= .* got neither", X, Y)


# -- the model and X -----------------------------------------------------------------


def test_model_without_predict_proba() -> None:
    raises(r"lacks predict_proba", X, Y, model=SVC())
    raises(r"for SVC, pass probability=True", X, Y, model=SVC())
    raises(r"lacks fit and predict_proba", X, Y, model="LogisticRegression")


def test_model_that_cannot_be_cloned() -> None:
    class NoParams:
        def fit(self, X: Any, y: Any) -> NoParams:
            return self

        def predict_proba(self, X: Any) -> np.ndarray:
            return np.full((len(X), 3), 1 / 3)

    raises(r"clonable with sklearn.base.clone", X, Y, model=NoParams())


def test_model_with_bad_probabilities() -> None:
    class Broken(GaussianNB):
        def predict_proba(self, X: Any) -> np.ndarray:
            return np.full((len(X), 3), np.nan)

    raises(r"not finite probabilities summing to 1", X, Y, model=Broken())


def test_x_must_match_y() -> None:
    raises(r"X has 59 rows but y has 60", X[:59], Y, model=GaussianNB())
    raises(r"X is None; with model=", None, Y, model=GaussianNB())
    raises(r"X must be a table of rows", 42, Y, model=GaussianNB())


def test_misaligned_pandas_indexes() -> None:
    frame = pd.DataFrame(X)
    shifted = pd.Series(Y, index=np.arange(60) + 1)
    raises(r"indexes differ .*y = y\.loc\[X\.index\]", frame, shifted, model=GaussianNB())


# -- options -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "match"),
    [
        (
            "max_issue_rate",
            1.5,
            r"max_issue_rate must be a rate between 0 and 1 .* got max_issue_rate=1.5",
        ),
        ("max_issue_rate", float("nan"), r"max_issue_rate must be a rate"),
        ("max_issue_rate", "5%", r"max_issue_rate must be a rate"),
        ("max_issue_rate", True, r"max_issue_rate must be a rate"),
        ("per_class_max_rate", -0.1, r"per_class_max_rate must be a rate"),
        ("per_class_max_rate", {0: 2}, r"per_class_max_rate\[0\] must be a rate"),
        ("per_class_max_rate", {"zebra": 0.1}, r"names classes that are not in y: \['zebra'\]"),
        ("filter_by", "prune", r"filter_by must be one of 'prune_by_noise_rate'"),
        ("rank_by", "margin", r"rank_by must be one of 'self_confidence'"),
        ("rare_classes", "drop", r"rare_classes must be one of 'error', 'skip'"),
        ("cv", 1, r"cv must be an integer >= 2; got cv=1"),
        ("cv", 2.5, r"cv must be an integer"),
        ("top_n", -1, r"top_n must be an integer >= 0"),
        ("audit_per_class", None, r"audit_per_class must be an integer"),
        ("seed", -3, r"seed must be an integer >= 0"),
        ("seed", False, r"seed must be an integer"),
        ("n_jobs", "all", r"n_jobs must be an integer"),
        ("n_jobs", 0, r"n_jobs must be None, -1 \(all cores\) or a positive integer; got 0"),
        ("include_features", "yes", r"include_features must be True or False"),
        ("cache", 3, r"cache must be None \(no cache\), True"),
    ],
)
def test_bad_options(option: str, value: Any, match: str) -> None:
    raises(match, X, Y, model=GaussianNB(), **{option: value})
    if option != "cache":  # options are checked with pred_probs too
        raises(match, X, Y, pred_probs=P, **{option: value})


def test_cache_path_that_is_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    user_file = tmp_path / "notes.txt"
    user_file.write_text("mine")
    raises(r"cache must be a directory .* existing file", X, Y, model=GaussianNB(), cache=user_file)
    assert user_file.read_text() == "mine"


def test_user_model_errors_are_not_hidden() -> None:
    """A model that fails to fit raises its own error: that is the user's to see."""
    with pytest.raises(ValueError, match="penalty") as info:
        check_labels(X, Y, model=LogisticRegression(penalty="nonsense"))
    assert not isinstance(info.value, MlauditInputError)
