"""The model as ``cross_val_predict`` sees it: the user's labels, and no ``predict`` needed.

``sklearn.model_selection.cross_val_predict(..., method="predict_proba")`` does two things
a label audit must not inherit:

* its parameter validation requires ``fit`` **and** ``predict``, although it only calls
  ``predict_proba``; a model with ``fit``, ``predict_proba`` and ``get_params`` (what
  :func:`~pytest_mlaudit.check_labels` asks for) is refused inside scikit-learn;
* it encodes ``y`` with a ``LabelEncoder`` before fitting, so the model is fitted on the
  codes ``0..K-1``, not on the labels: ``class_weight={"fraud": 10}`` then fails
  ("The classes, [0, 1], are not in class_weight").

:class:`LabelsAsGiven` wraps the model for the folds: it maps the codes back to the
labels before fitting a clone of it, offers ``predict`` (the most probable class) and
gives ``classes_`` as the codes ``cross_val_predict`` orders its columns by. Otherwise
the folds, the clones and the parallelism are ``cross_val_predict``'s own.

This module imports scikit-learn; it is imported only when a model is cross-validated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["LabelsAsGiven"]


class LabelsAsGiven(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """``estimator`` fitted on ``classes[codes]``; ``classes_`` are codes into ``classes``.

    ``classes`` are the sorted distinct labels of the training ``y`` (what
    ``cross_val_predict``'s ``LabelEncoder`` encodes them as ``0..K-1``).
    """

    def __init__(self, estimator: Any = None, classes: Any = None) -> None:
        self.estimator = estimator
        self.classes = classes

    def fit(self, X: Any, y: Any, **params: Any) -> LabelsAsGiven:
        labels = np.asarray(self.classes)
        model = clone(self.estimator)
        model.fit(X, labels[np.asarray(y, dtype=np.int64)], **params)
        self.estimator_ = model
        given = getattr(model, "classes_", None)
        if given is None:  # columns in the sorted order of the labels it saw
            self.classes_ = np.unique(np.asarray(y, dtype=np.int64))
            return self
        position = {v: i for i, v in enumerate(labels.tolist())}
        try:
            self.classes_ = np.array([position[v] for v in np.asarray(given).tolist()])
        except (KeyError, TypeError):
            raise MlauditInputError(
                f"the model's classes_ {np.asarray(given).tolist()!r} after fitting are not "
                f"the labels it was fitted on ({labels.tolist()!r}); check_labels needs "
                "predict_proba columns in the order of classes_."
            ) from None
        return self

    def predict_proba(self, X: Any) -> Any:
        return self.estimator_.predict_proba(X)

    def predict(self, X: Any) -> Any:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
