"""``pyarrow.Table`` and ``pyarrow.dataset.Dataset`` inputs (the ``[arrow]`` extra)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from pytest_mlaudit.io.sources import missing_columns, need


def arrow_to_pandas(table: Any) -> pd.DataFrame:
    """A pyarrow Table as pandas, as ``pandas.read_parquet`` converts it."""
    frame: pd.DataFrame = table.to_pandas()
    return frame.reset_index(drop=True)


def arrow_column(table: Any, name: str) -> pd.Series:
    """One column of a pyarrow Table or RecordBatch as a pandas Series.

    A numeric column without nulls becomes its numpy array directly (what ``to_pandas``
    gives it, without its reading of the table's pandas metadata, a few ms per chunk);
    any other column as :func:`arrow_to_pandas` converts it.
    """
    import pyarrow as pa  # type: ignore[import-untyped]

    column = table.column(name) if isinstance(table, pa.RecordBatch) else table.column(0)
    kind = column.type
    if (pa.types.is_floating(kind) or pa.types.is_integer(kind)) and column.null_count == 0:
        return pd.Series(column.to_numpy(), name=name)
    return arrow_to_pandas(table.select([name]))[name]


class ArrowSource:
    """A pyarrow Table (in memory) or Dataset (files, read column by column)."""

    def __init__(self, data: Any, *, name: str) -> None:
        need("pyarrow", "arrow", name=name, what="a pyarrow input")
        self.name = name
        self.data = data
        self.is_table = type(data).__name__ == "Table"

    def columns(self) -> list[str]:
        return [str(n) for n in self.data.schema.names]

    def n_rows(self) -> int:
        return int(self.data.num_rows if self.is_table else self.data.count_rows())

    def read_columns(self, names: Sequence[str]) -> pd.DataFrame:
        missing_columns(self, names)
        if self.is_table:
            return arrow_to_pandas(self.data.select(list(names)))
        return arrow_to_pandas(self.data.to_table(columns=list(names)))

    def iter_column(self, name: str) -> Iterator[pd.Series]:
        missing_columns(self, [name])
        if self.is_table:
            batches = self.data.select([name]).to_batches()
        else:
            batches = self.data.to_batches(columns=[name])
        for batch in batches:
            if batch.num_rows:
                yield arrow_column(batch, name)
