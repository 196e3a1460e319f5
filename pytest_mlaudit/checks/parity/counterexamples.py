"""Counterexamples: the failing raw records a parity run reports, minimised where possible.

:func:`row_counterexamples` takes the shortest failing real row per problem and
simplifies it greedily (fields set to typical values while it still fails);
:func:`generated_counterexamples` shrinks one generated record per problem with
hypothesis (:mod:`~pytest_mlaudit.checks.parity.search`). Both describe the record with
:func:`counterexample`, by the same rules as the batch that found it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import pandas as pd

from pytest_mlaudit.checks.parity.compare import KIND_NAMES
from pytest_mlaudit.checks.parity.engine import BatchResult, Engine, Target, typical_values
from pytest_mlaudit.checks.parity.frames import json_scalar, records_from_frame, short_repr
from pytest_mlaudit.checks.parity.report import Counterexample

__all__ = [
    "MAX_LITERAL",
    "counterexample",
    "distinct_problems",
    "generated_counterexamples",
    "row_counterexamples",
]

#: Characters of a record literal kept in a counterexample.
MAX_LITERAL: Final = 2000


def counterexample(
    engine: Engine,
    result: BatchResult,
    target: Target,
    row: int,
    record: Mapping[str, Any],
    *,
    origin: str,
    shrunk: bool,
    index: int | None,
    seed: int | None,
) -> Counterexample:
    info = engine.describe(result, target, row)
    kind = target.kind
    if target.kind == "feature":
        comp = result.comparisons[target.feature or ""]
        kind = KIND_NAMES.get(int(comp.status[row]), "value")
    literal = short_repr(dict(record), MAX_LITERAL)
    return Counterexample(
        feature=target.feature,
        kind=kind,
        origin=origin,
        shrunk=shrunk,
        row=index,
        seed=seed,
        record={k: short_repr(v) for k, v in record.items()},
        record_json={k: json_scalar(v) for k, v in record.items()},
        record_literal=literal,
        offline=info["offline"],
        online=info["online"],
        offline_json=json_scalar(info["offline_value"]),
        online_json=json_scalar(info["online_value"]),
        abs_diff=info["abs_diff"],
        rel_diff=info["rel_diff"],
        detail=info["detail"],
        traceback=info["traceback"],
    )


def distinct_problems(
    result: BatchResult, limit: int, notes: list[str], *, source: str
) -> list[tuple[Target, int]]:
    """The problems of a batch to minimise: one per failing feature and per whole-record
    problem, most frequent first, at most ``limit``.

    Every failing feature gets its own counterexample (two bugs are two counterexamples,
    however many records each fails on); problems beyond ``limit`` are named in a note,
    so every failing feature found in the run is reported.
    """
    found = result.targets()
    later = [f"{target.label()} ({count})" for target, count in found[limit:]]
    if later and limit:
        notes.append(
            f"more problems in the {source} than max_counterexamples={limit} minimises: "
            + ", ".join(later)
        )
    return found[:limit]


def row_counterexamples(
    engine: Engine,
    result: BatchResult,
    frame: pd.DataFrame,
    limit: int,
    notes: list[str],
    record_nulls: Literal["none", "nan"],
) -> list[Counterexample]:
    out: list[Counterexample] = []
    targets = distinct_problems(result, limit, notes, source="real rows")
    typical = typical_values(frame) if targets else {}

    def record_of(i: int) -> dict[str, Any]:
        return records_from_frame(frame.iloc[[i]], nulls=record_nulls)[0]

    for target, _count in targets:
        rows = result.rows_failing(target)
        if rows.size == 0:
            continue
        # the shortest failing record reads best; ties go to the first row
        i = min((int(r) for r in rows[:200]), key=lambda r: (len(repr(record_of(r))), r))
        record = record_of(i)
        if target.kind == "moved" or not engine.fails(record, target):
            if target.kind != "moved":
                notes.append(
                    f"{target.label()}: real row {i} does not fail on its own, only within the "
                    "batch; the offline output for a row may depend on the other rows"
                )
            out.append(
                counterexample(
                    engine,
                    result,
                    target,
                    i,
                    record,
                    origin="rows",
                    shrunk=False,
                    index=i,
                    seed=None,
                )
            )
            continue
        simple, changed = _simplify(engine, record, typical, target)
        single = engine.run_records([simple])
        out.append(
            counterexample(
                engine, single, target, 0, simple, origin="rows", shrunk=changed, index=i, seed=None
            )
        )
    return out


def _simplify(
    engine: Engine, record: dict[str, Any], typical: Mapping[str, Any], target: Target
) -> tuple[dict[str, Any], bool]:
    from pytest_mlaudit.checks.parity.search import simplify_row

    return simplify_row(record, typical, lambda r: engine.fails(r, target))


def generated_counterexamples(
    engine: Engine,
    result: BatchResult,
    records: Sequence[Mapping[str, Any]],
    strategy: Any,
    *,
    limit: int,
    max_examples: int,
    seed: int,
    notes: list[str],
) -> list[Counterexample]:
    from pytest_mlaudit.checks.parity.search import shrink

    out: list[Counterexample] = []
    for target, _count in distinct_problems(result, limit, notes, source="generated records"):
        if target.kind == "moved":
            continue
        failing = result.failing_mask(target)
        passed = [r for r, bad in zip(records, failing, strict=True) if not bad]
        minimal = shrink(
            engine, strategy, target, max_examples=max_examples, seed=seed, passed=passed
        )
        if minimal is not None:
            single = engine.run_records([minimal])
            if single.failing_mask(target)[0]:
                out.append(
                    counterexample(
                        engine,
                        single,
                        target,
                        0,
                        minimal,
                        origin="generated",
                        shrunk=True,
                        index=None,
                        seed=seed,
                    )
                )
                continue
        i = int(result.rows_failing(target)[0])
        notes.append(
            f"{target.label()}: no generated record fails on its own, only within the "
            "batch; the offline output for a row may depend on the other rows"
        )
        out.append(
            counterexample(
                engine,
                result,
                target,
                i,
                records[i],
                origin="generated",
                shrunk=False,
                index=None,
                seed=seed,
            )
        )
    return out
