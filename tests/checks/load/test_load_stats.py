"""Reference values for the pure numbers of the load checks (hand-computed)."""

from __future__ import annotations

import math

import pytest

from pytest_mlaudit.checks.load.stats import (
    Bin,
    failure_kind,
    group_failures,
    latency_of,
    merge,
    percentile,
    recovery_time,
    step_rows,
    time_series,
    window,
)


def _locust_percentile(hist: dict[int, int], total: int, q: float) -> int:
    """locust.stats.calculate_response_time_percentile, copied verbatim (locust 2.47)."""
    num_of_request = int(total * q)
    processed_count = 0
    for response_time in sorted(hist.keys(), reverse=True):
        processed_count += hist[response_time]
        if total - processed_count <= num_of_request:
            return response_time
    return 0


@pytest.mark.parametrize(
    "hist",
    [
        {10: 90, 200: 10},
        {1: 1},
        {3: 5, 4: 5, 5: 5, 6: 5},
        {12: 50, 15: 30, 110: 15, 2300: 4, 15000: 1},
    ],
)
@pytest.mark.parametrize("q", [0.5, 0.9, 0.95, 0.99, 1.0])
def test_percentile_follows_locusts_rule(hist: dict[int, int], q: float) -> None:
    assert percentile(hist, q) == _locust_percentile(hist, sum(hist.values()), q)


def test_percentile_hand_computed() -> None:
    # 100 requests: 90 at 10 ms, 10 at 200 ms. Locust's rule returns the bucket of the
    # request ranked int(100 q) + 1 from the fastest: p89 -> rank 90 -> 10 ms, p90 -> rank
    # 91 -> 200 ms (conservative by one rank), p95 -> 200 ms.
    hist = {10: 90, 200: 10}
    assert percentile(hist, 0.89) == 10.0
    assert percentile(hist, 0.90) == 200.0
    assert percentile(hist, 0.95) == 200.0
    assert math.isnan(percentile({}, 0.5))


def test_merge_accepts_json_keys_and_sums() -> None:
    assert merge([{"10": 2, "20": 1}, {10: 3}]) == {10: 5, 20: 1}


def test_latency_of_uses_exact_max_and_mean_when_given() -> None:
    lat = latency_of({10: 9, 100: 1}, max_ms=103.7, mean_ms=19.2)
    assert (lat.p50_ms, lat.p90_ms, lat.p99_ms, lat.max_ms, lat.mean_ms) == (
        10,
        100,
        100,
        103.7,
        19.2,
    )
    derived = latency_of({10: 9, 100: 1})
    assert derived.max_ms == 100 and derived.mean_ms == pytest.approx(19.0)


def test_window_keeps_bins_entirely_inside() -> None:
    bins = {40: Bin(4, 0, {5: 4}), 41: Bin(2, 1, {7: 2}), 42: Bin(8, 0, {9: 8})}
    # bin_s = 0.25: bin 40 = [10.0, 10.25), 41 = [10.25, 10.5), 42 = [10.5, 10.75)
    got = window(bins, 0.25, 10.1, 10.75)
    assert (got.requests, got.failures, got.hist) == (10, 1, {7: 2, 9: 8})


def test_time_series_per_second_with_users_carried_forward() -> None:
    # t0 = 100.0; bins of 0.5 s: 200, 201 -> second 0; 202, 203 -> second 1; 204 -> 2
    bins = {
        200: Bin(3, 0, {10: 3}),
        201: Bin(1, 1, {30: 1}),
        203: Bin(2, 0, {20: 2}),
        204: Bin(5, 0, {5: 5}),
    }
    users = {200: 2, 201: 4, 204: 6}
    pts = time_series(bins, users, 0.5, t0=100.0, t_end=102.5)
    assert [p.t_s for p in pts] == [0.0, 1.0, 2.0]
    assert [p.requests for p in pts] == [4, 2, 5]
    assert [p.failures for p in pts] == [1, 0, 0]
    assert [p.users for p in pts] == [4, 4, 6]
    assert [p.p50_ms for p in pts] == [10.0, 20.0, 5.0]
    assert pts[-1].width_s == 0.5 and pts[-1].rps == 10.0
    assert pts[0].rps == 4.0


