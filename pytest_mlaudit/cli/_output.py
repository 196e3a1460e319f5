"""What the subcommands share: exit statuses, messages on stderr, tables or JSON on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any, Final

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "emit", "exit_status", "fmt", "say"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2


def say(line: str) -> None:
    """``mlaudit: <line>`` on stderr."""
    print(f"mlaudit: {line}", file=sys.stderr, flush=True)


def fmt(x: float | None) -> str:
    """A number as the tables show it (``nan`` for a missing one)."""
    from pytest_mlaudit.result import fmt_number

    return "nan" if x is None else fmt_number(x)


def emit(as_json: bool, data: Any, headers: list[str], rows: list[list[str]], empty: str) -> None:
    """``data`` as JSON, or ``rows`` as a table under ``headers`` (``empty`` when none)."""
    from pytest_mlaudit.result import format_table

    if as_json:
        print(json.dumps(data, indent=2))
    elif not rows:
        print(empty)
    else:
        print(format_table(headers, rows))


def exit_status(exc: BaseException) -> int | None:
    """The exit status of a command that raised ``exc``, for the errors a user can fix
    (one line, no traceback): bad input 2, a history store or a file that cannot be used
    1; None for anything else (a bug: its traceback is shown)."""
    from pytest_mlaudit.errors import MlauditInputError
    from pytest_mlaudit.history.rows import HistoryError

    if isinstance(exc, MlauditInputError):
        return EXIT_USAGE
    if isinstance(exc, HistoryError | OSError):
        return EXIT_FAILED
    return None
