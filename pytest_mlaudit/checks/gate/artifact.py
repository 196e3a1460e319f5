"""Release checks of a model artifact: it loads, predicts, repeats itself, and is fast enough.

A release can fail for reasons no metric sees: the file does not unpickle in the serving
environment, the model breaks on the production schema, it is not deterministic, or one
row takes 300 ms. :func:`probe_artifact` runs those checks on a small sample and returns
an :class:`~.report.ArtifactCheck` (a frozen dataclass of the gate's report, re-exported
here).

An MLflow model URI (``models:/credit-risk@challenger``, ``runs:/ID/model``) is loaded by
:func:`load_uri` through :mod:`pytest_mlaudit.integrations.mlflow.registry`.

Loading a pickle or joblib file runs code from the file: load only artifacts you built.
"""

from __future__ import annotations

import math
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pytest_mlaudit.checks.gate._validate import is_estimator, n_rows
from pytest_mlaudit.checks.gate.report import ArtifactCheck, ModelSource
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["ArtifactCheck", "load_model", "load_uri", "probe_artifact", "take_rows"]

#: Suffixes the default loader reads (joblib when installed, else pickle).
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


def _loader_name(loader: Callable[..., Any]) -> str:
    module = getattr(loader, "__module__", None) or ""
    name = getattr(loader, "__qualname__", None) or type(loader).__name__
    return f"{module.split('.')[0]}.{name}" if module else name


def _default_loader(path: Path) -> tuple[Callable[[Path], Any], str]:
    if path.suffix.lower() not in PICKLE_SUFFIXES:
        raise MlauditInputError(
            f"no default loader for {path.name!r} (suffix {path.suffix!r}); the default reads "
            f"{', '.join(PICKLE_SUFFIXES)} files. Pass loader=callable(path) -> model, e.g. "
            "loader=lambda p: skops.io.load(p, trusted=[...])."
        )
    try:
        import joblib  # type: ignore[import-untyped,unused-ignore]

        return joblib.load, "joblib.load"
    except ImportError:  # pragma: no cover - joblib comes with scikit-learn

        def load(p: Path) -> Any:
            with p.open("rb") as fh:
                return pickle.load(fh)

        return load, "pickle.load"


def load_model(
    path: str | Path, loader: Callable[[Path], Any] | None, *, role: str
) -> tuple[Any, str, float | None, str | None]:
    """Load ``path``: ``(model or None, loader name, seconds, error or None)``.

    A missing file, an exception while loading or an object without ``predict`` is an
    *error* (the artifact fails its check), not an exception.
    """
    p = Path(path)
    if loader is None:
        fn, name = _default_loader(p)
    elif callable(loader):
        fn, name = loader, _loader_name(loader)
    else:
        raise MlauditInputError(f"loader must be a callable(path) -> model; got {loader!r}.")
    if not p.is_file():
        return None, name, None, f"the {role} file {str(p)!r} does not exist"
    start = time.perf_counter()
    try:
        model = fn(p)
    except Exception as exc:
        return None, name, None, f"{name}({p.name!r}) raised {type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    if not is_estimator(model):
        return (
            None,
            name,
            seconds,
            (f"{p.name!r} holds a {type(model).__name__}, which has no predict/predict_proba"),
        )
    return model, name, seconds, None


def load_uri(
    uri: str, tracking_uri: str | None, *, role: str
) -> tuple[Any, str, float | None, str | None, ModelSource | None]:
    """Load an MLflow model URI: ``(model or None, loader, seconds, error, source)``.

    A name, version or alias that does not exist, or a registry that does not answer, is
    an *error* (the candidate's artifact fails its check), not an exception; a malformed
    URI or a missing MLflow install raise :class:`MlauditInputError`.
    """
    from pytest_mlaudit.integrations.mlflow import registry

    loader = "mlflow.pyfunc.load_model"
    registry.parse_model_uri(uri)  # a malformed URI is bad input, not a failing artifact
    try:
        loaded = registry.load_model(uri, tracking_uri=tracking_uri)
    except (registry.RegistryLookupError, registry.RegistryError) as exc:
        return None, loader, None, f"the {role} {exc}", None
    if not is_estimator(loaded.model):
        return (
            None,
            loaded.loader,
            loaded.seconds,
            f"{uri} loads as a {type(loaded.model).__name__}, which has no predict",
            loaded.source,
        )
    return loaded.model, loaded.loader, loaded.seconds, None, loaded.source


