"""Formatted strings: timestamps, dates and numbers that arrive as text.

A serving payload often carries ``"2026-03-30T10:05:00-04:00"``, ``"2026-03-30"`` or
``"1250.50"`` as strings. Drawn as free text they are garbage both pipelines reject, and
the bugs that need a non-UTC offset or a Saturday are never reached. :func:`recognise`
tells such a column apart (every value parses, in one layout) and :func:`format_parts`
draws valid values across the observed range, at the observed UTC offsets and a few
others, with weekend and midnight edges, plus a minority of deliberately malformed ones
(a missing offset, an impossible date, a thousands separator).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any, Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from pytest_mlaudit.checks.parity.fields import Field

__all__ = ["FOREIGN_OFFSETS", "Parts", "format_parts", "recognise"]

#: UTC offsets drawn besides the observed ones (a service that assumes UTC, or its own zone,
#: meets them in production).
FOREIGN_OFFSETS: Final = ("+00:00", "+05:30", "-08:00", "+09:00")

_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?P<sep>[T ])\d{2}:\d{2}(?::\d{2}(?P<frac>\.\d{1,6})?)?"
    r"(?P<off>Z|[+-]\d{2}:?\d{2})?"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.(?P<dec>\d+))?")
#: Distinct values parsed to recognise a format (the rest of a long column is not read).
_SCAN: Final = 5000


# --------------------------------------------------------------------------- recognition


def recognise(values: Sequence[str], *, many: bool, base: Field) -> Field | None:
    """``base`` (a ``"string"`` field) with the format of ``values``, distinct strings, if
    they all follow one recognised format; else None.

    Timestamps and dates are recognised whatever their number; numbers only when
    ``many`` (more distinct values than a category holds), since a few numeric strings
    are more likely codes than amounts.
    """
    sample = [v for v in values[:_SCAN] if isinstance(v, str)]
    if not sample or len(sample) < len(values[:_SCAN]):
        return None
    found: dict[str, Any] | None = None
    if all(_DATE.fullmatch(v) for v in sample):
        found = _dates(sample)
    elif all(_DATETIME.fullmatch(v) for v in sample):
        found = _datetimes(sample)
    elif many and all(_NUMBER.fullmatch(v) for v in sample):
        found = _numbers(sample)
    return dataclasses.replace(base, **found) if found is not None else None


def _parse(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _median_text(pairs: list[tuple[Any, str]]) -> str:
    pairs.sort(key=lambda p: p[0])
    return pairs[len(pairs) // 2][1]


def _dates(sample: list[str]) -> dict[str, Any] | None:
    parsed = [(_parse(v), v) for v in sample]
    if any(p is None for p, _ in parsed):
        return None
    pairs = [(p, v) for p, v in parsed if p is not None]
    days = [p for p, _ in pairs]
    return {"format": "date", "start": min(days), "end": max(days), "typical": _median_text(pairs)}


def _datetimes(sample: list[str]) -> dict[str, Any] | None:
    offsets: dict[str, int] = {}
    pairs: list[tuple[dt.datetime, str]] = []
    for v in sample:
        p = _parse(v)
        match = _DATETIME.fullmatch(v)
        if p is None or match is None:
            return None
        off = match.group("off")
        if (off is None) != (p.tzinfo is None):
            return None
        if off is not None:
            offsets[off] = offsets.get(off, 0) + 1
            p = p.astimezone(dt.UTC)
        pairs.append((p, v))
    aware = {p.tzinfo is not None for p, _ in pairs}
    if len(aware) > 1:  # naive and aware mixed: no one layout
        return None
    instants = [p for p, _ in pairs]
    return {
        "format": "datetime",
        "start": min(instants),
        "end": max(instants),
        "offsets": tuple(sorted(offsets, key=lambda o: -offsets[o])),
        "typical": _median_text(pairs),
    }


def _numbers(sample: list[str]) -> dict[str, Any] | None:
    values = [float(v) for v in sample]
    if not all(math.isfinite(x) for x in values):
        return None
    decimals = max(len(m.group("dec") or "") for v in sample if (m := _NUMBER.fullmatch(v)))
    pairs = list(zip(values, sample, strict=True))
    return {
        "format": "number",
        "min": min(values),
        "max": max(values),
        "decimals": decimals,
        "typical": _median_text(pairs),
    }


# --------------------------------------------------------------------------- drawing


#: head values, valid edge cases, the realistic body, malformed values
Parts = tuple[list[Any], list[Any], SearchStrategy[str], list[Any]]


def format_parts(f: Field) -> Parts:
    """``(head, edges, body, malformed)`` of a formatted string field (see the module docs)."""
    if f.format == "datetime":
        return _datetime_parts(f)
    if f.format == "date":
        return _date_parts(f)
    return _number_parts(f)


@dataclasses.dataclass(frozen=True, slots=True)
class _Layout:
    """How a field writes its timestamps, read from its typical value."""

    sep: str = "T"
    timespec: str = "seconds"
    z: bool = False  #: UTC written as ``Z``
    colon: bool = True  #: offsets written ``+04:00`` (else ``+0400``)

    @classmethod
    def of(cls, typical: Any, offsets: Sequence[str]) -> _Layout:
        match = _DATETIME.fullmatch(typical) if isinstance(typical, str) else None
        if match is None:
            return cls(z="Z" in offsets)
        time = typical[11 : match.start("off") if match.group("off") else len(typical)]
        frac = match.group("frac") or ""
        if len(time) == 5:
            timespec = "minutes"
        elif not frac:
            timespec = "seconds"
        else:
            timespec = "milliseconds" if len(frac) <= 4 else "microseconds"
        written = [o for o in offsets if o != "Z"]
        return cls(
            sep=match.group("sep"),
            timespec=timespec,
            z="Z" in offsets,
            colon=not written or ":" in written[0],
        )

    def render(self, instant: dt.datetime, offset: dt.timezone | None) -> str:
        """``instant`` (naive UTC) written in ``offset``'s local time (None: naive)."""
        if offset is None:
            return instant.isoformat(sep=self.sep, timespec=self.timespec)
        local = instant.replace(tzinfo=dt.UTC).astimezone(offset)
        text = local.isoformat(sep=self.sep, timespec=self.timespec)
        if self.z and offset.utcoffset(None) == dt.timedelta(0):
            return text[:-6] + "Z"
        return text if self.colon else text[:-3] + text[-2:]


