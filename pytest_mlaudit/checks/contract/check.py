"""Checking a batch against a data contract, every rule evaluated (none stops the others)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pytest_mlaudit._validation import check_int
from pytest_mlaudit.checks.contract.infer import family_of
from pytest_mlaudit.checks.contract.report import ContractReport, RuleExample, RuleResult
from pytest_mlaudit.checks.contract.spec import ColumnContract, Contract, read_contract
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.files import is_path, read_table
from pytest_mlaudit.io.frames import as_frame, column_label
from pytest_mlaudit.result import fmt_number

__all__ = ["check_contract"]

#: Characters of an offending value kept in the report.
_VALUE_CHARS = 60


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 3] + "..."


def _examples(values: pd.Series, limit: int) -> tuple[RuleExample, ...]:
    """Up to ``limit`` offending values, most frequent first, each with its first row."""
    if limit <= 0 or values.empty:
        return ()
    keys = values.map(_shown)
    counts = keys.value_counts(sort=True)
    first_row = {k: idx for idx, k in zip(values.index[::-1], keys.iloc[::-1], strict=True)}
    return tuple(RuleExample(row=str(first_row[k]), value=k) for k in counts.index[:limit])


def _pct(x: float) -> str:
    return f"{100 * x:.3g}%"


def _typed(series: pd.Series, family: str) -> tuple[pd.Series, pd.Series]:
    """(values of the contract's type, non-null values that are not of it)."""
    present = series.dropna()
    if family in ("int", "float"):
        if pd.api.types.is_bool_dtype(present.dtype):
            return present.iloc[:0].astype(float), present
        if pd.api.types.is_numeric_dtype(present.dtype):
            numbers = present.astype(float)
        else:
            kinds = present.map(
                lambda v: (
                    isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
                )
            )
            numbers = present[kinds].astype(float)
            present_bad = present[~kinds]
            if family == "int":
                frac = numbers[numbers != np.round(numbers)]
                return numbers.drop(frac.index), pd.concat([present_bad, frac])
            return numbers, present_bad
        if family == "int":
            finite = np.isfinite(numbers)
            whole = finite & (numbers == np.round(numbers))
            return numbers[whole], present[~whole]
        return numbers, present.iloc[:0]
    if family == "string":
        is_text = present.map(lambda v: isinstance(v, str))
        return present[is_text], present[~is_text]
    if family == "bool":
        if pd.api.types.is_bool_dtype(present.dtype):
            return present, present.iloc[:0]
        ok = present.map(lambda v: isinstance(v, bool | np.bool_))
        return present[ok], present[~ok]
    # datetime
    if pd.api.types.is_datetime64_any_dtype(present.dtype):
        return present, present.iloc[:0]
    ok = present.map(lambda v: isinstance(v, pd.Timestamp))
    return present[ok], present[~ok]


def _column_rules(series: pd.Series, rule: ColumnContract, limit: int) -> Iterable[RuleResult]:
    n = len(series)
    name = rule.name
    values, wrong = _typed(series, rule.type)
    seen = family_of(series) or str(series.dtype)
    yield RuleResult(
        "type",
        name,
        rule.type + (" (or int)" if rule.type == "float" else ""),
        len(wrong),
        int(n),
        observed=f"{seen} ({series.dtype})" if len(wrong) else seen,
        examples=_examples(wrong, limit),
    )
    if rule.max_null_rate is not None:
        nulls = series[series.isna()]
        rate = len(nulls) / n if n else 0.0
        over = rate > rule.max_null_rate
        yield RuleResult(
            "max_null_rate",
            name,
            f"<= {_pct(rule.max_null_rate)} missing",
            len(nulls) if over else 0,
            int(n),
            observed=f"{_pct(rate)} missing ({len(nulls)} rows)",
            examples=_examples(nulls.map(lambda v: "missing"), limit) if over else (),
        )
    for side, limit_value, op in (("min", rule.min, ">="), ("max", rule.max, "<=")):
        if limit_value is None:
            continue
        out = values[values < limit_value] if side == "min" else values[values > limit_value]
        seen_value = (values.min() if side == "min" else values.max()) if len(values) else None
        yield RuleResult(
            side,
            name,
            f"{op} {fmt_number(limit_value)}",
            len(out),
            len(values),
            observed="no values"
            if seen_value is None
            else f"{side} {fmt_number(float(seen_value))}",
            examples=_examples(series.loc[out.index], limit),
        )
    if rule.allowed is not None:
        allowed = set(rule.allowed)
        text = values.map(str)
        unseen = values[~text.isin(allowed)]
        new = sorted(set(text[unseen.index]))
        yield RuleResult(
            "allowed",
            name,
            f"one of {len(allowed)} values",
            len(unseen),
            len(values),
            observed=f"{len(new)} other value(s)" if new else "",
            examples=_examples(unseen, limit),
        )
    if rule.unique:
        present = series.dropna()
        dup = present[present.duplicated(keep=False)]
        yield RuleResult(
            "unique",
            name,
            "no repeated value",
            len(dup),
            len(present),
            observed=f"{dup.nunique()} value(s) repeated" if len(dup) else "",
            examples=_examples(dup, limit),
        )


def _evaluate(frame: pd.DataFrame, contract: Contract, limit: int) -> list[RuleResult]:
    labels = {column_label(c): c for c in frame.columns}
    n = len(frame)
    rules: list[RuleResult] = []
    if contract.min_rows is not None or contract.max_rows is not None:
        lo, hi = contract.min_rows, contract.max_rows
        bad = (lo is not None and n < lo) or (hi is not None and n > hi)
        expected = " and ".join(
            t
            for t in (f">= {lo}" if lo is not None else "", f"<= {hi}" if hi is not None else "")
            if t
        )
        rules.append(
            RuleResult("rows", None, f"{expected} rows", int(bad), 1, observed=f"{n} rows")
        )
    listed = {c.name for c in contract.columns}
    for rule in contract.columns:
        if rule.name not in labels:
            if rule.required:
                near = [c for c in labels if c.lower() == rule.name.lower()]
                rules.append(
                    RuleResult(
                        "required",
                        rule.name,
                        "present",
                        1,
                        1,
                        observed="absent" + (f" (there is {near[0]!r})" if near else ""),
                    )
                )
            continue
        rules.extend(_column_rules(frame[labels[rule.name]], rule, limit))
    extra = [c for c in labels if c not in listed]
    if contract.extra_columns == "refuse":
        rules.append(
            RuleResult(
                "extra_columns",
                None,
                "only the contract's columns",
                len(extra),
                len(labels),
                observed=", ".join(extra[:10]) + (" ..." if len(extra) > 10 else ""),
                examples=tuple(RuleExample(row="-", value=c) for c in extra[:limit]),
            )
        )
    return rules


def _pandera(frame: pd.DataFrame, schema: Any, limit: int) -> list[RuleResult]:
    """A pandera ``DataFrameSchema``, validated lazily: one rule per (column, check)."""
    import pandera.errors as pa_errors

    rules: list[RuleResult] = []
    try:
        schema.validate(frame, lazy=True)
        cases = None
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
    checks: list[tuple[str | None, str]] = []
    for col_name, column in (getattr(schema, "columns", None) or {}).items():
        checks.append((str(col_name), "dtype"))
        for c in getattr(column, "checks", []) or []:
            checks.append((str(col_name), str(getattr(c, "name", None) or c)))
    failed: dict[tuple[str | None, str], pd.DataFrame] = {}
    if cases is not None:
        for (col, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
            key = (None if pd.isna(col) else str(col), str(check))
            failed[key] = group
            if key not in checks:
                checks.append(key)
    for col, check in checks:
        group = failed.get((col, check))
        if group is None:
            rules.append(RuleResult(check, col, check, 0, len(frame)))
            continue
        values = group["failure_case"]
        values.index = group["index"].astype(str).fillna("-").to_numpy()
        rules.append(
            RuleResult(
                check,
                col,
                check,
                len(group),
                len(frame),
                examples=_examples(values, limit),
            )
        )
    return rules


def check_contract(
    data: Any,
    contract: Contract | str | os.PathLike[str] | Any,
    *,
    max_examples: int = 5,
) -> ContractReport:
    """Check a batch against a data contract; every rule is evaluated and reported.

    Parameters
    ----------
    data
        The batch: a pandas DataFrame (or what ``check_drift`` takes), or a path or glob
        of CSV/Parquet files.
    contract
        A contract file (YAML, see :mod:`pytest_mlaudit.checks.contract.spec`), a
        :class:`~pytest_mlaudit.checks.contract.spec.Contract`, or a pandera
        ``DataFrameSchema`` (validated lazily by pandera; the ``[contract]`` extra).
    max_examples
        Offending values kept per rule (0: none).

    Examples
    --------
    >>> import pandas as pd
    >>> from pytest_mlaudit.checks.contract import infer_contract
    >>> contract = infer_contract(pd.DataFrame({"age": [25, 40, 61]}), name="applicants")
    >>> report = check_contract(pd.DataFrame({"age": [30, 200, None]}), contract)
    >>> [(r.rule, r.failed) for r in report.violations]
    [('max_null_rate', 1), ('max', 1)]
    """
    limit = check_int("max_examples", max_examples, minimum=0)
    if is_path(data):
        data = read_table(data, name="data")
    frame = data if isinstance(data, pd.DataFrame) else as_frame(data, name="data")
    if isinstance(contract, str | os.PathLike):
        spec = read_contract(contract)
    elif isinstance(contract, Contract):
        spec = contract
    elif type(contract).__module__.startswith("pandera"):
        rules = _pandera(frame, contract, limit)
        return ContractReport(
            contract=str(getattr(contract, "name", None) or "pandera schema"),
            source=None,
            engine="pandera",
            rows=len(frame),
            columns=frame.shape[1],
            rules=tuple(rules),
            max_examples=limit,
        )
    else:
        raise MlauditInputError(
            "contract must be the path of a contract file (YAML), a Contract, or a pandera "
            f"DataFrameSchema; got {type(contract).__name__}."
        )
    return ContractReport(
        contract=spec.name,
        source=None if spec.source is None else str(Path(spec.source)),
        engine="mlaudit",
        rows=len(frame),
        columns=frame.shape[1],
        rules=tuple(_evaluate(frame, spec, limit)),
        max_examples=limit,
    )
