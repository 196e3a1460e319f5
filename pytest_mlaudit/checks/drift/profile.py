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
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit._validation import check_int
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import (
    ColumnKind,
    as_frame,
    category_counts,
    column_kind,
    numeric_values,
)
from pytest_mlaudit.stats.histogram import bin_counts_sorted, quantile_edges

__all__ = [
    "CategoricalProfile",
    "NumericProfile",
    "ReferenceProfile",
    "profile_reference",
]

PROFILE_FORMAT: Final = "pytest-mlaudit/profile/1"
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
        mean=float(sorted_values.mean()),
        std=float(sorted_values.std()),
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
        """Read a profile written by :meth:`save` (never unpickles)."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("format") != PROFILE_FORMAT:
                    raise MlauditInputError(
                        f"{str(path)!r} is not a pytest-mlaudit profile "
                        f"(format={meta.get('format')!r})."
                    )
                columns: dict[str, ColumnProfile] = {}
                for i, e in enumerate(meta["columns"]):
                    if e["kind"] == "numeric":
                        columns[e["column"]] = NumericProfile(
                            column=e["column"],
                            n=e["n"],
                            n_missing=e["n_missing"],
                            sample=data[f"c{i}_sample"],
                            edges=data[f"c{i}_edges"],
                            counts=data[f"c{i}_counts"],
                            plot_edges=data[f"c{i}_plot_edges"],
                            plot_counts=data[f"c{i}_plot_counts"],
                            mean=e["mean"],
                            std=e["std"],
                            minimum=e["minimum"],
                            maximum=e["maximum"],
                        )
                    else:
                        columns[e["column"]] = CategoricalProfile(
                            column=e["column"],
                            n=e["n"],
                            n_missing=e["n_missing"],
                            categories=tuple(e["categories"]),
                            counts=data[f"c{i}_counts"],
                        )
        except FileNotFoundError:
            raise MlauditInputError(f"no profile at {str(path)!r}.") from None
        except (KeyError, ValueError, OSError) as exc:
            if isinstance(exc, MlauditInputError):
                raise
            raise MlauditInputError(f"{str(path)!r} is not a readable profile: {exc}") from None
        return cls(n_rows=int(meta["n_rows"]), bins=int(meta["bins"]), columns=columns)


def profile_reference(
    reference: Any,
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    bins: int = 10,
    sample_size: int = 100_000,
    seed: int = 0,
    max_categories: int = MAX_CATEGORIES,
) -> ReferenceProfile:
    """Summarise the reference data once for later :func:`~pytest_mlaudit.check_drift` calls.

    Parameters
    ----------
    reference
        The training data: DataFrame, Series or array.
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
    frame = as_frame(reference, name="reference")
    names = check_names(columns, frame, side="reference")
    forced = set(check_names(categorical, frame, side="reference", arg="categorical"))
    profiles: dict[str, ColumnProfile] = {}
    for name in names:
        series = frame[name]
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
    return ReferenceProfile(n_rows=int(frame.shape[0]), bins=bins, columns=profiles)
