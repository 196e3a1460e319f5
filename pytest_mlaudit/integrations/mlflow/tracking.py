"""An audit run as an MLflow run: key figures as metrics, verdicts as tags, the record and
the report as artifacts, and the model versions audited linked to it.

``pytest --mlaudit-mlflow`` calls :func:`log_audit` once at the end of the run, after the
record (and the report) are written; a script or a scheduler can call it on any saved
record. :mod:`pytest_mlaudit.integrations.mlflow.history` reads these runs back as the
audit history.

What one audit run holds
------------------------
metrics
    every numeric key figure of each check as ``<check>.<figure>`` and each of its
    per-subject measures as ``<check>.<subject>.<measure>`` (e.g.
    ``test_inputs_have_not_drifted.income.psi``), where ``<check>`` is the test's name
    (``TestClass.test_name[param]``, ``.2`` for its second check) made a valid MLflow key
    (:func:`metric_names`); plus the run's counts, ``mlaudit.checks``,
    ``mlaudit.passed``, ``mlaudit.failed``, ... Values that are not finite are left out.
tags
    ``mlaudit.kind = audit``, ``mlaudit.verdict`` (passed / failed), per check
    ``mlaudit.check.<check>.verdict`` (passed, failed, xfailed, ...) and ``.kind``,
    ``mlaudit.record_uid`` (the SHA-256 the SQLite history keys the record by),
    ``mlaudit.created_at``, ``mlaudit.summary``, the git commit, and one
    ``mlaudit.model_version.<name> = <version>`` per registered model version audited.
artifacts
    ``audit.json`` (the record, always), and each file of ``artifacts`` (the HTML
    report under ``report/``).
inputs
    the MLflow 3 logged model of each audited model version, when it has one (the run
    then shows on the model's page).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.integrations.mlflow._client import client, require_mlflow, resolve_tracking_uri
from pytest_mlaudit.record import AuditRecord, CheckEntry

__all__ = [
    "AUDIT_KIND",
    "DEFAULT_EXPERIMENT",
    "RECORD_ARTIFACT",
    "LoggedAudit",
    "artifact_location",
    "audit_metrics",
    "audit_tags",
    "experiment_id",
    "log_audit",
    "metric_names",
    "model_versions",
    "quiet_and_bounded",
    "record_uid",
]

#: the experiment audit runs go to unless told otherwise
DEFAULT_EXPERIMENT: Final = "mlaudit"
#: the artifact path of the record in an audit run
RECORD_ARTIFACT: Final = "audit.json"
#: the value of the ``mlaudit.kind`` tag of an audit run
AUDIT_KIND: Final = "audit"
#: MLflow's limit on the length of a metric or tag key
_MAX_KEY: Final = 250
_MAX_TAG_VALUE: Final = 8000
#: what MLflow accepts in a key on every platform (a colon is refused on Windows)
_BAD_KEY_CHARS: Final = re.compile(r"[^\w.\- /]")
#: seconds and retries of one HTTP request to a tracking server, unless set in the env,
#: and no progress bars
_HTTP_DEFAULTS: Final = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",  # no progress bar per record read
}


def _clean(text: str) -> str:
    key = _BAD_KEY_CHARS.sub("_", text)
    key = re.sub(r"/{2,}", "/", key).strip("/ ")
    key = re.sub(r"(^|/)\.+(?=/|$)", r"\1_", key)
    return re.sub(r"^\.{2,}", "_", key)  # MLflow refuses a name that starts with ".."


def _key(text: str, limit: int = _MAX_KEY) -> str:
    """``text`` as a valid MLflow metric/tag key of at most ``limit`` characters (no
    ``//``, no leading or trailing ``/``, no ``.`` or ``..`` segment, no leading ``..``)."""
    return _clean(_clean(text)[:limit]) or "_"


def _short_name(entry: CheckEntry) -> str:
    """The test's part of a check's name: ``TestX::test_y[1]#2`` -> ``TestX.test_y[1].2``."""
    name = entry.name or entry.nodeid or entry.check
    _, _, test = name.partition("::")
    test = test or name
    return test.replace("::", ".").replace("#", ".")


def metric_names(checks: Sequence[CheckEntry]) -> list[str]:
    """A metric prefix per check, unique within the run and valid as an MLflow key.

    The test's name (class and function, with its parameters), or the whole node id
    when two checks of the run would get the same short name.

    Examples
    --------
    >>> from pytest_mlaudit.record import CheckEntry
    >>> from pytest_mlaudit.result import BadWhen, Measure
    >>> def entry(name):
    ...     m = Measure("x", 0.0, 0.0, BadWhen.ABOVE)
    ...     return CheckEntry(name.split("#")[0], 0, "drift", "drift", (), True, 0.0,
    ...                       m, {}, {}, "", {}, name=name)
    >>> metric_names([entry("tests/a.py::test_x[p=1]"), entry("tests/b.py::T::test_y#2")])
    ['test_x_p_1_', 'T.test_y.2']
    >>> metric_names([entry("tests/a.py::test_x"), entry("tests/b.py::test_x")])
    ['tests/a.py__test_x', 'tests/b.py__test_x']
    """
    short = [_key(_short_name(e), 120) for e in checks]
    counts: dict[str, int] = {}
    for s in short:
        counts[s] = counts.get(s, 0) + 1
    out: list[str] = []
    seen: set[str] = set()
    for entry, s in zip(checks, short, strict=True):
        name = s if counts[s] == 1 else _key(entry.name or entry.nodeid, 120)
        base, n = name, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name)
        out.append(name)
    return out


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def audit_metrics(record: AuditRecord) -> dict[str, float]:
    """The metrics of an audit run: key figures and measures per check, and the counts."""
    metrics: dict[str, float] = {}

    def put(key: str, value: Any) -> None:
        x = _finite(value)
        key = _key(key)
        if x is not None and key not in metrics:
            metrics[key] = x

    for prefix, entry in zip(metric_names(record.checks), record.checks, strict=True):
        for figure, value in entry.figures.items():
            put(f"{prefix}.{figure}", value)
        for m in entry.measures:
            key = f"{prefix}.{m.subject}.{m.name}" if m.subject else f"{prefix}.{m.name}"
            put(key, m.statistic)
    for key, count in record.summary.items():
        put(f"mlaudit.{key}", count)
    return metrics


