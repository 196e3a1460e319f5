"""run_soak against loopback servers: the steady one passes, the leaking one fails, in
seconds (the slope limit is the allowed growth over the run, so it scales with it)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pytest_mlaudit.checks.load import serve, uvicorn_command
from pytest_mlaudit.checks.soak import run_soak
from pytest_mlaudit.errors import MlauditInputError
from tests.checks.load.conftest import HERE as APPS

PACED = Path(__file__).resolve().parent / "locust_paced.py"


def _soak(leak_kb: int, **kw: object):  # type: ignore[no-untyped-def]
    with serve(uvicorn_command("apps:app", app_dir=APPS), env={"LEAK_KB": str(leak_kb)}) as s:
        return run_soak(
            PACED,
            host=s.url,
            rps=40,
            duration=8,
            users=4,
            server_pid=s.pid,
            health_path="/health",
            timeout_s=60,
            **kw,  # type: ignore[arg-type]
        )


@pytest.mark.slow
def test_steady_server_passes_and_leaking_server_fails() -> None:
    started = time.monotonic()
    steady = _soak(0)
    # 256 KiB per request at 40 rps: ~10 MiB/s, far above 32 MiB over the 8 s run
    leaking = _soak(256)
    print(steady.summary(), leaking.summary(), sep="\n\n")
    assert steady.passed, steady.summary()
    assert steady.requests > 200 and steady.rss is not None and not steady.rss.breached
    assert steady.fds is not None and not steady.fds.breached
    assert steady.health_p95_ms is not None
    assert not leaking.passed
    assert leaking.rss is not None and leaking.rss.breached and leaking.rss.low_per_h > 0
    assert leaking.rss.growth > 32
    assert time.monotonic() - started < 60


def test_bad_input() -> None:
    with pytest.raises(MlauditInputError, match="duration"):
        run_soak(PACED, host="http://127.0.0.1:9", rps=10, duration=1)
    with pytest.raises(MlauditInputError, match="rps"):
        run_soak(PACED, host="http://127.0.0.1:9", rps=0, duration=10)
    with pytest.raises(MlauditInputError, match="warmup"):
        run_soak(PACED, host="http://127.0.0.1:9", rps=10, duration=10, warmup=9)
