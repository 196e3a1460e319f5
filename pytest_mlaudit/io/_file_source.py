"""A path, folder or glob of CSV or Parquet files as a :class:`~.sources.Source`.

Parquet is read with pyarrow one column at a time across the files (columnar: a column
costs its own bytes, not the table's), row counts come from the file footers; CSV files
are read with ``usecols``. The files of one input must share their columns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io._arrow_source import arrow_column, arrow_frame, arrow_to_pandas
from pytest_mlaudit.io.files import read_csv, resolve_files
from pytest_mlaudit.io.sources import missing_columns, need


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


class FileSource:
    """CSV/Parquet files read column by column."""

    def __init__(self, value: str | os.PathLike[str], *, name: str) -> None:
        self.name = name
        self.files = resolve_files(value, name=name)
        self._columns: list[str] | None = None
        self._n_rows: int | None = None
        if any(_is_parquet(p) for p in self.files):
            need("pyarrow.parquet", "arrow", name=name, what="reading Parquet files")

    def _file_columns(self, path: Path) -> list[str]:
        try:
            if _is_parquet(path):
                import pyarrow.parquet as pq  # type: ignore[import-untyped]

                return [str(n) for n in pq.read_schema(path).names]
            return [str(c) for c in read_csv(path, nrows=0).columns]
        except Exception as exc:
            raise MlauditInputError(
                f"{self.name}: {str(path)!r} is not a readable {path.suffix} file "
                f"({type(exc).__name__}: {exc})."
            ) from None

    def columns(self) -> list[str]:
        if self._columns is None:
            first = self._file_columns(self.files[0])
            for path in self.files[1:]:
                cols = self._file_columns(path)
                if cols != first:
                    raise MlauditInputError(
                        f"{self.name}: {str(path)!r} has columns {cols[:10]!r}, unlike "
                        f"{str(self.files[0])!r} ({first[:10]!r}); the files of one input "
                        "must share their columns."
                    )
            self._columns = first
        return list(self._columns)

    def n_rows(self) -> int:
        if self._n_rows is None:
            total = 0
            for path in self.files:
                if _is_parquet(path):
                    import pyarrow.parquet as pq  # type: ignore[import-untyped]

                    total += int(pq.ParquetFile(path).metadata.num_rows)
                else:
                    first = self.columns()[:1]
                    total += int(read_csv(path, usecols=first).shape[0])
            self._n_rows = total
        return self._n_rows

    def _read(self, path: Path, names: Sequence[str], strings: Sequence[str] = ()) -> Any:
        """One file's columns: a pyarrow Table (Parquet; ``strings`` read as dictionaries)
        or a pandas DataFrame (CSV)."""
        try:
            if _is_parquet(path):
                import pyarrow.parquet as pq  # type: ignore[import-untyped]

                return pq.read_table(path, columns=list(names), read_dictionary=strings or None)
            return read_csv(path, usecols=list(names))[list(names)]
        except Exception as exc:
            raise MlauditInputError(
                f"{self.name}: {str(path)!r} could not be read ({type(exc).__name__}: {exc})."
            ) from None

    def _strings(self, names: Sequence[str]) -> list[str]:
        """The plain string columns among ``names`` (Parquet): read as dictionaries."""
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        try:
            schema = pq.read_schema(self.files[0])
        except Exception:  # reported with its file by _read
            return []
        return [
            n
            for n in names
            if n in schema.names
            and (
                pa.types.is_string(schema.field(n).type)
                or pa.types.is_large_string(schema.field(n).type)
            )
        ]

    def read_columns(self, names: Sequence[str]) -> pd.DataFrame:
        missing_columns(self, names)
        if all(_is_parquet(p) for p in self.files):
            import pyarrow as pa  # type: ignore[import-untyped]

            strings = self._strings(names)
            parts = [self._read(p, names, strings) for p in self.files]
            table = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
            del parts
            return arrow_frame(table, strings)
        parts = [self._read(p, names) for p in self.files]
        frames = [
            arrow_to_pandas(t) if _is_parquet(p) else t
            for p, t in zip(self.files, parts, strict=True)
        ]
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    def iter_column(self, name: str) -> Iterator[pd.Series]:
        missing_columns(self, [name])
        strings = self._strings([name]) if any(_is_parquet(p) for p in self.files) else []
        for path in self.files:
            if _is_parquet(path):
                import pyarrow.parquet as pq  # type: ignore[import-untyped]

                handle = pq.ParquetFile(path, read_dictionary=strings or None)
                for group in range(handle.num_row_groups):
                    table = handle.read_row_group(group, columns=[name])
                    if table.num_rows:
                        yield arrow_column(table, name, strings)
            else:
                yield self._read(path, [name])[name]
