"""One input layer for data that is not (yet) a pandas DataFrame.

:func:`open_source` turns what a user passes as a data argument into a :class:`Source`:

=====================================  ==========================  ===========
input                                  module                      extra
=====================================  ==========================  ===========
path, folder or glob of CSV / Parquet  :mod:`._file_source`        ``[arrow]`` (Parquet)
``pyarrow.Table`` / ``pyarrow.dataset``  :mod:`._arrow_source`     ``[arrow]``
polars ``DataFrame`` / ``LazyFrame``   :mod:`._polars_source`      ``[polars]``
``dask.dataframe.DataFrame``           :mod:`._dask_source`        ``[dask]``
=====================================  ==========================  ===========

pandas DataFrames, Series, numpy arrays, lists and dicts are not sources: the checks take
them as they are (:func:`~pytest_mlaudit.io.frames.as_frame`). Each backend imports its
library inside its functions, so ``import pytest_mlaudit`` never imports pyarrow, polars
or dask; an input is recognised by the module of its type, without importing anything.

A source reads only the columns asked for (column projection): ``read_columns(names)``
returns a pandas DataFrame of those columns, ``iter_column(name)`` yields one column in
chunks (per file, row group or partition) for the sketch profiles.
"""

from __future__ import annotations

import glob
import importlib
import os
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any, Final, Protocol, TypeVar, runtime_checkable

import pandas as pd

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.files import is_path

_T = TypeVar("_T")

__all__ = [
    "FrameSource",
    "Source",
    "is_source",
    "need",
    "open_source",
    "read_ahead",
    "source_kind",
]


@runtime_checkable
class Source(Protocol):
    """Tabular data read column by column."""

    #: the argument's name, for error messages
    name: str

    def columns(self) -> list[str]:
        """The column names, from the schema (reads no data where the format allows)."""
        ...

    def n_rows(self) -> int:
        """The number of rows."""
        ...

    def read_columns(self, names: Sequence[str]) -> pd.DataFrame:
        """Only these columns, as one pandas DataFrame with a fresh RangeIndex."""
        ...

    def iter_column(self, name: str) -> Iterator[pd.Series]:
        """One column in chunks (files, row groups, partitions), in row order."""
        ...


def need(module: str, extra: str, *, name: str, what: str) -> ModuleType:
    """Import ``module`` or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MlauditInputError(
            f"{name}: {what} needs {module.split('.')[0]}; install it with "
            f"pip install 'pytest-mlaudit[{extra}]'."
        ) from None


def source_kind(data: Any) -> str | None:
    """``"file"``, ``"arrow"``, ``"polars"``, ``"dask"``, ``"source"`` (an object that
    implements :class:`Source` itself) or None (pandas, numpy, ...)."""
    if is_path(data):
        return "file"
    module = type(data).__module__ or ""
    root = module.split(".")[0]
    if root == "pyarrow" and type(data).__name__ in {"Table", "FileSystemDataset", "Dataset"}:
        return "arrow"
    if root == "polars" and type(data).__name__ in {"DataFrame", "LazyFrame"}:
        return "polars"
    if root.startswith("dask") and type(data).__name__ == "DataFrame":
        return "dask"
    if root in {"pandas", "numpy", "builtins"}:
        return None
    if all(callable(getattr(data, m, None)) for m in _SOURCE_METHODS) and hasattr(data, "name"):
        return "source"
    return None


_SOURCE_METHODS: Final = ("columns", "n_rows", "read_columns", "iter_column")


def is_source(data: Any) -> bool:
    """True for an input that :func:`open_source` reads (not pandas/numpy/lists)."""
    return source_kind(data) is not None


def open_source(data: Any, *, name: str) -> Source:
    """The :class:`Source` of ``data``; an error for inputs that are not sources."""
    kind = source_kind(data)
    if kind == "source":
        source: Source = data
        return source
    if kind == "file":
        from pytest_mlaudit.io._file_source import FileSource

        text = os.fspath(data)
        if not glob.has_magic(text) and not os.path.exists(text):
            raise MlauditInputError(
                f"{name} must be a pandas DataFrame/Series or a numpy array; got "
                f"{type(data).__name__} {text!r}, which names no file (relative paths are "
                f"relative to {os.getcwd()!r}). Pass a DataFrame, or a path, folder or glob "
                "of CSV/Parquet files."
            )

        return FileSource(data, name=name)
    if kind == "arrow":
        from pytest_mlaudit.io._arrow_source import ArrowSource

        return ArrowSource(data, name=name)
    if kind == "polars":
        from pytest_mlaudit.io._polars_source import PolarsSource

        return PolarsSource(data, name=name)
    if kind == "dask":
        from pytest_mlaudit.io._dask_source import DaskSource

        return DaskSource(data, name=name)
    raise MlauditInputError(
        f"{name} must be a DataFrame, an array, a path or glob of CSV/Parquet files, a "
        f"pyarrow Table/Dataset, a polars or a dask DataFrame; got {type(data).__name__}."
    )


def missing_columns(source: Source, names: Sequence[str]) -> None:
    """An error naming the columns ``names`` asks for that ``source`` lacks."""
    have = set(source.columns())
    lacking = [n for n in names if n not in have]
    if lacking:
        raise MlauditInputError(
            f"{source.name} has no column(s) {lacking!r}; it has {sorted(have)[:20]!r}."
        )


class FrameSource:
    """Data pandas holds already (DataFrame, Series, arrays: as :func:`as_frame` reads
    them), as a source, for a call whose other side is a file, Arrow, polars or dask."""

    def __init__(self, data: Any, *, name: str) -> None:
        from pytest_mlaudit.io.frames import as_frame, column_names

        self.name = name
        self.frame = as_frame(data, name=name)
        self._names = column_names(self.frame, name=name)

    def columns(self) -> list[str]:
        return list(self._names)

    def n_rows(self) -> int:
        return int(self.frame.shape[0])

    def read_columns(self, names: Sequence[str]) -> pd.DataFrame:
        missing_columns(self, names)
        picked = self.frame.iloc[:, [self._names.index(n) for n in names]]
        picked.columns = pd.Index(list(names), dtype=object)
        return picked

    def iter_column(self, name: str) -> Iterator[pd.Series]:
        yield self.read_columns([name])[name]


def read_ahead(items: Iterator[_T]) -> Iterator[_T]:
    """``items`` as they are, the next one read in a thread while the caller works on
    this one (Parquet and Arrow reads release the GIL): one item more in memory."""
    from concurrent.futures import ThreadPoolExecutor

    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlaudit-read") as pool:
        pending = pool.submit(next, items, done)
        while True:
            item = pending.result()
            if item is done:
                return
            pending = pool.submit(next, items, done)
            yield item  # type: ignore[misc]
