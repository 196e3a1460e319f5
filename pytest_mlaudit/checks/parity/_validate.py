"""Input validation of :func:`~pytest_mlaudit.checks.parity.check_parity`, apart from the running.

:func:`validate` turns the call's arguments into :class:`Inputs` (or raises
:class:`~pytest_mlaudit.errors.MlauditInputError` naming the argument and what it got);
:func:`check_named` and :func:`check_tolerance_names` check feature names once the first
batch shows which features the pipelines produce.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from pytest_mlaudit._validation import check_float, check_fraction, check_int, check_option
from pytest_mlaudit.checks.parity.engine import BatchResult, Options
from pytest_mlaudit.checks.parity.frames import name_clashes
from pytest_mlaudit.checks.parity.run import OnlineMode
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["Inputs", "check_named", "check_tolerance_names", "validate"]


@dataclasses.dataclass(frozen=True, slots=True)
class Inputs:
    """The validated arguments of one parity check."""

    opts: Options
    frame: pd.DataFrame | None  #: real raw rows
    strategy: Any  #: a hypothesis strategy of raw records, or None
    explicit_dtypes: dict[str, str] | None  #: from ``schema=``
    max_mismatch_rate: float
    max_examples: int
    max_counterexamples: int
    seed: int
    record_nulls: Literal["none", "nan"]


def validate(
    offline: Any,
    online: Any,
    inputs: Any,
    *,
    features: Sequence[str] | None,
    rtol: Any,
    atol: Any,
    tolerances: Mapping[str, Any] | None,
    strict_dtypes: Any,
    max_mismatch_rate: Any,
    online_mode: Any,
    batch_size: Any,
    max_examples: Any,
    seed: Any,
    schema: Mapping[str, Any] | None,
    max_counterexamples: Any,
    record_nulls: Any,
) -> Inputs:
    """Every argument of :func:`check_parity` checked, in the order of its signature."""
    if not callable(offline):
        raise MlauditInputError(f"offline must be a callable; got {type(offline).__name__}.")
    if not callable(online):
        raise MlauditInputError(f"online must be a callable; got {type(online).__name__}.")
    mode: OnlineMode = check_option("online_mode", online_mode, ("record", "records", "frame"))
    nulls: Literal["none", "nan"] = check_option("record_nulls", record_nulls, ("none", "nan"))
    rtol = check_float("rtol", rtol, low=0.0)
    atol = check_float("atol", atol, low=0.0)
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
    names: list[str] | None = None
    if features is not None:
        names = [features] if isinstance(features, str) else [str(f) for f in features]
        if not names:
            raise MlauditInputError("features is empty; name at least one feature or pass None.")
    explicit_dtypes: dict[str, str] | None = None
    if schema is not None:
        from pytest_mlaudit.checks.parity.fields import schema_from

        if not isinstance(schema, Mapping):
            raise MlauditInputError(
                f"schema must be a mapping of field -> Field or dtype; got {type(schema).__name__}."
            )
        explicit_dtypes = schema_from(schema)
    frame, strategy = split_inputs(inputs)
    opts = Options(
        rtol=rtol,
        atol=atol,
        tolerances=_tolerances(tolerances, rtol, atol),
        strict_dtypes=bool(strict_dtypes),
        features=tuple(names) if names is not None else None,
        online_mode=mode,
        batch_size=check_int("batch_size", batch_size, minimum=1),
    )
    return Inputs(
        opts=opts,
        frame=frame,
        strategy=strategy,
        explicit_dtypes=explicit_dtypes,
        max_mismatch_rate=check_fraction("max_mismatch_rate", max_mismatch_rate),
        max_examples=check_int("max_examples", max_examples, minimum=1),
        max_counterexamples=check_int("max_counterexamples", max_counterexamples, minimum=0),
        seed=check_int("seed", seed, minimum=0),
        record_nulls=nulls,
    )


def split_inputs(inputs: Any) -> tuple[pd.DataFrame | None, Any]:
    """``inputs`` as (a DataFrame of real rows or None, a strategy or None)."""
    from hypothesis.strategies import SearchStrategy

    items = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
    frame: pd.DataFrame | None = None
    strategy: Any = None
    for item in items:
        if isinstance(item, pd.DataFrame):
            if frame is not None:
                raise MlauditInputError("inputs has two DataFrames; concatenate them first.")
            if item.shape[0] == 0:
                raise MlauditInputError(
                    "inputs is an empty DataFrame (0 rows); give real raw rows or a strategy."
                )
            if item.columns.duplicated().any():
                raise MlauditInputError(
                    f"the inputs DataFrame has duplicated columns "
                    f"{item.columns[item.columns.duplicated()].tolist()!r}."
                )
            clashes = name_clashes(item.columns.tolist())
            if clashes:
                raise MlauditInputError(
                    f"the inputs DataFrame has columns whose names read the same as text: "
                    f"{'; '.join(clashes[:5])}. The online side gets each row as a record "
                    "keyed by str(column), so one would hide the other; rename them."
                )
            frame = item
        elif isinstance(item, SearchStrategy):
            if strategy is not None:
                raise MlauditInputError(
                    "inputs has two strategies; combine them with st.one_of(a, b)."
                )
            strategy = item
        else:
            raise MlauditInputError(
                "inputs must be a DataFrame of raw rows, a hypothesis strategy of raw records "
                f"(dicts), or a list of one of each; got {type(item).__name__}. Build a "
                "strategy with pytest_mlaudit.strategies.rows_like(sample_df)."
            )
    if frame is None and strategy is None:
        raise MlauditInputError("inputs is empty; give a DataFrame of raw rows and/or a strategy.")
    return frame, strategy


def _tolerances(
    tolerances: Mapping[str, Any] | None, rtol: float, atol: float
) -> dict[str, tuple[float, float]]:
    if tolerances is not None and not isinstance(tolerances, Mapping):
        raise MlauditInputError(
            "tolerances must be a mapping of feature -> rtol, (rtol, atol) or "
            f"{{'rtol': ..., 'atol': ...}}; got {type(tolerances).__name__}."
        )
    out: dict[str, tuple[float, float]] = {}
    for name, spec in (tolerances or {}).items():
        if isinstance(spec, tuple | list) and len(spec) == 2:
            r = check_float(f"tolerances[{name!r}][0] (rtol)", spec[0], low=0.0)
            a = check_float(f"tolerances[{name!r}][1] (atol)", spec[1], low=0.0)
        elif isinstance(spec, Mapping):
            r = check_float(f"tolerances[{name!r}]['rtol']", spec.get("rtol", rtol), low=0.0)
            a = check_float(f"tolerances[{name!r}]['atol']", spec.get("atol", atol), low=0.0)
        else:
            r = check_float(f"tolerances[{name!r}] (rtol)", spec, low=0.0)
            a = atol
        out[str(name)] = (r, a)
    return out


def check_named(opts: Options, result: BatchResult) -> None:
    """Every name in ``features=`` is produced by at least one pipeline."""
    if opts.features is None:
        return
    off, on = result.offline, result.online
    if not off.features and not on.features:
        return
    missing = [f for f in opts.features if f not in off.columns and f not in on.columns]
    if missing:
        raise MlauditInputError(
            f"features names {missing!r}, produced by neither pipeline; offline produces "
            f"{off.features[:20]!r}, online produces {on.features[:20]!r}."
        )


def check_tolerance_names(tol: Mapping[str, Any], result: BatchResult) -> None:
    """Every name in ``tolerances=`` is a compared feature."""
    unknown = [f for f in tol if f not in result.comparisons]
    if unknown and result.comparisons:
        raise MlauditInputError(
            f"tolerances names {unknown!r}, which are not compared features; compared: "
            f"{list(result.comparisons)[:20]!r}."
        )
