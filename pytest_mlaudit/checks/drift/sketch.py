"""Mergeable sketch profiles: data of any size summarised per column, in one pass.

A :class:`SketchProfile` holds, per column, a KLL quantile sketch of the numbers (Apache
DataSketches, the ``[sketch]`` extra; see :mod:`pytest_mlaudit.stats.sketch` for the
rank-error guarantee) or the *exact* counts per category, and the exact counts of rows
and missing values. :func:`sketch_profile` builds one from any data argument, reading
one column chunk (file, row group, partition) at a time; a dask DataFrame is profiled on
its workers, one partial profile per partition, merged on the client. Profiles built
per file or per partition :meth:`~SketchProfile.merge` into the profile of the whole
(counts exactly, sketches within their rank error). :meth:`~SketchProfile.save` writes
JSON (sketches as base64 of DataSketches' own serialization; never a pickle).

``check_drift(sketch_profile, current)`` compares a current batch (data, or another
sketch profile) with it; see :mod:`pytest_mlaudit.checks.drift._sketched` for the
verdicts ("drifted", "not drifted", "undecided at this sketch size").
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from pytest_mlaudit._validation import check_int
from pytest_mlaudit.checks.drift.profile import MAX_CATEGORIES, CategoricalProfile
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import ColumnKind, category_counts, column_kind, column_names
from pytest_mlaudit.io.sources import is_source, open_source, read_ahead, source_kind
from pytest_mlaudit.stats.sketch import kll_module, new_sketch, rank_error

__all__ = ["DEFAULT_SKETCH_K", "NumericSketch", "SketchProfile", "sketch_profile"]

#: Default KLL size of drift profiles: rank error 0.14% per sketch (99% confidence), so
#: the KS bound of two sketches (0.28%) is well below the default effect floor (2%).
DEFAULT_SKETCH_K: Final = 2000
SKETCH_FORMAT: Final = "pytest-mlaudit sketch profile 1"


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class NumericSketch:
    column: str
    n: int  #: rows (including missing)
    n_missing: int
    sketch: Any  #: a datasketches.kll_doubles_sketch of the non-missing values

    kind: ColumnKind = "numeric"

    @property
    def rank_error(self) -> float:
        """Normalized rank error of the sketch (0 while it holds every value)."""
        return rank_error(self.sketch)


SketchColumn = NumericSketch | CategoricalProfile


def categories_profile(
    column: str, n: int, n_missing: int, counts: dict[str, int]
) -> CategoricalProfile:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return CategoricalProfile(
        column=column,
        n=n,
        n_missing=n_missing,
        categories=tuple(k for k, _ in ordered),
        counts=np.array([v for _, v in ordered], dtype=np.int64),
    )


def _empty_like(other: SketchColumn, n: int) -> SketchColumn:
    """A column of ``n`` missing values of the kind of ``other``."""
    if isinstance(other, NumericSketch):
        return NumericSketch(other.column, n, n, new_sketch(int(other.sketch.k)))
    return categories_profile(other.column, n, n, {})


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class SketchProfile:
    """Per-column sketches (numbers) and exact counts (categories) of a dataset."""

    n_rows: int
    k: int
    columns: dict[str, SketchColumn]

    def merge(self, other: SketchProfile) -> SketchProfile:
        """The profile of both datasets together (the same columns, of the same kinds)."""
        if list(other.columns) != list(self.columns):
            raise MlauditInputError(
                f"profiles of different columns cannot be merged: {list(self.columns)[:10]!r} "
                f"and {list(other.columns)[:10]!r}."
            )
        merged: dict[str, SketchColumn] = {}
        for name, mine in self.columns.items():
            theirs = other.columns[name]
            if mine.kind != theirs.kind and theirs.n == theirs.n_missing:
                theirs = _empty_like(mine, theirs.n)  # only missing values: no kind
            elif mine.kind != theirs.kind and mine.n == mine.n_missing:
                mine = _empty_like(theirs, mine.n)
            if mine.kind != theirs.kind:
                raise MlauditInputError(
                    f"column {name!r} is {mine.kind} in one profile and {theirs.kind} in the "
                    "other; profile both with the same categorical=."
                )
            n, n_missing = mine.n + theirs.n, mine.n_missing + theirs.n_missing
            if isinstance(mine, NumericSketch) and isinstance(theirs, NumericSketch):
                sketch = kll_module().kll_doubles_sketch.deserialize(mine.sketch.serialize())
                sketch.merge(theirs.sketch)
                merged[name] = NumericSketch(name, n, n_missing, sketch)
            elif isinstance(mine, CategoricalProfile) and isinstance(theirs, CategoricalProfile):
                counts = dict(zip(mine.categories, mine.counts.tolist(), strict=True))
                for cat, count in zip(theirs.categories, theirs.counts.tolist(), strict=True):
                    counts[cat] = counts.get(cat, 0) + int(count)
                merged[name] = categories_profile(name, n, n_missing, counts)
        return SketchProfile(self.n_rows + other.n_rows, min(self.k, other.k), merged)

    @classmethod
    def merge_all(cls, profiles: Iterable[SketchProfile]) -> SketchProfile:
        """One profile of many (per file, per partition, per day)."""
        items = list(profiles)
        if not items:
            raise MlauditInputError("merge_all needs at least one profile; got none.")
        out = items[0]
        for prof in items[1:]:
            out = out.merge(prof)
        return out

    # ---------------------------------------------------------------- files
    def to_json(self) -> str:
        """The profile as JSON text (what :meth:`save` writes)."""
        cols: list[dict[str, Any]] = []
        for prof in self.columns.values():
            entry: dict[str, Any] = {
                "column": prof.column,
                "kind": prof.kind,
                "n": prof.n,
                "n_missing": prof.n_missing,
            }
            if isinstance(prof, NumericSketch):
                entry["kll"] = base64.b64encode(prof.sketch.serialize()).decode("ascii")
            else:
                entry["counts"] = dict(zip(prof.categories, prof.counts.tolist(), strict=True))
            cols.append(entry)
        doc = {"format": SKETCH_FORMAT, "n_rows": self.n_rows, "k": self.k, "columns": cols}
        return json.dumps(doc)

    @classmethod
    def from_json(cls, text: str, *, where: str = "the profile") -> SketchProfile:
        """Read :meth:`to_json`'s text, checking every part."""

        def bad(what: str) -> MlauditInputError:
            return MlauditInputError(
                f"{where} is not a valid pytest-mlaudit sketch profile: {what}. Write it "
                "again with sketch_profile(data).save(path)."
            )

        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise bad(f"not JSON ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != SKETCH_FORMAT:
            raise bad(f"its format is not {SKETCH_FORMAT!r}")
        try:
            n_rows, k = int(doc["n_rows"]), int(doc["k"])
            columns: dict[str, SketchColumn] = {}
            for entry in doc["columns"]:
                name, n, n_missing = str(entry["column"]), int(entry["n"]), int(entry["n_missing"])
                if not 0 <= n_missing <= n:
                    raise bad(f"column {name!r}: {n_missing} missing of {n} rows")
                if entry["kind"] == "numeric":
                    raw = base64.b64decode(entry["kll"], validate=True)
                    sketch = kll_module().kll_doubles_sketch.deserialize(raw)
                    if int(sketch.n) != n - n_missing:
                        raise bad(f"column {name!r}: the sketch holds {sketch.n} values")
                    columns[name] = NumericSketch(name, n, n_missing, sketch)
                elif entry["kind"] == "categorical":
                    counts = {str(c): int(v) for c, v in dict(entry["counts"]).items()}
                    if sum(counts.values()) + n_missing != n or min(counts.values(), default=0) < 0:
                        raise bad(f"column {name!r}: the category counts do not add up to {n}")
                    columns[name] = categories_profile(name, n, n_missing, counts)
                else:
                    raise bad(f"column {name!r} has kind {entry['kind']!r}")
        except MlauditInputError:
            raise
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise bad(f"{type(exc).__name__}: {exc}") from None
        return cls(n_rows, k, columns)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the profile as JSON to ``path``; returns the path written."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_json(), encoding="utf-8")
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SketchProfile:
        """Read a profile written by :meth:`save` (JSON; never unpickles)."""
        target = Path(path)
        if not target.is_file():
            raise MlauditInputError(
                f"no sketch profile at {str(path)!r}; write one with "
                "sketch_profile(data).save(path) or `mlaudit profile DATA -o FILE`."
            )
        try:
            text = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MlauditInputError(f"{str(path)!r} cannot be read: {exc}") from None
        return cls.from_json(text, where=repr(str(path)))


# ------------------------------------------------------------------ building


class _Builder:
    """One column's profile, fed chunk by chunk."""

    def __init__(self, column: str, kind: ColumnKind | None, k: int, side: str) -> None:
        self.column, self.kind, self.k, self.side = column, kind, k, side
        self.n = self.n_missing = 0
        self.sketch = new_sketch(k)
        self.counts: dict[str, int] = {}

    def add(self, chunk: pd.Series) -> None:
        self.n += int(chunk.size)
        if self.kind is None:
            if bool(chunk.isna().all()):
                self.n_missing += int(chunk.size)  # no values yet to tell the kind from
                return
            self.kind = column_kind(chunk, column=self.column, side=self.side)
        if self.kind == "categorical":
            counts, missing = category_counts(chunk)
            self.n_missing += missing
            for cat, count in counts.items():
                self.counts[cat] = self.counts.get(cat, 0) + count
            return
        try:
            values = np.sort(chunk.to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError):
            raise MlauditInputError(
                f"column {self.column!r} of {self.side} ({chunk.dtype}) does not hold numbers "
                f"only; profile it as a category with categorical=[{self.column!r}]."
            ) from None
        # sorted: NaN last (searchsorted orders it so too), infinities at the ends
        present = int(np.searchsorted(values, np.nan)) if values.size else 0
        self.n_missing += values.size - present
        values = values[:present]
        if values.size and (np.isinf(values[0]) or np.isinf(values[-1])):
            raise MlauditInputError(
                f"column {self.column!r} of {self.side} contains infinite values; replace "
                "them (e.g. with NaN, counted as missing) or clip them first."
            )
        # KLL's guarantee holds for any order of the stream; a sorted chunk is compacted
        # about 3x faster (a compactor's buffer arrives sorted): more than the sort costs
        self.sketch.update(values)

    def result(self, max_categories: int) -> SketchColumn:
        if self.kind == "categorical":
            if len(self.counts) > max_categories:
                raise MlauditInputError(
                    f"column {self.column!r} of {self.side} has {len(self.counts)} distinct "
                    f"values; leave it out with columns=, bin it first, or raise "
                    f"max_categories (now {max_categories})."
                )
            return categories_profile(self.column, self.n, self.n_missing, self.counts)
        return NumericSketch(self.column, self.n, self.n_missing, self.sketch)


def _profile_chunks(
    chunks: Iterator[tuple[str, pd.Series]],
    names: Sequence[str],
    kinds: dict[str, ColumnKind],
    *,
    k: int,
    n_rows: int,
    side: str,
    max_categories: int,
) -> SketchProfile:
    builders = {n: _Builder(n, kinds.get(n), k, side) for n in names}
    for name, chunk in chunks:
        builders[name].add(chunk)
    columns = {n: b.result(max_categories) for n, b in builders.items()}
    return SketchProfile(n_rows, k, columns)


def partition_profile(
    part: pd.DataFrame, names: list[str], kinds: dict[str, ColumnKind], k: int, side: str
) -> pd.Series:
    """One dask partition's profile as JSON (what the workers return; merged on the client)."""
    chunks = ((n, part[n]) for n in names)
    prof = _profile_chunks(
        chunks, names, kinds, k=k, n_rows=len(part), side=side, max_categories=2**62
    )
    return pd.Series([prof.to_json()], dtype=object)


def sketch_profile(
    data: Any,
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    k: int = DEFAULT_SKETCH_K,
    max_categories: int = MAX_CATEGORIES,
    name: str = "data",
) -> SketchProfile:
    """Profile ``data`` column by column into a mergeable :class:`SketchProfile`.

    ``data`` is any data argument: a pandas DataFrame, a path/glob of CSV or Parquet
    files, a pyarrow Table/Dataset, a polars or a dask DataFrame. ``k`` is the KLL size:
    its rank error (99% confidence) is about 1.33% at 200, 0.28% at 1000, 0.14% at the
    default 2000; a numeric column costs about ``k`` values in memory and on disk.
    ``categorical`` names numeric columns to count as categories.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"x": rng.normal(size=10_000), "c": rng.choice(["a", "b"], 10_000)})
    >>> halves = [sketch_profile(frame.iloc[:5000]), sketch_profile(frame.iloc[5000:])]
    >>> whole = SketchProfile.merge_all(halves)
    >>> whole.n_rows, whole.columns["c"].counts.sum()
    (10000, np.int64(10000))
    """
    k = check_int("k", k, minimum=8)
    max_categories = check_int("max_categories", max_categories, minimum=2)
    forced = {str(c) for c in ([categorical] if isinstance(categorical, str) else categorical)}
    kind_of = source_kind(data)
    if is_source(data):
        source = open_source(data, name=name)
        all_names = source.columns()
    else:
        from pytest_mlaudit.io.frames import as_frame
        from pytest_mlaudit.io.sources import FrameSource

        source = FrameSource(as_frame(data, name=name), name=name)
        all_names = column_names(source.frame, name=name)
    names = all_names if columns is None else [str(c) for c in columns]
    lacking = [c for c in [*names, *forced] if c not in all_names]
    if lacking:
        raise MlauditInputError(f"{name} has no column(s) {lacking!r}; it has {all_names[:20]!r}.")
    kinds: dict[str, ColumnKind] = {c: "categorical" for c in forced}
    if kind_of == "dask":
        ddf = data[names]
        meta = pd.Series([], dtype=object)
        parts = ddf.map_partitions(partition_profile, names, kinds, k, name, meta=meta)
        blobs = parts.compute().tolist()
        merged = SketchProfile.merge_all(SketchProfile.from_json(b) for b in blobs)
        for prof in merged.columns.values():  # the cap applies to the whole
            if isinstance(prof, CategoricalProfile) and len(prof.categories) > max_categories:
                raise MlauditInputError(
                    f"column {prof.column!r} of {name} has {len(prof.categories)} distinct "
                    f"values; leave it out with columns= or raise max_categories "
                    f"(now {max_categories})."
                )
        return dataclasses.replace(merged, k=k)
    chunks = ((n, chunk) for n in names for chunk in source.iter_column(n))
    return _profile_chunks(
        read_ahead(chunks),
        names,
        kinds,
        k=k,
        n_rows=source.n_rows(),
        side=name,
        max_categories=max_categories,
    )
