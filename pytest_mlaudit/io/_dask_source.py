"""``dask.dataframe.DataFrame`` inputs (the ``[dask]`` extra).

Reading a column computes it (on the active ``distributed`` client if there is one);
:func:`iter_column` computes one partition at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from pytest_mlaudit.io.sources import missing_columns, need


class DaskSource:
    """A dask DataFrame, computed one projection (or one partition) at a time."""

    def __init__(self, data: Any, *, name: str) -> None:
        need("dask.dataframe", "dask", name=name, what="a dask input")
        self.name = name
        self.data = data

    def columns(self) -> list[str]:
        return [str(c) for c in self.data.columns]

    def n_rows(self) -> int:
        return len(self.data)

    def read_columns(self, names: Sequence[str]) -> pd.DataFrame:
        missing_columns(self, names)
        frame: pd.DataFrame = self.data[list(names)].compute()
        return frame.reset_index(drop=True)

    def iter_column(self, name: str) -> Iterator[pd.Series]:
        missing_columns(self, [name])
        column = self.data[name]
        for i in range(int(column.npartitions)):
            part: pd.Series = column.partitions[i].compute()
            if part.size:
                yield part.reset_index(drop=True)
