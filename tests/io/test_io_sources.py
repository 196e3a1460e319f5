"""The input layer: sources per backend, column projection, missing extras."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import check_drift
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.sources import is_source, open_source, source_kind


def _frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(6)})


def test_io_source_kinds(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    frame = _frame()
    assert source_kind(str(tmp_path)) == "file"
    assert source_kind(pa.Table.from_pandas(frame)) == "arrow"
    assert source_kind(pl.from_pandas(frame).lazy()) == "polars"
    assert not is_source(frame) and not is_source(frame.to_numpy())
    with pytest.raises(MlauditInputError, match="got int"):
        open_source(3, name="data")


def test_io_parquet_reads_only_the_checked_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    for i in range(2):
        _frame().to_parquet(tmp_path / f"p{i}.parquet", index=False)
    asked: list[Any] = []
    real = pq.read_table

    def spy(path: Any, columns: Any = None, **kw: Any) -> Any:
        asked.append(columns)
        return real(path, columns=columns, **kw)

    monkeypatch.setattr(pq, "read_table", spy)
    check_drift(str(tmp_path / "*.parquet"), str(tmp_path / "*.parquet"), columns=["x1", "x4"])
    assert asked and all(c in (["x1"], ["x4"]) for c in asked)


def test_io_missing_extra_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _frame().to_parquet(tmp_path / "p.parquet", index=False)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # as if not installed
    with pytest.raises(MlauditInputError, match=r"pytest-mlaudit\[arrow\]"):
        open_source(tmp_path / "p.parquet", name="reference")


def test_io_chunks_follow_files_and_partitions(tmp_path: Path) -> None:
    frame = _frame(300)
    for i, part in enumerate(np.array_split(np.arange(300), 3)):
        frame.iloc[part].to_parquet(tmp_path / f"p{i}.parquet", index=False)
    source = open_source(str(tmp_path / "*.parquet"), name="data")
    chunks = list(source.iter_column("x2"))
    assert [len(c) for c in chunks] == [100, 100, 100]
    np.testing.assert_array_equal(pd.concat(chunks).to_numpy(), frame["x2"].to_numpy())
    assert source.n_rows() == 300 and source.columns() == list(frame.columns)


def test_read_ahead_yields_every_item_in_order_and_passes_errors_on() -> None:
    from pytest_mlaudit.io.sources import read_ahead

    assert list(read_ahead(iter(range(5)))) == [0, 1, 2, 3, 4]
    assert list(read_ahead(iter([None, 0, None]))) == [None, 0, None]

    def broken() -> Iterator[int]:
        yield 1
        raise MlauditInputError("file 2 could not be read")

    got = read_ahead(broken())
    assert next(got) == 1
    with pytest.raises(MlauditInputError, match="file 2"):
        next(got)
