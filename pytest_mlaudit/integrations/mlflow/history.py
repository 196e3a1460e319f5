"""The audit history read from MLflow: the runs ``--mlaudit-mlflow`` logged, shared by
every CI runner that logs to one tracking server.

:class:`MlflowHistory` is a :class:`~pytest_mlaudit.history.HistoryStore` whose rows come
from an MLflow experiment: each audit run's ``audit.json`` artifact is appended to a
local SQLite cache, so ``mlaudit history``, ``mlaudit retrain-check`` and
:func:`~pytest_mlaudit.retrain.should_retrain` read exactly the rows the SQLite history
gives for the same records. Only runs the cache has not seen are downloaded; a run
deleted in MLflow makes the cache start over. Run ids (``#3``) are the cache's; each
run's ``source`` is ``mlflow:<run id>``.

Events (a retrain, a promotion, a rollback) are MLflow runs too, tagged
``mlaudit.kind = event``, so ``mlaudit history mark retrain --mlflow`` on one runner is
seen by the retrain check of every other.

:func:`metric_values` reads a metric another job logs to MLflow (a production accuracy),
for the retrain policy's ``[[mlflow_metric]]`` rules.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.history import (
    EVENT_KINDS,
    AppendResult,
    Event,
    EventKind,
    HistoryError,
    HistoryStore,
    parse_time,
    utc_iso,
)
from pytest_mlaudit.integrations.mlflow._client import client, resolve_tracking_uri
from pytest_mlaudit.integrations.mlflow.tracking import (
    AUDIT_KIND,
    DEFAULT_EXPERIMENT,
    RECORD_ARTIFACT,
    experiment_id,
    log_audit,
    quiet_and_bounded,
    record_uid,
)
from pytest_mlaudit.record import AuditRecord

__all__ = [
    "EVENT_KIND",
    "MetricValue",
    "MlflowHistory",
    "default_cache",
    "default_experiment",
    "default_tracking_uri",
    "log_event",
    "metric_values",
]

#: the ``mlaudit.kind`` tag of an event run
EVENT_KIND: Final = "event"
_SYNCED: Final = (
    "CREATE TABLE IF NOT EXISTS mlflow_synced ("
    "mlflow_run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, local_id INTEGER NOT NULL)"
)
_PAGE: Final = 1000


def _ini(cwd: Path, key: str) -> str | None:
    """A string ini key of ``[tool.pytest.ini_options]`` in ``cwd``'s pyproject.toml."""
    pyproject = cwd / "pyproject.toml"
    if not pyproject.is_file():
        return None
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    ini = data.get("tool", {}).get("pytest", {}).get("ini_options", {})
    value = ini.get(key) if isinstance(ini, Mapping) else None
    return value if isinstance(value, str) and value.strip() else None


def default_experiment(cwd: Path | None = None) -> str:
    """The experiment of the audit runs: the ``mlaudit_mlflow_experiment`` ini key of
    ``pyproject.toml`` (what the plugin logs to), else :data:`DEFAULT_EXPERIMENT`."""
    return _ini(cwd or Path.cwd(), "mlaudit_mlflow_experiment") or DEFAULT_EXPERIMENT


