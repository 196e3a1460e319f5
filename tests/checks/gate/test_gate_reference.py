"""Reference values: the gate's vectorised metrics equal scikit-learn's on the same rows,
its bootstrap equals an explicit resampling loop, and McNemar equals scipy's binomial test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from pytest_mlaudit.checks.gate import check_gate
from pytest_mlaudit.checks.gate.boot import bootstrap_counts, mcnemar_exact, percentile_interval
from pytest_mlaudit.checks.gate.metrics import BUILTIN, Outputs, Target, weighted_auc


def _binary(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.clip(0.5 + (y - 0.5) * rng.uniform(0, 0.8, n) + rng.normal(0, 0.15, n), 0.001, 0.999)
    return y, np.round(p, 2)  # rounding makes ties, which AUC must count as one half


def _target(y: np.ndarray, classes: tuple[int, ...], pos: int | None) -> Target:
    return Target("classification", y.astype(np.int64), classes, pos, y)


def _rows(counts: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(counts.size), counts.astype(np.int64))


def test_binary_metrics_equal_sklearn_on_the_data_and_on_a_resample() -> None:
    y, p = _binary()
    proba = np.column_stack([1 - p, p])
    labels = (p >= 0.5).astype(np.int64)
    t = _target(y, (0, 1), 1)
    o = Outputs(labels=labels, labels_original=labels, proba=proba, score=p)
    W = next(bootstrap_counts(y.size, 3, seed=1))
    W = np.vstack([np.ones(y.size), W])
    for b in range(W.shape[0]):
        idx = _rows(W[b])
        ys, ps, ls = y[idx], p[idx], labels[idx]
        expected = {
            "accuracy": skm.accuracy_score(ys, ls),
            "roc_auc": skm.roc_auc_score(ys, ps),
            "log_loss": skm.log_loss(ys, np.column_stack([1 - ps, ps])),
            "f1": skm.f1_score(ys, ls),
            "brier": skm.brier_score_loss(ys, ps),
        }
        for name, value in expected.items():
            got = BUILTIN[name].evaluate(W[b : b + 1], t, o)[0]
            assert got == pytest.approx(value, rel=1e-10, abs=1e-12), name


def test_multiclass_metrics_equal_sklearn() -> None:
    rng = np.random.default_rng(3)
    n, k = 900, 4
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = proba.argmax(axis=1)
    t = _target(y, tuple(range(k)), None)
    o = Outputs(labels=labels, labels_original=labels, proba=proba)
    W = np.ones((1, n))
    assert BUILTIN["roc_auc"].evaluate(W, t, o)[0] == pytest.approx(
        skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"), rel=1e-12
    )
    assert BUILTIN["f1"].evaluate(W, t, o)[0] == pytest.approx(
        skm.f1_score(y, labels, average="macro"), rel=1e-12
    )
    assert BUILTIN["log_loss"].evaluate(W, t, o)[0] == pytest.approx(
        skm.log_loss(y, proba), rel=1e-12
    )
    assert BUILTIN["accuracy"].evaluate(W, t, o)[0] == pytest.approx(skm.accuracy_score(y, labels))


def test_macro_f1_ignores_a_class_absent_from_labels_and_predictions() -> None:
    y = np.array([0, 0, 1, 1, 1, 0])
    pred = np.array([0, 1, 1, 1, 0, 0])
    t = _target(y, (0, 1, 2), None)  # class 2 has no rows and is never predicted
    o = Outputs(labels=pred, labels_original=pred)
    got = BUILTIN["f1"].evaluate(np.ones((1, 6)), t, o)[0]
    assert got == pytest.approx(skm.f1_score(y, pred, average="macro"))


def test_regression_metrics_equal_sklearn() -> None:
    rng = np.random.default_rng(5)
    y = rng.normal(10, 3, 500)
    pred = y + rng.normal(0, 1.5, 500)
    t = Target("regression", y, (), None, y)
    o = Outputs(labels=pred, labels_original=pred)
    W = np.vstack([np.ones(500), next(bootstrap_counts(500, 2, seed=0))])
    for b in range(W.shape[0]):
        idx = _rows(W[b])
        assert BUILTIN["mae"].evaluate(W[b : b + 1], t, o)[0] == pytest.approx(
            skm.mean_absolute_error(y[idx], pred[idx]), rel=1e-10
        )
        assert BUILTIN["rmse"].evaluate(W[b : b + 1], t, o)[0] == pytest.approx(
            np.sqrt(skm.mean_squared_error(y[idx], pred[idx])), rel=1e-10
        )
        assert BUILTIN["r2"].evaluate(W[b : b + 1], t, o)[0] == pytest.approx(
            skm.r2_score(y[idx], pred[idx]), rel=1e-9
        )


def test_weighted_auc_counts_ties_as_one_half() -> None:
    score = np.array([0.5, 0.5, 0.5, 0.5])
    positive = np.array([True, False, True, False])
    assert weighted_auc(np.ones((1, 4)), score, positive)[0] == 0.5
    assert np.isnan(weighted_auc(np.ones((1, 4)), score, np.ones(4, dtype=bool))[0])


def test_bootstrap_counts_are_seeded_resamples_of_n_rows() -> None:
    a = np.vstack(list(bootstrap_counts(50, 1000, seed=7)))
    b = np.vstack(list(bootstrap_counts(50, 1000, seed=7)))
    assert a.shape == (1000, 50) and np.array_equal(a, b)
    assert np.all(a.sum(axis=1) == 50)
    # each row is drawn Binomial(n, 1/n) times per resample: mean 1
    assert a.mean() == pytest.approx(1.0)
    assert not np.array_equal(a, np.vstack(list(bootstrap_counts(50, 1000, seed=8))))


def test_chunking_does_not_change_the_resamples(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = np.vstack(list(bootstrap_counts(40, 30, seed=3)))
    from pytest_mlaudit.checks.gate import boot as _gate_boot

    monkeypatch.setattr(_gate_boot, "MAX_CHUNK_CELLS", 40 * 7)  # chunks of 7 resamples
    chunks = list(bootstrap_counts(40, 30, seed=3))
    assert [c.shape[0] for c in chunks] == [7, 7, 7, 7, 2]
    assert np.array_equal(np.vstack(chunks), whole)


def test_paired_bootstrap_interval_equals_an_explicit_loop() -> None:
    """The gate's interval is the percentile interval of (candidate - baseline) over
    resamples that draw rows with replacement, the same rows for both models."""
    y, p = _binary(400, seed=2)
    rng = np.random.default_rng(9)
    p_base = np.clip(p + rng.normal(0, 0.1, p.size), 0.001, 0.999)
    report = check_gate(
        p, p_base, None, y, metrics=["roc_auc", "log_loss"], n_boot=200, seed=4, correction="none"
    )
    diffs: dict[str, list[float]] = {"roc_auc": [], "log_loss": []}
    for W in bootstrap_counts(y.size, 200, seed=4):
        for counts in W:
            idx = _rows(counts)
            diffs["roc_auc"].append(
                skm.roc_auc_score(y[idx], p[idx]) - skm.roc_auc_score(y[idx], p_base[idx])
            )
            diffs["log_loss"].append(
                skm.log_loss(y[idx], p[idx], labels=[0, 1])
                - skm.log_loss(y[idx], p_base[idx], labels=[0, 1])
            )
    for name, values in diffs.items():
        m = report.metric(name)
        low, high = np.quantile(values, [0.025, 0.975])
        assert m.ci_low == pytest.approx(low, abs=1e-9)
        assert m.ci_high == pytest.approx(high, abs=1e-9)
        assert m.difference == pytest.approx(
            skm.roc_auc_score(y, p) - skm.roc_auc_score(y, p_base)
            if name == "roc_auc"
            else skm.log_loss(y, p) - skm.log_loss(y, p_base)
        )


@pytest.mark.parametrize(
    ("only_c", "only_b"), [(0, 0), (10, 10), (40, 62), (62, 40), (3, 0), (0, 7)]
)
def test_mcnemar_equals_scipy_binomtest(only_c: int, only_b: int) -> None:
    two, worse = mcnemar_exact(only_c, only_b)
    if only_c + only_b == 0:
        assert (two, worse) == (1.0, 1.0)
        return
    assert two == pytest.approx(stats.binomtest(only_b, only_c + only_b, 0.5).pvalue)
    assert worse == pytest.approx(
        stats.binomtest(only_b, only_c + only_b, 0.5, alternative="greater").pvalue
    )


def test_percentile_interval_drops_undefined_resamples() -> None:
    low, high, finite = percentile_interval(np.array([np.nan, 1.0, 2.0, 3.0, np.inf]), 0.25)
    assert finite == 3 and (low, high) == (1.5, 2.5)
    assert percentile_interval(np.array([np.nan]), 0.1)[2] == 0
