"""The per-column maths of :func:`~pytest_mlaudit.checks.drift.check.check_drift`: the rows
of one numeric or categorical column from its reference profile and current values, and
the report of all columns with their p-values corrected together."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.drift._validate import DEFAULT_METHOD
from pytest_mlaudit.checks.drift.profile import (
    CategoricalProfile,
    NumericProfile,
    mean_std,
    profile_column,
)
from pytest_mlaudit.checks.drift.report import (
    HISTOGRAM_CATEGORIES,
    ColumnDrift,
    DriftReport,
    Histogram,
)
from pytest_mlaudit.io.frames import ColumnKind, category_counts, numeric_values
from pytest_mlaudit.result import BadWhen
from pytest_mlaudit.stats import distances
from pytest_mlaudit.stats.contingency import chi2_contingency_2xk
from pytest_mlaudit.stats.corrections import Correction, adjust_pvalues
from pytest_mlaudit.stats.histogram import bin_counts_sorted, with_support_bins
from pytest_mlaudit.stats.ks import asymptotic_pvalue, ks_test_sorted

_TESTS: Final = frozenset({"ks", "ks_sketch", "chi2", "missing"})
#: A p-value may be reported as an upper bound (``ks_method == "bound"``) when the bound
#: times the number of tests is at most this: every reported p-value, raw or corrected,
#: is then within this of the one scipy's p-value gives (see :func:`settle_pvalues`).
PVALUE_TOLERANCE: Final = 1e-12


# --------------------------------------------------------------------------- the maths


@dataclasses.dataclass(frozen=True, slots=True)
class Options:
    alpha: float
    min_effect: float
    thresholds: dict[str, float]
    psi_eps: float
    bins: int
    max_categories: int


@dataclasses.dataclass(slots=True)
class Raw:
    column: str
    method: str
    kind: ColumnKind
    statistic: float
    pvalue: float | None
    effect: float
    threshold: float
    n_reference: int
    n_current: int
    missing_reference: float
    missing_current: float
    details: dict[str, float | int | str]
    #: for a p-value reported as a bound: computes scipy's p-value
    exact_pvalue: Callable[[], float] | None = None


def missing_row(
    column: str,
    kind: ColumnKind,
    ref_missing: int,
    ref_n: int,
    cur_missing: int,
    cur_n: int,
    opts: Options,
) -> Raw:
    test = chi2_contingency_2xk(
        [ref_missing, ref_n - ref_missing], [cur_missing, cur_n - cur_missing]
    )
    share_r, share_c = ref_missing / ref_n, cur_missing / cur_n
    return Raw(
        column,
        "missing",
        kind,
        test.statistic,
        test.pvalue,
        abs(share_c - share_r),
        opts.min_effect,
        ref_n,
        cur_n,
        share_r,
        share_c,
        {
            "missing_reference_count": ref_missing,
            "missing_current_count": cur_missing,
            "test": test.test,
        },
    )


def _numeric_column(
    ref: NumericProfile, cur_series: pd.Series, methods: tuple[str, ...], opts: Options
) -> tuple[list[Raw], Histogram]:
    column = ref.column
    cur, cur_missing = numeric_values(cur_series, column=column, side="current")
    n_ref, n_cur = ref.n - ref.n_missing, int(cur.size)
    miss_r, miss_c = ref.n_missing / ref.n, cur_missing / cur_series.size
    cur_mean, cur_std = mean_std(cur)
    details: dict[str, float | int | str] = {
        "mean_reference": ref.mean,
        "mean_current": cur_mean,
        "std_reference": ref.std,
        "std_current": cur_std,
    }
    # current values beyond the reference's range get bins of their own (support change)
    edges, ref_counts = with_support_bins(
        ref.edges, ref.counts, ref.minimum, ref.maximum, float(cur[0]), float(cur[-1])
    )
    cur_counts = bin_counts_sorted(cur, edges)
    outside = int(np.searchsorted(cur, ref.minimum, side="left")) + int(
        cur.size - np.searchsorted(cur, ref.maximum, side="right")
    )
    if outside:
        details["outside_reference_range"] = outside / cur.size
    rows: list[Raw] = []
    for method in methods:
        extra = dict(details)
        pvalue: float | None = None
        exact: Callable[[], float] | None = None
        if method == "ks":
            stat, pvalue, extra["ks_method"] = ks_test_sorted(
                ref.sample, cur, bound_below=PVALUE_TOLERANCE
            )
            if extra["ks_method"] == "bound":
                exact = functools.partial(asymptotic_pvalue, stat, ref.sample.size, cur.size)
            effect, threshold = stat, opts.min_effect
            if not ref.sample_is_complete:
                extra["reference_sample"] = int(ref.sample.size)
        elif method == "psi":
            stat = distances.psi(ref_counts, cur_counts, eps=opts.psi_eps)
            effect, threshold = stat, opts.thresholds["psi"]
            extra["bins"] = int(ref_counts.size)
        elif method == "js":
            stat = distances.jensen_shannon(ref_counts, cur_counts)
            effect, threshold = stat, opts.thresholds["js"]
            extra["bins"] = int(ref_counts.size)
        elif method == "wasserstein":
            stat = distances.wasserstein_normalised(ref.sample, cur, ref.std)
            effect, threshold = stat, opts.thresholds["wasserstein"]
        else:  # pragma: no cover - guarded by validation
            raise AssertionError(method)
        rows.append(
            Raw(
                column,
                method,
                "numeric",
                stat,
                pvalue,
                effect,
                threshold,
                n_ref,
                n_cur,
                miss_r,
                miss_c,
                extra,
                exact,
            )
        )
    if ref.n_missing or cur_missing:
        rows.append(
            missing_row(
                column, "numeric", ref.n_missing, ref.n, cur_missing, int(cur_series.size), opts
            )
        )
    plot_cur = bin_counts_sorted(cur, ref.plot_edges)
    hist = Histogram(
        column=column,
        kind="numeric",
        edges=(
            min(ref.minimum, float(cur[0])),
            *map(float, ref.plot_edges),
            max(ref.maximum, float(cur[-1])),
        ),
        labels=None,
        reference=tuple(int(v) for v in ref.plot_counts),
        current=tuple(int(v) for v in plot_cur),
        missing_reference=ref.n_missing,
        missing_current=cur_missing,
    )
    return rows, hist


def _categorical_column(
    ref: CategoricalProfile, cur_series: pd.Series, methods: tuple[str, ...], opts: Options
) -> tuple[list[Raw], Histogram, tuple[str, ...]]:
    cur_counts, cur_missing = category_counts(cur_series)
    return categorical_rows(ref, cur_counts, cur_missing, int(cur_series.size), methods, opts)


def categorical_rows(
    ref: CategoricalProfile,
    cur_counts: dict[str, int],
    cur_missing: int,
    n_cur_total: int,
    methods: tuple[str, ...],
    opts: Options,
) -> tuple[list[Raw], Histogram, tuple[str, ...]]:
    """A categorical column's rows from the current counts per category."""
    column = ref.column
    known = set(ref.categories)
    aligned = np.array([cur_counts.get(c, 0) for c in ref.categories], dtype=np.int64)
    unseen = {k: v for k, v in cur_counts.items() if k not in known}
    n_unseen = sum(unseen.values())
    ref_b, cur_b = list(ref.counts.tolist()), list(aligned.tolist())
    if n_unseen:
        ref_b.append(0)
        cur_b.append(n_unseen)
    if ref.n_missing or cur_missing:
        ref_b.append(ref.n_missing)
        cur_b.append(cur_missing)
    miss_r, miss_c = ref.n_missing / ref.n, cur_missing / n_cur_total
    n_ref_used, n_cur_used = ref.n, n_cur_total  # missing values are a bucket here
    base: dict[str, float | int | str] = {
        "categories": len(ref.categories),
        "unseen_share": n_unseen / n_cur_total,
    }
    rows: list[Raw] = []
    for method in methods:
        extra = dict(base)
        pvalue: float | None = None
        if method == "chi2":
            test = chi2_contingency_2xk(ref_b, cur_b)
            stat, pvalue = test.statistic, test.pvalue
            effect, threshold = distances.total_variation(ref_b, cur_b), opts.min_effect
            extra.update(dof=test.dof, pooled=test.pooled, test=test.test)
        elif method == "psi":
            stat = distances.psi(ref_b, cur_b, eps=opts.psi_eps)
            effect, threshold = stat, opts.thresholds["psi"]
        elif method == "js":
            stat = distances.jensen_shannon(ref_b, cur_b)
            effect, threshold = stat, opts.thresholds["js"]
        elif method == "linf":
            stat = distances.linf(ref_b, cur_b)
            effect, threshold = stat, opts.thresholds["linf"]
        else:  # pragma: no cover - guarded by validation
            raise AssertionError(method)
        rows.append(
            Raw(
                column,
                method,
                "categorical",
                stat,
                pvalue,
                effect,
                threshold,
                n_ref_used,
                n_cur_used,
                miss_r,
                miss_c,
                extra,
            )
        )
    # histogram: the categories with the largest share on either side
    ref_share = ref.counts / max(ref.counts.sum(), 1)
    cur_share = aligned / max(aligned.sum() + n_unseen, 1)
    top = np.argsort(-np.maximum(ref_share, cur_share), kind="stable")[:HISTOGRAM_CATEGORIES]
    top = np.sort(top)
    rest = np.setdiff1d(np.arange(len(ref.categories)), top)
    hist = Histogram(
        column=column,
        kind="categorical",
        edges=None,
        labels=tuple(ref.categories[i] for i in top),
        reference=tuple(int(ref.counts[i]) for i in top),
        current=tuple(int(aligned[i]) for i in top),
        missing_reference=ref.n_missing,
        missing_current=cur_missing,
        other_reference=int(ref.counts[rest].sum()),
        other_current=int(aligned[rest].sum()),
        unseen_current=n_unseen,
    )
    unseen_top = tuple(k for k, _ in sorted(unseen.items(), key=lambda kv: (-kv[1], kv[0]))[:20])
    return rows, hist, unseen_top


