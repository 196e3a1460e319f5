"""Benchmark: mlaudit's performance estimate against NannyML's CBPE on the same data.

Run it from a virtualenv of its own with nannyml installed (nannyml is *not* a dependency
of pytest-mlaudit)::

    python3 -m venv /tmp/nanny && /tmp/nanny/bin/pip install nannyml statsmodels
    PYTHONPATH=. /tmp/nanny/bin/python benchmarks/bench_performance.py

Seeded simulations of a binary problem: a logistic regression trained on 30,000 rows, a
labelled reference of 3,000 rows, and current sets of 3,000 rows under growing covariate
shift (the rows move towards the decision boundary), for a well-calibrated model and an
overconfident one (its logits tripled). For each, both estimators see the same scores;
the table gives the mean absolute error of each estimate against the realised metric,
the share of realised values inside each 95% interval (NannyML's: its
confidence band on one chunk, +-3 sampling errors), and the seconds taken.
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
import pandas as pd

from pytest_mlaudit import check_performance

METRICS = ("roc_auc", "accuracy", "f1")
SHIFTS = [(0.0, 1.0), (-0.3, 0.8), (-0.6, 0.6), (-0.9, 0.45), (-1.2, 0.3)]


def _truth(X: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(1.5 * X[:, 0] - 1.0 * X[:, 1] + 0.3)))


class Sharpened:
    """An overconfident wrapper: the fitted model's logits times ``k``."""

    def __init__(self, model: object, k: float) -> None:
        self.model, self.k, self.classes_ = model, k, np.array([0, 1])

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = np.clip(self.model.predict_proba(X)[:, 1], 1e-9, 1 - 1e-9)  # type: ignore[attr-defined]
        q = 1 / (1 + np.exp(-self.k * np.log(p / (1 - p))))
        return np.column_stack([1 - q, q])


def _nannyml(ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")  # no analytics calls home
    import nannyml as nml

    est = nml.CBPE(
        y_pred_proba="p",
        y_pred="yhat",
        y_true="y",
        problem_type="classification_binary",
        metrics=list(METRICS),
        chunk_number=1,
    )
    est.fit(ref)
    df = est.estimate(cur.drop(columns="y")).filter(period="analysis").to_df()
    out = {}
    for m in METRICS:
        value = float(df[(m, "value")].iloc[0])
        lo = float(df[(m, "lower_confidence_boundary")].iloc[0])
        hi = float(df[(m, "upper_confidence_boundary")].iloc[0])
        out[m] = (value, lo, hi)
    return out


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    warnings.filterwarnings("ignore")
    rows = []
    for case, trials in (("calibrated", range(10)), ("overconfident x3", range(10))):
        err = {(who, m): [] for who in ("mlaudit", "nannyml") for m in METRICS}
        inside = {(who, m): 0 for who in ("mlaudit", "nannyml") for m in METRICS}
        seconds = {"mlaudit": 0.0, "nannyml": 0.0}
        n = 0
        for trial in trials:
            rng = np.random.default_rng(trial)
            X_train = rng.normal(size=(30_000, 2))
            fitted = LogisticRegression().fit(X_train, rng.random(30_000) < _truth(X_train))
            model = fitted if case == "calibrated" else Sharpened(fitted, 3.0)
            Xr = rng.normal(size=(3000, 2))
            yr = (rng.random(3000) < _truth(Xr)).astype(int)
            pr = model.predict_proba(Xr)[:, 1]
            ref = pd.DataFrame({"p": pr, "yhat": (pr >= 0.5).astype(int), "y": yr})
            for shift, scale in SHIFTS:
                Xc = rng.normal(shift, scale, size=(3000, 2))
                yc = (rng.random(3000) < _truth(Xc)).astype(int)
                pc = model.predict_proba(Xc)[:, 1]
                cur = pd.DataFrame({"p": pc, "yhat": (pc >= 0.5).astype(int), "y": yc})
                realised = {
                    "roc_auc": roc_auc_score(yc, pc),
                    "accuracy": accuracy_score(yc, pc >= 0.5),
                    "f1": f1_score(yc, pc >= 0.5),
                }
                t = time.perf_counter()
                ours = check_performance(model, Xr, yr, Xc, calibrate=case != "calibrated")
                seconds["mlaudit"] += time.perf_counter() - t
                t = time.perf_counter()
                theirs = _nannyml(ref, cur)
                seconds["nannyml"] += time.perf_counter() - t
                n += 1
                for m in METRICS:
                    e = ours.estimate(m)
                    err[("mlaudit", m)].append(abs(e.estimate - realised[m]))
                    inside[("mlaudit", m)] += e.lower <= realised[m] <= e.upper
                    value, lo, hi = theirs[m]
                    err[("nannyml", m)].append(abs(value - realised[m]))
                    inside[("nannyml", m)] += lo <= realised[m] <= hi
        for who in ("mlaudit", "nannyml"):
            rows.append(
                [case, who]
                + [f"{np.mean(err[(who, m)]):.4f}" for m in METRICS]
                + [f"{inside[(who, m)] / n:.0%}" for m in METRICS]
                + [f"{seconds[who] / n:.3f}"]
            )
    headers = ["model", "estimator"] + [f"MAE {m}" for m in METRICS]
    headers += [f"inside {m}" for m in METRICS] + ["s/estimate"]
    print(pd.DataFrame(rows, columns=headers).to_string(index=False))


if __name__ == "__main__":
    main()
