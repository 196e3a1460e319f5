"""``mlaudit contract infer`` and ``mlaudit contract check`` on files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit.cli import main


def _batch(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.arange(seed * 10_000, seed * 10_000 + n),
            "age": rng.integers(21, 76, size=n),
            "region": rng.choice(["north", "south"], size=n),
        }
    )


def test_infer_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _batch(2000, 1).to_csv(tmp_path / "train.csv", index=False)
    contract = tmp_path / "contracts" / "applicants.yaml"
    assert (
        main(
            ["contract", "infer", str(tmp_path / "train.csv"), "-o", str(contract), "--keys", "id"]
        )
        == 0
    )
    assert "review every rule" in capsys.readouterr().err
    assert main(["contract", "infer", str(tmp_path / "train.csv"), "-o", str(contract)]) == 2
    assert "exists" in capsys.readouterr().err

    for day in (1, 2):
        _batch(300, 10 + day).to_csv(tmp_path / f"day-{day}.csv", index=False)
    assert main(["contract", "check", str(tmp_path / "day-*.csv"), str(contract)]) == 0
    assert "contract ok" in capsys.readouterr().out

    bad = _batch(300, 5)
    bad.loc[:9, "region"] = "mars"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    out = tmp_path / "report.json"
    assert (
        main(["contract", "check", str(tmp_path / "bad.csv"), str(contract), "--json", str(out)])
        == 1
    )
    assert "region  allowed" in capsys.readouterr().out
    assert json.loads(out.read_text())["kind"] == "contract"

    assert main(["contract", "check", str(tmp_path / "none-*.csv"), str(contract)]) == 2
    assert "matches no file" in capsys.readouterr().err
