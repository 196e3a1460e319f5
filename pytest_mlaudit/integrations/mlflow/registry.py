"""The MLflow model registry: resolve a model URI, load it, move aliases, tag versions.

What the gate and ``mlaudit promote`` / ``mlaudit rollback`` need from the registry, and
nothing else:

* :func:`parse_model_uri` reads ``models:/NAME@ALIAS``, ``models:/NAME/VERSION``,
  ``models:/NAME/latest``, ``models:/m-<id>`` (a logged model) and ``runs:/RUN_ID/PATH``
  (pure text, no MLflow);
* :func:`resolve` asks the registry which version a URI names *now*;
  :func:`load_model` loads that version (through :func:`mlflow.pyfunc.load_model`; for a
  flavour with a native model, e.g. scikit-learn, the native model, so ``predict_proba``
  and ``classes_`` are there for the gate's probability metrics);
* :func:`alias_version`, :func:`set_alias`, :func:`tag_version`, :func:`get_version` and
  :func:`versions_tagged` for promotion and rollback.

Aliases, never the deprecated stages. Every MLflow failure becomes one of two errors:
:class:`RegistryLookupError` (an :class:`~pytest_mlaudit.errors.MlauditInputError`: the
model, version or alias named does not exist) or :class:`RegistryError` (the registry
could not answer). MLflow is imported inside the functions that use it.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final, Literal

from pytest_mlaudit.checks.gate.report import ModelSource
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.integrations.mlflow._client import client as _client
from pytest_mlaudit.integrations.mlflow._client import require_mlflow, resolve_tracking_uri

__all__ = [
    "LoadedModel",
    "ModelUri",
    "RegistryError",
    "RegistryLookupError",
    "VersionInfo",
    "alias_version",
    "get_version",
    "is_model_uri",
    "load_model",
    "parse_model_uri",
    "registry_client",
    "resolve",
    "set_alias",
    "tag_version",
    "versions_tagged",
]

#: the URI schemes this module reads
SCHEMES: Final = ("models:/", "runs:/")

UriKind = Literal["version", "alias", "latest", "logged", "run"]


class RegistryError(Exception):
    """The registry could not answer (store unreachable, permission, a server error)."""


class RegistryLookupError(MlauditInputError):
    """The registered model, version, alias or run a URI names does not exist."""


@dataclasses.dataclass(frozen=True, slots=True)
class ModelUri:
    """A parsed model URI (see :func:`parse_model_uri`)."""

    uri: str  #: as given
    kind: UriKind  #: what it names
    name: str | None = None  #: registered model name (version, alias, latest)
    version: str | None = None  #: kind "version"
    alias: str | None = None  #: kind "alias"
    model_id: str | None = None  #: kind "logged": ``m-<id>``
    run_id: str | None = None  #: kind "run"
    path: str | None = None  #: kind "run": the artifact path in the run (e.g. ``model``)


@dataclasses.dataclass(frozen=True, slots=True)
class LoadedModel:
    """A model loaded from the registry, with where it came from."""

    model: Any  #: the native model when the flavour has one, else the pyfunc model
    source: ModelSource  #: the version (or run) that was loaded
    seconds: float  #: time to download and load
    loader: str  #: ``mlflow.pyfunc.load_model (mlflow.sklearn)``


@dataclasses.dataclass(frozen=True, slots=True)
class VersionInfo:
    """One registered model version, as promotion and rollback read it."""

    name: str
    version: str
    run_id: str | None
    created_ms: int  #: creation time, ms since the epoch
    aliases: tuple[str, ...]
    tags: dict[str, str]


def is_model_uri(obj: Any) -> bool:
    """True for a string starting with ``models:/`` or ``runs:/``.

    >>> is_model_uri("models:/credit-risk@champion"), is_model_uri("model.joblib")
    (True, False)
    """
    return isinstance(obj, str) and obj.startswith(SCHEMES)


def _bad(uri: str, why: str) -> MlauditInputError:
    return MlauditInputError(
        f"model URI {uri!r} {why}; use models:/NAME@ALIAS (e.g. models:/credit-risk@champion), "
        "models:/NAME/VERSION, models:/NAME/latest, models:/m-<logged model id> or "
        "runs:/RUN_ID/PATH."
    )


def parse_model_uri(uri: str) -> ModelUri:
    """Parse a model URI without asking MLflow anything.

    Examples
    --------
    >>> parse_model_uri("models:/credit-risk@challenger").alias
    'challenger'
    >>> parse_model_uri("models:/credit-risk/3").version
    '3'
    >>> parse_model_uri("runs:/0a1b2c/model").path
    'model'
    >>> parse_model_uri("models:/credit-risk")
    Traceback (most recent call last):
    ...
    pytest_mlaudit.errors.MlauditInputError: model URI 'models:/credit-risk' names no version \
