"""check_skew on files, Arrow, polars and dask inputs: the same report as pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import check_skew
from tests.checks.drift.test_drift_sources import KINDS, _as


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("features", [None, ["x", "c"]])
def test_drift_skew_source_report_equals_pandas(
    kind: str, features: list[str] | None, tmp_path: Path
) -> None:
    rng = np.random.default_rng(3)
    train = pd.DataFrame(
        {"id": np.arange(500), "x": rng.normal(size=500), "c": rng.choice(["a", "b"], 500)}
    )
    serve = train.copy()
    serve["x"] = serve["x"] * 1000
    serve["z"] = 1.0
    expected = check_skew(train, serve, id_column="id", features=features).to_dict()
    got = check_skew(
        _as(kind, train, tmp_path / "t"),
        _as(kind, serve, tmp_path / "s"),
        id_column="id",
        features=features,
    )
    assert got.to_dict() == expected
