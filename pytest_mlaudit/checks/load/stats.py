"""Pure numbers of the load checks: bucketed percentiles, time bins, steps, recovery.

No I/O, no locust, no threads: everything here is a function of plain data, so it is
tested with hand-computed values.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pytest_mlaudit.checks.load.capacity_report import CapacityStep
from pytest_mlaudit.checks.load.report import FailureGroup, Latency, TimePoint

__all__ = [
    "Bin",
    "failure_kind",
    "group_failures",
    "latency_of",
    "parse_bins",
    "percentile",
    "recovery_time",
    "step_rows",
    "time_series",
    "window",
]

#: Tolerance (seconds) when deciding whether a time bin lies inside a window.
_EPS = 1e-6


def percentile(hist: Mapping[int, int], q: float) -> float:
    """The ``q``-quantile of a bucketed response-time histogram, by locust's rule.

    Locust's rule (``calculate_response_time_percentile``): walking down from the
    slowest bucket, the first bucket at which at most ``int(total * q)`` requests remain
    below. NaN for an empty histogram.

    >>> percentile({10: 90, 200: 10}, 0.95)
    200.0
    >>> percentile({10: 96, 200: 4}, 0.95)
    10.0
    """
    total = sum(hist.values())
    if total == 0:
        return math.nan
    target = int(total * q)
    seen = 0
    for key in sorted(hist, reverse=True):
        seen += hist[key]
        if total - seen <= target:
            return float(key)
    return 0.0  # pragma: no cover - unreachable for a non-empty histogram


def merge(hists: Iterable[Mapping[Any, int]]) -> dict[int, int]:
    """Sum histograms whose keys may be ints or their JSON strings."""
    out: dict[int, int] = {}
    for h in hists:
        for k, c in h.items():
            key = int(k)
            out[key] = out.get(key, 0) + int(c)
    return out


def latency_of(
    hist: Mapping[int, int], *, max_ms: float | None = None, mean_ms: float | None = None
) -> Latency:
    """:class:`Latency` from a histogram (max and mean from exact values when given)."""
    if max_ms is None:
        max_ms = float(max(hist)) if hist else math.nan
    if mean_ms is None:
        total = sum(hist.values())
        mean_ms = sum(k * c for k, c in hist.items()) / total if total else math.nan
    return Latency(
        p50_ms=percentile(hist, 0.50),
        p90_ms=percentile(hist, 0.90),
        p95_ms=percentile(hist, 0.95),
        p99_ms=percentile(hist, 0.99),
        max_ms=float(max_ms),
        mean_ms=float(mean_ms),
    )


@dataclasses.dataclass(slots=True)
class Bin:
    """Requests completed in one time bin (mutable accumulator)."""

    requests: int = 0
    failures: int = 0
    hist: dict[int, int] = dataclasses.field(default_factory=dict)

    def add(self, other: Bin) -> None:
        self.requests += other.requests
        self.failures += other.failures
        for k, c in other.hist.items():
            self.hist[k] = self.hist.get(k, 0) + c


def parse_bins(raw: Mapping[str, Sequence[Any]]) -> dict[int, Bin]:
    """The collector's ``{"bin": [requests, failures, {bucket: count}]}`` as :class:`Bin`s."""
    return {
        int(b): Bin(int(n), int(f), {int(k): int(c) for k, c in h.items()})
        for b, (n, f, h) in raw.items()
    }


def window(bins: Mapping[int, Bin], bin_s: float, start: float, end: float) -> Bin:
    """All bins that lie entirely inside ``[start, end]`` (absolute seconds)."""
    out = Bin()
    for b, row in bins.items():
        lo = b * bin_s
        if lo >= start - _EPS and lo + bin_s <= end + _EPS:
            out.add(row)
    return out


def _point_width(duration_s: float, max_points: int) -> float:
    width = 1.0
    if duration_s / width > max_points:
        width = float(math.ceil(duration_s / max_points))
    return width


def time_series(
    bins: Mapping[int, Bin],
    users: Mapping[int, int],
    bin_s: float,
    *,
    t0: float,
    t_end: float,
    max_points: int = 120,
) -> tuple[TimePoint, ...]:
    """Per-second points from ``t0`` to ``t_end`` (wider points beyond ``max_points``).

    A bin belongs to the point in which it starts; users are the last sample of the
    point, carried forward through points without a sample.
    """
    duration = max(t_end - t0, 0.0)
    if duration <= 0:
        return ()
    width = _point_width(duration, max_points)
    n_points = max(1, math.ceil(duration / width - _EPS))
    acc = [Bin() for _ in range(n_points)]
    last_users: list[int | None] = [None] * n_points

    def index(b: int) -> int | None:
        k = math.floor((b * bin_s - t0) / width + _EPS)
        if k < -1 or k > n_points:
            return None
        return min(max(k, 0), n_points - 1)

    for b, row in bins.items():
        k = index(b)
        if k is not None:
            acc[k].add(row)
    for b in sorted(users):
        k = index(b)
        if k is not None:
            last_users[k] = users[b]
    points = []
    current = 0
    for k in range(n_points):
        if last_users[k] is not None:
            current = int(last_users[k])  # type: ignore[arg-type]
        row = acc[k]
        has = bool(row.hist)
        points.append(
            TimePoint(
                t_s=round(k * width, 3),
                width_s=width if k < n_points - 1 else round(duration - k * width, 3) or width,
                users=current,
                requests=row.requests,
                failures=row.failures,
                p50_ms=percentile(row.hist, 0.50) if has else None,
                p95_ms=percentile(row.hist, 0.95) if has else None,
            )
        )
    return tuple(points)


