"""Models as the docs promise them: anything with fit, predict_proba and get_params, fitted
on the labels as given (strings stay strings, so class_weight by label works)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from pytest_mlaudit import check_labels
from pytest_mlaudit.errors import MlauditInputError

rng = np.random.default_rng(0)
X = rng.normal(size=(400, 4))
Y = np.where(X[:, 0] + 0.3 * rng.normal(size=400) > 0, "fraud", "ok")


class ProbaOnly:
    """fit, predict_proba and get_params; no predict, no BaseEstimator."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"C": self.C}

    def set_params(self, **params: Any) -> ProbaOnly:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X: Any, y: Any) -> ProbaOnly:
        self._model = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self._model.classes_
        return self

    def predict_proba(self, X: Any) -> Any:
        return self._model.predict_proba(X)


class NoClasses(ProbaOnly):
    """... and no classes_ either: columns are taken to be in sorted label order."""

    def fit(self, X: Any, y: Any) -> NoClasses:
        super().fit(X, y)
        del self.classes_
        return self


def _by_hand(model: Any, y: np.ndarray) -> np.ndarray:
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    return cross_val_predict(model, X, y, cv=folds, method="predict_proba")


@pytest.mark.parametrize("model", [ProbaOnly(), NoClasses()])
def test_a_model_without_predict_is_audited(model: Any) -> None:
    report = check_labels(X, Y, model=model)
    expected = check_labels(X, Y, pred_probs=_by_hand(LogisticRegression(), Y))
    assert report.classes == ("fraud", "ok")
    assert (report.issues, report.per_class) == (expected.issues, expected.per_class)
    assert [r.position for r in report.suspicious] == [r.position for r in expected.suspicious]


def test_the_model_is_fitted_on_the_labels_as_given() -> None:
    weighted = LogisticRegression(class_weight={"fraud": 10, "ok": 1})
    report = check_labels(X, Y, model=weighted)
    codes = (Y == "ok").astype(int)  # what scikit-learn would fit on: fraud=0, ok=1
    by_hand = _by_hand(LogisticRegression(class_weight={0: 10, 1: 1}), codes)
    assert report.issues == check_labels(X, Y, pred_probs=by_hand).issues
    assert check_labels(X, Y, model=clone(weighted)).issues == report.issues


def test_probabilities_equal_cross_val_predict_bit_for_bit_for_ordinary_models() -> None:
    from pytest_mlaudit.checks.labels.probs import out_of_fold

    probs, source, _ = out_of_fold(
        X, Y, LogisticRegression(), n_classes=2, cv=5, seed=0, n_jobs=None, cache=None
    )
    assert source == "cross_validation"
    assert np.array_equal(probs, _by_hand(LogisticRegression(), Y))


def test_classes_that_are_not_the_labels_are_refused() -> None:
    class Renamed(ProbaOnly):
        def fit(self, X: Any, y: Any) -> Renamed:
            super().fit(X, y)
            self.classes_ = np.array(["a", "b"])
            return self

    with pytest.raises(MlauditInputError, match=r"classes_ \['a', 'b'\] after fitting"):
        check_labels(X, Y, model=Renamed())
