"""Benchmark: achieved RPS of run_load vs plain ``locust --headless`` on the same endpoint.

Both drive the same locustfile against the same uvicorn server on 127.0.0.1 in this run,
alternating (plain, run_load, plain, run_load, ...) so that drift of the machine hits
both alike; the table reports each contender's median RPS and the ratio. Plain locust's
number is its own final "Aggregated req/s" (requests / (last request - test start));
run_load's is ``report.rps``, defined the same way. What differs is run_load's
collector (an event listener per request) and its health prober/resource sampler
threads (off here, as in a plain run).

Scenarios: closed-loop users on an endpoint that answers at once (locust and the server
at full tilt: the most sensitive to any overhead) and paced users at a fixed offered
rate.

    .venv/bin/python benchmarks/bench_load.py [--repeat 3] [--run-time 8] [--users 10]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pytest_mlaudit.checks.load import run_load, serve, uvicorn_command  # noqa: E402

LOCUSTFILES = ROOT / "tests" / "checks" / "load" / "locustfiles"
APP_DIR = ROOT / "tests" / "checks" / "load"
_AGG = re.compile(r"^\s*Aggregated\s+(\d+)\s+\S+\s*\|.*\|\s*([\d.]+)\s+([\d.]+)\s*$")


def plain_locust(
    locustfile: Path, host: str, users: int, run_time: int, env: dict[str, str]
) -> float:
    """Run ``locust --headless`` as a user would and read its final Aggregated req/s."""
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(locustfile),
        "--headless",
        "-H",
        host,
        "-u",
        str(users),
        "-r",
        str(users * 10),
        "-t",
        f"{run_time}s",
        "--only-summary",
        "--exit-code-on-error",
        "0",
    ]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    child_env.update(env)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=run_time + 60,
            env=child_env,
            cwd=tmp,
            start_new_session=True,
        )
    for line in (done.stdout + done.stderr).splitlines():
        m = _AGG.match(line.split("] ", 1)[-1] if "] " in line else line)
        if m:
            return float(m.group(2))  # the first table: requests and req/s of the whole run
    raise RuntimeError(f"no Aggregated line in locust's output:\n{done.stdout}\n{done.stderr}")


def mlaudit_run(
    locustfile: Path, host: str, users: int, run_time: int, env: dict[str, str]
) -> float:
    report = run_load(
        locustfile,
        host=host,
        users=users,
        spawn_rate=users * 10,
        run_time=run_time,
        env=env,
        error_rate=None,
    )
    return report.rps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--run-time", type=int, default=8)
    parser.add_argument("--users", type=int, default=10)
    args = parser.parse_args()

    command = uvicorn_command("apps:app", app_dir=APP_DIR)
    scenarios = [
        (
            "closed loop, /fast",
            LOCUSTFILES / "closed_loop.py",
            args.users,
            {"PATH_UNDER_TEST": "/fast"},
        ),
        (
            "paced 20 rps/user, /fast",
            LOCUSTFILES / "paced.py",
            args.users,
            {"PATH_UNDER_TEST": "/fast", "USER_RPS": "20"},
        ),
    ]
    rows = []
    with serve(command) as server:
        for name, locustfile, users, env in scenarios:
            plain, ours = [], []
            for _ in range(args.repeat):
                plain.append(plain_locust(locustfile, server.url, users, args.run_time, env))
                ours.append(mlaudit_run(locustfile, server.url, users, args.run_time, env))
            p, o = statistics.median(plain), statistics.median(ours)
            rows.append((name, users, p, o, o / p, plain, ours))
            print(f"{name}: plain {plain} run_load {ours}", flush=True)
    print()
    print(f"{'scenario':<26} {'users':>5} {'plain rps':>10} {'run_load rps':>13} {'ratio':>6}")
    for name, users, p, o, ratio, _, _ in rows:
        print(f"{name:<26} {users:>5} {p:>10.1f} {o:>13.1f} {ratio:>6.3f}")
    print(
        f"\n{args.repeat} alternating runs of {args.run_time} s each; medians; "
        f"{os.cpu_count()} CPUs, server and locust on this machine."
    )


if __name__ == "__main__":
    main()
