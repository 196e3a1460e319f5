"""Input validation of the drift check, apart from the maths (cf. scipy's ``*_iv``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import pandas as pd

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import ColumnKind

NUMERIC_METHODS: Final = ("ks", "psi", "js", "wasserstein")
CATEGORICAL_METHODS: Final = ("chi2", "psi", "js", "linf")
#: The default method per column type; see the module docs of checks.drift.
DEFAULT_METHOD: Final[dict[ColumnKind, str]] = {"numeric": "ks", "categorical": "chi2"}
ALL_METHODS: Final = ("ks", "chi2", "psi", "js", "wasserstein", "linf")


def check_names(
    columns: Sequence[str] | str | None, frame: pd.DataFrame, *, side: str, arg: str = "columns"
) -> list[str]:
    """The requested column names, all present in ``frame`` (default: all of its columns)."""
    if columns is None:
        return [str(c) for c in frame.columns]
    if isinstance(columns, str):
        columns = [columns]
    names = list(columns)
    present = {str(c) for c in frame.columns}
    missing = [c for c in names if str(c) not in present]
    if missing:
        raise MlauditInputError(
            f"{arg} names {missing!r}, not found in {side}; {side} has: "
            f"{sorted(present)[:20]!r}{' ...' if len(present) > 20 else ''}."
        )
    return [str(c) for c in names]


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