def _offset(text: str) -> dt.timezone:
    if text == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _naive_utc(value: dt.datetime | None, default: dt.datetime) -> dt.datetime:
    if value is None:
        return default
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _datetime_parts(f: Field) -> Parts:
    start = _naive_utc(f.start, dt.datetime(2020, 1, 1))
    end = _naive_utc(f.end, start + dt.timedelta(days=365))
    layout = _Layout.of(f.typical, f.offsets)
    seen = list(dict.fromkeys(_offset(o) for o in f.offsets))
    foreign = [z for z in dict.fromkeys(_offset(o) for o in FOREIGN_OFFSETS) if z not in seen]
    instants = st.datetimes(min_value=start, max_value=end)
    body: SearchStrategy[str]
    if seen:
        drawn = st.one_of(st.sampled_from(seen), st.sampled_from(foreign))
        body = st.builds(layout.render, instants, drawn)
    else:
        body = instants.map(lambda t: layout.render(t, None))
    first = seen[0] if seen else None
    typical = f.typical if isinstance(f.typical, str) else layout.render(start, first)
    edges: list[Any] = []
    zones: list[dt.timezone | None] = [*seen[:3], *foreign[:2]] if seen else [None]
    for zone in zones:
        edges += [layout.render(t, zone) for t in _week_edges(start, zone)]
    edges += [layout.render(start, first), layout.render(end, seen[-1] if seen else None)]
    # malformed: the other awareness, a date alone, an impossible month, nothing
    other = layout.render(start, dt.UTC) if not seen else layout.render(start, None)
    malformed = [other, typical[:10], typical[:5] + "13" + typical[7:], ""]
    return [typical], edges, body, malformed


def _week_edges(start: dt.datetime, zone: dt.timezone | None) -> list[dt.datetime]:
    """Naive-UTC instants that read, in ``zone``'s local time, as the first Saturday noon,
    Sunday 23:30, Monday 00:30 and local midnight on or after ``start``: the values a
    local-vs-UTC hour or a weekday bug needs."""
    delta = zone.utcoffset(None) if zone is not None else dt.timedelta(0)
    assert delta is not None
    local = start + delta
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    saturday = day + dt.timedelta(days=(5 - day.weekday()) % 7)
    locals_ = [
        saturday + dt.timedelta(hours=12),
        saturday + dt.timedelta(days=1, hours=23, minutes=30),
        saturday + dt.timedelta(days=2, minutes=30),
        day + dt.timedelta(days=1),
    ]
    return [t - delta for t in locals_]


def _date_parts(f: Field) -> Parts:
    lo = (f.start or dt.datetime(2020, 1, 1)).date()
    hi = (f.end or dt.datetime(2020, 1, 1) + dt.timedelta(days=365)).date()
    body = st.dates(min_value=lo, max_value=hi).map(dt.date.isoformat)
    typical = f.typical if isinstance(f.typical, str) else lo.isoformat()
    saturday = lo + dt.timedelta(days=(5 - lo.weekday()) % 7)
    days = [lo, hi, saturday, saturday + dt.timedelta(days=1), dt.date(lo.year, 12, 31)]
    days += [dt.date(y, 2, 29) for y in range(lo.year, hi.year + 1) if _leap(y)][:1]
    days.append(dt.date(lo.year + (lo.month == 12), lo.month % 12 + 1, 1) - dt.timedelta(days=1))
    edges: list[Any] = [d.isoformat() for d in days]
    y, m, d = typical[:4], typical[5:7], typical[8:10]
    return [typical], edges, body, [f"{y}-02-30", f"{d}/{m}/{y}", f"{y}-{m}-32", ""]


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _number_parts(f: Field) -> Parts:
    lo = f.min if f.min is not None else 0.0
    hi = f.max if f.max is not None else 1000.0
    d = f.decimals or 0

    def text(x: float) -> str:
        return f"{x:.{d}f}"

    body: SearchStrategy[str]
    if d == 0:
        body = st.integers(math.ceil(lo), math.floor(hi)).map(str)
    else:
        body = st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(text)
    typical = f.typical if isinstance(f.typical, str) else text(lo)
    span = max(hi - lo, 1.0)
    edges: list[Any] = [text(v) for v in (0.0, lo, hi, hi + span, -1.0)]
    edges.append(f"{float(typical):.{d + 1}f}"[:-1] + "5")  # a rounding point
    malformed = ["", f" {typical} ", f"{hi:,.{d}f}" if hi >= 1000 else "1,000", "NaN"]
    return [typical], [e for e in edges if e != typical], body, malformed
