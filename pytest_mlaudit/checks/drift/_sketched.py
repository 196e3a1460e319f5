"""check_drift against a :class:`~pytest_mlaudit.checks.drift.sketch.SketchProfile`.

Numeric columns get one ``ks_sketch`` row. Its ``statistic`` is the KS statistic ``D``
between the two sketch CDFs and ``details["bound"]`` the error bound
``eps_reference + eps_current`` (:mod:`pytest_mlaudit.stats.sketch`: with about 98%
confidence the exact ``D`` is within it). The verdict uses the bound, never a p-value
computed as if the sketch were exact:

* **drifted** when even the smallest ``D`` the bound allows, ``D - bound``, is above the
  effect floor ``min_effect`` *and* significant: ``pvalue`` is the asymptotic KS p-value
  at ``D - bound``, the *largest* p-value the bound allows, corrected with the other
  tests of the call; ``effect`` is ``D - bound``;
* **not drifted** when the largest ``D`` allowed, ``D + bound``, is at most the floor,
  or its p-value (``details["pvalue_lower_bound"]``) is not below ``alpha``;
* **undecided at this sketch size** otherwise (``details["verdict"]``, and the column is
  listed in :attr:`DriftReport.undecided_columns`): it does not fail the check; compare
  it exactly (streaming) or with a larger ``k``.

So with that confidence the sketch path never calls a column drifted whose exact ``D``
is at most the floor, and never calls one stable whose exact ``D`` is above the floor
plus the significance margin. Missing values (exact counts) get the ``missing`` test as
in-memory data; categorical columns (exact counts) get the in-memory methods.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pytest_mlaudit.checks.drift._columns import (
    ColumnResult,
    Options,
    Raw,
    build_report,
    categorical_rows,
    missing_row,
)
from pytest_mlaudit.checks.drift._validate import (
    CATEGORICAL_METHODS,
    DEFAULT_METHOD,
    match_columns,
    schema_frame,
)
from pytest_mlaudit.checks.drift.profile import PLOT_BINS, CategoricalProfile
from pytest_mlaudit.checks.drift.report import DriftReport, Histogram
from pytest_mlaudit.checks.drift.sketch import NumericSketch, SketchProfile, categories_profile
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import category_counts, column_kind, numeric_values
from pytest_mlaudit.io.sources import Source
from pytest_mlaudit.stats.corrections import Correction
from pytest_mlaudit.stats.histogram import bin_counts_sorted
from pytest_mlaudit.stats.ks import asymptotic_pvalue
from pytest_mlaudit.stats.sketch import ks_sketch, ks_sketch_exact


@dataclasses.dataclass(frozen=True, slots=True)
class _Exact:
    """A current numeric column read exactly: sorted values and missing count."""

    values: NDArray[np.float64]
    n: int
    n_missing: int


def _numeric_rows(
    ref: NumericSketch, cur: NumericSketch | _Exact, opts: Options
) -> tuple[list[Raw], Histogram]:
    column = ref.column
    n_ref, n_cur = ref.n - ref.n_missing, cur.n - cur.n_missing
    if n_ref < 2 or n_cur < 2:
        side = "reference" if n_ref < 2 else "current"
        raise MlauditInputError(
            f"column {column!r} of {side} has fewer than 2 non-missing values; a "
            "distribution needs at least 2 values. Leave it out with columns=."
        )
    if isinstance(cur, _Exact):
        ks = ks_sketch_exact(ref.sketch, cur.values)
        cur_error, cur_min, cur_max = 0.0, float(cur.values[0]), float(cur.values[-1])
    else:
        ks = ks_sketch(ref.sketch, cur.sketch)
        cur_error = cur.rank_error
        cur_min, cur_max = cur.sketch.get_min_value(), cur.sketch.get_max_value()
    low, high = max(ks.statistic - ks.bound, 0.0), min(ks.statistic + ks.bound, 1.0)
    details: dict[str, float | int | str] = {
        "bound": ks.bound,
        "d_lower": low,
        "d_upper": high,
        "pvalue_lower_bound": asymptotic_pvalue(high, n_ref, n_cur),
        "rank_error_reference": ref.rank_error,
        "rank_error_current": cur_error,
        "k": int(ref.sketch.k),
        "verdict": "",
    }
    rows = [
        Raw(
            column,
            "ks_sketch",
            "numeric",
            ks.statistic,
            asymptotic_pvalue(low, n_ref, n_cur),
            low,
            opts.min_effect,
            n_ref,
            n_cur,
            ref.n_missing / ref.n,
            cur.n_missing / cur.n,
            details,
        )
    ]
    if ref.n_missing or cur.n_missing:
        rows.append(
            missing_row(column, "numeric", ref.n_missing, ref.n, cur.n_missing, cur.n, opts)
        )
    ranks = np.linspace(0.0, 1.0, PLOT_BINS + 1)[1:-1]
    inner = np.unique(np.asarray(ref.sketch.get_quantiles(ranks.tolist()), dtype=np.float64))

    def counts(sk: NumericSketch | _Exact) -> tuple[int, ...]:
        if isinstance(sk, _Exact):
            return tuple(int(v) for v in bin_counts_sorted(sk.values, inner))
        shares = np.asarray(sk.sketch.get_pmf(inner.tolist()), dtype=np.float64)
        return tuple(int(v) for v in np.rint(shares * (sk.n - sk.n_missing)))

    hist = Histogram(
        column=column,
        kind="numeric",
        edges=(
            min(ref.sketch.get_min_value(), cur_min),
            *map(float, inner),
            max(ref.sketch.get_max_value(), cur_max),
        ),
        labels=None,
        reference=counts(ref),
        current=counts(cur),
        missing_reference=ref.n_missing,
        missing_current=cur.n_missing,
    )
    return rows, hist


def _read_current(src: Source, name: str, kind: str) -> _Exact | CategoricalProfile:
    """One current column, read exactly as the reference profile's kind."""
    series = src.read_columns([name])[name]
    if kind == "numeric":
        if column_kind(series, column=name, side="current") != "numeric" and not bool(
            series.isna().all()
        ):
            raise MlauditInputError(
                f"column {name!r} is numeric in the reference profile but categorical in "
                f"current ({series.dtype}); fix the type upstream or leave it out with columns=."
            )
        values, n_missing = numeric_values(series, column=name, side="current")
        return _Exact(values, int(series.size), n_missing)
    counts, n_missing = category_counts(series)
    return categories_profile(name, int(series.size), n_missing, counts)


