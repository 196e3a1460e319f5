"""Models as users hand them over: zero probabilities, numpy X for a DataFrame model."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from pytest_mlaudit.checks.gate import check_gate
from pytest_mlaudit.checks.gate.metrics import LOG_LOSS_EPS
from pytest_mlaudit.errors import MlauditInputError

RNG = np.random.default_rng(8)
N = 400
FRAME = pd.DataFrame(
    {"age": RNG.normal(40, 10, N), "income": RNG.normal(50, 15, N), "debt": RNG.random(N)}
)
Y = (FRAME["income"] / 50 + FRAME["debt"] + RNG.normal(0, 0.5, N) > 1.5).astype(int).to_numpy()


def test_log_loss_clips_like_sklearn_when_the_true_class_gets_probability_0() -> None:
    y = np.array([0, 1, 1, 0, 1, 0])
    proba = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.3, 0.7], [0.5, 0.5], [0.0, 1.0]])
    report = check_gate(proba, None, None, y, metrics="log_loss")
    assert report.metric("log_loss").candidate == pytest.approx(skm.log_loss(y, proba), rel=1e-12)
    assert LOG_LOSS_EPS == np.finfo(np.float64).eps
    # a true class probability of 0 costs -log(eps) = 36.04, not -log(1e-15) = 34.54
    assert report.metric("log_loss").candidate == pytest.approx(
        (2 * -np.log(LOG_LOSS_EPS) - np.log(0.3) - np.log(0.5)) / 6, rel=1e-12
    )


def test_a_tree_with_hard_probabilities_scores_sklearns_log_loss() -> None:
    """A tree model gives 0 to the true class on rows it gets wrong; shuffled labels make
    many such rows. The gate's log loss (candidate and baseline) is sklearn's, so a
    shuffled-label candidate fails a log-loss gate against the real model."""
    X = FRAME.to_numpy()
    real = DecisionTreeClassifier(max_depth=6, random_state=0).fit(X[:200], Y[:200])
    shuffled = DecisionTreeClassifier(max_depth=6, random_state=0).fit(
        X[:200], RNG.permutation(Y[:200])
    )
    Xt, yt = X[200:], Y[200:]
    report = check_gate(shuffled, real, Xt, yt, metrics="log_loss", n_boot=500)
    m = report.metric("log_loss")
    assert m.candidate == pytest.approx(skm.log_loss(yt, shuffled.predict_proba(Xt)), rel=1e-12)
    assert m.baseline == pytest.approx(skm.log_loss(yt, real.predict_proba(Xt)), rel=1e-12)
    assert not report.passed


def _frame_model() -> object:
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(FRAME, Y)


def test_numpy_X_for_a_model_fitted_on_a_dataframe_is_converted_without_warnings() -> None:
    model = _frame_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no sklearn "X does not have valid feature names"
        report = check_gate(model, model, FRAME.to_numpy(), Y, metrics=["accuracy", "roc_auc"])
        on_frame = check_gate(model, model, FRAME, Y, metrics=["accuracy", "roc_auc"])
    assert report.metric("roc_auc").candidate == on_frame.metric("roc_auc").candidate
    assert any(
        "X was given as ndarray of shape (400, 3)" in n and "'age', 'income', 'debt'" in n
        for n in report.notes
    ), report.notes
    assert not on_frame.notes
    # a list of rows too, and the artifact checks' sample
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = check_gate(model, None, FRAME.to_numpy().tolist(), Y, artifact=True, latency_rows=3)
    assert rows.artifact is not None and rows.artifact.passed, rows.summary()


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (FRAME.to_numpy()[:, :2], r"X was given as ndarray of shape \(400, 2\), but the candidate"),
        (FRAME.to_numpy()[:, 0], r"shape \(400,\).*pass X as a DataFrame with those columns"),
    ],
)
def test_numpy_X_of_another_shape_is_refused(X: np.ndarray, match: str) -> None:
    with pytest.raises(MlauditInputError, match=match):
        check_gate(_frame_model(), None, X, Y)


def test_the_baseline_is_aligned_on_its_own() -> None:
    frame_model = _frame_model()
    array_model = LogisticRegression().fit(FRAME.to_numpy(), Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = check_gate(array_model, frame_model, FRAME.to_numpy(), Y, n_boot=200)
    about_x = [n for n in report.notes if n.startswith("X was given")]
    assert len(about_x) == 1 and "the baseline was fitted on a DataFrame" in about_x[0]
