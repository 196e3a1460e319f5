"""Bad input raises MlauditInputError naming the argument; imports stay light."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pytest_mlaudit import MlauditInputError
from pytest_mlaudit.checks.load import find_capacity, run_load, serve
from pytest_mlaudit.checks.load._validate import check_run_time, write_payloads
from pytest_mlaudit.checks.load.proc import check_host, free_port, is_loopback
from tests.checks.load.conftest import LOCUSTFILES

PACED = LOCUSTFILES / "paced.py"


def test_importing_the_load_check_imports_neither_locust_nor_pytest() -> None:
    code = (
        "import sys, pytest_mlaudit.checks.load, pytest_mlaudit.checks.load.runner;"
        "bad = [m for m in ('locust', 'gevent', 'pytest', 'psutil') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "host", ["http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:80/", "https://127.3.2.1"]
)
def test_loopback_hosts_are_accepted(host: str) -> None:
    assert check_host(host) == host.rstrip("/")


@pytest.mark.parametrize(
    "host",
    [
        "http://10.0.0.1:8000",
        "https://staging.example.com",
        "http://0.0.0.0:8000",
        "http://192.168.1.5",
    ],
)
def test_non_loopback_hosts_need_an_explicit_allowance(host: str) -> None:
    with pytest.raises(
        MlauditInputError, match=r"host=.* is not a loopback address.*allowed_hosts"
    ):
        check_host(host)
    assert check_host(host, allowed_hosts=[host]) == host.rstrip("/")


def test_allowance_is_per_origin() -> None:
    with pytest.raises(MlauditInputError, match="not a loopback"):
        check_host(
            "https://staging.example.com:8443", allowed_hosts=["https://staging.example.com"]
        )


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "ftp://127.0.0.1", "", None, "http://"])
def test_host_must_be_an_http_url(host: object) -> None:
    with pytest.raises(MlauditInputError, match=r"host"):
        check_host(host)


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("LOCALHOST")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.com")


def test_run_load_rejects_a_non_loopback_host_before_any_traffic() -> None:
    with pytest.raises(MlauditInputError, match="not a loopback address"):
        run_load(PACED, host="http://192.0.2.10:8000", users=1, spawn_rate=1, run_time=1)


def test_unreachable_host() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(MlauditInputError, match=rf"host='http://127.0.0.1:{port}' is unreachable"):
        run_load(PACED, host=f"http://127.0.0.1:{port}", users=1, spawn_rate=1, run_time=1)


@pytest.mark.parametrize(
    ("locustfile", "match"),
    [
        ("no/such/file.py", r"locustfile='no/such/file.py' does not exist"),
        ("https://example.com/locustfile.py", "must be a local file"),
        (str(Path(__file__).with_suffix(".txt")), "does not exist"),
        (42, "locustfile must be the path"),
    ],
)
def test_bad_locustfile(locustfile: object, match: str) -> None:
    with pytest.raises(MlauditInputError, match=match):
        run_load(locustfile, host="http://127.0.0.1:1", users=1, spawn_rate=1, run_time=1)  # type: ignore[arg-type]


def test_locustfile_must_be_python(tmp_path: Path) -> None:
    f = tmp_path / "scenario.txt"
    f.write_text("")
    with pytest.raises(MlauditInputError, match=r"must be a \.py file"):
        run_load(f, host="http://127.0.0.1:1", users=1, spawn_rate=1, run_time=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"users": 0}, r"users must be an integer in \[1, 10000\]; got users=0"),
        ({"users": 2.5}, "users must be an integer"),
        ({"users": 10**6}, "users must be an integer"),
        ({"spawn_rate": 0}, "spawn_rate must be a finite number > 0"),
        ({"run_time": 0}, "run_time"),
        ({"run_time": 1.5}, "whole seconds"),
        ({"run_time": "soon"}, "time span"),
        ({"distributed": -1}, "distributed must be an integer"),
        ({"user_classes": ["not a name"]}, "user_classes"),
        ({"seed": "x"}, "seed must be an integer"),
        ({"env": {"A": 1}}, "env must map names to strings"),
        ({"max_recovery_s": 1.0}, "health_path"),
        ({"health_path": "health"}, "health_path must be a path"),
        ({"p95_ms": -3}, "p95_ms"),
        ({"server_pid": 0}, "server_pid"),
        ({"timeout_s": 0}, "timeout_s"),
        # numpy scalars are numbers like any other, and named the same way when out of range
        (
            {"users": np.int64(0)},
            r"users must be an integer in \[1, 10000\]; got users=np.int64\(0\)",
        ),
        ({"users": np.float64(5)}, "users must be an integer"),
        ({"spawn_rate": np.float64(-1)}, "spawn_rate must be a finite number > 0"),
        ({"distributed": np.bool_(True)}, "distributed must be an integer"),
    ],
)
def test_bad_run_load_arguments(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "host": "http://127.0.0.1:1",
        "users": 1,
        "spawn_rate": 1,
        "run_time": 1,
    }
    args.update(kwargs)
    with pytest.raises(MlauditInputError, match=match):
        run_load(PACED, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p95_ms": None, "error_rate": None}, "needs an objective"),
        ({"max_users": 0}, "max_users"),
        ({"step_time": 1}, "step_time must be at least 2 s"),
        ({"settle_time": 5}, "settle_time must be shorter"),
        ({"headroom": -0.1}, "headroom"),
        ({"max_replicas": 0}, "max_replicas"),
    ],
)
def test_bad_find_capacity_arguments(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"host": "http://127.0.0.1:1", "p95_ms": 100, "step_time": 3}
    args.update(kwargs)
    with pytest.raises(MlauditInputError, match=match):
        find_capacity(PACED, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(20, 20), (20.0, 20), ("20", 20), ("20s", 20), ("1m30s", 90), ("2h", 7200)],
)
def test_run_time_forms(value: object, seconds: int) -> None:
    assert check_run_time(value) == seconds


def test_payloads_are_written_as_json_lines(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"a": np.arange(3), "b": ["x", "y", "z"]})
    out = write_payloads(frame, tmp_path / "p.jsonl")
    assert out.read_text().splitlines()[0] == '{"a":0,"b":"x"}'
    out2 = write_payloads([{"a": np.int64(1)}], tmp_path / "q.jsonl")
    assert out2.read_text() == '{"a": 1}\n'
    with pytest.raises(MlauditInputError, match="payloads"):
        write_payloads([], tmp_path / "r.jsonl")
    with pytest.raises(MlauditInputError, match="payloads"):
        write_payloads(object(), tmp_path / "r.jsonl")


def test_serve_refuses_to_bind_every_interface() -> None:
    with pytest.raises(MlauditInputError, match="binds every network interface"):
        with serve([sys.executable, "-m", "http.server", "--bind", "0.0.0.0", "{port}"]):
            pass  # pragma: no cover


def test_serve_needs_a_port_placeholder() -> None:
    with pytest.raises(MlauditInputError, match=r"must contain '\{port\}'"):
        with serve([sys.executable, "-c", "pass"]):
            pass  # pragma: no cover


def test_serve_reports_a_server_that_exits(tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", "import sys; print('model file missing'); sys.exit(3)", "{port}"]
    with pytest.raises(MlauditInputError, match=r"(?s)exited with code 3.*model file missing"):
        with serve(cmd, cwd=tmp_path):
            pass  # pragma: no cover


def test_serve_reports_a_server_that_never_gets_healthy(tmp_path: Path) -> None:
    # a plain file server on loopback: /health is 404 forever
    cmd = [sys.executable, "-m", "http.server", "--bind", "{host}", "{port}"]
    with pytest.raises(MlauditInputError, match=r"did not answer 200 .*within 1.5 s"):
        with serve(cmd, cwd=tmp_path, startup_timeout_s=1.5):
            pass  # pragma: no cover


def test_locust_is_needed(monkeypatch: pytest.MonkeyPatch, test_server: object) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "locust" else real(name, *a)
    )
    with pytest.raises(ImportError, match=r"pytest-mlaudit\[load\]"):
        run_load(PACED, host=test_server.url, users=1, spawn_rate=1, run_time=1)  # type: ignore[attr-defined]


def test_locust_environment_variables_do_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_mlaudit.checks.load.runner import LocustPlan, _child_env

    monkeypatch.setenv("LOCUST_HOST", "http://192.0.2.1")
    monkeypatch.setenv("LOCUST_MASTER_BIND_HOST", "*")
    plan = LocustPlan(
        locustfile=PACED,
        host="http://127.0.0.1:1",
        users=1,
        spawn_rate=1,
        run_time_s=1,
        out_dir=Path(os.devnull),
        timeout_s=5,
        env={"X": "1"},
    )
    env = _child_env(plan, {})
    assert not [k for k in env if k.startswith("LOCUST_")] and env["X"] == "1"
