"""The data contract: what a batch must look like, as a YAML file a team reviews in git.

A contract lists the columns the model was trained on, each with its type family and the
rules its values keep, plus optional bounds on the number of rows::

    # mlaudit data contract; inferred from the training set: review and edit it
    contract: applicants
    format: 1
    rows: {min: 1000, max: 200000}   # optional
    extra_columns: allow              # or "refuse"
    columns:
      applicant_id: {type: int, unique: true, max_null_rate: 0}
      income: {type: float, min: 0, max: 450000, max_null_rate: 0.02}
      region: {type: string, allowed: [north, south, east, west], max_null_rate: 0}

Type families: ``int``, ``float`` (ints are floats too), ``bool``, ``string``,
``datetime``. Every rule is optional except the type; a column marked ``required: false``
may be absent. :func:`read_contract` validates the file and names what is wrong, with the
key's path (``columns.income.min``).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

from pytest_mlaudit._validation import check_fraction, check_int, is_real
from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "FORMAT",
    "TYPES",
    "ColumnContract",
    "Contract",
    "read_contract",
    "write_contract",
]

#: The contract file format this version reads and writes.
FORMAT: Final = 1
#: Type families a column may declare.
TYPES: Final = ("int", "float", "bool", "string", "datetime")
TypeFamily = Literal["int", "float", "bool", "string", "datetime"]
_COLUMN_KEYS: Final = ("type", "min", "max", "allowed", "max_null_rate", "unique", "required")


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnContract:
    """The rules of one column."""

    name: str
    type: TypeFamily
    min: float | None = None  #: smallest allowed value (numbers; datetimes as ISO text)
    max: float | None = None  #: largest allowed value
    allowed: tuple[str, ...] | None = None  #: the values a categorical column may take
    max_null_rate: float | None = None  #: largest allowed share of missing values
    unique: bool = False  #: no value may repeat (keys)
    required: bool = True  #: the column must be present

    def to_yaml_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        for key in ("min", "max"):
            value = getattr(self, key)
            if value is not None:
                out[key] = int(value) if float(value).is_integer() else value
        if self.allowed is not None:
            out["allowed"] = list(self.allowed)
        if self.max_null_rate is not None:
            out["max_null_rate"] = self.max_null_rate
        if self.unique:
            out["unique"] = True
        if not self.required:
            out["required"] = False
        return out


@dataclasses.dataclass(frozen=True, slots=True)
class Contract:
    """A data contract: columns with rules, optional row bounds, extra columns allowed or not."""

    name: str
    columns: tuple[ColumnContract, ...]
    min_rows: int | None = None
    max_rows: int | None = None
    extra_columns: Literal["allow", "refuse"] = "allow"
    source: str | None = None  #: the file it was read from
    note: str | None = None  #: the comment written at the top of the file

    def column(self, name: str) -> ColumnContract:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the contract as YAML (see :func:`write_contract`)."""
        return write_contract(self, path)

    def to_yaml(self) -> str:
        """The contract as YAML text, with a header comment."""
        yaml = _yaml()

        data: dict[str, Any] = {"contract": self.name, "format": FORMAT}
        if self.min_rows is not None or self.max_rows is not None:
            rows: dict[str, int] = {}
            if self.min_rows is not None:
                rows["min"] = self.min_rows
            if self.max_rows is not None:
                rows["max"] = self.max_rows
            data["rows"] = rows
        data["extra_columns"] = self.extra_columns
        data["columns"] = {c.name: c.to_yaml_dict() for c in self.columns}
        body: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        header = "# mlaudit data contract (format 1): review it and edit it in git.\n"
        if self.note:
            header += "".join(f"# {line}\n" for line in self.note.splitlines())
        return header + body


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise MlauditInputError(
            "contract files are YAML: install PyYAML with pip install 'pytest-mlaudit[contract]'."
        ) from None
    return yaml