def _verdict(record: AuditRecord) -> str:
    s = record.summary
    return "failed" if s.get("failed", 0) or s.get("errors", 0) else "passed"


def _check_verdict(entry: CheckEntry) -> str:
    if entry.passed:
        return "passed"
    return "xfailed" if entry.outcome == "xfailed" else "failed"


def record_uid(record: AuditRecord) -> str:
    """The SHA-256 the SQLite history keys ``record`` by (the same record is stored once)."""
    from pytest_mlaudit.history._ingest import ingest

    return ingest(record).uid


def _sources(entry: CheckEntry) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(role, source)`` of each model a check loaded from MLflow: the gate keeps
    ``candidate_source`` / ``baseline_source`` (a ``ModelSource``) in its result."""
    for key, value in entry.result.items():
        if str(key).endswith("_source") and isinstance(value, Mapping):
            yield str(key).removesuffix("_source"), value


def model_versions(record: AuditRecord) -> dict[str, str]:
    """The registered model versions a record's checks audited: ``{name: version}``.

    Read from the checks' results (the gate's ``candidate_source`` and
    ``baseline_source``: the version an alias resolved to when the gate ran). Several
    versions of one model (a challenger against its champion) are joined with commas,
    candidate first.
    """
    found: dict[str, list[str]] = {}
    for entry in record.checks:
        for _, source in _sources(entry):
            name, version = source.get("name"), source.get("version")
            if isinstance(name, str) and name and version is not None:
                versions = found.setdefault(name, [])
                if str(version) not in versions:
                    versions.append(str(version))
    return {name: ",".join(versions) for name, versions in found.items()}


def _model_ids(record: AuditRecord) -> list[str]:
    """MLflow 3 logged-model ids of the models the checks loaded, in order."""
    out: list[str] = []
    for entry in record.checks:
        for _, source in _sources(entry):
            model_id = source.get("model_id")
            if isinstance(model_id, str) and model_id and model_id not in out:
                out.append(model_id)
    return out


def audit_tags(record: AuditRecord, *, uid: str | None = None) -> dict[str, str]:
    """The tags of an audit run: the overall and per-check verdicts, where it came from."""
    tags: dict[str, str] = {
        "mlaudit.kind": AUDIT_KIND,
        "mlaudit.verdict": _verdict(record),
        "mlaudit.record_uid": uid or record_uid(record),
        "mlaudit.created_at": record.created_at,
        "mlaudit.schema_version": record.schema_version,
    }
    tags["mlaudit.summary"] = ", ".join(f"{k} {v}" for k, v in record.summary.items())
    commit = record.environment.get("git_commit")
    if isinstance(commit, str) and commit:
        tags["mlaudit.git_commit"] = commit
        tags["mlflow.source.git.commit"] = commit
    for prefix, entry in zip(metric_names(record.checks), record.checks, strict=True):
        tags[_key(f"mlaudit.check.{prefix}.verdict")] = _check_verdict(entry)
        tags[_key(f"mlaudit.check.{prefix}.kind")] = entry.kind
    for prefix, entry in zip(metric_names(record.checks), record.checks, strict=True):
        for role, source in _sources(entry):  # models:/credit-risk/3 (or the URI as given)
            uri = source.get("uri")
            name, version = source.get("name"), source.get("version")
            shown = f"models:/{name}/{version}" if name and version is not None else uri
            if isinstance(shown, str):
                tags[_key(f"mlaudit.check.{prefix}.{role}")] = shown
    for name, version in model_versions(record).items():
        tags[_key(f"mlaudit.model_version.{name}")] = version
    return {k: v[:_MAX_TAG_VALUE] for k, v in tags.items()}


@contextlib.contextmanager
def quiet_and_bounded() -> Iterator[None]:
    """Bound each request to a tracking server (MLflow retries for minutes by default),
    unless the environment sets its own limits; keep MLflow's and alembic's INFO lines
    (creating the tables of a new store) off the terminal."""
    import logging

    added = [k for k in _HTTP_DEFAULTS if k not in os.environ]
    for key in added:
        os.environ[key] = _HTTP_DEFAULTS[key]
    loggers = [logging.getLogger(name) for name in ("mlflow", "alembic")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def artifact_location(tracking_uri: str, experiment: str) -> str | None:
    """Where a new experiment of a local SQLite store keeps its artifacts: beside the
    database (``<db folder>/mlruns/<experiment>``), not in whatever folder the run was
    started from (MLflow's ``./mlruns``); None (the server decides) for any other store."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    path = tracking_uri.removeprefix("sqlite:///").split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return str(Path(path).absolute().parent / "mlruns" / _key(experiment).replace("/", "_"))


def experiment_id(mlflow_client: Any, name: str, tracking_uri: str) -> str:
    """The id of experiment ``name``, created when missing (refused when deleted)."""
    experiment = mlflow_client.get_experiment_by_name(name)
    if experiment is None:
        location = artifact_location(tracking_uri, name)
        return str(mlflow_client.create_experiment(name, artifact_location=location))
    if getattr(experiment, "lifecycle_stage", "active") != "active":
        raise MlauditInputError(
            f"experiment={name!r} is deleted in the MLflow tracking store; restore it "
            "(`mlflow experiments restore`) or name another experiment."
        )
    return str(experiment.experiment_id)


def _millis(iso: str) -> int:
    from pytest_mlaudit.history import parse_time

    return int(parse_time(iso).timestamp() * 1000)


class LoggedAudit:
    """Where :func:`log_audit` put the run: ``run_id``, ``experiment_id``, the tracking URI
    and what it logged."""

    __slots__ = ("artifacts", "experiment_id", "metrics", "run_id", "tags", "tracking_uri")

    def __init__(
        self,
        run_id: str,
        experiment_id: str,
        tracking_uri: str,
        metrics: Mapping[str, float],
        tags: Mapping[str, str],
        artifacts: Sequence[str],
    ) -> None:
        self.run_id = run_id
        self.experiment_id = experiment_id
        self.tracking_uri = tracking_uri
        self.metrics = dict(metrics)
        self.tags = dict(tags)
        self.artifacts = tuple(artifacts)

    @property
    def link(self) -> str:
        """The run's page on a tracking server (``http(s)://...#/experiments/E/runs/R``),
        else its ``runs:/ID`` URI (a local store has no page)."""
        if self.tracking_uri.startswith(("http://", "https://")):
            base = self.tracking_uri.rstrip("/")
            return f"{base}/#/experiments/{self.experiment_id}/runs/{self.run_id}"
        return f"runs:/{self.run_id}"

    def __repr__(self) -> str:
        return f"LoggedAudit(run_id={self.run_id!r}, tracking_uri={self.tracking_uri!r})"


def _artifact_list(artifacts: Sequence[Any]) -> list[tuple[Path, str | None]]:
    """``(file, artifact directory)`` pairs; an HTML file goes under ``report/``."""
    out = []
    for item in artifacts:
        if isinstance(item, tuple):
            path, folder = Path(item[0]), item[1]
        else:
            path = Path(item)
            folder = "report" if path.suffix in (".html", ".ipynb") else None
        if not path.is_file():
            raise MlauditInputError(f"artifacts: {str(path)!r} is not a file.")
        out.append((path, folder))
    return out


def _version_model_id(mv: Any) -> str | None:
    """A model version's logged model: ``model_id``, or the ``m-...`` of a
    ``models:/m-...`` source (the SQLite registry keeps only the source)."""
    model_id = getattr(mv, "model_id", None)
    if model_id:
        return str(model_id)
    source = str(getattr(mv, "source", "") or "")
    rest = source.removeprefix("models:/")
    return rest if source.startswith("models:/m-") and "/" not in rest else None


def _link_models(
    mlflow_client: Any, run_id: str, versions: Mapping[str, str], model_ids: Sequence[str]
) -> None:
    """Log the MLflow 3 logged model of each audited version as an input of the run."""
    from mlflow.entities import LoggedModelInput

    ids = list(model_ids)
    for name, joined in versions.items():
        for version in joined.split(","):
            try:
                model_id = _version_model_id(mlflow_client.get_model_version(name, version))
            except Exception:  # a version of another registry: the tag names it still
                continue
            if model_id and str(model_id) not in ids:
                ids.append(str(model_id))
    if ids:
        mlflow_client.log_inputs(run_id, models=[LoggedModelInput(model_id=i) for i in ids])


def log_audit(
    record: AuditRecord | Mapping[str, Any] | str | os.PathLike[str],
    *,
    tracking_uri: str | None = None,
    experiment: str | None = None,
    artifacts: Sequence[str | os.PathLike[str] | tuple[str | os.PathLike[str], str]] = (),
    run_name: str | None = None,
    model_versions: Mapping[str, str] | None = None,
) -> LoggedAudit:
    """Log one audit record as one MLflow run (see the module's docstring for what it holds).

    Parameters
    ----------
    record
        The :class:`~pytest_mlaudit.record.AuditRecord`, its dict, or its JSON file.
    tracking_uri
        The tracking store (default: ``MLFLOW_TRACKING_URI``, else MLflow's default, the
        SQLite store ``mlflow.db`` in the working folder).
    experiment
        The experiment's name (default :data:`DEFAULT_EXPERIMENT`); created if missing.
    artifacts
        Files logged beside the record: a path (an ``.html``/``.ipynb`` report goes under
        ``report/``, anything else at the top), or ``(path, artifact_dir)``.
    run_name
        Default ``mlaudit <verdict> <created_at>``.
    model_versions
        ``{registered model: version}`` audited, in addition to those the record names
        (:func:`model_versions`).

    Raises
    ------
    MlauditInputError
        MLflow is not installed, an artifact is missing, the experiment is deleted.
    Exception
        Whatever MLflow raises when the store cannot be reached; the pytest plugin turns it
        into one line of output and never into a failed run.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pytest_mlaudit.record import build_record
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> logged = log_audit(build_record([]), tracking_uri=f"sqlite:///{folder}/mlflow.db",
    ...                    experiment="doc")  # doctest: +SKIP
    >>> logged.tags["mlaudit.verdict"]  # doctest: +SKIP
    'passed'
    """
    from pytest_mlaudit.history._ingest import load_record
    from pytest_mlaudit.record import write_record

    require_mlflow("log_audit (--mlaudit-mlflow)")
    rec = load_record(record)
    files = _artifact_list(artifacts)
    uri = resolve_tracking_uri(tracking_uri)
    name = experiment or DEFAULT_EXPERIMENT
    metrics = audit_metrics(rec)
    tags = audit_tags(rec)
    for model, version in (model_versions or {}).items():
        tags[_key(f"mlaudit.model_version.{model}")] = str(version)
    versions = {
        k.removeprefix("mlaudit.model_version."): v
        for k, v in tags.items()
        if k.startswith("mlaudit.model_version.")
    }
    from mlflow.entities import Metric

    with quiet_and_bounded():
        c = client(uri)
        exp_id = experiment_id(c, name, uri)
        end = _millis(rec.created_at)
        duration = _finite(rec.run.get("duration_s")) or 0.0
        start = end - int(duration * 1000)
        run = c.create_run(
            exp_id,
            start_time=start,
            tags=tags,
            run_name=run_name or f"mlaudit {tags['mlaudit.verdict']} {rec.created_at}",
        )
        run_id = str(run.info.run_id)
        try:
            items = [Metric(k, v, end, 0) for k, v in metrics.items()]
            for i in range(0, len(items), 1000):  # MLflow takes up to 1000 per batch
                c.log_batch(run_id, metrics=items[i : i + 1000])
            with tempfile.TemporaryDirectory(prefix="mlaudit-mlflow-") as tmp:
                c.log_artifact(run_id, str(write_record(rec, Path(tmp) / RECORD_ARTIFACT)))
            logged = [RECORD_ARTIFACT]
            for path, folder in files:
                c.log_artifact(run_id, str(path), artifact_path=folder)
                logged.append(f"{folder}/{path.name}" if folder else path.name)
            if versions or _model_ids(rec):
                _link_models(c, run_id, versions, _model_ids(rec))
            c.set_terminated(run_id, status="FINISHED", end_time=max(end, start))
        except BaseException:
            with contextlib.suppress(Exception):
                c.set_terminated(run_id, status="FAILED")
            raise
    return LoggedAudit(run_id, exp_id, uri, metrics, tags, logged)
