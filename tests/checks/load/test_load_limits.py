"""One replica under its limits: CPU affinity / cgroup quota, memory limits, the server
killed by its memory limit, and capacity in proportion to the CPUs granted.

The proportionality test: a CPU-bound endpoint (pure-Python loop, ~tens of ms per
request) served by two uvicorn workers, measured with cpu_limit=1 and cpu_limit=2. Its
throughput is bounded by the CPUs the workers may use, so the ratio of the two
capacities should be 2. This machine has 2 cores shared with locust itself and other
test processes, whose load comes and goes, so the documented tolerance is wide: the ratio
must lie in [1.3, 2.6] in one of up to three interleaved (1 CPU, 2 CPUs) pairs (a pair
measured while another process held a core is then measured again), and under
cpu_limit=1 the server must never use more than 1.15 cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_mlaudit.checks.load import find_capacity, serve, uvicorn_command
from pytest_mlaudit.checks.load.limits import confine, parse_memory
from pytest_mlaudit.errors import MlauditInputError
from tests.checks.load.conftest import HERE, LOCUSTFILES

CLOSED_LOOP = LOCUSTFILES / "closed_loop.py"
LINUX = sys.platform.startswith("linux")


def test_parse_memory() -> None:
    assert parse_memory("1Gi") == 1024.0
    assert parse_memory("512Mi") == 512.0
    assert parse_memory("1G") == pytest.approx(1e9 / 2**20)
    assert parse_memory(3 * 2**20) == 3.0
    for bad in ("lots", "1Ti", "10", -5, True):
        with pytest.raises(MlauditInputError, match="memory_limit"):
            parse_memory(bad)


@pytest.fixture()
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not LINUX, reason="affinity and cgroups are Linux")
def test_confine_sets_and_restores_affinity(sleeper: subprocess.Popen[bytes]) -> None:
    before = os.sched_getaffinity(sleeper.pid)
    with confine(sleeper.pid, cpu_limit=1, memory_limit="256Mi") as conf:
        assert os.sched_getaffinity(sleeper.pid) == {min(os.sched_getaffinity(0))}
        limits = conf.limits
        assert limits.cpu_limit == 1.0 and limits.memory_limit_mb == 256.0
        assert "affinity" in limits.cpu_mechanism
        assert limits.memory_mechanism in ("RLIMIT_AS",) or "cgroup" in limits.memory_mechanism
    assert os.sched_getaffinity(sleeper.pid) == before
    assert "cpu 1" in limits.describe() and "256 MiB" in limits.describe()


def test_limits_need_the_server_pid(test_server) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MlauditInputError, match="pass server_pid"):
        find_capacity(CLOSED_LOOP, host=test_server.url, p95_ms=100, cpu_limit=1)
    with pytest.raises(MlauditInputError, match="cpu_limit"):
        find_capacity(
            CLOSED_LOOP, host=test_server.url, p95_ms=100, cpu_limit=0, server_pid=test_server.pid
        )


@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="memory limits are Linux")
def test_a_memory_limit_below_the_servers_need_is_reported() -> None:
    # /grow keeps 5 MiB per request: the server outgrows 150 MiB within a second
    with serve(uvicorn_command("apps:app", app_dir=HERE)) as server:
        report = find_capacity(
            CLOSED_LOOP,
            host=server.url,
            p95_ms=3000,
            max_users=2,
            step_time=2,
            settle_time=0.5,
            server_pid=server.pid,
            memory_limit="150Mi",
            env={"PATH_UNDER_TEST": "/grow?mb=5"},
            timeout_s=60,
        )
    assert report.limits is not None and report.limits.memory_limit_mb == 150.0
    died = report.server_exit
    assert died is not None and not report.passed
    assert died.rss_mb_reached is not None and died.rss_mb_reached > 60
    if "cgroup" in report.limits.memory_mechanism:
        assert died.memory_limit_hit and died.returncode == -9
        assert "killed by its memory limit" in report.summary()
    assert report.brief().startswith("the server")
    # round trip through the record keeps the verdict
    from pytest_mlaudit.result import report_from_dict

    again = report_from_dict(report.to_dict())
    assert again.server_exit == died and not again.passed


def _capacity(url: str, pid: int, cpus: float) -> tuple[float, float | None]:
    report = find_capacity(
        CLOSED_LOOP,
        host=url,
        p95_ms=5000,  # generous: the knee is the throughput ceiling
        start_users=4,
        step_users=4,
        max_users=8,
        step_time=3,
        settle_time=1,
        server_pid=pid,
        cpu_limit=cpus,
        env={"PATH_UNDER_TEST": "/cpu?n=1000000"},
        timeout_s=90,
    )
    assert report.limits is not None and len(report.limits.cpus) == int(cpus)
    best = max(report.steps, key=lambda s: s.rps)
    return best.rps, best.cpu_cores


@pytest.mark.slow
@pytest.mark.serial  # two CPUs can only be granted when no other test holds one
@pytest.mark.skipif(not LINUX or len(os.sched_getaffinity(0)) < 2, reason="needs Linux and 2 CPUs")
def test_capacity_is_in_proportion_to_the_cpus_granted() -> None:
    started = time.monotonic()
    command = uvicorn_command("apps:app", app_dir=HERE, extra=["--workers", "2"])
    pairs = []
    with serve(command) as server:
        for _ in range(3):
            one, cpu_one = _capacity(server.url, server.pid or 0, 1.0)
            two, cpu_two = _capacity(server.url, server.pid or 0, 2.0)
            pairs.append((one, two, two / one))
            print(
                f"cpu_limit=1: {one:.1f} rps ({cpu_one} cores); "
                f"cpu_limit=2: {two:.1f} rps ({cpu_two} cores); {two / one:.2f}x"
            )
            assert cpu_one is None or cpu_one <= 1.15
            if 1.3 <= two / one <= 2.6:
                break
    assert any(1.3 <= ratio <= 2.6 for _, _, ratio in pairs), pairs
    assert time.monotonic() - started < 150


def test_capacity_summary_shows_the_limits() -> None:
    from tests.checks.load.deploy_fixtures import make_limited_capacity

    text = make_limited_capacity().summary()
    assert "measured under limits: cpu 1 (cgroup v1 CPU quota + affinity)" in text
    assert "health /health under load (up to the knee): p95 700 ms" in text
    assert "cost at the peak:" in text
    assert Path(__file__).name.startswith("test_load_")