def write_contract(contract: Contract, path: str | os.PathLike[str]) -> Path:
    """Write ``contract`` as YAML to ``path`` (folders are created); return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(contract.to_yaml(), encoding="utf-8")
    return target


def _bad(where: str, what: str, value: Any, source: str) -> MlauditInputError:
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return MlauditInputError(f"{source}: {where} must be {what}; got {shown}.")


def _number(where: str, value: Any, source: str) -> float | None:
    if value is None:
        return None
    if not is_real(value) or not math.isfinite(float(value)):
        raise _bad(where, "a finite number", value, source)
    return float(value)


def _column(name: str, raw: Any, source: str) -> ColumnContract:
    where = f"columns.{name}"
    if not isinstance(raw, Mapping):
        raise _bad(where, "a mapping of rules (type, min, max, allowed, ...)", raw, source)
    unknown = sorted(set(map(str, raw)) - set(_COLUMN_KEYS))
    if unknown:
        raise MlauditInputError(
            f"{source}: {where} has unknown rule(s) {', '.join(unknown)}; known: "
            f"{', '.join(_COLUMN_KEYS)}."
        )
    family = raw.get("type")
    if family not in TYPES:
        raise _bad(f"{where}.type", f"one of {', '.join(TYPES)}", family, source)
    low, high = _number(f"{where}.min", raw.get("min"), source), None
    high = _number(f"{where}.max", raw.get("max"), source)
    if low is not None and high is not None and low > high:
        raise MlauditInputError(f"{source}: {where}.min ({low:g}) is above its max ({high:g}).")
    if (low is not None or high is not None) and family not in ("int", "float"):
        raise MlauditInputError(
            f"{source}: {where} has min/max, which only int and float columns take; it is "
            f"type {family}."
        )
    allowed = raw.get("allowed")
    if allowed is not None:
        if not isinstance(allowed, Sequence) or isinstance(allowed, str) or not allowed:
            raise _bad(f"{where}.allowed", "a non-empty list of values", allowed, source)
        allowed = tuple(str(v) for v in allowed)
    rate = raw.get("max_null_rate")
    if rate is not None:
        try:
            rate = check_fraction(f"{where}.max_null_rate", rate)
        except MlauditInputError as exc:
            raise MlauditInputError(f"{source}: {exc}") from None
    for flag in ("unique", "required"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise _bad(f"{where}.{flag}", "true or false", raw[flag], source)
    return ColumnContract(
        name=name,
        type=family,
        min=low,
        max=high,
        allowed=allowed,
        max_null_rate=rate,
        unique=bool(raw.get("unique", False)),
        required=bool(raw.get("required", True)),
    )


def contract_from_dict(data: Any, *, source: str = "the contract") -> Contract:
    """Validate the parsed YAML of a contract and build it."""
    if not isinstance(data, Mapping):
        raise _bad("the file", "a YAML mapping with 'contract' and 'columns'", data, source)
    unknown = sorted(
        set(map(str, data)) - {"contract", "format", "rows", "extra_columns", "columns"}
    )
    if unknown:
        raise MlauditInputError(f"{source}: unknown top-level key(s) {', '.join(unknown)}.")
    if data.get("format", FORMAT) != FORMAT:
        raise MlauditInputError(
            f"{source}: format {data.get('format')!r} is not one this version reads ({FORMAT})."
        )
    name = data.get("contract")
    if not isinstance(name, str) or not name.strip():
        raise _bad("contract", "the contract's name (a string)", name, source)
    columns = data.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        raise _bad("columns", "a mapping of column name -> rules", columns, source)
    rows = data.get("rows") or {}
    if not isinstance(rows, Mapping) or set(map(str, rows)) - {"min", "max"}:
        raise _bad("rows", "a mapping with min and/or max", rows, source)
    try:
        lo = None if rows.get("min") is None else check_int("rows.min", rows["min"], minimum=0)
        hi = None if rows.get("max") is None else check_int("rows.max", rows["max"], minimum=0)
    except MlauditInputError as exc:
        raise MlauditInputError(f"{source}: {exc}") from None
    if lo is not None and hi is not None and lo > hi:
        raise MlauditInputError(f"{source}: rows.min ({lo}) is above rows.max ({hi}).")
    extra = data.get("extra_columns", "allow")
    if extra not in ("allow", "refuse"):
        raise _bad("extra_columns", "'allow' or 'refuse'", extra, source)
    return Contract(
        name=name,
        columns=tuple(_column(str(k), v, source) for k, v in columns.items()),
        min_rows=lo,
        max_rows=hi,
        extra_columns=extra,
        source=None if source == "the contract" else source,
    )


def read_contract(path: str | os.PathLike[str]) -> Contract:
    """Read and validate a contract file (YAML)."""
    yaml = _yaml()

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MlauditInputError(
            f"no contract at {str(p)!r}; write one with `mlaudit contract infer DATA -o "
            f"{p}` (or infer_contract(...).save(...)) and review it."
        ) from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise MlauditInputError(f"{str(p)!r} is not a contract file: {exc}.") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MlauditInputError(f"{str(p)!r} is not valid YAML: {exc}") from None
    return contract_from_dict(data, source=str(p))
