"""A reusable summary of the reference (training) data for drift checks.

A daily job can compare production data with a profile saved once instead of reloading the
training set. The profile keeps, per column, exactly what the distance and contingency
statistics use (quantile bin edges and counts, category counts, missing counts), so PSI,
chi-square, Jensen-Shannon and L-infinity give the same numbers from a profile as from the
raw data. For KS and Wasserstein it keeps a seeded random sample of the values (all of
them up to ``sample_size``).

Profiles are saved as ``.npz`` files without pickles (``allow_pickle=False``), so loading
one never runs code.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit._validation import check_int, is_integer, is_real
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import (
    ColumnKind,
    as_frame,
    category_counts,
    column_kind,
    column_names,
    numeric_values,
)
from pytest_mlaudit.stats import moments
from pytest_mlaudit.stats.histogram import bin_counts_sorted, quantile_edges

__all__ = [
    "CategoricalProfile",
    "NumericProfile",
    "ReferenceProfile",
    "mean_std",
    "profile_reference",
]

#: Format 2 names categories by value (``1`` and ``1.0`` are ``"1"``); format 1 wrote a
#: float category as ``"1.0"``, which :meth:`ReferenceProfile.load` reads as ``"1"``.
PROFILE_FORMAT: Final = "pytest-mlaudit/profile/2"
_FORMAT_1: Final = "pytest-mlaudit/profile/1"
_FLOAT_INTEGER: Final = re.compile(r"-?\d+\.0")
#: Number of equal-count bins of the histograms kept for plots.
PLOT_BINS: Final = 20
#: Default cap on distinct categories of a categorical column.
MAX_CATEGORIES: Final = 1000


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class NumericProfile:
    column: str
    n: int  #: rows (including missing)
    n_missing: int
    sample: NDArray[np.float64]  #: sorted non-missing values, or a seeded sample of them
    edges: NDArray[np.float64]  #: inner bin edges from reference quantiles (PSI, JS)
    counts: NDArray[np.int64]  #: non-missing reference counts per bin
    plot_edges: NDArray[np.float64]  #: inner edges of the plot histogram
    plot_counts: NDArray[np.int64]
    mean: float
    std: float  #: population standard deviation (ddof=0)
    minimum: float
    maximum: float

    kind: ColumnKind = "numeric"

    @property
    def sample_is_complete(self) -> bool:
        return int(self.sample.size) == self.n - self.n_missing


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class CategoricalProfile:
    column: str
    n: int
    n_missing: int
    categories: tuple[str, ...]  #: reference categories, most frequent first
    counts: NDArray[np.int64]

    kind: ColumnKind = "categorical"


ColumnProfile = NumericProfile | CategoricalProfile


def mean_std(sorted_values: NDArray[np.float64]) -> tuple[float, float]:
    """Mean and population standard deviation, without overflow for huge values.

    The values are divided by the largest magnitude first, so a column holding ``1e200``
    (a sentinel, an unscaled unit) has a finite mean and standard deviation instead of
    a numpy overflow warning and ``inf``.
    """
    scale = max(abs(float(sorted_values[0])), abs(float(sorted_values[-1])))
    if scale == 0.0 or scale < 1e100:
        return moments.mean_std(sorted_values)  # numpy's mean() and std(), bit for bit
    mean, std = moments.mean_std(sorted_values / scale)
    return mean * scale, std * scale


def _numeric_profile(
    column: str,
    sorted_values: NDArray[np.float64],
    n: int,
    n_missing: int,
    *,
    bins: int,
    sample_size: int | None,
    seed: int,
) -> NumericProfile:
    mean, std = mean_std(sorted_values)
    edges = quantile_edges(sorted_values, bins)
    plot_edges = quantile_edges(sorted_values, PLOT_BINS)
    sample = sorted_values
    if sample_size is not None and sorted_values.size > sample_size:
        rng = np.random.default_rng(seed)
        idx = rng.choice(sorted_values.size, size=sample_size, replace=False)
        idx.sort()
        sample = sorted_values[idx]
    return NumericProfile(
        column=column,
        n=n,
        n_missing=n_missing,
        sample=sample,
        edges=edges,
        counts=bin_counts_sorted(sorted_values, edges),
        plot_edges=plot_edges,
        plot_counts=bin_counts_sorted(sorted_values, plot_edges),
        mean=mean,
        std=std,
        minimum=float(sorted_values[0]),
        maximum=float(sorted_values[-1]),
    )


def _categorical_profile(
    column: str, series: pd.Series, *, side: str, max_categories: int
) -> CategoricalProfile:
    counts, n_missing = category_counts(series)
    if not counts:
        raise MlauditInputError(
            f"column {column!r} of {side} has only missing values ({n_missing} rows); "
            "leave it out with columns=."
        )
    if len(counts) > max_categories:
        raise MlauditInputError(
            f"column {column!r} of {side} has {len(counts)} distinct values; a test over that "
            f"many categories says little. Leave it out with columns=, bin it first, or raise "
            f"max_categories (now {max_categories})."
        )
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return CategoricalProfile(
        column=column,
        n=int(series.size),
        n_missing=n_missing,
        categories=tuple(k for k, _ in ordered),
        counts=np.array([v for _, v in ordered], dtype=np.int64),
    )


def profile_column(
    series: pd.Series,
    *,
    column: str,
    kind: ColumnKind,
    side: str,
    bins: int,
    sample_size: int | None,
    seed: int,
    max_categories: int,
) -> ColumnProfile:
    """Profile one column as ``kind`` (used for the reference and, unsampled, the current)."""
    if kind == "numeric":
        values, n_missing = numeric_values(series, column=column, side=side)
        return _numeric_profile(
            column,
            values,
            int(series.size),
            n_missing,
            bins=bins,
            sample_size=sample_size,
            seed=seed,
        )
    return _categorical_profile(column, series, side=side, max_categories=max_categories)


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class ReferenceProfile:
    """The reference side of drift checks, summarised once. See :func:`profile_reference`."""

    n_rows: int
    bins: int
    columns: dict[str, ColumnProfile]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the profile to ``path`` (``.npz``); returns the path written."""
        target = Path(path)
        if target.suffix != ".npz":
            raise MlauditInputError(f"a profile is saved as .npz; got path={str(target)!r}.")
        arrays: dict[str, Any] = {}
        meta: dict[str, Any] = {
            "format": PROFILE_FORMAT,
            "n_rows": self.n_rows,
            "bins": self.bins,
            "columns": [],
        }
        for i, prof in enumerate(self.columns.values()):
            entry: dict[str, Any] = {
                "column": prof.column,
                "kind": prof.kind,
                "n": prof.n,
                "n_missing": prof.n_missing,
            }
            if isinstance(prof, NumericProfile):
                entry.update(
                    mean=prof.mean, std=prof.std, minimum=prof.minimum, maximum=prof.maximum
                )
                for name in ("sample", "edges", "counts", "plot_edges", "plot_counts"):
                    arrays[f"c{i}_{name}"] = getattr(prof, name)
            else:
                entry["categories"] = list(prof.categories)
                arrays[f"c{i}_counts"] = prof.counts
            meta["columns"].append(entry)
        arrays["meta"] = np.array(json.dumps(meta))
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ReferenceProfile:
        """Read a profile written by :meth:`save` (never unpickles).

        The file is checked as a whole before it is used: a truncated or corrupted file,
        one that is not a profile, or one whose numbers contradict each other (counts that
        do not add up, an empty or unsorted sample, edges outside the range) raises
        :class:`~pytest_mlaudit.MlauditInputError` naming the file and what is wrong.
        """
        target = Path(path)
        if not target.is_file():
            what = "a directory" if target.is_dir() else "nothing"
            raise MlauditInputError(
                f"no profile at {str(path)!r} (there is {what}); write one with "
                "profile_reference(train_df).save(path)."
            )
        try:
            data = np.load(target, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise _bad(
                path, f"not a readable .npz archive (truncated or corrupted?): {exc}"
            ) from None
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise _bad(path, "it holds a single array, not the archive a profile is saved as")
        try:
            with data:
                return _Reader(path, data).profile()
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            if isinstance(exc, MlauditInputError):
                raise
            raise _bad(path, f"a part of the archive cannot be read (corrupted?): {exc}") from None


def _bad(path: str | os.PathLike[str], what: str) -> MlauditInputError:
    return MlauditInputError(
        f"{str(path)!r} is not a valid pytest-mlaudit profile: {what}. Write it again with "
        "profile_reference(train_df).save(path)."
    )


class _Reader:
    """Reads and checks the parts of an opened profile archive (see ``ReferenceProfile.load``)."""

    def __init__(self, path: str | os.PathLike[str], data: Any) -> None:
        self.path, self.data = path, data
        self.format_1 = False

    def bad(self, what: str) -> MlauditInputError:
        return _bad(self.path, what)

    def array(self, key: str, kinds: str, where: str) -> NDArray[Any]:
        if key not in self.data.files:
            raise self.bad(f"{where}: the array {key!r} is missing")
        arr = np.asarray(self.data[key])
        if arr.ndim != 1 or arr.dtype.kind not in kinds:
            raise self.bad(
                f"{where}: {key!r} must be a 1-D array of "
                f"{'integers' if kinds == 'iu' else 'numbers'}; got {arr.dtype} {arr.shape}"
            )
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise self.bad(f"{where}: {key!r} holds NaN or infinite values")
        return arr

    def integer(self, value: Any, what: str, minimum: int) -> int:
        if not is_integer(value) or int(value) < minimum:
            raise self.bad(f"{what} must be an integer >= {minimum}; got {value!r}")
        return int(value)

    def number(self, value: Any, what: str) -> float:
        if not is_real(value) or not np.isfinite(float(value)):
            raise self.bad(f"{what} must be a finite number; got {value!r}")
        return float(value)

    def meta(self) -> dict[str, Any]:
        if "meta" not in self.data.files:
            raise self.bad("it has no 'meta' entry (is it an .npz file of something else?)")
        raw = self.data["meta"]
        if raw.shape != () or raw.dtype.kind != "U":
            raise self.bad("its 'meta' entry is not the profile's JSON text")
        try:
            meta = json.loads(str(raw))
        except ValueError as exc:
            raise self.bad(f"its 'meta' entry is not valid JSON ({exc})") from None
        if not isinstance(meta, dict):
            raise self.bad(f"its 'meta' entry must be a JSON object; got {type(meta).__name__}")
        if meta.get("format") not in (PROFILE_FORMAT, _FORMAT_1):
            raise MlauditInputError(
                f"{str(self.path)!r} is not a pytest-mlaudit profile "
                f"(format={meta.get('format')!r}; expected {PROFILE_FORMAT!r})."
            )
        self.format_1 = meta.get("format") == _FORMAT_1
        return meta

    def profile(self) -> ReferenceProfile:
        meta = self.meta()
        n_rows = self.integer(meta.get("n_rows"), "n_rows", 2)
        bins = self.integer(meta.get("bins"), "bins", 2)
        entries = meta.get("columns")
        if not isinstance(entries, list) or not entries:
            raise self.bad("'columns' must be a non-empty list of column profiles")
        columns: dict[str, ColumnProfile] = {}
        for i, e in enumerate(entries):
            if not isinstance(e, dict) or not isinstance(e.get("column"), str):
                raise self.bad(f"column entry {i} must be an object with a 'column' name")
            name = e["column"]
            where = f"column {name!r}"
            if name in columns:
                raise self.bad(f"{where} is profiled twice")
            n = self.integer(e.get("n"), f"{where}: n", 1)
            if n != n_rows:
                raise self.bad(f"{where}: n={n} rows, but the profile has n_rows={n_rows}")
            n_missing = self.integer(e.get("n_missing"), f"{where}: n_missing", 0)
            if n - n_missing < 1:
                raise self.bad(f"{where}: n_missing={n_missing} leaves no values of n={n}")
            if e.get("kind") == "numeric":
                columns[name] = self.numeric(i, e, where, n, n_missing)
            elif e.get("kind") == "categorical":
                columns[name] = self.categorical(i, e, where, n, n_missing)
            else:
                raise self.bad(
                    f"{where}: kind must be 'numeric' or 'categorical'; got {e.get('kind')!r}"
                )
        return ReferenceProfile(n_rows=n_rows, bins=bins, columns=columns)

    def categorical(
        self, i: int, e: dict[str, Any], where: str, n: int, n_missing: int
    ) -> CategoricalProfile:
        cats = e.get("categories")
        if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
            raise self.bad(f"{where}: 'categories' must be a list of strings")
        if not cats or len(set(cats)) != len(cats):
            raise self.bad(f"{where}: 'categories' must be distinct and not empty")
        counts = self.array(f"c{i}_counts", "iu", where)
        if counts.size != len(cats) or (counts < 0).any() or int(counts.sum()) != n - n_missing:
            raise self.bad(
                f"{where}: the category counts ({counts.size}, summing to "
                f"{int(counts.sum())}) must be one per category ({len(cats)}), summing to "
                f"n - n_missing = {n - n_missing}"
            )
        if self.format_1:  # categories by value, as category_counts names them now
            merged: dict[str, int] = {}
            for cat, count in zip(cats, counts.tolist(), strict=True):
                key = cat[:-2] if _FLOAT_INTEGER.fullmatch(cat) else cat
                merged[key] = merged.get(key, 0) + int(count)
            cats, counts = list(merged), np.array(list(merged.values()), dtype=np.int64)
        return CategoricalProfile(
            e["column"], n, n_missing, tuple(cats), counts.astype(np.int64, copy=False)
        )

    def numeric(
        self, i: int, e: dict[str, Any], where: str, n: int, n_missing: int
    ) -> NumericProfile:
        present = n - n_missing
        lo = self.number(e.get("minimum"), f"{where}: minimum")
        hi = self.number(e.get("maximum"), f"{where}: maximum")
        mean = self.number(e.get("mean"), f"{where}: mean")
        std = self.number(e.get("std"), f"{where}: std")
        if lo > hi or std < 0 or not lo <= mean <= hi:
            raise self.bad(
                f"{where}: minimum={lo}, maximum={hi}, mean={mean} and std={std} contradict "
                "each other"
            )
        sample = self.array(f"c{i}_sample", "f", where)
        if not 1 <= sample.size <= present:
            raise self.bad(
                f"{where}: the sample has {sample.size} values; expected 1 to "
                f"n - n_missing = {present}"
            )
        if (np.diff(sample) < 0).any() or sample[0] < lo or sample[-1] > hi:
            raise self.bad(f"{where}: the sample must be sorted and within [minimum, maximum]")
        parts: dict[str, NDArray[Any]] = {}
        for edges_key, counts_key in (("edges", "counts"), ("plot_edges", "plot_counts")):
            edges = self.array(f"c{i}_{edges_key}", "f", where)
            counts = self.array(f"c{i}_{counts_key}", "iu", where)
            ok = (
                counts.size == edges.size + 1
                and not (np.diff(edges) <= 0).any()
                and (edges.size == 0 or (edges[0] >= lo and edges[-1] < hi))
                and not (counts < 0).any()
                and int(counts.sum()) == present
            )
            if not ok:
                raise self.bad(
                    f"{where}: {edges_key!r} and {counts_key!r} must be increasing edges within "
                    f"[minimum, maximum) and one more count than edges, summing to "
                    f"n - n_missing = {present}"
                )
            parts[edges_key], parts[counts_key] = edges, counts
        return NumericProfile(
            column=e["column"],
            n=n,
            n_missing=n_missing,
            sample=sample.astype(np.float64, copy=False),
            edges=parts["edges"].astype(np.float64, copy=False),
            counts=parts["counts"].astype(np.int64, copy=False),
            plot_edges=parts["plot_edges"].astype(np.float64, copy=False),
            plot_counts=parts["plot_counts"].astype(np.int64, copy=False),
            mean=mean,
            std=std,
            minimum=lo,
            maximum=hi,
        )


def profile_reference(
    reference: Any,
    *,
    columns: Sequence[Any] | None = None,
    categorical: Sequence[Any] = (),
    bins: int = 10,
    sample_size: int = 100_000,
    seed: int = 0,
    max_categories: int = MAX_CATEGORIES,
) -> ReferenceProfile:
    """Summarise the reference data once for later :func:`~pytest_mlaudit.check_drift` calls.

    Parameters
    ----------
    reference
        The training data: DataFrame, Series or array, or a path/glob of CSV or Parquet
        files, a pyarrow Table/Dataset, a polars or a dask DataFrame (read one column at
        a time).
    columns
        Columns to keep (default: all).
    categorical
        Numeric columns to treat as categorical (e.g. codes).
    bins
        Number of reference-quantile bins for PSI and Jensen-Shannon.
    sample_size
        Numeric values kept per column for KS and Wasserstein; a seeded random sample when
        the column is longer.
    seed
        Seed of that sample.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> train = pd.DataFrame({"x": rng.normal(size=1000), "c": rng.choice(["a", "b"], 1000)})
    >>> prof = profile_reference(train)
    >>> sorted(prof.columns)
    ['c', 'x']
    """
    from pytest_mlaudit.checks.drift._validate import check_names

    bins = check_int("bins", bins, minimum=2)
    sample_size = check_int("sample_size", sample_size, minimum=2)
    seed = check_int("seed", seed, minimum=0)
    max_categories = check_int("max_categories", max_categories, minimum=2)
    from pytest_mlaudit.checks.drift._validate import schema_frame
    from pytest_mlaudit.io.sources import is_source, open_source

    source = open_source(reference, name="reference") if is_source(reference) else None
    if source is not None:  # files, Arrow, polars, dask: one column read at a time
        all_names = source.columns()
        frame = schema_frame(all_names)
        n_rows = source.n_rows()
        if n_rows < 2:
            raise MlauditInputError(
                f"reference has {n_rows} row(s); a distribution needs at least 2 rows."
            )
    else:
        frame = as_frame(reference, name="reference")
        all_names = column_names(frame, name="reference")
        n_rows = int(frame.shape[0])
    names = check_names(columns, frame, side="reference")
    categorical = [categorical] if isinstance(categorical, str) else list(categorical)
    forced = (
        set(check_names(categorical, frame, side="reference", arg="categorical"))
        if categorical
        else set()
    )
    profiles: dict[str, ColumnProfile] = {}
    for name in names:
        if source is not None:
            series = source.read_columns([name])[name]
        else:
            series = frame.iloc[:, all_names.index(name)]
        kind: ColumnKind = (
            "categorical" if name in forced else column_kind(series, column=name, side="reference")
        )
        profiles[name] = profile_column(
            series,
            column=name,
            kind=kind,
            side="reference",
            bins=bins,
            sample_size=sample_size,
            seed=seed,
            max_categories=max_categories,
        )
        del series
    return ReferenceProfile(n_rows=n_rows, bins=bins, columns=profiles)
