"""Data in files: a path or a glob of CSV or Parquet files, read into one DataFrame.

``read_table("logs/2026-11-*.parquet", columns=[...])`` reads only the columns asked for
(Parquet is columnar; CSV reads them with ``usecols``) from every file the glob matches,
in sorted order, and concatenates them. Parquet needs pyarrow (the ``[arrow]`` extra); a
missing extra is an error that names it. Nothing here is imported until a path is given.
"""

from __future__ import annotations

import glob
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["SUFFIXES", "is_path", "read_table", "resolve_files"]

#: File types read, by suffix.
SUFFIXES: Final = (".csv", ".parquet", ".pq")


def is_path(value: Any) -> bool:
    """A string or ``os.PathLike`` (what :func:`read_table` takes)."""
    return isinstance(value, str | os.PathLike)


def resolve_files(value: str | os.PathLike[str], *, name: str) -> list[Path]:
    """The files a path, a directory or a glob names, sorted; an error when there are none."""
    text = os.fspath(value)
    if glob.has_magic(text):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise MlauditInputError(f"{name}={text!r} matches no file.")
    else:
        path = Path(text)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
            if not files:
                raise MlauditInputError(
                    f"{name}={text!r} is a folder without {', '.join(SUFFIXES)} files."
                )
        elif path.is_file():
            files = [path]
        else:
            raise MlauditInputError(
                f"{name}={text!r} does not exist (relative paths are relative to {os.getcwd()!r})."
            )
    bad = [str(p) for p in files if p.suffix.lower() not in SUFFIXES]
    if bad:
        raise MlauditInputError(
            f"{name}: {bad[0]!r} is not a {' or '.join(SUFFIXES)} file; pass CSV or Parquet "
            "files, or a DataFrame."
        )
    return files


def read_csv(path: Path, **kwargs: Any) -> Any:
    """``pandas.read_csv`` that gives the floats the file holds, on pandas 2 as on 3.

    pandas 2's default float parser is off by one unit in the last place for about a third
    of the values ``to_csv`` writes (so a CSV input would not give the report of the
    frame that wrote it); its ``float_precision="round_trip"`` is exact. pandas 3 parses
    exactly by default and deprecates the argument.
    """
    import pandas as pd

    if int(pd.__version__.split(".")[0]) < 3:
        kwargs.setdefault("float_precision", "round_trip")
    return pd.read_csv(path, **kwargs)


def _read_one(path: Path, columns: Sequence[str] | None, name: str) -> Any:
    import pandas as pd

    try:
        if path.suffix.lower() == ".csv":
            return read_csv(path, usecols=list(columns) if columns is not None else None)
        if importlib.util.find_spec("pyarrow") is None:
            raise MlauditInputError(
                f"{name}: reading {str(path)!r} needs pyarrow; install it with "
                "pip install 'pytest-mlaudit[arrow]'."
            )
        return pd.read_parquet(path, columns=list(columns) if columns is not None else None)
    except MlauditInputError:
        raise
    except ValueError as exc:  # usecols/columns naming a column the file lacks
        raise MlauditInputError(f"{name}: {str(path)!r} could not be read: {exc}") from None
    except OSError as exc:
        raise MlauditInputError(f"{name}: {str(path)!r} could not be read: {exc}") from None
    except Exception as exc:  # a parser's own error on a broken file
        raise MlauditInputError(
            f"{name}: {str(path)!r} is not a readable {path.suffix} file "
            f"({type(exc).__name__}: {exc})."
        ) from None


def read_table(
    value: str | os.PathLike[str], *, name: str, columns: Sequence[str] | None = None
) -> Any:
    """Read every file ``value`` names into one pandas DataFrame (only ``columns``)."""
    import pandas as pd

    files = resolve_files(value, name=name)
    frames = [_read_one(p, columns, name) for p in files]
    if len(frames) == 1:
        return frames[0]
    first = list(frames[0].columns)
    for path, frame in zip(files[1:], frames[1:], strict=True):
        if list(frame.columns) != first:
            raise MlauditInputError(
                f"{name}: {str(path)!r} has columns {list(frame.columns)[:10]!r}, unlike "
                f"{str(files[0])!r} ({first[:10]!r}); the files of one input must share "
                "their columns."
            )
    return pd.concat(frames, ignore_index=True)
