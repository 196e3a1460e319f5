"""No process is left behind: after a failing run, a timeout, Ctrl-C, a bad server.

Each scenario copies its locustfile into ``tmp_path``, so every process it starts
(locust, its workers) has that unique path on its command line; afterwards no live
process may mention it.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pytest_mlaudit import CheckFailed, MlauditInputError
from pytest_mlaudit.checks.load import Server, run_load, serve
from tests.checks.load.conftest import LOCUSTFILES, processes_mentioning

BROKEN = """\
from locust import FastHttpUser, task

class Broken(FastHttpUser)   # a syntax error on purpose
    @task
    def hit(self):
        pass
"""

HANG = """\
import time

from locust import FastHttpUser, task

time.sleep(600)  # never finishes loading


class NeverRuns(FastHttpUser):
    @task
    def hit(self):
        self.client.get("/fast")
"""


def _scenario(tmp_path: Path, text: str | None = None, copy_of: str | None = None) -> Path:
    path = tmp_path / "scenario.py"
    if copy_of is not None:
        shutil.copy(LOCUSTFILES / copy_of, path)
    else:
        path.write_text(text or "")
    return path


def _assert_nothing_left(token: str, within_s: float = 5.0) -> None:
    deadline = time.monotonic() + within_s
    while processes_mentioning(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = processes_mentioning(token)
    assert not left, [p.info for p in left]


def test_locust_failing_to_start(tmp_path: Path, test_server: Server) -> None:
    scenario = _scenario(tmp_path, BROKEN)
    with pytest.raises(MlauditInputError, match=r"(?s)locust exited with code 1.*SyntaxError"):
        run_load(scenario, host=test_server.url, users=1, spawn_rate=1, run_time=2)
    _assert_nothing_left(str(tmp_path))


def test_scenario_that_makes_no_requests(tmp_path: Path, test_server: Server) -> None:
    scenario = _scenario(tmp_path, copy_of="raises.py")
    with pytest.raises(MlauditInputError, match=r"made no requests.*scenario bug"):
        run_load(scenario, host=test_server.url, users=2, spawn_rate=10, run_time=2)
    _assert_nothing_left(str(tmp_path))


@pytest.mark.slow
def test_failing_slo_run_leaves_nothing_behind(tmp_path: Path, test_server: Server) -> None:
    scenario = _scenario(tmp_path, copy_of="flaky.py")
    report = run_load(
        scenario, host=test_server.url, users=2, spawn_rate=10, run_time=2, distributed=1
    )
    with pytest.raises(CheckFailed):
        report.assert_slo()
    _assert_nothing_left(str(tmp_path))


@pytest.mark.slow
def test_timeout_stops_every_process(tmp_path: Path, test_server: Server) -> None:
    scenario = _scenario(tmp_path, HANG)
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"timeout_s=3 s.*every process it started was stopped"):
        run_load(
            scenario,
            host=test_server.url,
            users=1,
            spawn_rate=1,
            run_time=2,
            distributed=1,
            timeout_s=3,
        )
    assert time.monotonic() - start < 15
    _assert_nothing_left(str(tmp_path), within_s=1.0)


CTRL_C = """\
import pathlib, signal, sys
# what the program inherited, then what a program started from a terminal has: a parent
# that ignores SIGINT (some test runners' workers do) passes SIG_IGN on across exec
pathlib.Path(sys.argv[4] + ".sigint").write_text(repr(signal.getsignal(signal.SIGINT)))
signal.signal(signal.SIGINT, signal.default_int_handler)
from pytest_mlaudit.checks.load import run_load
try:
    run_load(sys.argv[1], host=sys.argv[2], users=2, spawn_rate=10, run_time=30,
             distributed=int(sys.argv[3]), output_dir=sys.argv[4])
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
"""


@pytest.mark.parametrize("distributed", [0, 2])
@pytest.mark.slow
def test_ctrl_c_stops_every_process(tmp_path: Path, test_server: Server, distributed: int) -> None:
    scenario = _scenario(tmp_path, copy_of="paced.py")
    driver = tmp_path / "driver.py"
    driver.write_text(CTRL_C)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, str(driver), str(scenario), test_server.url, str(distributed), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # wait until locust is really loading the server (its stats CSV appears)
        deadline = time.monotonic() + 30
        while not (out / "locust_stats.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (out / "locust_stats.csv").exists(), "locust did not start"
        assert processes_mentioning(str(tmp_path))  # the driver, locust and its workers
        proc.send_signal(signal.SIGINT)  # what the terminal sends on Ctrl-C
        output, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the test fails
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, output
    assert "interrupted" in output
    _assert_nothing_left(str(tmp_path), within_s=1.0)


def test_serve_stops_the_server_on_error_inside_the_block(tmp_path: Path) -> None:
    app = tmp_path / "tiny_app.py"
    app.write_text(
        textwrap.dedent("""\
        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
    """)
    )
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "tiny_app:app",
        "--app-dir",
        str(tmp_path),
        "--host",
        "{host}",
        "--port",
        "{port}",
        "--log-level",
        "warning",
    ]
    with pytest.raises(RuntimeError, match="boom"):
        with serve(cmd) as server:
            assert server.pid is not None and processes_mentioning(str(tmp_path))
            raise RuntimeError("boom")
    _assert_nothing_left(str(tmp_path), within_s=1.0)
