"""Any command line gives an exit status and at most a message, never a traceback."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mlaudit.cli import main
from pytest_mlaudit.history import HistoryStore
from tests.history.records import drift_entry, gate_entry, record

TOKENS = [
    "history",
    "retrain-check",
    "init",
    "runs",
    "checks",
    "values",
    "events",
    "add",
    "mark",
    "retrain",
    "promotion",
    "psi",
    "--db",
    "h.sqlite",
    "missing.sqlite",
    ".",
    "--json",
    "--limit",
    "0",
    "1",
    "-3",
    "x",
    "--check",
    "drift",
    "--test",
    "--subject",
    "income",
    "--kind",
    "--policy",
    "policy.toml",
    "bad.toml",
    "--now",
    "2025-03-09T00:00:00Z",
    "soon",
    "--at",
    "--model",
    "--run",
    "99",
    "--ci",
    "github",
    "--dir",
    "repo",
    "--force",
    "--no-policy",
    "audit.json",
    "--help",
]


@pytest.fixture(scope="module")
def workdir() -> Path:
    root = Path(tempfile.mkdtemp())
    store = HistoryStore(root / "h.sqlite")
    for d in (1, 2):
        store.append(record(f"2025-03-0{d}T06:00:00Z", [drift_entry(), gate_entry()], tag=str(d)))
    (root / "policy.toml").write_text("[drift]\nruns = 2\n[psi]\nfeatures = ['incom']\n")
    (root / "bad.toml").write_text("[drift\n")
    (root / "audit.json").write_text("{}")
    return root


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(argv=st.lists(st.sampled_from(TOKENS), max_size=7))
def test_every_command_line_ends_in_an_exit_status(
    workdir: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = os.getcwd()
    os.chdir(workdir)
    try:
        code = main(argv)
    finally:
        os.chdir(before)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2, 10), (argv, code)
    assert "Traceback" not in out + err, argv
