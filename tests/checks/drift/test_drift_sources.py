"""check_drift on files, Arrow, polars and dask inputs: the same report as pandas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import check_drift, profile_reference
from pytest_mlaudit.errors import MlauditInputError


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(12)
    n = 3000

    def side(shift: float) -> pd.DataFrame:
        x = rng.normal(shift, 1.0, n)
        x[rng.random(n) < 0.05] = np.nan
        return pd.DataFrame(
            {
                "x": x,
                "y": rng.exponential(1.0, n),
                "k": rng.integers(0, 5, n),
                "c": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2] if shift else None),
            }
        )

    ref, cur = side(0.0), side(0.3)
    cur["extra"] = 1.0
    return ref, cur


def _parquet(frame: pd.DataFrame, folder: Path, parts: int = 3) -> str:
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[chunk].to_parquet(folder / f"part-{i}.parquet", index=False)
    return str(folder / "part-*.parquet")


def _as(kind: str, frame: pd.DataFrame, folder: Path) -> Any:
    if kind == "parquet":
        return _parquet(frame, folder)
    if kind == "csv":
        folder.mkdir()
        frame.to_csv(folder / "data.csv", index=False)
        return folder / "data.csv"
    if kind == "arrow":
        pa = pytest.importorskip("pyarrow")
        return pa.Table.from_pandas(frame, preserve_index=False)
    if kind == "dataset":
        ds = pytest.importorskip("pyarrow.dataset")
        return ds.dataset(_parquet(frame, folder).replace("part-*.parquet", ""), format="parquet")
    if kind == "polars":
        return pytest.importorskip("polars").from_pandas(frame)
    if kind == "lazy":
        return pytest.importorskip("polars").from_pandas(frame).lazy()
    if kind == "dask":
        dd = pytest.importorskip("dask.dataframe")
        return dd.from_pandas(frame, npartitions=3)
    raise AssertionError(kind)


KINDS = ["parquet", "csv", "arrow", "dataset", "polars", "lazy", "dask"]


@pytest.mark.parametrize("kind", KINDS)
def test_drift_source_report_equals_pandas(kind: str, tmp_path: Path) -> None:
    ref, cur = _frames()
    expected = check_drift(ref, cur).to_dict()
    got = check_drift(_as(kind, ref, tmp_path / "r"), _as(kind, cur, tmp_path / "c"))
    assert got.to_dict() == expected


@pytest.mark.parametrize("kind", KINDS)
def test_drift_source_columns_and_methods(kind: str, tmp_path: Path) -> None:
    ref, cur = _frames()
    kwargs: dict[str, Any] = {"columns": ["x", "k"], "methods": {"k": "chi2", "x": ["ks", "psi"]}}
    expected = check_drift(ref, cur, **kwargs).to_dict()
    got = check_drift(_as(kind, ref, tmp_path / "r"), _as(kind, cur, tmp_path / "c"), **kwargs)
    assert got.to_dict() == expected


@pytest.mark.parametrize("kind", ["parquet", "polars", "dask"])
def test_drift_source_against_a_profile(kind: str, tmp_path: Path) -> None:
    ref, cur = _frames()
    expected = check_drift(profile_reference(ref), cur).to_dict()
    from_source = profile_reference(_as(kind, ref, tmp_path / "r"))
    got = check_drift(from_source, _as(kind, cur, tmp_path / "c"))
    assert got.to_dict() == expected


def test_drift_source_mixed_with_pandas(tmp_path: Path) -> None:
    ref, cur = _frames()
    expected = check_drift(ref, cur).to_dict()
    assert check_drift(ref, _as("parquet", cur, tmp_path / "c")).to_dict() == expected
    assert check_drift(_as("arrow", ref, tmp_path / "r"), cur).to_dict() == expected


def test_drift_source_errors(tmp_path: Path) -> None:
    ref, cur = _frames()
    path = _as("parquet", ref, tmp_path / "r")
    with pytest.raises(MlauditInputError, match="matches no file"):
        check_drift(str(tmp_path / "nothing-*.parquet"), cur)
    with pytest.raises(MlauditInputError, match="not found in current"):
        check_drift(path, cur.drop(columns="x"), columns=["x"])
    with pytest.raises(MlauditInputError, match="single row"):
        check_drift(path, _as("arrow", cur.iloc[:1], tmp_path / "c"))
