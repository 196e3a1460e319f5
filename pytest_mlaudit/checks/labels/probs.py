"""Out-of-fold predicted probabilities for the label audit, and their on-disk cache.

cleanlab needs *out-of-sample* probabilities: a model scores the rows it was trained on
too confidently, and mislabeled training rows then look clean. So a model is fitted in
``cv`` stratified, seeded folds and each row is scored by the model that did not see it
(``sklearn.model_selection.cross_val_predict``, the same call one would write by hand).

The cache stores those probabilities as ``.npy`` files named by a hash of everything
that determines them: X, y, the model's class and parameters (recursively), the code
that defines them, ``cv``, ``seed`` and the numpy/scikit-learn versions. A model whose
parameters cannot be fingerprinted reliably (a lambda, a ``RandomState`` object, a class
defined in a notebook) is never cached: a wrong hit would be worse than a miss.

scikit-learn is imported inside the functions that need it.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.labels._validate import ROW_SUM_ATOL
from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "CACHE_ENV",
    "DEFAULT_CACHE_DIR",
    "cache_dir",
    "check_model",
    "fingerprint",
    "out_of_fold",
]

#: ``cache=True`` stores files here (relative to the working directory) ...
DEFAULT_CACHE_DIR: Final = Path(".mlaudit") / "cache"
#: ... unless this environment variable names another directory.
CACHE_ENV: Final = "MLAUDIT_CACHE_DIR"
_PREFIX: Final = "labels-oof-"
#: Bump when the meaning of a cached file changes.
_CACHE_FORMAT: Final = "2"  # 2: folds fitted on the labels as given (not codes)


class Unfingerprintable(Exception):
    """Some input cannot be hashed reliably; the cache is skipped."""


def cache_dir(cache: Any) -> Path | None:
    """The directory the ``cache`` argument stands for (None: no cache)."""
    if cache is None or cache is False:
        return None
    if cache is True:
        env = os.environ.get(CACHE_ENV)
        return Path(env) if env else DEFAULT_CACHE_DIR
    if isinstance(cache, str | os.PathLike):
        path = Path(cache)
        if path.exists() and not path.is_dir():
            raise MlauditInputError(
                f"cache must be a directory (or True for {DEFAULT_CACHE_DIR}/, or None); "
                f"{str(path)!r} is an existing file, which the cache will not touch."
            )
        return path
    raise MlauditInputError(
        f"cache must be None (no cache), True ({DEFAULT_CACHE_DIR}/, or ${CACHE_ENV}) or a "
        f"directory path; got cache={cache!r}."
    )


def check_model(model: Any) -> None:
    """Refuse a model that cannot produce out-of-fold probabilities."""
    missing = [m for m in ("fit", "predict_proba") if not callable(getattr(model, m, None))]
    if missing:
        hint = ""
        if type(model).__name__ in {"SVC", "NuSVC"}:
            hint = " (for SVC, pass probability=True)"
        raise MlauditInputError(
            f"model must be a scikit-learn classifier with fit and predict_proba{hint}; "
            f"got {_short_repr(model)}, which lacks {' and '.join(missing)}. Or pass "
            "pred_probs (out-of-sample probabilities) instead of model."
        )
    if not callable(getattr(model, "get_params", None)):
        raise MlauditInputError(
            f"model must be clonable with sklearn.base.clone (implement get_params/"
            f"set_params); got {_short_repr(model)}. Or compute out-of-fold "
            "probabilities yourself and pass pred_probs."
        )


def _short_repr(obj: Any, limit: int = 120) -> str:
    text = " ".join(repr(obj).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- fingerprints -------------------------------------------------------------------


def _hash_array(h: Any, arr: np.ndarray) -> None:
    if arr.dtype == object:
        hashed = pd.util.hash_pandas_object(pd.DataFrame(arr.reshape(len(arr), -1)), index=False)
        h.update(b"object")
        h.update(repr(arr.shape).encode())
        h.update(np.ascontiguousarray(hashed.to_numpy()).tobytes())
        return
    h.update(arr.dtype.str.encode())
    h.update(repr(arr.shape).encode())
    h.update(np.ascontiguousarray(arr).tobytes())


def _hash_data(h: Any, X: Any) -> None:
    """Feed the contents of X (not its pandas index) into the hash."""
    if isinstance(X, pd.DataFrame):
        h.update(b"frame")
        h.update(repr([(str(c), str(t)) for c, t in X.dtypes.items()]).encode())
        h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    elif isinstance(X, pd.Series):
        h.update(b"series")
        h.update(repr((X.name, str(X.dtype))).encode())
        h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    elif isinstance(X, np.ndarray):
        _hash_array(h, X)
    elif hasattr(X, "tocsr") and hasattr(X, "shape"):  # scipy sparse
        m = X.tocsr()
        h.update(f"sparse{m.shape}{m.dtype.str}".encode())
        for part in (m.data, m.indices, m.indptr):
            h.update(np.ascontiguousarray(part).tobytes())
    else:
        try:
            arr = np.asarray(X)
        except (TypeError, ValueError):
            raise Unfingerprintable(f"X of type {type(X).__name__}") from None
        if arr.dtype == object and arr.ndim != 1:
            raise Unfingerprintable(f"X of type {type(X).__name__}")
        _hash_array(h, arr)


def _code_identity(obj: Any) -> tuple[Any, ...]:
    """Who defines ``obj`` (a class or function), and which version of that code."""
    module = getattr(obj, "__module__", None) or ""
    qualname = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    if "<" in qualname or module == "__main__" or not module:
        raise Unfingerprintable(f"{module}.{qualname}")
    top = sys.modules.get(module.partition(".")[0])
    version = getattr(top, "__version__", None)
    if isinstance(version, str):
        return (module, qualname, version)
    mod = sys.modules.get(module)
    path = getattr(mod, "__file__", None)
    if not path:
        raise Unfingerprintable(f"{module}.{qualname}")
    try:
        digest = hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
    except OSError:
        raise Unfingerprintable(f"{module}.{qualname}") from None
    return (module, qualname, digest)


def _canonical(obj: Any, depth: int = 0) -> Any:
    """A repr-stable description of a model parameter, or :class:`Unfingerprintable`."""
    if depth > 50:
        raise Unfingerprintable("a parameter nested too deeply")
    if obj is None or isinstance(obj, bool | int | float | str | bytes):
        return (type(obj).__name__, repr(obj))
    if isinstance(obj, np.generic):
        return ("np", obj.dtype.str, repr(obj.item()))
    if isinstance(obj, np.ndarray):
        h = hashlib.blake2b(digest_size=16)
        _hash_array(h, obj)
        return ("ndarray", h.hexdigest())
    if isinstance(obj, list | tuple):
        return (type(obj).__name__, tuple(_canonical(v, depth + 1) for v in obj))
    if isinstance(obj, dict):
        items = sorted((repr(k), _canonical(v, depth + 1)) for k, v in obj.items())
        return ("dict", tuple(items))
    if isinstance(obj, type) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return ("code", _code_identity(obj))
    get_params = getattr(obj, "get_params", None)
    if callable(get_params) and not isinstance(obj, type):
        params = get_params(deep=False)
        return (
            "estimator",
            _code_identity(type(obj)),
            tuple(sorted((k, _canonical(v, depth + 1)) for k, v in params.items())),
        )
    if isinstance(obj, np.ufunc):
        return ("ufunc", obj.__name__)
    raise Unfingerprintable(f"parameter of type {type(obj).__name__}")


def fingerprint(X: Any, y: np.ndarray, model: Any, *, cv: int, seed: int) -> str:
    """A hex key for the out-of-fold probabilities of ``model`` on (X, y)."""
    import sklearn

    h = hashlib.blake2b(digest_size=20)
    h.update(f"mlaudit-labels-oof/{_CACHE_FORMAT}/cv={cv}/seed={seed}/".encode())
    h.update(f"numpy={np.__version__}/sklearn={sklearn.__version__}/".encode())
    h.update(repr(_canonical(model)).encode())
    _hash_data(h, X)
    _hash_array(h, np.asarray(y))
    return h.hexdigest()


# -- the cache ----------------------------------------------------------------------


def _prepare_dir(path: Path) -> None:
    """Create the cache directory; a new one gets a .gitignore and a CACHEDIR.TAG."""
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        with open(path / ".gitignore", "x", encoding="utf-8") as fh:
            fh.write("# created by pytest-mlaudit\n*\n")
    with contextlib.suppress(FileExistsError):
        with open(path / "CACHEDIR.TAG", "x", encoding="utf-8") as fh:
            fh.write(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by pytest-mlaudit.\n"
            )


def _load(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    try:
        probs = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if probs.shape != shape or probs.dtype.kind != "f" or not np.isfinite(probs).all():
        return None
    return np.asarray(probs, dtype=float)


def _store(path: Path, probs: np.ndarray) -> None:
    """Write atomically: a reader sees the whole file or none."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, probs, allow_pickle=False)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a cache is as readable as its directory
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- cross-validation ---------------------------------------------------------------


