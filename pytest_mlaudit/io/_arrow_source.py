"""``pyarrow.Table`` and ``pyarrow.dataset.Dataset`` inputs (the ``[arrow]`` extra)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

import pandas as pd

from pytest_mlaudit.io.sources import missing_columns, need


def arrow_to_pandas(table: Any) -> pd.DataFrame:
    """A pyarrow Table as pandas, as ``pandas.read_parquet`` converts it."""
    frame: pd.DataFrame = table.to_pandas()
    return frame.reset_index(drop=True)


def arrow_frame(table: Any, strings: Collection[str] = ()) -> pd.DataFrame:
    """A pyarrow Table read from Parquet files as pandas, with as little memory as its
    columns need (the exact drift check holds one column per side at a time).

    A numeric column without nulls becomes one numpy array joined from its chunks
    (``to_pandas`` joins them in Arrow's memory pool first: a second copy, which the
    pool keeps). ``strings`` names the string columns read as dictionaries (a 4-byte
    index per row instead of the text): they become pandas categories of the values
    present, whose counts are the string column's. Other columns convert as
    :func:`arrow_to_pandas` does. Arrow's pool gives back its unused memory afterwards.
    """
    import numpy as np
    import pyarrow as pa  # type: ignore[import-untyped]

    out: dict[str, pd.Series] = {}
    for name in table.column_names:
        column = table.column(name)
        kind = column.type
        numeric = pa.types.is_floating(kind) or pa.types.is_integer(kind)
        if numeric and column.null_count == 0 and column.num_chunks:
            values = np.concatenate([c.to_numpy(zero_copy_only=False) for c in column.chunks])
            out[name] = pd.Series(values, name=name, copy=False)
            continue
        if name in strings and pa.types.is_dictionary(kind) and column.num_chunks:
            out[name] = _categories(column, name)
        else:
            out[name] = arrow_to_pandas(table.select([name]))[name]
    del table, column
    pa.default_memory_pool().release_unused()
    return pd.DataFrame(out, copy=False)


def _categories(column: Any, name: str) -> pd.Series:
    """A dictionary-encoded string column as pandas categories of the values present
    (``to_pandas`` decodes chunks of different dictionaries to text first)."""
    import numpy as np
    import pyarrow as pa  # type: ignore[import-untyped]

    unified = pa.chunked_array(column.chunks, type=column.type).unify_dictionaries()
    codes = np.concatenate(
        [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in unified.chunks]
    )
    labels = unified.chunks[0].dictionary.to_pylist()
    # only the values present (remove_unused_categories would sort the codes)
    present = np.bincount(codes + 1, minlength=len(labels) + 1)[1:] > 0
    if not present.all():
        renumber = np.full(len(labels) + 1, -1, dtype=codes.dtype)
        renumber[1:][present] = np.arange(int(present.sum()), dtype=codes.dtype)
        codes = renumber[codes + 1]
        labels = [label for label, kept in zip(labels, present.tolist(), strict=True) if kept]
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels), name=name)


def arrow_column(table: Any, name: str, strings: Collection[str] = ()) -> pd.Series:
    """One column of a pyarrow Table or RecordBatch as a pandas Series (a chunk).

    A numeric column without nulls becomes its numpy array directly (what ``to_pandas``
    gives it, without its reading of the table's pandas metadata, a few ms per chunk);
    a string column read as a dictionary (named in ``strings``) categories of its values
    present, as in :func:`arrow_frame`; any other column as :func:`arrow_to_pandas`
    converts it.
    """
    import pyarrow as pa  # type: ignore[import-untyped]

    column = table.column(name) if isinstance(table, pa.RecordBatch) else table.column(0)
    kind = column.type
    if (pa.types.is_floating(kind) or pa.types.is_integer(kind)) and column.null_count == 0:
        return pd.Series(column.to_numpy(), name=name)
    if name in strings and pa.types.is_dictionary(kind) and isinstance(table, pa.Table):
        if column.num_chunks:
            return _categories(column, name)
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
