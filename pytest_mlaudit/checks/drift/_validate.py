"""Input validation of the drift check, apart from the maths (cf. scipy's ``*_iv``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd

from pytest_mlaudit.checks.drift.profile import ReferenceProfile
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import (
    ColumnKind,
    column_names,
    holds_times,
    infer_kind,
    label_key,
    label_positions,
    non_numbers,
    resolve_columns,
)

NUMERIC_METHODS: Final = ("ks", "psi", "js", "wasserstein")
CATEGORICAL_METHODS: Final = ("chi2", "psi", "js", "linf")
#: The default method per column type; see the module docs of checks.drift.
DEFAULT_METHOD: Final[dict[ColumnKind, str]] = {"numeric": "ks", "categorical": "chi2"}
ALL_METHODS: Final = ("ks", "chi2", "psi", "js", "wasserstein", "linf")


def check_names(
    columns: Sequence[Any] | Any | None, frame: pd.DataFrame, *, side: str, arg: str = "columns"
) -> list[str]:
    """The names of the requested columns of ``frame`` (default: all of its columns).

    Columns are named as :func:`~pytest_mlaudit.io.frames.column_names` names them; an
    item of ``columns`` is a column label (``0``, ``("a", "b")``) or such a name.
    """
    names = column_names(frame, name=side)
    if columns is None:
        return names
    return resolve_columns(columns, frame, names, side=side, arg=arg)


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    """What :func:`check_drift` compares: the columns by name, each side's values, kinds."""

    names: tuple[str, ...]  #: the checked columns, as the report names them
    reference: dict[str, pd.Series] | None  #: name -> reference column (None: a profile)
    current: dict[str, pd.Series]  #: name -> current column
    kinds: dict[str, ColumnKind]
    methods: dict[str, tuple[str, ...] | None]  #: name -> methods asked for (None: default)
    only_in_current: tuple[str, ...]  #: current columns the reference does not have
    left_out: tuple[str, ...]  #: columns of both sides that ``columns=`` left out
    notes: tuple[str, ...]  #: what was inferred (e.g. numbers held in object columns)


def _pair(ref_labels: list[Any] | None, ref_names: list[str], cur: pd.DataFrame) -> list[int]:
    """For each reference column, the position of its current column (-1: none).

    Labels match first (an int column ``1`` pairs with the int column ``1``), then the
    names the report shows (a reference column ``0`` with a current column ``"0"``, as a
    CSV header reads it); no current column is paired twice.
    """
    cur_names = column_names(cur, name="current")
    pairs = [-1] * len(ref_names)
    taken: set[int] = set()
    if ref_labels is not None:
        by_label = label_positions(list(cur.columns))
        for i, label in enumerate(ref_labels):
            j = by_label.get(label_key(label), -1)
            if j >= 0 and j not in taken:
                pairs[i] = j
                taken.add(j)
    by_name = {n: j for j, n in enumerate(cur_names)}
    for i, name in enumerate(ref_names):
        j = by_name.get(name, -1)
        if pairs[i] < 0 and j >= 0 and j not in taken:
            pairs[i] = j
            taken.add(j)
    return pairs


@dataclasses.dataclass(frozen=True, slots=True)
class Match:
    """The columns both sides pair up, before any value is looked at."""

    names: list[str]  #: the checked columns, by name
    pairs: dict[str, int]  #: name -> position of its current column
    methods: dict[str, tuple[str, ...] | None]
    explicit: set[str]  #: columns ``methods={...}`` names
    only_in_current: tuple[str, ...]
    left_out: tuple[str, ...]


def schema_frame(names: Sequence[str]) -> pd.DataFrame:
    """A frame without rows whose columns are ``names`` (to resolve names against)."""
    return pd.DataFrame(columns=pd.Index(list(names), dtype=object))