ColumnResult = tuple[list[Raw], Histogram, tuple[str, ...]]


def reference_profile(
    name: str, kind: ColumnKind, reference: pd.Series, opts: Options
) -> NumericProfile | CategoricalProfile:
    """The exact profile of a reference column (every value kept) for these options."""
    return profile_column(
        reference,
        column=name,
        kind=kind,
        side="reference",
        bins=opts.bins,
        sample_size=None,
        seed=0,
        max_categories=opts.max_categories,
    )


def column_result(
    name: str,
    kind: ColumnKind,
    methods: tuple[str, ...] | None,
    profile: NumericProfile | CategoricalProfile | None,
    reference: pd.Series | None,
    current: pd.Series,
    opts: Options,
) -> ColumnResult:
    """One column's rows, histogram and unseen categories (from a profile or values)."""
    methods_for = methods or (DEFAULT_METHOD[kind],)
    if profile is None:
        assert reference is not None
        profile = reference_profile(name, kind, reference, opts)
    if isinstance(profile, NumericProfile):
        rows, hist = _numeric_column(profile, current, methods_for, opts)
        return rows, hist, ()
    return _categorical_column(profile, current, methods_for, opts)


def settle_pvalues(tests: Sequence[Raw], correction: Correction, alpha: float) -> list[float]:
    """The corrected p-values of ``tests``, computing the bounded ones only where needed.

    A p-value held as an upper bound ``B`` (:func:`~pytest_mlaudit.stats.ks.ks_test_sorted`
    with ``bound_below``) stays a bound when (1) ``B * len(tests) <= PVALUE_TOLERANCE``:
    the reported p-value and every corrected one (Holm and BH scale a p-value by at most
    the number of tests) are then within that of scipy's; and (2) every test is
    significant or not alike with the bounded p-values at ``B`` and at 0: Holm's and BH's
    corrected p-values only grow with each raw p-value, so scipy's p-value, between the
    two, gives the same verdicts. Otherwise scipy's p-value is computed (``ks_method``
    ``"asymp"``), for the loose bounds first and for all of them when (2) fails.
    """
    m = len(tests)
    for raw in tests:
        if raw.exact_pvalue is not None and raw.pvalue is not None:
            if raw.pvalue * m > PVALUE_TOLERANCE:
                _compute_exact(raw)
    upper = adjust_pvalues([_pvalue(r) for r in tests], correction)
    if any(r.exact_pvalue is not None for r in tests):
        lower = adjust_pvalues(
            [0.0 if r.exact_pvalue is not None else _pvalue(r) for r in tests], correction
        )
        if any((u < alpha) != (lo < alpha) for u, lo in zip(upper, lower, strict=True)):
            for raw in tests:
                if raw.exact_pvalue is not None:
                    _compute_exact(raw)
            upper = adjust_pvalues([_pvalue(r) for r in tests], correction)
    return upper


