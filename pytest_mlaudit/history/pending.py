"""After a run: where the store is, and appending the run's record without ever losing it.

When the store cannot take a record (locked, broken), the record waits in
``<store>.pending/`` (or the temporary directory) and the next run that reaches the
store appends it first.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.history.rows import HistoryError
from pytest_mlaudit.history.store import HistoryStore
from pytest_mlaudit.record import AuditRecord

__all__ = ["DEFAULT_PATH", "append_after_run", "import_pending", "pending_dir", "resolve_path"]

#: Where the store lives unless told otherwise (relative to the working directory).
DEFAULT_PATH: Final = Path(".mlaudit") / "history.sqlite"


def resolve_path(value: str | os.PathLike[str] | None, *, cwd: Path | None = None) -> Path:
    """Where the history store is: ``value``, else ``$MLAUDIT_HISTORY``, else the
    ``mlaudit_history`` ini key of ``pyproject.toml`` in ``cwd``, else :data:`DEFAULT_PATH`."""
    base = cwd or Path.cwd()
    if value:
        return Path(value)
    env = os.environ.get("MLAUDIT_HISTORY")
    if env:
        return Path(env)
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            data = {}
        ini = data.get("tool", {}).get("pytest", {}).get("ini_options", {})
        if isinstance(ini, Mapping) and isinstance(ini.get("mlaudit_history"), str):
            return base / str(ini["mlaudit_history"])
    return base / DEFAULT_PATH


def pending_dir(path: Path) -> Path:
    """Where records wait when the store could not take them: ``<store>.pending/``."""
    return path.with_name(path.name + ".pending")


def _save_pending(record: AuditRecord, path: Path) -> Path:
    from pytest_mlaudit.record import write_record

    name = f"run-{record.created_at.replace(':', '')}-{os.getpid()}.json"
    for directory in (pending_dir(path), Path(tempfile.gettempdir()) / "mlaudit-pending"):
        try:
            return write_record(record, directory / name)
        except OSError:
            continue
    raise HistoryError("the record could not be saved anywhere")  # pragma: no cover


def import_pending(store: HistoryStore) -> list[Path]:
    """Append the records that waited in ``<store>.pending/`` and remove them."""
    directory = pending_dir(store.path)
    done: list[Path] = []
    if not directory.is_dir():
        return done
    for file in sorted(directory.glob("*.json")):
        try:
            store.append(file, source=f"pending:{file.name}")
        except MlauditInputError:
            continue  # not a record; leave it for a person to look at
        file.unlink(missing_ok=True)
        done.append(file)
    with contextlib.suppress(OSError):
        directory.rmdir()
    return done


def append_after_run(
    record: AuditRecord, path: Path, *, json_path: Path | None, timeout: float | None = None
) -> tuple[bool, str]:
    """Append the run's record to the store at ``path``; never raises.

    Returns ``(ok, message)`` for the terminal. When the store cannot take the record,
    the record is never lost: it is in ``json_path`` if the run wrote one, else it is
    saved to ``<store>.pending/`` (or the temporary directory) and appended by the next
    run that reaches the store (or ``mlaudit history add FILE``).
    """
    try:
        store = HistoryStore(path, timeout=timeout)
        imported = import_pending(store)  # older records first
        result = store.append(record, source=str(json_path) if json_path else "pytest")
    except (HistoryError, MlauditInputError, OSError, sqlite3.Error) as exc:
        try:
            kept = json_path if json_path is not None else _save_pending(record, path)
        except Exception as save_exc:  # pragma: no cover - nowhere to write at all
            return False, (
                f"history store error: {exc}; the record could not be saved either ({save_exc})"
            )
        return False, (
            f"the record was NOT added to the history store: {exc} The record is kept at "
            f"{kept}; add it later with `mlaudit history add {kept} --db {path}`."
        )
    except Exception as exc:
        return False, f"the record was NOT added to the history store {path}: {exc!r}"
    more = f" (+{len(imported)} pending record(s) from an earlier run)" if imported else ""
    if not result.created:
        return True, f"record already in the history {path} (run #{result.run_id})"
    return True, f"record appended to the history {path} as run #{result.run_id}{more}"