def default_tracking_uri(cwd: Path | None = None) -> str:
    """``$MLFLOW_TRACKING_URI``, else the ``mlaudit_mlflow`` ini key when it is a URI,
    else MLflow's default (``sqlite:///mlflow.db``)."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return resolve_tracking_uri(None)
    ini = _ini(cwd or Path.cwd(), "mlaudit_mlflow")
    if ini and ini.strip().lower() not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
        return resolve_tracking_uri(ini.strip())
    return resolve_tracking_uri(None)


def default_cache(tracking_uri: str, experiment: str, *, cwd: Path | None = None) -> Path:
    """The local cache of one experiment: ``$MLAUDIT_MLFLOW_CACHE`` (a folder) or
    ``.mlaudit/mlflow-cache/``, one SQLite file per tracking URI and experiment."""
    folder = os.environ.get("MLAUDIT_MLFLOW_CACHE")
    base = Path(folder) if folder else (cwd or Path.cwd()) / ".mlaudit" / "mlflow-cache"
    key = hashlib.sha256(f"{tracking_uri}\0{experiment}".encode()).hexdigest()[:16]
    return base / f"{key}.sqlite"


def _millis(at: str | _dt.datetime | None) -> int:
    return int(parse_time(utc_iso(at)).timestamp() * 1000)


def _mlflow_error(uri: str, exc: Exception) -> HistoryError:
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return HistoryError(f"the MLflow tracking store {uri} cannot be used: {detail}")


def _download_record(run: Any, tracking_uri: str, folder: str) -> str:
    """The run's ``audit.json``, straight from its artifact location (the client's
    ``download_artifacts`` looks the run up twice more)."""
    from mlflow.artifacts import download_artifacts

    uri = f"{str(run.info.artifact_uri).rstrip('/')}/{RECORD_ARTIFACT}"
    return str(download_artifacts(artifact_uri=uri, dst_path=folder, tracking_uri=tracking_uri))


def log_event(
    kind: EventKind | str,
    *,
    at: str | _dt.datetime | None = None,
    model: str | None = None,
    note: str | None = None,
    audit_run: str | None = None,
    tracking_uri: str | None = None,
    experiment: str | None = None,
) -> str:
    """Record a retrain, promotion or rollback as an MLflow run; return its run id.

    ``audit_run`` is the MLflow run id of the audit the event belongs to (the gate run
    of a promotion).
    """
    if kind not in EVENT_KINDS:
        raise MlauditInputError(f"event kind must be one of {EVENT_KINDS}; got {kind!r}.")
    uri = resolve_tracking_uri(tracking_uri)
    name = experiment or DEFAULT_EXPERIMENT
    when = utc_iso(at)
    tags = {"mlaudit.kind": EVENT_KIND, "mlaudit.event": str(kind), "mlaudit.event.at": when}
    for key, value in (("model", model), ("note", note), ("run", audit_run)):
        if value:
            tags[f"mlaudit.event.{key}"] = str(value)[:8000]
    with quiet_and_bounded():
        c = client(uri)
        run = c.create_run(
            experiment_id(c, name, uri),
            start_time=_millis(when),
            tags=tags,
            run_name=f"mlaudit {kind} {when}",
        )
        c.set_terminated(run.info.run_id, status="FINISHED", end_time=_millis(when))
    return str(run.info.run_id)


class MlflowHistory(HistoryStore):
    """The audit history of one MLflow experiment, read through a local SQLite cache.

    Every read method of :class:`~pytest_mlaudit.history.HistoryStore` works on it
    unchanged (after :meth:`sync`, which the constructor runs); :meth:`append` logs a
    saved record as an audit run and :meth:`add_event` logs an event run, both to MLflow.

    Parameters
    ----------
    tracking_uri
        Default :func:`default_tracking_uri`.
    experiment
        Default :func:`default_experiment`.
    cache
        The cache file (default :func:`default_cache`).
    create
        False (a reader): an experiment that does not exist is a
        :class:`~pytest_mlaudit.history.HistoryError`; True: it is created on a write.
    """

    __slots__ = ("experiment", "skipped", "tracking_uri")

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        experiment: str | None = None,
        cache: str | os.PathLike[str] | None = None,
        create: bool = False,
        timeout: float | None = None,
    ) -> None:
        uri = tracking_uri or default_tracking_uri()
        name = experiment or default_experiment()
        super().__init__(cache or default_cache(uri, name), timeout=timeout, create=True)
        self.tracking_uri = uri
        self.experiment = name
        #: MLflow runs tagged as audits whose record could not be read (run id, why)
        self.skipped: list[tuple[str, str]] = []
        self.sync(create=create)

    def __repr__(self) -> str:
        return f"MlflowHistory({self.tracking_uri!r}, experiment={self.experiment!r})"

    @property
    def label(self) -> str:
        """How messages name this history."""
        return f"MLflow experiment {self.experiment!r} at {self.tracking_uri}"

    # -- the cache's bookkeeping: which MLflow run is which local row

    def _synced(self) -> dict[str, tuple[str, int]]:
        if not self.path.exists():
            return {}
        with contextlib.closing(sqlite3.connect(self.path, timeout=self.timeout)) as conn:
            conn.execute(_SYNCED)
            rows = conn.execute("SELECT mlflow_run_id, kind, local_id FROM mlflow_synced")
            return {r[0]: (r[1], int(r[2])) for r in rows}

    def _mark_synced(self, rows: list[tuple[str, str, int]]) -> None:
        """Note ``(MLflow run id, kind, local id)`` rows as read. An audit appended but not
        noted (a crash in between) is read again next time, and the store finds it there."""
        if not rows:
            return
        with contextlib.closing(sqlite3.connect(self.path, timeout=self.timeout)) as conn:
            conn.execute(_SYNCED)
            conn.executemany("INSERT OR REPLACE INTO mlflow_synced VALUES (?, ?, ?)", rows)
            conn.commit()

    def _start_over(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._ready = False

    def mlflow_run_id(self, run_id: int) -> str | None:
        """The MLflow run id of the cache's run ``run_id``."""
        for mlflow_id, (kind, local) in self._synced().items():
            if kind == AUDIT_KIND and local == run_id:
                return mlflow_id
        return None

    # -- reading MLflow

    def _runs(self, mlflow_client: Any, exp_id: str) -> Iterator[Any]:
        token = None
        while True:
            page = mlflow_client.search_runs(
                [exp_id],
                max_results=_PAGE,
                order_by=["attributes.start_time ASC"],
                page_token=token,
            )
            yield from page
            token = page.token
            if not token:
                return

    def _experiment(self, mlflow_client: Any, *, create: bool) -> str | None:
        exp = mlflow_client.get_experiment_by_name(self.experiment)
        if exp is not None and getattr(exp, "lifecycle_stage", "active") == "active":
            return str(exp.experiment_id)
        if create:
            return experiment_id(mlflow_client, self.experiment, self.tracking_uri)
        return None

    def sync(self, *, create: bool = False) -> int:
        """Bring the cache up to date with the experiment; return how many runs and
        events were new. A missing experiment is a :class:`HistoryError` unless
        ``create`` (then it is an empty history)."""
        try:
            with quiet_and_bounded():
                return self._sync(create=create)
        except (HistoryError, MlauditInputError):
            raise
        except Exception as exc:  # MLflow's own errors: one line, exit 1
            raise _mlflow_error(self.tracking_uri, exc) from None

    def _read_audits(
        self,
        audits: list[Any],
        synced: Mapping[str, tuple[str, int]],
        tmp: str,
        done: list[tuple[str, str, int]],
    ) -> int:
        """Append the records of the audit runs not read yet; note each in ``done``."""
        for run in audits:
            run_id = run.info.run_id
            if run_id in synced:
                continue
            try:
                local = _download_record(run, self.tracking_uri, os.path.join(tmp, run_id))
                result = HistoryStore.append(self, local, source=f"mlflow:{run_id}")
            except (MlauditInputError, OSError) as exc:
                self.skipped.append((run_id, str(exc)))
                continue
            except Exception as exc:  # the artifact is missing (a run cut short)
                if "artifact" not in str(exc).lower() and "not found" not in str(exc):
                    raise
                self.skipped.append((run_id, str(exc).splitlines()[0]))
                continue
            done.append((run_id, AUDIT_KIND, result.run_id))
        return len(done)

    def _sync(self, *, create: bool) -> int:
        c = client(self.tracking_uri)
        exp_id = self._experiment(c, create=create)
        if exp_id is None:
            raise HistoryError(
                f"no MLflow experiment {self.experiment!r} at {self.tracking_uri}; log audits "
                f"to it first (pytest --mlaudit-mlflow={self.tracking_uri} "
                f"--mlaudit-mlflow-experiment={self.experiment})."
            )
        audits, events = [], []
        for run in self._runs(c, exp_id):
            kind = run.data.tags.get("mlaudit.kind")
            if kind == AUDIT_KIND and run.info.status == "FINISHED":
                audits.append(run)
            elif kind == EVENT_KIND:
                events.append(run)
        synced = self._synced()
        if set(synced) - {r.info.run_id for r in (*audits, *events)}:
            self._start_over()  # a run was deleted in MLflow: rebuild from what is there
            synced = {}
        new = 0
        self.skipped = []
        audits.sort(key=lambda r: (r.data.tags.get("mlaudit.created_at", ""), r.info.run_id))
        done: list[tuple[str, str, int]] = []
        with tempfile.TemporaryDirectory(prefix="mlaudit-mlflow-") as tmp:
            try:
                new += self._read_audits(audits, synced, tmp, done)
            finally:
                self._mark_synced(done)
        for mlflow_id, kind, local_id in done:
            synced[mlflow_id] = (kind, local_id)

        local_of = {k: v[1] for k, v in synced.items() if v[0] == AUDIT_KIND}
        events.sort(key=lambda r: (r.data.tags.get("mlaudit.event.at", ""), r.info.run_id))
        for run in events:
            if run.info.run_id in synced:
                continue
            tags = run.data.tags
            kind = tags.get("mlaudit.event")
            if kind not in EVENT_KINDS:
                continue
            event = HistoryStore.add_event(
                self,
                kind,
                at=tags.get("mlaudit.event.at") or None,
                model=tags.get("mlaudit.event.model"),
                note=tags.get("mlaudit.event.note"),
                run_id=local_of.get(tags.get("mlaudit.event.run", "")),
            )
            self._mark_synced([(run.info.run_id, EVENT_KIND, event.id)])
            new += 1
        if not self.path.exists():  # an empty experiment: an empty store, not a missing one
            HistoryStore.count_runs(self)
        return new

    # -- writing to MLflow

    def append(
        self,
        record: AuditRecord | Mapping[str, Any] | str | os.PathLike[str],
        *,
        source: str | None = None,
    ) -> AppendResult:
        """Log a saved record as an audit run (once: a record already logged is found by
        its ``mlaudit.record_uid`` tag), then read it into the cache."""
        from pytest_mlaudit.history._ingest import load_record

        rec = load_record(record)
        uid = record_uid(rec)
        try:
            with quiet_and_bounded():
                c = client(self.tracking_uri)
                exp_id = experiment_id(c, self.experiment, self.tracking_uri)
                found = c.search_runs(
                    [exp_id], filter_string=f"tags.`mlaudit.record_uid` = '{uid}'", max_results=1
                )
            if not found:
                log_audit(rec, tracking_uri=self.tracking_uri, experiment=self.experiment)
        except MlauditInputError:
            raise
        except Exception as exc:
            raise _mlflow_error(self.tracking_uri, exc) from None
        self.sync()
        for run in self.runs():
            if run.run_uid == uid:
                return AppendResult(run.id, not found)
        raise HistoryError(f"the record was logged to {self.label} but could not be read back.")

    def add_event(
        self,
        kind: EventKind | str,
        *,
        at: str | _dt.datetime | None = None,
        model: str | None = None,
        note: str | None = None,
        run_id: int | None = None,
    ) -> Event:
        """Log the event to MLflow (``run_id``: a run of this history), then read it back."""
        audit_run = None
        if run_id is not None:
            audit_run = self.mlflow_run_id(run_id)
            if audit_run is None:
                raise MlauditInputError(f"no run with id {run_id} in {self.label}.")
        try:
            mlflow_id = log_event(
                kind,
                at=at,
                model=model,
                note=note,
                audit_run=audit_run,
                tracking_uri=self.tracking_uri,
                experiment=self.experiment,
            )
        except MlauditInputError:
            raise
        except Exception as exc:
            raise _mlflow_error(self.tracking_uri, exc) from None
        self.sync()
        local = self._synced()[mlflow_id][1]
        return next(e for e in self.events() if e.id == local)


