"""JSON (de)serialisation of the frozen result dataclasses.

Every result type is a frozen dataclass built from JSON-friendly parts: ``str``, ``int``,
``float``, ``bool``, ``None``, enums, nested dataclasses, ``tuple``/``list`` and
``dict[str, ...]``. :func:`to_jsonable` turns one into plain JSON data and
:func:`from_jsonable` rebuilds it from its type hints, so a new result type gets
round-tripping for free.

A dataclass may list computed properties in a ``json_properties`` class attribute; they
are written too (for readers of the JSON) and ignored when reading back. A field whose
metadata has ``{NOT_RECORDED: True}`` (e.g. full per-row arrays kept on the live object
only) is never written and, on reading back, takes its default.

Strict JSON has no NaN or infinity, so non-finite floats are written as the strings
``"nan"``, ``"inf"`` and ``"-inf"`` and read back as floats (see docs/record-schema.md).
"""

from __future__ import annotations

import dataclasses
import enum
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

__all__ = ["NOT_RECORDED", "from_jsonable", "to_jsonable"]

#: Field-metadata key: ``dataclasses.field(metadata={NOT_RECORDED: True})`` is not serialised.
NOT_RECORDED = "mlaudit_not_recorded"

T = TypeVar("T")

_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _float_out(x: float) -> float | str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def to_jsonable(obj: Any) -> Any:
    """Return plain JSON data (dict/list/str/int/float/bool/None) for ``obj``.

    numpy scalars are accepted and turned into Python numbers.
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return _float_out(float(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {
            f.name: to_jsonable(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if not f.metadata.get(NOT_RECORDED)
        }
        # computed properties a reader of the JSON needs (e.g. a column's ``drifted``)
        for name in getattr(type(obj), "json_properties", ()):
            out[name] = to_jsonable(getattr(obj, name))
        return out
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    # numpy scalars and 0-d arrays, without importing numpy here
    item = getattr(obj, "item", None)
    if callable(item) and getattr(obj, "shape", None) == ():
        return to_jsonable(item())
    raise TypeError(f"cannot serialise {type(obj).__name__!r} to JSON: {obj!r}")


def _convert(tp: Any, value: Any, where: str) -> Any:
    if tp is Any:
        return value
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = get_args(tp)
        if value is None:
            if type(None) in args:
                return None
            raise TypeError(f"{where}: got null for non-optional {tp}")
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value, where)
            except (TypeError, ValueError) as exc:
                errors.append(str(exc))
        raise TypeError(f"{where}: {value!r} matches none of {tp}: {errors}")
    if origin is typing.Literal:
        if value not in get_args(tp):
            raise ValueError(f"{where}: {value!r} is not one of {get_args(tp)}")
        return value
    if origin in (tuple,):
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if not args:
            return tuple(value)
        if len(args) != len(value):
            raise TypeError(f"{where}: expected {len(args)} items, got {len(value)}")
        pairs = enumerate(zip(args, value, strict=True))
        return tuple(_convert(a, v, f"{where}[{i}]") for i, (a, v) in pairs)
    if origin in (list,):
        (arg,) = get_args(tp) or (Any,)
        return [_convert(arg, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin in (dict, Mapping, typing.Mapping) or tp is dict:
        args = get_args(tp)
        vt = args[1] if len(args) == 2 else Any
        if not isinstance(value, Mapping):
            raise TypeError(f"{where}: expected an object, got {type(value).__name__}")
        return {k: _convert(vt, v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return from_jsonable(tp, value)
        if issubclass(tp, enum.Enum):
            return tp(value)
        if tp is float:
            if isinstance(value, str):
                if value not in _NONFINITE:
                    raise ValueError(f"{where}: {value!r} is not a number")
                return _NONFINITE[value]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{where}: expected a number, got {value!r}")
            return float(value)
        if tp is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{where}: expected an integer, got {value!r}")
            return value
        if tp is bool:
            if not isinstance(value, bool):
                raise TypeError(f"{where}: expected true/false, got {value!r}")
            return value
        if tp is str:
            if not isinstance(value, str):
                raise TypeError(f"{where}: expected a string, got {value!r}")
            return value
    return value


def from_jsonable(cls: type[T], data: Mapping[str, Any]) -> T:
    """Rebuild the dataclass ``cls`` from :func:`to_jsonable` output.

    Keys that ``cls`` does not declare are ignored (a newer writer may add fields);
    a missing field without a default raises :class:`TypeError` naming it.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    if not isinstance(data, Mapping):
        raise TypeError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.metadata.get(NOT_RECORDED):
            continue
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise TypeError(f"{cls.__name__}: field {f.name!r} is missing")
            continue
        kwargs[f.name] = _convert(hints[f.name], data[f.name], f"{cls.__name__}.{f.name}")
    return cls(**kwargs)
