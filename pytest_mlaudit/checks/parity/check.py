"""The feature parity check: :func:`check_parity` runs the offline and the online feature code
on the same raw rows and compares every feature.

The run: validate (:mod:`._validate`), check every real row in one batch
(:class:`~pytest_mlaudit.checks.parity.engine.Engine`), explore the generated records in
one batch and shrink each problem (:mod:`.search`), describe the counterexamples
(:mod:`.counterexamples`), and add up the per-feature numbers into a
:class:`~pytest_mlaudit.checks.parity.report.ParityReport`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from pytest_mlaudit.checks.parity._validate import check_named, check_tolerance_names, validate
from pytest_mlaudit.checks.parity.compare import ABSENT, MISSING, TYPE, VALUE
from pytest_mlaudit.checks.parity.counterexamples import (
    generated_counterexamples,
    row_counterexamples,
)
from pytest_mlaudit.checks.parity.engine import BatchResult, Engine, Target
from pytest_mlaudit.checks.parity.frames import (
    frame_from_records,
    infer_dtypes,
    records_from_frame,
)
from pytest_mlaudit.checks.parity.report import (
    Counterexample,
    FeatureParity,
    ParityCoverageWarning,
    ParityReport,
)
from pytest_mlaudit.checks.parity.run import OnlineMode

__all__ = ["check_parity"]


@dataclasses.dataclass(slots=True)
class _Acc:
    """Per-feature totals over the real-row and the generated batch."""

    checked: int = 0
    value: int = 0
    type: int = 0
    missing: int = 0
    max_abs: float | None = None
    max_rel: float | None = None
    offline_types: list[str] = dataclasses.field(default_factory=list)
    online_types: list[str] = dataclasses.field(default_factory=list)


def _max(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _accumulate(acc: dict[str, _Acc], result: BatchResult) -> None:
    for name, comp in result.comparisons.items():
        a = acc.setdefault(name, _Acc())
        a.checked += comp.checked
        a.value += comp.count(VALUE)
        a.type += comp.count(TYPE)
        a.missing += comp.count(MISSING, ABSENT)
        a.max_abs = _max(a.max_abs, comp.max_abs())
        a.max_rel = _max(a.max_rel, comp.max_rel())
        if comp.offline_type not in a.offline_types:
            a.offline_types.append(comp.offline_type)
        if comp.online_type not in a.online_types:
            a.online_types.append(comp.online_type)


def check_parity(
    offline: Callable[[pd.DataFrame], pd.DataFrame],
    online: Callable[..., Any],
    inputs: Any,
    *,
    features: Sequence[str] | None = None,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    tolerances: Mapping[str, float | tuple[float, float] | Mapping[str, float]] | None = None,
    strict_dtypes: bool = False,
    max_mismatch_rate: float = 0.0,
    online_mode: OnlineMode = "record",
    batch_size: int = 4096,
    max_examples: int = 200,
    seed: int | None = 0,
    schema: Mapping[str, Any] | None = None,
    max_counterexamples: int = 5,
    record_nulls: Literal["none", "nan"] = "none",
) -> ParityReport:
    """Check that the offline and online feature pipelines agree on the same raw rows.

    Parameters
    ----------
    offline
        The batch (training) transform: DataFrame of raw rows -> DataFrame of features,
        one row per input row (keep the input's index to let dropped or reordered rows
        be reported).
    online
        The serving transform. By ``online_mode``: ``"record"`` (default) one raw record
        (``dict``) -> dict of features (or a sequence in the offline feature order);
        ``"records"`` a list of records (a micro-batch) -> a list of dicts or a
        DataFrame; ``"frame"`` a DataFrame -> DataFrame (a second batch implementation).
    inputs
        A DataFrame of real raw rows (every row is checked), a hypothesis strategy of raw
        records (see :mod:`pytest_mlaudit.strategies`), or a list with one of each.
        Real rows reach the online side as records with missing values as ``None``.
    features
        Features to compare (default: every feature either side produces). A feature
        one side lacks is reported as a mismatch.
    rtol, atol
        Numbers are equal when ``|a - b| <= max(atol, rtol * max(|a|, |b|))``.
    tolerances
        Per-feature overrides: ``{feature: rtol}``, ``{feature: (rtol, atol)}`` or
        ``{feature: {"rtol": ..., "atol": ...}}``.
    strict_dtypes
        Also count int vs float, float32 vs float64 and bool vs number as mismatches
        (they are always shown in the report's type columns).
    max_mismatch_rate
        The check fails when the share of mismatched examples is above this (default 0).
    online_mode
        ``"record"``, ``"records"`` or ``"frame"`` (see ``online``).
    batch_size
        Records per micro-batch (``online_mode="records"``).
    max_examples
        Records hypothesis generates when ``inputs`` has a strategy.
    seed
        Seed of generation and shrinking: the same seed gives the same counterexamples.
        ``None`` picks one at random (it is kept in the report).
    schema
        Field -> :class:`~pytest_mlaudit.strategies.Field` or pandas dtype, used to
        build the offline DataFrame from generated records. Default: the strategy's own
        schema (from ``rows_like``/``from_schema``), else the real rows' dtypes, else
        pandas' inference on the generated batch.
    max_counterexamples
        Problems to minimise and show, per source of inputs (most frequent first).
    record_nulls
        How missing values of real rows reach the online side: ``"none"`` (JSON null)
        or ``"nan"``.

    Returns
    -------
    ParityReport

    Raises
    ------
    MlauditInputError
        A pipeline returned the wrong type or number of rows, a named feature is
        produced by neither side, the strategy cannot generate records, or an option is
        invalid.

    Examples
    --------
    >>> import math, numpy as np, pandas as pd
    >>> from pytest_mlaudit.strategies import Field, from_schema
    >>> def offline(df):
    ...     return pd.DataFrame({"log_income": np.log1p(df["income"])}, index=df.index)
    >>> def online(record):
    ...     return {"log_income": math.log(record["income"])}  # bug: log, not log1p
    >>> report = check_parity(offline, online,
    ...                       from_schema({"income": Field("float", min=0, max=1e6,
    ...                                                    nullable=False)}))
    >>> report.passed, report.mismatched_features
    (False, ('log_income',))
    >>> report.counterexamples[0].record_literal  # doctest: +SKIP
    "{'income': 0.0}"
    """
    inp = validate(
        offline,
        online,
        inputs,
        features=features,
        rtol=rtol,
        atol=atol,
        tolerances=tolerances,
        strict_dtypes=strict_dtypes,
        max_mismatch_rate=max_mismatch_rate,
        online_mode=online_mode,
        batch_size=batch_size,
        max_examples=max_examples,
        seed=seed,
        schema=schema,
        max_counterexamples=max_counterexamples,
        record_nulls=record_nulls,
    )
    opts, frame, strategy, explicit_dtypes = inp.opts, inp.frame, inp.strategy, inp.explicit_dtypes
    tol = opts.tolerances

    acc: dict[str, _Acc] = {}
    notes: list[str] = []
    counterexamples: list[Counterexample] = []
    totals = dict(examples=0, mismatched=0, both=0, off_raised=0, on_raised=0, dropped=0, moved=0)
    results: list[BatchResult] = []

    def tally(result: BatchResult) -> None:
        results.append(result)
        _accumulate(acc, result)
        totals["examples"] += result.n
        totals["mismatched"] += int(result.row_mismatch.sum())
        totals["both"] += int(result.both_rejected.sum())
        for key, kind in (("off_raised", "offline_raised"), ("on_raised", "online_raised")):
            totals[key] += int(result.failing_mask(Target(kind)).sum())
        totals["dropped"] += int(result.failing_mask(Target("offline_dropped")).sum())
        totals["dropped"] += int(result.failing_mask(Target("online_dropped")).sum())
        totals["moved"] += int(result.failing_mask(Target("moved")).sum())
        for note in (*result.offline.notes, *result.online.notes):
            if note not in notes:
                notes.append(note)

    # ---- real rows: every row, one batch
    n_rows = 0
    frame_dtypes: dict[str, Any] | None = None
    if frame is not None:
        n_rows = int(frame.shape[0])
        frame_dtypes = infer_dtypes(frame)
        records = records_from_frame(frame, nulls=inp.record_nulls)
        engine = Engine(offline, online, opts, {**frame_dtypes, **(explicit_dtypes or {})})
        # real rows are handed over uncopied (100,000 rows); a record the online side may
        # have changed is rebuilt from the frame before it is reported
        result = engine.run(frame, records, copy_records=False)
        check_named(opts, result)
        check_tolerance_names(tol, result)
        tally(result)
        counterexamples += row_counterexamples(
            engine, result, frame, inp.max_counterexamples, notes, inp.record_nulls
        )

    # ---- generated records: explore, then shrink each problem
    n_generated = 0
    n_generated_compared: int | None = None
    generated_fields: dict[str, str] = {}
    if strategy is not None:
        from pytest_mlaudit.checks.parity.fields import schema_from, strategy_schema
        from pytest_mlaudit.checks.parity.search import explore

        generated = explore(strategy, max_examples=inp.max_examples, seed=inp.seed)
        n_generated = len(generated)
        carried = strategy_schema(strategy)
        generated_fields = {name: f.describe() for name, f in (carried or {}).items()}
        dtypes: dict[str, Any] = dict(frame_dtypes or {})
        if carried:
            dtypes.update(schema_from(carried))
        dtypes.update(explicit_dtypes or {})
        if not dtypes:
            dtypes = infer_dtypes(frame_from_records(generated, None))
        engine = Engine(offline, online, opts, dtypes)
        result = engine.run_records(generated)
        if frame is None:
            check_named(opts, result)
            check_tolerance_names(tol, result)
        tally(result)
        n_generated_compared = int(result.n - result.both_rejected.sum())
        counterexamples += generated_counterexamples(
            engine,
            result,
            generated,
            strategy,
            limit=inp.max_counterexamples,
            max_examples=inp.max_examples,
            seed=inp.seed,
            notes=notes,
        )

    names = list(acc)
    feature_rows = tuple(
        FeatureParity(
            feature=name,
            checked=a.checked,
            mismatched=a.value + a.type + a.missing,
            value_mismatches=a.value,
            type_mismatches=a.type,
            missing_mismatches=a.missing,
            max_abs_diff=a.max_abs,
            max_rel_diff=a.max_rel,
            rtol=opts.tolerance(name)[0],
            atol=opts.tolerance(name)[1],
            offline_type="|".join(a.offline_types),
            online_type="|".join(a.online_types),
        )
        for name, a in ((n, acc[n]) for n in names)
    )
    report = ParityReport(
        features=feature_rows,
        n_examples=totals["examples"],
        n_rows=n_rows,
        n_generated=n_generated,
        n_mismatched=totals["mismatched"],
        n_both_rejected=totals["both"],
        n_offline_raised=totals["off_raised"],
        n_online_raised=totals["on_raised"],
        n_dropped=totals["dropped"],
        n_moved=totals["moved"],
        max_mismatch_rate=inp.max_mismatch_rate,
        rtol=opts.rtol,
        atol=opts.atol,
        strict_dtypes=opts.strict_dtypes,
        online_mode=opts.online_mode,
        seed=inp.seed,
        max_examples=inp.max_examples,
        counterexamples=tuple(counterexamples),
        notes=tuple(notes),
        n_generated_compared=n_generated_compared,
        generated_fields=generated_fields,
    )
    if report.low_coverage:
        warnings.warn(report.coverage_warning(), ParityCoverageWarning, stacklevel=2)
    return report