def _pvalue(raw: Raw) -> float:
    assert raw.pvalue is not None
    return raw.pvalue


def _compute_exact(raw: Raw) -> None:
    """Replace a bounded p-value by scipy's."""
    assert raw.exact_pvalue is not None
    raw.pvalue = raw.exact_pvalue()
    raw.exact_pvalue = None
    raw.details["ks_method"] = "asymp"


def build_report(
    results: Sequence[ColumnResult],
    names: Sequence[str],
    opts: Options,
    *,
    correction: Correction,
    drift_share: float,
    n_reference: int,
    n_current: int,
    is_profile: bool,
    unchecked: tuple[str, ...],
    left_out: tuple[str, ...],
    notes: tuple[str, ...],
) -> DriftReport:
    """The report of the columns' results, p-values corrected together."""
    alpha, min_effect = opts.alpha, opts.min_effect
    raws = [r for rows, _, _ in results for r in rows]
    test_idx = [i for i, r in enumerate(raws) if r.method in _TESTS]
    adjusted = settle_pvalues([raws[i] for i in test_idx], correction, alpha)
    adj_by_idx = dict(zip(test_idx, adjusted, strict=True))
    rows_out = tuple(
        ColumnDrift(
            column=r.column,
            method=r.method,
            kind=r.kind,
            statistic=r.statistic,
            pvalue=r.pvalue,
            pvalue_adjusted=adj_by_idx.get(i),
            alpha=alpha if r.pvalue is not None else None,
            effect=r.effect,
            threshold=r.threshold,
            bad_when=BadWhen.ABOVE,
            n_reference=r.n_reference,
            n_current=r.n_current,
            missing_reference=r.missing_reference,
            missing_current=r.missing_current,
            details=r.details,
        )
        for i, r in enumerate(raws)
    )
    return DriftReport(
        columns=rows_out,
        n_reference=n_reference,
        n_current=n_current,
        alpha=alpha,
        correction=correction,
        min_effect=min_effect,
        drift_share=drift_share,
        checked_columns=tuple(names),
        unchecked_columns=unchecked,
        unseen_categories={n: u for n, (_, _, u) in zip(names, results, strict=True) if u},
        histograms={n: h for n, (_, h, _) in zip(names, results, strict=True)},
        reference_is_profile=is_profile,
        excluded_columns=left_out,
        notes=notes,
    )