def match_columns(
    ref_names: list[str],
    ref_labels: list[Any] | None,
    ref_view: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Sequence[Any] | Any | None,
    methods: str | Sequence[str] | Mapping[Any, str | Sequence[str]] | None,
) -> Match:
    """Pair the columns of both sides by label and name, pick the checked ones.

    ``current`` may be a :func:`schema_frame`: only its column labels are used.
    """
    pairs = dict(zip(ref_names, _pair(ref_labels, ref_names, current), strict=True))
    cur_names = column_names(current, name="current")
    if columns is None:
        names = ref_names
        missing = [n for n in names if pairs[n] < 0]
        if missing:
            raise MlauditInputError(
                f"column(s) {missing!r} of the reference are missing from current; add them "
                "or choose the columns to check with columns=."
            )
    else:
        names = resolve_columns(columns, ref_view, ref_names, side="reference")
        missing = [n for n in names if pairs[n] < 0]
        if missing:
            raise MlauditInputError(
                f"columns names {missing!r}, not found in current; current has: "
                f"{sorted(cur_names)[:20]!r}{' ...' if len(cur_names) > 20 else ''}."
            )
    paired = set(pairs.values())
    only_in_current = tuple(n for j, n in enumerate(cur_names) if j not in paired)
    left_out = tuple(n for n in ref_names if pairs[n] >= 0 and n not in set(names))
    if isinstance(methods, Mapping):
        keys: dict[str, Any] = {}
        unknown: list[Any] = []
        for key in methods:
            try:
                (name,) = resolve_columns([key], ref_view, ref_names, side="reference")
            except MlauditInputError:
                name = None
            if name is None or name not in names:
                unknown.append(key)
            else:
                keys[name] = key
        if unknown:
            raise MlauditInputError(
                f"methods names column(s) {unknown!r} that are not checked; checked columns: "
                f"{names[:20]!r}."
            )
        plan = parse_methods({n: methods[k] for n, k in keys.items()}, names)
        explicit = set(keys)
    else:
        plan = parse_methods(methods, names)
        explicit = set()
    return Match(names, pairs, plan, explicit, only_in_current, left_out)


def plan_columns(
    reference: ReferenceProfile | pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Sequence[Any] | Any | None,
    methods: str | Sequence[str] | Mapping[Any, str | Sequence[str]] | None,
) -> Plan:
    """Match the columns of both sides, pick the checked ones and their kinds."""
    is_profile = isinstance(reference, ReferenceProfile)
    if isinstance(reference, ReferenceProfile):
        ref_names = list(reference.columns)
        ref_labels: list[Any] | None = None
        ref_view = schema_frame(ref_names)
    else:
        ref_names = column_names(reference, name="reference")
        ref_labels = list(reference.columns)
        ref_view = reference
    match = match_columns(
        ref_names, ref_labels, ref_view, current, columns=columns, methods=methods
    )
    names, pairs, plan, explicit = match.names, match.pairs, match.methods, match.explicit
    only_in_current, left_out = match.only_in_current, match.left_out

    ref_pos = {n: i for i, n in enumerate(ref_names)}
    ref_cols = (
        None
        if isinstance(reference, ReferenceProfile)
        else {n: reference.iloc[:, ref_pos[n]] for n in names}
    )
    cur_cols = {n: current.iloc[:, pairs[n]] for n in names}
    kinds: dict[str, ColumnKind] = {}
    notes: list[str] = []
    for name in names:
        if isinstance(reference, ReferenceProfile):
            ref_kind = reference.columns[name].kind
            ref_dtype = f"profiled as {ref_kind}"
        else:
            assert ref_cols is not None
            ref_kind, note = infer_kind(ref_cols[name], column=name, side="reference")
            ref_dtype = str(ref_cols[name].dtype)
            notes += [note] if note else []
        cur_series = cur_cols[name]
        for side, series in (
            ("reference", None if ref_cols is None else ref_cols[name]),
            ("current", cur_series),
        ):
            if series is not None and holds_times(series):
                raise MlauditInputError(
                    f"column {name!r} of {side} holds dates or times (as Python objects), "
                    "which drift checks do not compare; convert it to a number (e.g. hour of "
                    "day, or seconds since an epoch) or leave it out with columns=."
                )
        cur_kind, note = infer_kind(cur_series, column=name, side="current")
        notes += [note] if note else []
        if cur_kind != ref_kind and bool(cur_series.isna().all()):
            cur_kind = ref_kind  # nothing but missing values: no type to disagree with
        kind = kind_for_methods(name, ref_kind, plan[name], explicit=name in explicit)
        if is_profile and kind != ref_kind:
            raise MlauditInputError(
                f"column {name!r} was profiled as {ref_kind}; methods asks to compare it as "
                f"{kind}. Profile it with categorical=[{name!r}] instead."
            )
        if ref_kind != cur_kind and not (
            kind == "categorical" and (name in explicit or is_profile)
        ):
            text = cur_series if cur_kind == "categorical" else None
            if ref_cols is not None and ref_kind == "categorical":
                text = ref_cols[name]
            hint = _not_numbers_hint(text)
            raise MlauditInputError(
                f"column {name!r} is {ref_kind} in the reference ({ref_dtype}) but "
                f"{cur_kind} in current ({cur_series.dtype}); fix the type upstream, or "
                f"compare it as categories with methods={{{name!r}: 'chi2'}}.{hint}"
            )
        kinds[name] = kind
    return Plan(
        names=tuple(names),
        reference=ref_cols,
        current=cur_cols,
        kinds=kinds,
        methods=plan,
        only_in_current=only_in_current,
        left_out=left_out,
        notes=tuple(notes),
    )