or alias; use models:/NAME@ALIAS (e.g. models:/credit-risk@champion), models:/NAME/VERSION, \
models:/NAME/latest, models:/m-<logged model id> or runs:/RUN_ID/PATH.
    """
    if not is_model_uri(uri):
        raise _bad(str(uri), "is not a models:/ or runs:/ URI")
    if uri.startswith("runs:/"):
        rest = uri[len("runs:/") :].strip("/")
        run_id, _, path = rest.partition("/")
        if not run_id or not path:
            raise _bad(uri, "needs a run id and an artifact path")
        return ModelUri(uri, "run", run_id=run_id, path=path)
    rest = uri[len("models:/") :]
    if rest.startswith("/"):
        raise _bad(uri, "names a registry host (models://...), which is not supported")
    rest = rest.rstrip("/")
    if "@" in rest:
        name, _, alias = rest.partition("@")
        if not name or not alias or "/" in alias or "/" in name:
            raise _bad(uri, "is not NAME@ALIAS")
        return ModelUri(uri, "alias", name=name, alias=alias)
    if "/" not in rest:
        if rest.startswith("m-") and len(rest) > 2:
            return ModelUri(uri, "logged", model_id=rest)
        raise _bad(uri, "names no version or alias")
    name, _, version = rest.rpartition("/")
    if not name:
        raise _bad(uri, "has no model name")
    if version.lower() == "latest":
        return ModelUri(uri, "latest", name=name)
    if not version.isdigit():
        raise _bad(
            uri,
            f"has {version!r} where a version number belongs (stages such as Production are "
            "deprecated in MLflow: use an alias, models:/NAME@ALIAS)",
        )
    return ModelUri(uri, "version", name=name, version=str(int(version)))


def _registry_uri(tracking_uri: str | None) -> str:
    """The registry URI in force: ``MLFLOW_REGISTRY_URI``, else the tracking URI."""
    mlflow = require_mlflow("the MLflow model registry")
    explicit = os.environ.get("MLFLOW_REGISTRY_URI")
    if explicit:
        return explicit
    if tracking_uri:
        return tracking_uri
    return str(mlflow.get_registry_uri())


def _public(uri: str) -> str:
    """``uri`` without credentials (``user:password@``) or a query string.

    >>> _public("https://bot:s3cret@mlflow.example.com/?token=x")
    'https://mlflow.example.com/'
    >>> _public("sqlite:////tmp/mlflow.db")
    'sqlite:////tmp/mlflow.db'
    """
    parts = urllib.parse.urlsplit(uri)
    if "@" not in parts.netloc and not parts.query:
        return uri
    host = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit(parts._replace(netloc=host, query=""))


def registry_client(tracking_uri: str | None = None) -> Any:
    """An ``MlflowClient`` on the configured (or the given) tracking store and registry.

    A store that cannot be opened (an SQLite path that cannot be created, a database
    that refuses the connection) is a :class:`RegistryError`.
    """
    uri = resolve_tracking_uri(tracking_uri)
    registry = _registry_uri(uri)
    try:
        return _client(uri, registry)
    except MlauditInputError:
        raise
    except Exception as exc:
        raise RegistryError(
            f"cannot reach the registry {_public(registry)} ({_first(exc)})"
        ) from None


def _first(exc: BaseException) -> str:
    """``Type: the first line of the message`` (at most 300 characters)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0][:300] if text else ''}"


def _where(client: Any) -> str:
    uri = getattr(client, "_registry_uri", None) or getattr(client, "tracking_uri", "")
    return _public(str(uri))


def _call(client: Any, what: str, fn: Any, *args: Any) -> Any:
    """``fn(*args)``; MLflow's errors as :class:`RegistryLookupError`/:class:`RegistryError`."""
    from mlflow.exceptions import MlflowException

    try:
        return fn(*args)
    except MlflowException as exc:
        code = str(getattr(exc, "error_code", ""))
        message = str(getattr(exc, "message", exc)).strip().rstrip(".")
        if code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise RegistryLookupError(
                f"{what}: {message} (registry {_where(client)}; set MLFLOW_TRACKING_URI or "
                "pass --tracking-uri / tracking_uri= for another store)."
            ) from None
        raise RegistryError(f"{what}: the registry {_where(client)} failed: {message}") from None
    except Exception as exc:  # a store that cannot be opened, a server that does not answer
        raise RegistryError(
            f"{what}: cannot reach the registry {_where(client)} ({_first(exc)})"
        ) from None