_STATUS = re.compile(r"(?:code=|status(?:_code)?[=: ]\s*|response code )([1-5]\d\d)\b")
_BARE_STATUS = re.compile(r"(?:^|[\s('\"])([1-5]\d\d)\b")
_URL = re.compile(r"\w+://\S+")


def failure_kind(error: str) -> str:
    """A short type for one of locust's error texts.

    >>> failure_kind("HTTPError('500 Server Error: Internal Server Error for url: /p')")
    'HTTP 500'
    >>> failure_kind("BadStatusCode('http://127.0.0.1:8000/p', code=503)")
    'HTTP 503'
    >>> failure_kind("ConnectionRefusedError(111, 'Connection refused')")
    'ConnectionRefusedError'
    >>> failure_kind("CatchResponseError('wrong label')")
    'CatchResponseError'
    """
    text = _URL.sub("", error.strip())
    name_match = re.match(r"([A-Za-z_][\w.]*)\(", text)
    name = name_match.group(1).rsplit(".", 1)[-1] if name_match else ""
    if name in {"HTTPError", "BadStatusCode", "LocustBadStatusCode"} or not name:
        code = _STATUS.search(text) or _BARE_STATUS.search(text)
        if code:
            return f"HTTP {code.group(1)}"
    if "timeout" in text.lower() or "timed out" in text.lower():
        return "timeout"
    if name:
        return name
    return _shorten(text)


def _shorten(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def group_failures(rows: Iterable[Mapping[str, str]]) -> tuple[FailureGroup, ...]:
    """Rows of locust's failures CSV as :class:`FailureGroup`, most frequent first."""
    groups = [
        FailureGroup(
            kind=failure_kind(row.get("Error", "")),
            method=row.get("Method", ""),
            name=row.get("Name", ""),
            error=row.get("Error", ""),
            occurrences=int(float(row.get("Occurrences", "0") or 0)),
        )
        for row in rows
    ]
    groups.sort(key=lambda g: (-g.occurrences, g.kind, g.name, g.error))
    return tuple(groups)


def recovery_time(
    samples: Sequence[tuple[float, float | None, bool]],
    *,
    since: float,
    ok_ms: float,
    consecutive: int = 3,
) -> float | None:
    """Seconds from ``since`` to the first of ``consecutive`` healthy probes in a row.

    ``samples`` are ``(t, latency_ms or None, ok)`` ordered by time; a probe is healthy
    when ``ok`` and its latency is at most ``ok_ms``. None when that never happens.

    >>> recovery_time([(0, 5, True), (1, 900, True), (2, 4, True), (3, 4, True), (4, 5, True)],
    ...               since=0.5, ok_ms=50)
    1.5
    """
    run = 0
    first: float | None = None
    for t, ms, ok in samples:
        if t < since:
            continue
        healthy = ok and ms is not None and ms <= ok_ms
        if healthy:
            if run == 0:
                first = t
            run += 1
            if run >= consecutive:
                assert first is not None
                return max(first - since, 0.0)
        else:
            run = 0
            first = None
    return None


def step_rows(
    steps: Sequence[Mapping[str, Any]],
    bins: Mapping[int, Bin],
    bin_s: float,
    *,
    t0: float,
    t_stop: float,
    settle_s: float,
    resources: Sequence[tuple[float, float, float]] = (),
) -> tuple[CapacityStep, ...]:
    """The numbers of each step of a step load.

    ``steps`` are ``{"users", "start", "end"}`` in absolute seconds (the last ``end`` may
    be None: the test stopped at ``t_stop``). Each step is measured over
    ``[start + settle_s, end]``. ``resources`` are ``(t, cpu_cores, rss_mb)`` samples.
    """
    out = []
    for step in steps:
        start = float(step["start"]) + settle_s
        end = float(step["end"]) if step.get("end") is not None else t_stop
        if end - start < bin_s - _EPS:
            continue  # the test stopped before the step could be measured
        got = window(bins, bin_s, start, end)
        # the duration is that of the whole bins inside the window, as counted
        duration = (math.floor(end / bin_s + _EPS) - math.ceil(start / bin_s - _EPS)) * bin_s
        in_window = [(c, r) for t, c, r in resources if start <= t <= end]
        has = bool(got.hist)
        out.append(
            CapacityStep(
                users=int(step["users"]),
                start_s=round(float(step["start"]) - t0, 3),
                duration_s=round(duration, 3),
                requests=got.requests,
                failures=got.failures,
                p50_ms=percentile(got.hist, 0.50) if has else None,
                p95_ms=percentile(got.hist, 0.95) if has else None,
                p99_ms=percentile(got.hist, 0.99) if has else None,
                cpu_cores=(
                    round(sum(c for c, _ in in_window) / len(in_window), 3) if in_window else None
                ),
                rss_mb=round(max(r for _, r in in_window), 1) if in_window else None,
            )
        )
    return tuple(out)