def _cross_val_probs(
    X: Any, y: np.ndarray, model: Any, *, cv: int, seed: int, n_jobs: int | None
) -> np.ndarray:
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    try:
        estimator = clone(model)
    except Exception as exc:
        raise MlauditInputError(
            f"model could not be cloned with sklearn.base.clone ({exc}); got "
            f"{_short_repr(model)}. Pass pred_probs instead."
        ) from exc
    from pytest_mlaudit.checks.labels._adapter import LabelsAsGiven

    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    # fitted on the labels as given, and without the `predict` scikit-learn's validation
    # asks for (see _adapter)
    wrapped = LabelsAsGiven(estimator, classes=np.unique(y))
    probs = cross_val_predict(wrapped, X, y, cv=folds, method="predict_proba", n_jobs=n_jobs)
    return np.asarray(probs, dtype=float)


def out_of_fold(
    X: Any,
    y: np.ndarray,
    model: Any,
    *,
    n_classes: int,
    cv: int,
    seed: int,
    n_jobs: int | None,
    cache: Path | None,
) -> tuple[np.ndarray, str, list[str]]:
    """Out-of-fold probabilities, ``(probs, source, notes)``; source is "cross_validation"
    or "cache"."""
    notes: list[str] = []
    path: Path | None = None
    if cache is not None:
        try:
            key = fingerprint(X, y, model, cv=cv, seed=seed)
        except Unfingerprintable as exc:
            notes.append(f"cache not used: {exc} cannot be fingerprinted reliably")
        else:
            path = cache / f"{_PREFIX}{key}.npy"
            if path.is_file():
                probs = _load(path, (len(y), n_classes))
                if probs is not None:
                    return probs, "cache", notes
    probs = _cross_val_probs(X, y, model, cv=cv, seed=seed, n_jobs=n_jobs)
    if probs.shape != (len(y), n_classes):
        raise MlauditInputError(
            f"model.predict_proba returned shape {probs.shape}; expected ({len(y)}, "
            f"{n_classes}), one column per class. Does the model drop classes?"
        )
    if not np.isfinite(probs).all() or (np.abs(probs.sum(axis=1) - 1) > ROW_SUM_ATOL).any():
        raise MlauditInputError(
            f"{_short_repr(model)}.predict_proba returned rows that are not finite "
            "probabilities summing to 1; check the model (e.g. a calibrator that divides "
            "by zero)."
        )
    if path is not None:
        try:
            _prepare_dir(path.parent)
            _store(path, probs)
        except OSError as exc:
            notes.append(f"cache not written to {path.parent}: {exc}")
    return probs, "cross_validation", notes
