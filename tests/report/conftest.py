"""Fixtures of the report tests: records built once, each rendered once per session.

A render starts a Python kernel (about 2-4 s), so the kernel-backed tests share two
session-scoped renders: the full record (every section, through the CLI) and the hostile
record (through ``render_report``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import fixture_records
from fixture_records import Rendered


@pytest.fixture(scope="session")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    # a directory name with quotes, a dollar and braces: the path parameter must survive it
    base = tmp_path_factory.mktemp("records") / 'it\'s "a" $dir {x}'
    base.mkdir()
    return {
        "full": fixture_records.full_record(base / "full.json"),
        "hostile": fixture_records.hostile_record(base / "hostile.json"),
    }


@pytest.fixture(scope="session")
def full_report(records: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The full record rendered by ``mlaudit report RECORD -o DIR``."""
    from pytest_mlaudit.cli import main

    out = tmp_path_factory.mktemp("full") / "reports"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["report", str(records["full"]), "-o", str(out)])
    return Rendered(records["full"], out, status, stdout.getvalue(), stderr.getvalue())


@pytest.fixture(scope="session")
def hostile_report(records: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The hostile record rendered by ``render_report``, from a scratch working directory.

    A broken ``python3`` kernelspec comes first on JUPYTER_PATH meanwhile: the report
    must run in this interpreter's kernel whatever kernelspecs a machine has registered.
    """
    from pytest_mlaudit.report import render_report

    work = tmp_path_factory.mktemp("hostile-cwd")
    spec = work / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/nonexistent/python",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "a python3 kernelspec of another environment",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    out = work / "reports"
    lines: list[str] = []
    old_cwd, old_path = Path.cwd(), os.environ.get("JUPYTER_PATH")
    os.chdir(work)
    os.environ["JUPYTER_PATH"] = str(work / "jupyter")
    try:
        render_report(records["hostile"], out, progress=lines.append)
    finally:
        os.chdir(old_cwd)
        if old_path is None:
            del os.environ["JUPYTER_PATH"]
        else:
            os.environ["JUPYTER_PATH"] = old_path
    return Rendered(records["hostile"], out, None, "", "\n".join(lines))