def _version_info(mv: Any) -> VersionInfo:
    return VersionInfo(
        name=str(mv.name),
        version=str(mv.version),
        run_id=getattr(mv, "run_id", None) or None,
        created_ms=int(getattr(mv, "creation_timestamp", 0) or 0),
        aliases=tuple(str(a) for a in (getattr(mv, "aliases", None) or ())),
        tags={str(k): str(v) for k, v in (getattr(mv, "tags", None) or {}).items()},
    )


def _model_id(source: str | None) -> str | None:
    if source and source.startswith("models:/m-"):
        return source[len("models:/") :].split("/")[0]
    return None


def _quoted(name: str, what: str) -> str:
    if "'" in name or "`" in name:
        raise MlauditInputError(f"{what} {name!r} contains a quote, which a search cannot hold.")
    return name


def get_version(name: str, version: str, *, client: Any) -> VersionInfo:
    """Version ``version`` of the registered model ``name``."""
    mv = _call(client, f"model {name!r} version {version}", client.get_model_version, name, version)
    return _version_info(mv)


def alias_version(name: str, alias: str, *, client: Any) -> str | None:
    """The version the alias points to, or None when the model has no such alias.

    A model that does not exist is a :class:`RegistryLookupError`.
    """
    rm = _call(client, f"model {name!r}", client.get_registered_model, name)
    aliases = getattr(rm, "aliases", None) or {}
    version = aliases.get(alias)
    return None if version is None else str(version)


def set_alias(name: str, alias: str, version: str, *, client: Any) -> None:
    """Point ``alias`` at ``version`` (moving it from wherever it pointed)."""
    _call(
        client,
        f"set alias {alias!r} of model {name!r} to version {version}",
        client.set_registered_model_alias,
        name,
        alias,
        version,
    )


def tag_version(name: str, version: str, tags: Mapping[str, str], *, client: Any) -> None:
    """Set each tag on the version (an existing tag is overwritten)."""
    for key, value in tags.items():
        _call(
            client,
            f"tag {key!r} on model {name!r} version {version}",
            client.set_model_version_tag,
            name,
            version,
            key,
            str(value),
        )


def versions_tagged(name: str, key: str, value: str, *, client: Any) -> list[VersionInfo]:
    """The versions of ``name`` whose tag ``key`` equals ``value``, newest version first."""
    query = (
        f"name = '{_quoted(name, 'model name')}' and "
        f"tags.`{_quoted(key, 'tag')}` = '{_quoted(value, 'tag value')}'"
    )
    found = _call(client, f"search versions of model {name!r}", client.search_model_versions, query)
    out = [_version_info(mv) for mv in found]
    return sorted(out, key=lambda v: int(v.version) if v.version.isdigit() else -1, reverse=True)


def resolve(uri: str, *, tracking_uri: str | None = None, client: Any = None) -> ModelSource:
    """The version (or run) ``uri`` names now, and where its files are.

    Returns a :class:`~pytest_mlaudit.checks.gate.report.ModelSource`; raises
    :class:`RegistryLookupError` when what it names does not exist.
    """
    return _resolve(parse_model_uri(uri), client or registry_client(tracking_uri))[0]


def _resolve(parsed: ModelUri, client: Any) -> tuple[ModelSource, str]:
    """``(source, download URI)``."""
    where = _public(str(getattr(client, "_registry_uri", "") or "")) or None
    if parsed.kind in ("version", "alias", "latest"):
        name = parsed.name
        assert name is not None
        if parsed.kind == "alias":
            assert parsed.alias is not None
            mv = _call(
                client,
                parsed.uri,
                client.get_model_version_by_alias,
                name,
                parsed.alias,
            )
        elif parsed.kind == "latest":
            found = _call(
                client,
                parsed.uri,
                client.search_model_versions,
                f"name = '{_quoted(name, 'model name')}'",
            )
            if not found:
                raise RegistryLookupError(f"{parsed.uri}: model {name!r} has no versions.")
            mv = max(found, key=lambda v: int(v.version))
        else:
            mv = _call(client, parsed.uri, client.get_model_version, name, parsed.version)
        version = str(mv.version)
        download = _call(client, parsed.uri, client.get_model_version_download_uri, name, version)
        source = ModelSource(
            parsed.uri,
            name=name,
            version=version,
            alias=parsed.alias,
            run_id=getattr(mv, "run_id", None) or None,
            model_id=_model_id(getattr(mv, "source", None)),
            registry=where,
        )
        return source, str(download)
    if parsed.kind == "logged":
        lm = _call(client, parsed.uri, client.get_logged_model, parsed.model_id)
        source = ModelSource(
            parsed.uri,
            run_id=getattr(lm, "source_run_id", None) or None,
            model_id=parsed.model_id,
            registry=where,
        )
        return source, str(lm.artifact_location)
    assert parsed.run_id is not None and parsed.path is not None
    run = _call(client, parsed.uri, client.get_run, parsed.run_id)
    logged = _call(
        client,
        parsed.uri,
        client.search_logged_models,
        [run.info.experiment_id],
        f"source_run_id = '{_quoted(parsed.run_id, 'run id')}'",
    )
    for lm in logged:
        if getattr(lm, "name", None) == parsed.path:
            return (
                ModelSource(parsed.uri, run_id=parsed.run_id, model_id=lm.model_id, registry=where),
                str(lm.artifact_location),
            )
    base = str(run.info.artifact_uri).rstrip("/")
    return ModelSource(parsed.uri, run_id=parsed.run_id, registry=where), f"{base}/{parsed.path}"


