"""Exceptions raised by pytest-mlaudit.

Both are ordinary Python exceptions, so the checks behave the same in a notebook, a
scheduler or a pytest run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_mlaudit.result import CheckReport

__all__ = ["CheckFailed", "MlauditInputError"]


class MlauditInputError(ValueError):
    """The input to a check cannot be audited as given.

    The message names the argument or column, says what was received and what to do.
    It is a :class:`ValueError`, so ``except ValueError`` keeps working.
    """


class CheckFailed(AssertionError):
    """A check's verdict is "failed"; raised by ``report.assert_ok()``.

    It is an :class:`AssertionError`, so pytest reports the test as failed (not errored),
    and the message is the report's readable table. The report itself is kept on
    :attr:`report` for callers that want the numbers.
    """

    def __init__(self, report: CheckReport, message: str) -> None:
        super().__init__(message)
        self.report = report
