"""polars ``DataFrame`` and ``LazyFrame`` inputs (the ``[polars]`` extra)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from pytest_mlaudit.io.sources import missing_columns, need


class PolarsSource:
    """A polars DataFrame, or a LazyFrame collected one projection at a time."""

    def __init__(self, data: Any, *, name: str) -> None:
        need("polars", "polars", name=name, what="a polars input")
        need("pyarrow", "polars", name=name, what="converting polars to pandas")
        self.name = name
        self.data = data
        self.lazy = type(data).__name__ == "LazyFrame"

    def columns(self) -> list[str]:
        if self.lazy:
            return [str(n) for n in self.data.collect_schema().names()]
        return [str(n) for n in self.data.columns]

    def n_rows(self) -> int:
        if self.lazy:
            import polars as pl

            return int(self.data.select(pl.len()).collect().item())
        return int(self.data.height)

    def read_columns(self, names: Sequence[str]) -> pd.DataFrame:
        missing_columns(self, names)
        picked = self.data.select(list(names))
        if self.lazy:
            picked = picked.collect()
        frame: pd.DataFrame = picked.to_pandas()
        return frame

    def iter_column(self, name: str) -> Iterator[pd.Series]:
        yield self.read_columns([name])[name]