_DOWNLOADS: list[str] = []


@atexit.register
def _clean_downloads() -> None:  # pragma: no cover - runs at interpreter exit
    for path in _DOWNLOADS:
        shutil.rmtree(path, ignore_errors=True)


def _local_dir(download_uri: str, tracking_uri: str, what: str) -> str:
    """A local folder holding the model: the artifact folder itself when it is local,
    else a download into a temporary folder (removed at exit)."""
    parts = urllib.parse.urlsplit(download_uri)
    local = parts.path if parts.scheme == "file" else download_uri if not parts.scheme else None
    if local is not None:
        if not os.path.isdir(local):
            raise RegistryLookupError(f"{what}: its files are missing from {local!r}.")
        return local
    mlflow = require_mlflow("the MLflow model registry")
    target = tempfile.mkdtemp(prefix="mlaudit-model-")
    _DOWNLOADS.append(target)
    try:
        return str(
            mlflow.artifacts.download_artifacts(
                artifact_uri=download_uri, dst_path=target, tracking_uri=tracking_uri
            )
        )
    except Exception as exc:
        raise RegistryError(
            f"{what}: cannot download {_public(download_uri)!r} ({_first(exc)})"
        ) from None


def _native(pyfunc_model: Any) -> Any:
    """The flavour's own model when it has ``predict``/``predict_proba`` (scikit-learn,
    XGBoost, ...), else the pyfunc model (which has ``predict`` only)."""
    try:
        raw = pyfunc_model.get_raw_model()
    except Exception:  # NotImplementedError: the flavour keeps no native model
        return pyfunc_model
    if callable(getattr(raw, "predict", None)) or callable(getattr(raw, "predict_proba", None)):
        return raw
    return pyfunc_model


def load_model(uri: str, *, tracking_uri: str | None = None) -> LoadedModel:
    """Resolve ``uri`` to a version, then load that version (not the alias again: an
    alias moved in between cannot change what is compared).

    Raises :class:`RegistryLookupError` (nothing by that name), :class:`RegistryError`
    (the registry or the download failed) or :class:`MlauditInputError` (a bad URI, or
    MLflow is not installed).
    """
    parsed = parse_model_uri(uri)
    mlflow = require_mlflow(f"the model URI {uri!r}")
    tracking = resolve_tracking_uri(tracking_uri)
    start = time.perf_counter()
    try:
        client = registry_client(tracking)
    except RegistryError as exc:
        raise RegistryError(f"{uri}: {exc}") from None
    source, download = _resolve(parsed, client)
    folder = _local_dir(download, tracking, uri)
    try:
        pyfunc_model = mlflow.pyfunc.load_model(folder)
    except Exception as exc:
        raise RegistryError(f"{uri}: mlflow.pyfunc.load_model raised {_first(exc)}") from None
    seconds = time.perf_counter() - start
    flavor = getattr(pyfunc_model, "loader_module", None)
    meta = getattr(pyfunc_model, "metadata", None)
    source = dataclasses.replace(
        source,
        flavor=str(flavor) if flavor else None,
        run_id=source.run_id or getattr(meta, "run_id", None) or None,
        model_id=source.model_id or getattr(meta, "model_id", None) or None,
    )
    loader = "mlflow.pyfunc.load_model" + (f" ({flavor})" if flavor else "")
    return LoadedModel(_native(pyfunc_model), source, seconds, loader)
