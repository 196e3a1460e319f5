"""The ``model_server`` fixture: the example model behind HTTP, for the load tests.

Without options it starts ``server.py`` under uvicorn on a free 127.0.0.1 port, waits
until ``/health`` answers, and stops it (its whole process group) at the end of the
session, however the session ends. With ``--mlaudit-target-url=https://staging...`` (or
the ``mlaudit_target_url`` ini key) the same tests load that endpoint instead, and no
local server is started.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_mlaudit.checks.load import Server, serve, uvicorn_command

EXAMPLE = Path(__file__).resolve().parents[1]

SERVER_COMMAND = uvicorn_command("server:app", app_dir=EXAMPLE)


@pytest.fixture(scope="session")
def model_server(mlaudit_target_url: str | None) -> Iterator[Server]:
    """The model endpoint: ``.url`` (and ``.pid`` when it runs here)."""
    if mlaudit_target_url:
        yield Server(url=mlaudit_target_url.rstrip("/"))
        return
    with serve(SERVER_COMMAND, health_path="/health", startup_timeout_s=120) as server:
        yield server
