"""``mlaudit drift`` and ``mlaudit profile``: exit statuses, table, JSON, progress."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit.cli import main

pytest.importorskip("pyarrow")


def _files(tmp_path: Path, shift: float, name: str) -> str:
    rng = np.random.default_rng(11 if shift else 10)
    folder = tmp_path / name
    folder.mkdir()
    for i in range(3):
        pd.DataFrame(
            {
                "x": rng.normal(shift, 1.0, 4000),
                "y": rng.normal(0.0, 1.0, 4000),
                "c": rng.choice(["a", "b"], 4000),
            }
        ).to_parquet(folder / f"part-{i}.parquet", index=False)
    return str(folder / "part-*.parquet")


def test_drift_cli_exit_statuses_table_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, same, moved = (
        _files(tmp_path, 0.0, "ref"),
        _files(tmp_path, 0.0, "same"),
        _files(tmp_path, 0.5, "cur"),
    )
    assert main(["drift", ref, ref]) == 0
    out = tmp_path / "report.json"
    assert main(["drift", ref, moved, "--json", str(out), "--progress"]) == 1
    captured = capsys.readouterr()
    assert "drift FAILED" in captured.out and "[1/3] x" in captured.err
    assert json.loads(out.read_text())["columns"][0]["column"] == "x"
    assert main(["drift", ref, moved, "--columns", "y", "c"]) == 0
    assert main(["drift", ref, str(tmp_path / "nothing-*.parquet")]) == 2
    assert main(["drift", ref]) == 2
    assert main(["drift", ref, moved, "--columns", "nope"]) == 2
    assert same


def test_drift_cli_profile_then_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("datasketches")
    ref, moved = _files(tmp_path, 0.0, "ref"), _files(tmp_path, 0.5, "cur")
    prof = tmp_path / "reference.profile"
    assert main(["profile", ref, "-o", str(prof), "--sketch-k", "500"]) == 0
    assert json.loads(prof.read_text())["k"] == 500
    assert main(["profile", ref, "-o", str(prof)]) == 2  # exists: --force to replace
    assert main(["drift", "--profile", str(prof), moved]) == 1
    assert "ks_sketch" in capsys.readouterr().out
    assert main(["drift", "--profile", str(prof), ref]) == 0
    exact = tmp_path / "reference.npz"
    assert main(["profile", ref, "-o", str(exact)]) == 0
    assert main(["drift", "--profile", str(exact), moved]) == 1
    (tmp_path / "broken.profile").write_text("{")
    assert main(["drift", "--profile", str(tmp_path / "broken.profile"), moved]) == 2
    assert main(["profile", ref, "-o", str(tmp_path / "p2"), "--sketch-k", "1"]) == 2