def check_sketches(
    reference: SketchProfile,
    current: Any,
    *,
    columns: Sequence[Any] | str | None,
    methods: str | Sequence[str] | Mapping[Any, str | Sequence[str]] | None,
    opts: Options,
    correction: Correction,
    drift_share: float,
) -> DriftReport:
    """check_drift of ``current`` (data or a SketchProfile) against a sketch profile."""
    ref_names = list(reference.columns)
    if isinstance(current, SketchProfile):
        cur_profile: SketchProfile | None = current
        cur_names = list(current.columns)
        n_current = current.n_rows
    else:  # data: read exactly, one column at a time
        cur_profile = None
        from pytest_mlaudit.checks.drift.check import source_side

        src = source_side(current, name="current")
        cur_names = src.columns()
        n_current = src.n_rows()
    match = match_columns(
        ref_names,
        None,
        schema_frame(ref_names),
        schema_frame(cur_names),
        columns=columns,
        methods=methods,
    )
    results: list[ColumnResult] = []
    for name in match.names:
        ref_col = reference.columns[name]
        cur_col = (
            cur_profile.columns[name]
            if cur_profile is not None
            else _read_current(src, name, ref_col.kind)
        )
        chosen = match.methods[name]
        if isinstance(ref_col, NumericSketch):
            if chosen is not None and set(chosen) - {"ks"}:
                raise MlauditInputError(
                    f"methods for column {name!r}: a sketch profile compares numeric columns "
                    f"with the KS statistic and its bound only; got {list(chosen)}. Use an "
                    "exact reference (data or profile_reference) for other methods."
                )
            if isinstance(cur_col, CategoricalProfile):
                raise MlauditInputError(
                    f"column {name!r} is numeric in the reference profile but categorical "
                    "in current; fix the type upstream or leave it out with columns=."
                )
            rows, hist = _numeric_rows(ref_col, cur_col, opts)
            results.append((rows, hist, ()))
            continue
        assert isinstance(ref_col, CategoricalProfile)
        if not isinstance(cur_col, CategoricalProfile):  # pragma: no cover - read as its kind
            raise MlauditInputError(
                f"column {name!r} is categorical in the reference profile but numeric in "
                "current; profile both with the same categorical=."
            )
        chosen = chosen or (DEFAULT_METHOD["categorical"],)
        bad = [m for m in chosen if m not in CATEGORICAL_METHODS]
        if bad:
            raise MlauditInputError(
                f"methods for column {name!r}: {bad} do not apply to a categorical column; "
                f"use one of {list(CATEGORICAL_METHODS)}."
            )
        counts = dict(zip(cur_col.categories, cur_col.counts.tolist(), strict=True))
        results.append(
            categorical_rows(ref_col, counts, cur_col.n_missing, cur_col.n, chosen, opts)
        )
    report = build_report(
        results,
        match.names,
        opts,
        correction=correction,
        drift_share=drift_share,
        n_reference=reference.n_rows,
        n_current=n_current,
        is_profile=True,
        unchecked=match.only_in_current,
        left_out=match.left_out,
        notes=(),
    )
    undecided: list[str] = []
    for row in report.columns:
        if row.method != "ks_sketch":
            continue
        stable = float(row.details["d_upper"]) <= row.threshold or (
            float(row.details["pvalue_lower_bound"]) >= opts.alpha
        )
        verdict = "drifted" if row.drifted else ("not drifted" if stable else "undecided")
        row.details["verdict"] = verdict
        if verdict == "undecided":
            undecided.append(row.column)
    return dataclasses.replace(report, undecided_columns=tuple(undecided))