def test_time_series_downsamples_beyond_max_points() -> None:
    bins = {b: Bin(1, 0, {10: 1}) for b in range(0, 1000)}  # 1 request per 0.25 s for 250 s
    pts = time_series(bins, {}, 0.25, t0=0.0, t_end=250.0, max_points=100)
    assert len(pts) <= 100
    assert pts[0].width_s == 3.0  # ceil(250 / 100)
    assert sum(p.requests for p in pts) == 1000
    assert pts[0].rps == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("HTTPError('500 Server Error: Internal Server Error for url: /predict')", "HTTP 500"),
        ("LocustBadStatusCode(code=503)", "HTTP 503"),
        ("BadStatusCode('http://127.0.0.1:8000/p', code=404)", "HTTP 404"),
        ("ConnectionRefusedError(111, 'Connection refused')", "ConnectionRefusedError"),
        ("CatchResponseError('bad prediction')", "CatchResponseError"),
        ("bad prediction", "bad prediction"),
        (
            "Could not parse response as JSON. Internal Server Error, response code 500, error x",
            "HTTP 500",
        ),
        ("timeout('timed out')", "timeout"),
    ],
)
def test_failure_kind(error: str, kind: str) -> None:
    assert failure_kind(error) == kind


def test_group_failures_sorted_by_occurrences() -> None:
    rows = [
        {
            "Method": "GET",
            "Name": "/flaky",
            "Error": "LocustBadStatusCode(code=400)",
            "Occurrences": "6",
        },
        {
            "Method": "GET",
            "Name": "/flaky",
            "Error": "LocustBadStatusCode(code=500)",
            "Occurrences": "9",
        },
    ]
    groups = group_failures(rows)
    assert [(g.kind, g.occurrences) for g in groups] == [("HTTP 500", 9), ("HTTP 400", 6)]


def test_recovery_time_needs_consecutive_healthy_probes() -> None:
    samples = [
        (10.0, 5.0, True),  # before the load stopped: ignored
        (11.0, 400.0, True),  # slow
        (11.5, None, False),  # timed out
        (12.0, 4.0, True),
        (12.5, 80.0, True),  # slow again: the run restarts
        (13.0, 4.0, True),
        (13.5, 4.0, True),
        (14.0, 4.0, True),
    ]
    assert recovery_time(samples, since=10.5, ok_ms=50.0) == pytest.approx(2.5)
    assert recovery_time(samples, since=10.5, ok_ms=50.0, consecutive=4) is None
    # with a lenient threshold the 400 ms probe is healthy, but the timeout breaks the run
    assert recovery_time(samples, since=10.5, ok_ms=500.0) == pytest.approx(1.5)


def test_step_rows_measure_each_step_after_its_settle_time() -> None:
    # bins of 0.5 s from t = 0; step 1 [0, 3) with 2 users, step 2 [3, 6) with 4 users
    bins = {
        b: Bin(10 if b < 6 else 20, 0 if b < 6 else 2, {50 if b < 6 else 90: 10 if b < 6 else 20})
        for b in range(12)
    }
    steps = [{"users": 2, "start": 0.0, "end": 3.0}, {"users": 4, "start": 3.0, "end": None}]
    rows = step_rows(
        steps,
        bins,
        0.5,
        t0=0.0,
        t_stop=6.0,
        settle_s=1.0,
        resources=[(1.5, 0.2, 100.0), (2.5, 0.4, 120.0), (5.0, 0.8, 130.0)],
    )
    first, second = rows
    assert (first.users, first.duration_s, first.requests, first.rps) == (2, 2.0, 40, 20.0)
    assert (second.users, second.duration_s, second.requests, second.failures) == (4, 2.0, 80, 8)
    assert second.rps == 40.0 and second.error_rate == 0.1
    assert first.p95_ms == 50 and second.p95_ms == 90
    assert first.cpu_cores == pytest.approx(0.3) and first.rss_mb == 120.0
    assert second.cpu_cores == pytest.approx(0.8)
