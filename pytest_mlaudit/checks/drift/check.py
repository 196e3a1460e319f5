"""Data drift: is production data still distributed like the training data?

Methods per column
------------------
=============  ===========  ===============================================  ==============
method         column type  statistic                                        fails when
=============  ===========  ===============================================  ==============
``ks``         numeric      two-sample Kolmogorov-Smirnov ``D`` and p-value  significant and
                            (as ``scipy.stats.ks_2samp``)                    ``D > min_effect``
``chi2``       categorical  Pearson chi-square on the 2 x K *contingency*    significant and
                            table of reference vs current counts             ``TVD > min_effect``
``psi``        both         population stability index on reference-         ``> psi_threshold``
                            quantile bins (numeric) or categories
``js``         both         Jensen-Shannon distance, base 2, in [0, 1]       ``> js_threshold``
``wasserstein`` numeric     Wasserstein-1 distance / reference std   ``> wasserstein_threshold``
``linf``       categorical  largest change of one category's share (TFDV)    ``> linf_threshold``
=============  ===========  ===============================================  ==============

**Defaults.** Numeric columns use ``ks`` (exact p-values while both sides have at most
10,000 values, asymptotic above, as scipy's ``method="auto"``; where scipy's exact
computation fails it falls back to the asymptotic one as scipy does, without scipy's
warning, and ``details["ks_method"]`` says which ran; ``"bound"`` where scipy's
asymptotic p-value would cost an O(n) sum and its upper bound ``2 exp(-2 N D^2)`` is
within 1e-12 of it, far below ``alpha`` and gives the same verdicts: the summary shows
it as ``<=``, :attr:`ColumnDrift.pvalue_is_bound` says so); categorical columns (strings,
booleans, pandas categories, or numbers named in ``methods={col: "chi2"}``) use
``chi2``, pooling categories whose expected count is below 5 (Cochran's rule); a 2 x 2
table that still has an expected count below 5 gets Fisher's exact test instead
(``details["test"]`` is ``"chi2"`` or ``"fisher"``; see :mod:`pytest_mlaudit.stats.contingency`).
``methods`` overrides this for all columns (``"psi"``) or per column
(``{"income": ["ks", "psi"]}``).

**Column kinds** come from the dtype, and for object columns from the values: an object
column holding only numbers (ints, floats, Decimals, numpy numbers, as CSV readers, JSON
payloads and numpy object arrays give them) is numeric, and :attr:`DriftReport.notes`
says so; numbers written as text stay categories. Category labels are compared by value:
``1``, ``1.0`` and ``np.int64(1)`` are one category.

**Column names** need not be strings: ints, tuples (MultiIndex), ``None`` are reported by
their repr (``"0"``, ``"('income', 'mean')"``); an int ``1`` beside a string ``"1"`` is
reported as ``"1 (int)"``. ``columns=`` and ``methods={...}`` take the labels or these
names. Columns of both sides are paired by label first, then by name (a reference column
``0`` and a CSV header ``"0"``). Current-only columns are listed in
:attr:`DriftReport.unchecked_columns`; columns of both sides that ``columns=`` left out in
:attr:`DriftReport.excluded_columns`.

**Support.** PSI and Jensen-Shannon bin numbers on reference quantiles; current values
beyond the reference's range get bins of their own (with a reference count of 0), so a
change of support counts: a constant reference and a current sample at another constant
drift under every method.

**Verdicts.** The p-values of all significance tests in one call (``ks``, ``chi2`` and
the missing-value test) are corrected together (Holm by default; ``"bh"`` or ``"none"``).
A significant column only counts as drifted when its *effect size* also exceeds
``min_effect`` (default 0.02): the KS statistic ``D`` (the largest gap between the two
cumulative distributions) for numbers, the total variation distance (the largest
difference in probability any set of categories can show) for categories. So a 0.01 sd
shift at a million rows is reported with its tiny p-value but does not fail; pass
``min_effect=0`` to fail on significance alone. Distance methods fail above their
threshold. The dataset fails when the share of drifted columns exceeds ``drift_share``
(default 0: any drifted column fails).

**Missing values** are never dropped silently: for categorical columns they are a bucket
of their own; for numeric columns a ``missing`` row compares the null rates (2 x 2
contingency test, effect = absolute change of the null share).

**Data where it lives.** Either side may also be a path, folder or glob of Parquet/CSV
files (``"logs/2026-11-*.parquet"``), a ``pyarrow.Table``/``pyarrow.dataset.Dataset``, a
polars ``DataFrame``/``LazyFrame`` or a ``dask.dataframe.DataFrame``
(:mod:`pytest_mlaudit.io.sources`; extras ``[arrow]``, ``[polars]``, ``[dask]``). Such
inputs are checked *exactly* and one column at a time: each checked column is read on
its own from both sides (Parquet reads only that column's bytes, across all files),
compared with the same code as in-memory data and dropped, so the report equals the
in-memory one and peak memory is that of one column pair and its sort, whatever the
number of columns (``n_jobs`` threads, default 1 here, each hold one pair).

**Unseen categories** (in current, not in the reference) are pooled into one bucket with
a reference count of zero and listed in :attr:`DriftReport.unseen_categories`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from pytest_mlaudit._validation import check_float, check_int, check_option
from pytest_mlaudit.checks.drift._columns import (
    ColumnResult,
    Options,
    build_report,
    column_result,
    reference_profile,
)
from pytest_mlaudit.checks.drift._validate import (
    match_columns,
    plan_columns,
    schema_frame,
)
from pytest_mlaudit.checks.drift.profile import (
    MAX_CATEGORIES,
    ReferenceProfile,
    profile_reference,
)
from pytest_mlaudit.checks.drift.report import (
    ColumnDrift,
    DriftReport,
    Histogram,
)
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import (
    as_frame,
    column_label,
)
from pytest_mlaudit.io.sources import FrameSource, Source, is_source, open_source
from pytest_mlaudit.stats import distances
from pytest_mlaudit.stats.corrections import CORRECTIONS, Correction

__all__ = [
    "ColumnDrift",
    "DriftReport",
    "Histogram",
    "ReferenceProfile",
    "check_drift",
    "profile_reference",
]


def check_drift(
    reference: Any,
    current: Any,
    *,
    columns: Sequence[Any] | str | None = None,
    methods: str | Sequence[str] | Mapping[Any, str | Sequence[str]] | None = None,
    alpha: float = 0.05,
    correction: Correction = "holm",
    min_effect: float = 0.02,
    drift_share: float = 0.0,
    psi_threshold: float = 0.2,
    js_threshold: float = 0.1,
    wasserstein_threshold: float = 0.1,
    linf_threshold: float = 0.1,
    bins: int | None = None,
    psi_eps: float = distances.PSI_EPSILON,
    max_categories: int = MAX_CATEGORIES,
    n_jobs: int | None = None,
) -> DriftReport:
    """Compare the distribution of ``current`` with ``reference``, column by column.

    Parameters
    ----------
    reference
        Training data (DataFrame, Series, 1-D/2-D array) or a :class:`ReferenceProfile`;
        or files, Arrow, polars or dask data (see "Data where it lives" above); or a
        :class:`~pytest_mlaudit.checks.drift.sketch.SketchProfile`, whose numeric columns
        get ``ks_sketch`` rows with the sketch's error bound and a drifted / not drifted /
        undecided verdict (:mod:`pytest_mlaudit.checks.drift._sketched`).
    current
        Production data with the same columns, in any of these forms.
    columns
        Columns to check, by label or by name as reports show it (default: every column
        of the reference). Current-only columns are listed in ``unchecked_columns``,
        columns of both sides left out here in ``excluded_columns``.
    methods
        ``None`` (the default per column type, see the module docs), one method or a list
        for all columns, or ``{column: method(s)}``. Naming a numeric column with
        ``"chi2"``/``"linf"`` compares its values as categories.
    alpha
        Significance level after the ``correction`` (``"holm"``, ``"bh"`` or ``"none"``).
    min_effect
        Effect-size floor of the tests (KS ``D``, total variation, change of null share).
    drift_share
        The dataset fails when the share of drifted columns is above this.
    psi_threshold, js_threshold, wasserstein_threshold, linf_threshold
        Thresholds of the distance methods.
    bins
        Reference-quantile bins for numeric PSI/JS (default 10, or the profile's).
    psi_eps
        Floor of bucket proportions in PSI (empty bins), default ``1e-4``.
    max_categories
        Columns with more distinct reference values are refused (say which to drop).
    n_jobs
        Threads used over columns (default: the number of CPUs; 1 for files, Arrow,
        polars and dask inputs, which each thread reads one column pair of).

    Returns
    -------
    DriftReport

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> train = pd.DataFrame({"x": rng.normal(size=5000), "c": rng.choice(["a", "b"], 5000)})
    >>> prod = pd.DataFrame({"x": rng.normal(0.5, size=5000), "c": rng.choice(["a", "b"], 5000)})
    >>> report = check_drift(train, prod)
    >>> report.passed, report.drifted_columns
    (False, ('x',))
    """
    # ---- validation, apart from the maths
    alpha = check_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    min_effect = check_float("min_effect", min_effect, low=0.0)
    drift_share = check_float("drift_share", drift_share, low=0.0, high=1.0, high_open=True)
    thresholds = {
        "psi": check_float("psi_threshold", psi_threshold, low=0.0),
        "js": check_float("js_threshold", js_threshold, low=0.0, high=1.0),
        "wasserstein": check_float("wasserstein_threshold", wasserstein_threshold, low=0.0),
        "linf": check_float("linf_threshold", linf_threshold, low=0.0, high=1.0),
    }
    psi_eps = check_float("psi_eps", psi_eps, low=0.0, high=1.0, low_open=True, high_open=True)
    max_categories = check_int("max_categories", max_categories, minimum=2)
    correction = check_option("correction", correction, CORRECTIONS)
    if n_jobs is not None:
        n_jobs = check_int("n_jobs", n_jobs, minimum=1)

    if bins is not None:
        bins = check_int("bins", bins, minimum=2)
    is_profile = isinstance(reference, ReferenceProfile)
    if is_profile and bins is not None and bins != reference.bins:
        raise MlauditInputError(
            f"the reference profile was made with bins={reference.bins}; got bins={bins}. "
            "Profile the reference again with the bins you want."
        )
    from pytest_mlaudit.checks.drift.sketch import SketchProfile

    if isinstance(reference, SketchProfile):
        from pytest_mlaudit.checks.drift._sketched import check_sketches

        opts = Options(
            alpha=alpha,
            min_effect=min_effect,
            thresholds=thresholds,
            psi_eps=psi_eps,
            bins=10 if bins is None else bins,
            max_categories=max_categories,
        )
        return check_sketches(
            reference,
            current,
            columns=columns,
            methods=methods,
            opts=opts,
            correction=correction,
            drift_share=drift_share,
        )
    if is_source(reference) or is_source(current):
        opts = Options(
            alpha=alpha,
            min_effect=min_effect,
            thresholds=thresholds,
            psi_eps=psi_eps,
            bins=reference.bins if is_profile else (10 if bins is None else bins),
            max_categories=max_categories,
        )
        return _check_sources(
            reference,
            current,
            columns=columns,
            methods=methods,
            opts=opts,
            correction=correction,
            drift_share=drift_share,
            n_jobs=n_jobs or 1,
        )
    if isinstance(reference, ReferenceProfile):
        if bins is not None and bins != reference.bins:
            raise MlauditInputError(
                f"the reference profile was made with bins={reference.bins}; got bins={bins}. "
                "Profile the reference again with the bins you want."
            )
        bins = reference.bins
        ref_side: ReferenceProfile | pd.DataFrame = reference
        n_reference = reference.n_rows
    else:
        bins = 10 if bins is None else bins
        ref_side = as_frame(reference, name="reference")
        n_reference = int(ref_side.shape[0])
    cur_frame = as_frame(current, name="current")
    if isinstance(reference, np.ndarray | list) and isinstance(current, pd.DataFrame):
        raise MlauditInputError(
            "reference is an array but current is a DataFrame; pass both as DataFrames so "
            "columns are matched by name."
        )
    plan = plan_columns(ref_side, cur_frame, columns=columns, methods=methods)
    names = list(plan.names)
    opts = Options(
        alpha=alpha,
        min_effect=min_effect,
        thresholds=thresholds,
        psi_eps=psi_eps,
        bins=bins,
        max_categories=max_categories,
    )

    # ---- the maths, one column at a time (threads: numpy sorts release the GIL)
    def work(name: str) -> ColumnResult:
        kind = plan.kinds[name]
        prof = reference.columns[name] if isinstance(reference, ReferenceProfile) else None
        ref_values = None if plan.reference is None else plan.reference[name]
        return column_result(
            name, kind, plan.methods[name], prof, ref_values, plan.current[name], opts
        )

    cells = len(names) * (n_reference + int(cur_frame.shape[0]))
    workers = min(n_jobs or os.cpu_count() or 1, len(names))
    if workers > 1 and cells > 200_000:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(work, names))
    else:
        results = [work(n) for n in names]

    return build_report(
        results,
        names,
        opts,
        correction=correction,
        drift_share=drift_share,
        n_reference=n_reference,
        n_current=int(cur_frame.shape[0]),
        is_profile=is_profile,
        unchecked=plan.only_in_current,
        left_out=plan.left_out,
        notes=plan.notes,
    )


def source_side(data: Any, *, name: str) -> Source:
    """A data argument as a :class:`Source` (a pandas/numpy one wrapped as it is)."""
    source = open_source(data, name=name) if is_source(data) else FrameSource(data, name=name)
    n = source.n_rows()
    if n == 0:
        raise MlauditInputError(f"{name} is empty (0 rows); there is nothing to compare.")
    if n < 2:
        raise MlauditInputError(
            f"{name} has a single row; a distribution needs at least 2 rows to compare."
        )
    return source


def _methods_of(
    methods: str | Sequence[str] | Mapping[Any, str | Sequence[str]] | None, name: str
) -> str | Sequence[str] | Mapping[Any, str | Sequence[str]] | None:
    """The ``methods`` argument as it applies to the one column ``name``."""
    if not isinstance(methods, Mapping):
        return methods
    return {k: v for k, v in methods.items() if k == name or column_label(k) == name}


def _check_sources(
    reference: Any,
    current: Any,
    *,
    columns: Sequence[Any] | str | None,
    methods: str | Sequence[str] | Mapping[Any, str | Sequence[str]] | None,
    opts: Options,
    correction: Correction,
    drift_share: float,
    n_jobs: int,
) -> DriftReport:
    """check_drift on files, Arrow, polars or dask data: exact, one column at a time.

    Each column is read on its own from both sides (column projection: Parquet reads only
    its bytes), checked with the same code as in-memory data and dropped before the next,
    so the numbers equal the in-memory check's and each of the ``n_jobs`` threads holds
    about one column per side.
    """
    profile = reference if isinstance(reference, ReferenceProfile) else None
    ref_src = None if profile is not None else source_side(reference, name="reference")
    cur_src = source_side(current, name="current")
    ref_names = list(profile.columns) if profile is not None else ref_src.columns()  # type: ignore[union-attr]
    cur_names = cur_src.columns()
    match = match_columns(
        ref_names,
        None,
        schema_frame(ref_names),
        schema_frame(cur_names),
        columns=columns,
        methods=methods,
    )

    def work(name: str) -> tuple[ColumnResult, tuple[str, ...]]:
        cur_frame = cur_src.read_columns([cur_names[match.pairs[name]]])
        cur_frame.columns = pd.Index([name], dtype=object)
        if profile is not None:
            plan = plan_columns(
                profile, cur_frame, columns=[name], methods=_methods_of(methods, name)
            )
            prof = profile.columns[name]
        else:
            assert ref_src is not None
            ref_frame = ref_src.read_columns([name])
            plan = plan_columns(
                ref_frame, cur_frame, columns=None, methods=_methods_of(methods, name)
            )
            assert plan.reference is not None
            # the reference's profile (its sorted values) replaces its column before the
            # current column is sorted: one unsorted column less in memory at the peak
            prof = reference_profile(name, plan.kinds[name], plan.reference[name], opts)
            del ref_frame
        kind, chosen, notes, cur_values = (
            plan.kinds[name],
            plan.methods[name],
            plan.notes,
            plan.current[name],
        )
        del plan, cur_frame
        return column_result(name, kind, chosen, prof, None, cur_values, opts), notes

    if n_jobs > 1 and len(match.names) > 1:
        with ThreadPoolExecutor(max_workers=min(n_jobs, len(match.names))) as pool:
            done = list(pool.map(work, match.names))
    else:
        done = [work(n) for n in match.names]
    return build_report(
        [r for r, _ in done],
        match.names,
        opts,
        correction=correction,
        drift_share=drift_share,
        n_reference=profile.n_rows if profile is not None else ref_src.n_rows(),  # type: ignore[union-attr]
        n_current=cur_src.n_rows(),
        is_profile=profile is not None,
        unchecked=match.only_in_current,
        left_out=match.left_out,
        notes=tuple(n for _, notes in done for n in notes),
    )