# --------------------------------------------------------------------------- metrics


@dataclasses.dataclass(frozen=True, slots=True)
class MetricValue:
    """A metric's latest value in one MLflow run."""

    run_id: str
    at: str  #: the run's start (ISO-8601 UTC)
    value: float


def metric_values(
    experiment: str,
    metric: str,
    *,
    tracking_uri: str | None = None,
    filter_string: str = "",
    since: str | None = None,
    until: str | None = None,
) -> tuple[list[MetricValue], list[str]] | None:
    """The runs of ``experiment`` that logged ``metric``, newest first, between ``since``
    (exclusive) and ``until`` (inclusive), with the metric names those runs have.

    None when the experiment does not exist. ``filter_string`` is an MLflow search
    filter (``tags.model = 'credit-risk'``).
    """
    uri = resolve_tracking_uri(tracking_uri)
    try:
        with quiet_and_bounded():
            c = client(uri)
            exp = c.get_experiment_by_name(experiment)
            if exp is None:
                return None
            clauses = [filter_string] if filter_string else []
            if until is not None:
                clauses.append(f"attributes.start_time <= {_millis(until)}")
            runs = c.search_runs(
                [exp.experiment_id],
                filter_string=" and ".join(clauses),
                order_by=["attributes.start_time DESC"],
                max_results=_PAGE,
            )
    except MlauditInputError:
        raise
    except Exception as exc:
        raise _mlflow_error(uri, exc) from None
    names: set[str] = set()
    out = []
    for run in runs:
        names.update(run.data.metrics)
        at = utc_iso(_dt.datetime.fromtimestamp(run.info.start_time / 1000, _dt.UTC))
        if metric in run.data.metrics and (since is None or at > since):
            out.append(MetricValue(str(run.info.run_id), at, float(run.data.metrics[metric])))
    return out, sorted(names)