def _not_numbers_hint(series: pd.Series | None) -> str:
    """For a numeric/categorical mismatch: the text values that keep a column from numbers."""
    if series is None or not pd.api.types.is_string_dtype(series.dtype):
        return ""
    odd = non_numbers(series)
    if not odd:
        return ""
    try:
        [float(v) for v in odd]
    except (TypeError, ValueError):
        pass
    else:
        return (
            f" It holds numbers written as text, e.g. {odd!r}: convert them with "
            "pd.to_numeric(...) if they are quantities."
        )
    return (
        f" It holds values that are not numbers, e.g. {odd!r}: if they mean missing, turn "
        "them into NaN (pd.to_numeric(..., errors='coerce'))."
    )


def parse_methods(
    methods: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None, columns: list[str]
) -> dict[str, tuple[str, ...] | None]:
    """Per column, the methods asked for (None: the default for its type)."""

    def one(value: str | Sequence[str], where: str) -> tuple[str, ...]:
        items = (value,) if isinstance(value, str) else tuple(value)
        if not items:
            raise MlauditInputError(f"{where} is empty; name at least one method.")
        bad = [m for m in items if m not in ALL_METHODS]
        if bad:
            raise MlauditInputError(
                f"{where} names unknown method(s) {bad!r}; choose from {list(ALL_METHODS)}."
            )
        return tuple(dict.fromkeys(items))

    if methods is None:
        return dict.fromkeys(columns)
    if isinstance(methods, Mapping):
        unknown = [c for c in methods if c not in columns]
        if unknown:
            raise MlauditInputError(
                f"methods names column(s) {unknown!r} that are not checked; checked columns: "
                f"{columns[:20]!r}."
            )
        return {c: one(methods[c], f"methods[{c!r}]") if c in methods else None for c in columns}
    parsed = one(methods, "methods")
    return dict.fromkeys(columns, parsed)


def kind_for_methods(
    column: str, inferred: ColumnKind, methods: tuple[str, ...] | None, *, explicit: bool
) -> ColumnKind:
    """The column type the chosen methods imply; categorical methods on numbers bin them."""
    if methods is None:
        return inferred
    wants_cat = any(m in ("chi2", "linf") for m in methods)
    wants_num = any(m in ("ks", "wasserstein") for m in methods)
    if wants_cat and wants_num:
        raise MlauditInputError(
            f"methods for column {column!r} mix numeric ({', '.join(NUMERIC_METHODS)}) and "
            f"categorical ({', '.join(CATEGORICAL_METHODS)}) methods: {list(methods)}; a column "
            "is compared as one type."
        )
    if inferred == "categorical" and wants_num:
        raise MlauditInputError(
            f"column {column!r} is categorical (strings/booleans) but methods asks for "
            f"{[m for m in methods if m in ('ks', 'wasserstein')]}; use one of "
            f"{list(CATEGORICAL_METHODS)}."
        )
    if wants_cat and explicit:
        return "categorical"
    if wants_cat and inferred == "numeric":
        # a method for all columns ("chi2") on a numeric column: compare it as categories
        # only when the user named this column; otherwise it's a type error
        raise MlauditInputError(
            f"column {column!r} is numeric but methods asks for "
            f"{[m for m in methods if m in ('chi2', 'linf')]}; use one of {list(NUMERIC_METHODS)}, "
            f"or name it in methods={{{column!r}: 'chi2'}} to compare its values as categories."
        )
    return inferred
