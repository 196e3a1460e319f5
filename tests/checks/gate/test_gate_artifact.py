"""The release checks of a model file: loads, predicts, repeats itself, fast enough."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from pytest_mlaudit.checks.gate import GateReport, check_gate
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.result import BadWhen
from tests.checks.gate.gate_artifact_models import Broken, Coin, NaNs, Slow


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=1000), "b": rng.normal(size=1000)})
    y = (X["a"] + rng.normal(0, 0.5, 1000) > 0).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def fitted(data: tuple[pd.DataFrame, np.ndarray]) -> LogisticRegression:
    X, y = data
    return LogisticRegression().fit(X, y)


def dump(obj: object, path: Path) -> Path:
    joblib.dump(obj, path)
    return path


def test_a_good_file_passes_every_release_check(
    tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray], fitted: LogisticRegression
) -> None:
    X, y = data
    path = dump(fitted, tmp_path / "candidate.joblib")
    report = check_gate(path, fitted, X, y, n_boot=200, latency_rows=20)
    a = report.artifact
    assert a is not None and report.passed and a.passed
    assert (a.path, a.loader, a.loaded, a.predicted, a.deterministic) == (
        str(path),
        "joblib.load",
        True,
        True,
        True,
    )
    assert a.sample_rows == 200 and a.latency_rows == 20 and a.mismatched_rows == 0
    assert a.latency_ms_p50 is not None and 0 < a.latency_ms_p50 <= a.latency_ms_p95  # type: ignore[operator]
    assert report.metric("accuracy").difference == 0  # the same model, loaded back
    assert "LogisticRegression from" in report.candidate
    assert "artifact:" in report.summary() and "deterministic" in report.summary()
    figures = report.key_figures()
    assert figures["artifact_ok"] is True and figures["deterministic"] is True
    data_ = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data_["artifact"]["passed"] is True and data_["artifact"]["problems"] == []
    assert GateReport.from_dict(data_) == report


def test_artifact_checks_alone(
    tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray], fitted: LogisticRegression
) -> None:
    X, _ = data
    report = check_gate(dump(fitted, tmp_path / "m.pkl"), None, X.head(50), None)
    assert report.passed and report.metrics == () and report.brief() == "artifact ok"
    assert report.headline().name == "artifact_problems" and report.headline().statistic == 0
    in_memory = check_gate(fitted, None, X, None, artifact=True, sample=X.tail(30))
    assert in_memory.artifact is not None and in_memory.artifact.path is None
    assert in_memory.artifact.sample_rows == 30 and in_memory.passed


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p, "does not exist"),
        (lambda p: (p.write_bytes(b"not a pickle"), p)[1], "does not load: joblib.load"),
        (lambda p: dump({"weights": [1, 2]}, p), "holds a dict, which has no predict"),
    ],
)
def test_a_file_that_does_not_load_fails_the_gate(
    tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray], make: object, problem: str
) -> None:
    X, y = data
    path = make(tmp_path / "candidate.joblib")  # type: ignore[operator]
    report = check_gate(path, LogisticRegression().fit(X, y), X, y)
    assert not report.passed and report.metrics == ()
    assert problem in report.summary() and problem in report.brief()
    assert report.headline().name == "artifact_problems" and report.headline().breached
    assert "metrics were not computed" in report.summary()
    assert GateReport.from_dict(json.loads(json.dumps(report.to_dict()))) == report


@pytest.mark.parametrize(
    ("model", "problem"),
    [
        (Coin(), "not deterministic"),
        (Broken(), "does not predict on the 200-row sample: KeyError"),
        (NaNs(), "non-finite outputs"),
    ],
)
def test_a_model_that_misbehaves_fails(
    tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray], model: object, problem: str
) -> None:
    X, y = data
    report = check_gate(dump(model, tmp_path / "m.joblib"), None, X, y)
    assert not report.passed and report.artifact is not None
    assert any(problem in p for p in report.artifact.problems)


def test_latency_limit(tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = data
    path = dump(Slow(0.004), tmp_path / "slow.joblib")
    report = check_gate(
        path, None, X.to_numpy(), y, max_latency_ms=1.0, latency_rows=5, sample_rows=10
    )
    head = report.headline()
    assert not report.passed and (head.name, head.bad_when) == ("latency_p95_ms", BadWhen.ABOVE)
    assert head.statistic > 1.0 and "too slow" in report.brief()
    relaxed = check_gate(
        path, None, X.to_numpy(), y, max_latency_ms=1000.0, latency_rows=5, sample_rows=10
    )
    assert relaxed.passed


def test_a_sample_without_the_models_columns(
    tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray], fitted: LogisticRegression
) -> None:
    X, y = data
    report = check_gate(
        dump(fitted, tmp_path / "m.joblib"), None, X, y, sample=X.rename(columns={"b": "B"})
    )
    assert not report.passed
    assert "the sample lacks the model's input column(s) ['b']" in report.summary()


def test_loaders(
    tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray], fitted: LogisticRegression
) -> None:
    X, y = data
    odd = tmp_path / "model.bin"
    odd.write_bytes(pickle.dumps(fitted))
    with pytest.raises(MlauditInputError, match=r"no default loader for 'model\.bin'"):
        check_gate(odd, None, X, y)

    def load(p: Path) -> object:
        return pickle.loads(p.read_bytes())

    report = check_gate(odd, None, X, y, loader=load)
    assert report.passed and report.artifact is not None
    assert report.artifact.loader is not None and "load" in report.artifact.loader
    with pytest.raises(MlauditInputError, match="loader must be a callable"):
        check_gate(odd, None, X, y, loader="pickle")  # type: ignore[arg-type]


def test_the_baseline_may_be_a_file_but_must_load(
    tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray], fitted: LogisticRegression
) -> None:
    X, y = data
    base = dump(fitted, tmp_path / "production.joblib")
    report = check_gate(fitted, str(base), X, y, n_boot=100)
    assert report.passed and report.artifact is None and "from" in (report.baseline or "")
    with pytest.raises(MlauditInputError, match="the baseline cannot be loaded: the baseline file"):
        check_gate(fitted, tmp_path / "gone.joblib", X, y)
