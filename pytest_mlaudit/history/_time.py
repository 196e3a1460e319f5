"""Times in the store: ISO-8601 UTC with seconds, whatever the caller gave."""

from __future__ import annotations

import datetime as _dt

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["parse_time", "utc_iso"]


def utc_iso(value: str | _dt.datetime | None = None) -> str:
    """``value`` (or now) as ISO-8601 UTC with seconds, e.g. ``2025-01-06T06:00:00+00:00``.

    A naive time is taken as UTC.

    Examples
    --------
    >>> utc_iso("2025-01-06T07:00:00+01:00")
    '2025-01-06T06:00:00+00:00'
    """
    if value is None:
        moment = _dt.datetime.now(_dt.UTC)
    elif isinstance(value, _dt.datetime):
        moment = value
    else:
        try:
            moment = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise MlauditInputError(
                f"{value!r} is not an ISO-8601 time such as 2025-01-06T06:00:00Z."
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return moment.astimezone(_dt.UTC).isoformat(timespec="seconds")


def parse_time(value: str) -> _dt.datetime:
    """``value`` as an aware UTC datetime."""
    return _dt.datetime.fromisoformat(utc_iso(value))
