"""``mlaudit report``: an output that cannot be a directory is one clear line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_mlaudit.cli import main
from pytest_mlaudit.record import write_record
from tests.history.records import record


@pytest.fixture
def saved(tmp_path: Path) -> str:
    return str(write_record(record("2025-01-01T00:00:00Z"), tmp_path / "audit.json"))


def test_an_output_that_is_a_file_is_refused(
    saved: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "report.html"
    existing.write_text("mine")
    assert main(["report", saved, "-o", str(existing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "-o/--output must be a directory" in err
    assert str(existing) in err and existing.read_text() == "mine"


def test_an_output_below_a_file_is_one_line(
    saved: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "f").write_text("")
    assert main(["report", saved, "-o", str(tmp_path / "f" / "out")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "cannot write the report to" in err