def take_rows(X: Any, rows: Any) -> Any:
    """Rows of ``X`` by position (a slice or an index array), keeping its type."""
    iloc = getattr(X, "iloc", None)
    if iloc is not None:
        return iloc[rows]
    if isinstance(X, list | tuple):
        if isinstance(rows, slice):
            return X[rows]
        return [X[int(i)] for i in rows]
    return X[rows]


def _outputs(model: Any, sample: Any) -> list[np.ndarray]:
    outs = []
    for method in ("predict", "predict_proba"):
        fn = getattr(model, method, None)
        if callable(fn):
            value = fn(sample)
            outs.append(np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value))
    return outs


def _valid(outs: list[np.ndarray], rows: int) -> str | None:
    for arr in outs:
        if arr.ndim == 0 or arr.shape[0] != rows:
            return f"output of shape {arr.shape} for {rows} rows"
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            return "non-finite outputs (NaN or inf)"
    return None


def _mismatched(a: list[np.ndarray], b: list[np.ndarray], rows: int) -> int:
    bad = np.zeros(rows, dtype=bool)
    for x, y in zip(a, b, strict=True):
        if x.shape != y.shape:
            return rows
        if x.dtype.kind in "fc" and y.dtype.kind in "fc":
            diff = ~((x == y) | (np.isnan(x) & np.isnan(y)))
        else:
            diff = np.asarray(x != y)
        if diff.ndim > 1:
            diff = diff.reshape(rows, -1).any(axis=1)
        bad |= diff
    return int(bad.sum())


def probe_artifact(
    model: Any,
    sample: Any,
    *,
    path: str | None,
    loader: str | None,
    load_seconds: float | None,
    latency_rows: int,
    max_latency_ms: float | None,
) -> ArtifactCheck:
    """Predict on ``sample`` twice, compare, and time ``latency_rows`` single-row calls."""
    rows = n_rows(sample, "sample")

    def failed(error: str) -> ArtifactCheck:
        return ArtifactCheck.failed(
            error,
            path=path,
            loader=loader,
            loaded=True,
            load_seconds=load_seconds,
            sample_rows=rows,
            max_latency_ms=max_latency_ms,
        )

    names = getattr(model, "feature_names_in_", None)
    columns = getattr(sample, "columns", None)
    if names is not None and columns is not None:
        have = set(columns)
        missing = [c for c in np.asarray(names).tolist() if c not in have]
        if missing:
            return failed(f"the sample lacks the model's input column(s) {missing}")
    predict = model.predict if callable(getattr(model, "predict", None)) else model.predict_proba
    try:
        first = _outputs(model, sample)
        problem = _valid(first, rows)
        if problem is not None:
            return failed(problem)
        second = _outputs(model, sample)
        start = time.perf_counter()
        predict(sample)
        batch = (time.perf_counter() - start) * 1000.0 / max(rows, 1)
        mismatched = _mismatched(first, second, rows)
        timed = min(latency_rows, rows)
        times: list[float] = []
        for i in range(-1, timed):  # -1: a warm-up call (lazy imports, caches), not timed
            one = take_rows(sample, slice(max(i, 0), max(i, 0) + 1))
            start = time.perf_counter()
            predict(one)
            if i >= 0:
                times.append((time.perf_counter() - start) * 1000.0)
    except Exception as exc:
        return failed(f"{type(exc).__name__}: {exc}")
    p50 = float(np.percentile(times, 50)) if times else None
    p95 = float(np.percentile(times, 95)) if times else None
    return ArtifactCheck(
        path=path,
        loader=loader,
        loaded=True,
        load_seconds=load_seconds,
        error=None,
        sample_rows=rows,
        predicted=True,
        deterministic=mismatched == 0,
        mismatched_rows=mismatched,
        latency_rows=timed,
        latency_ms_p50=p50,
        latency_ms_p95=p95,
        batch_ms_per_row=batch if math.isfinite(batch) else None,
        max_latency_ms=max_latency_ms,
    )
