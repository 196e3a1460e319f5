"""Input validation of the load checks, kept apart from running and measuring.

Every message names the argument and says what was received.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from pytest_mlaudit._validation import check_float
from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "MAX_USERS",
    "MAX_WORKERS",
    "check_env",
    "check_health_path",
    "check_locustfile",
    "check_run_time",
    "check_user_classes",
    "write_payloads",
]

#: Upper bound on users of one run (a guard against typos such as users=50000).
MAX_USERS: Final = 10_000
#: Upper bound on locust worker processes of one run.
MAX_WORKERS: Final = 64
#: Upper bound on the run time of one run, seconds.
MAX_RUN_TIME_S: Final = 24 * 3600

_TIMESPAN = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def check_locustfile(locustfile: object, *, argument: str = "locustfile") -> Path:
    """An existing local ``.py`` file, as an absolute path."""
    if not isinstance(locustfile, str | os.PathLike):
        raise MlauditInputError(
            f"{argument} must be the path of a locust scenario (.py); got {locustfile!r}."
        )
    text = os.fspath(locustfile)
    if "://" in str(text):
        raise MlauditInputError(
            f"{argument} must be a local file; got the URL {argument}={text!r} (locust would "
            "download it)."
        )
    path = Path(text).expanduser().resolve()
    if "," in str(path):
        raise MlauditInputError(
            f"{argument} must not contain ',' (locust splits its -f option on commas); "
            f"got {argument}={text!r}."
        )
    if not path.is_file():
        raise MlauditInputError(
            f"{argument}={text!r} does not exist (looked for {str(path)!r}; relative paths "
            f"are relative to the working directory {os.getcwd()!r})."
        )
    if path.suffix != ".py":
        raise MlauditInputError(f"{argument} must be a .py file; got {argument}={text!r}.")
    return path


def check_run_time(value: object, *, argument: str = "run_time") -> int:
    """Whole seconds: a number (``20``) or a locust time span (``"20s"``, ``"1m30s"``)."""
    seconds: float
    if isinstance(value, str):
        m = _TIMESPAN.match(value.strip())
        if value.strip().isdigit():
            seconds = int(value.strip())
        elif m and any(m.groups()):
            h, mi, s = (int(g) if g else 0 for g in m.groups())
            seconds = 3600 * h + 60 * mi + s
        else:
            raise MlauditInputError(
                f"{argument} must be seconds (20) or a time span ('20s', '2m', '1m30s'); "
                f"got {argument}={value!r}."
            )
    else:
        seconds = check_float(argument, value, low=0.0, low_open=True)
        if seconds != int(seconds):
            raise MlauditInputError(
                f"{argument} must be whole seconds (locust's -t); got {argument}={value!r}."
            )
    if not 1 <= seconds <= MAX_RUN_TIME_S:
        raise MlauditInputError(
            f"{argument} must be between 1 s and {MAX_RUN_TIME_S} s; got {argument}={value!r}."
        )
    return int(seconds)


def check_user_classes(value: object, *, argument: str = "user_classes") -> tuple[str, ...]:
    names: Iterable[Any] = (value,) if isinstance(value, str) else value  # type: ignore[assignment]
    try:
        out = tuple(names)
    except TypeError:
        raise MlauditInputError(
            f"{argument} must be User class names; got {argument}={value!r}."
        ) from None
    for name in out:
        if not isinstance(name, str) or not name.isidentifier():
            raise MlauditInputError(
                f"{argument} must be User class names (identifiers); got {name!r} in "
                f"{argument}={value!r}."
            )
    return out


def check_env(value: object, *, argument: str = "env") -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise MlauditInputError(
            f"{argument} must map names to strings (environment variables for the "
            f"scenario); got {argument}={value!r}."
        )
    return dict(value)


def _json_default(obj: Any) -> Any:
    item = getattr(obj, "item", None)
    if callable(item):
        return item()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def write_payloads(payloads: object, out: Path, *, argument: str = "payloads") -> Path:
    """Write request payloads as JSON lines (one object per line) for the scenario.

    Accepts a DataFrame, a sequence of mappings, or a path to a ``.jsonl``, ``.json``
    (a list of objects) or ``.csv`` file. The scenario reads the file named by the
    ``MLAUDIT_PAYLOADS`` environment variable.
    """
    if isinstance(payloads, str | os.PathLike):
        path = Path(payloads).expanduser().resolve()
        if not path.is_file():
            raise MlauditInputError(f"{argument}={os.fspath(payloads)!r} does not exist.")
        if path.suffix == ".jsonl":
            return path
        if path.suffix == ".json":
            rows = json.loads(path.read_text(encoding="utf-8"))
            return write_payloads(rows, out, argument=argument)
        if path.suffix == ".csv":
            import pandas as pd

            return write_payloads(pd.read_csv(path), out, argument=argument)
        raise MlauditInputError(
            f"{argument} must be a .jsonl, .json or .csv file, a DataFrame or a list of "
            f"dicts; got {argument}={os.fspath(payloads)!r}."
        )
    to_json = getattr(payloads, "to_json", None)
    if callable(to_json) and hasattr(payloads, "columns"):  # a DataFrame
        if len(payloads) == 0:  # type: ignore[arg-type]
            raise MlauditInputError(f"{argument} is an empty DataFrame.")
        to_json(out, orient="records", lines=True)
        return out
    if isinstance(payloads, Sequence) and not isinstance(payloads, str | bytes):
        if not payloads or not all(isinstance(r, Mapping) for r in payloads):
            raise MlauditInputError(
                f"{argument} must be a non-empty list of dicts (one request body each); "
                f"got {type(payloads).__name__} of {len(payloads)} items."
            )
        with open(out, "w", encoding="utf-8") as fh:
            for row in payloads:
                fh.write(json.dumps(dict(row), default=_json_default) + "\n")
        return out
    raise MlauditInputError(
        f"{argument} must be a DataFrame, a list of dicts or a .jsonl/.json/.csv path; "
        f"got {type(payloads).__name__}."
    )


def check_health_path(value: object) -> None:
    """``None`` or a path starting with ``/`` (e.g. ``"/health"``)."""
    if value is not None and (not isinstance(value, str) or not value.startswith("/")):
        raise MlauditInputError(
            f"health_path must be a path starting with '/'; got health_path={value!r}."
        )
