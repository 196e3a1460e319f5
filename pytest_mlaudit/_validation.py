"""Checking scalar options, in the style of scikit-learn's ``check_scalar``.

Every check validates its options with these helpers, so every message has one format::

    <name> must be <what is allowed>; got <name>=<value>[ (<type>)].[ <what to do>]

numpy integers and floats are accepted wherever Python ints and floats are (a
``bins=np.int64(10)`` read from a config or a DataFrame is an integer); ``bool`` is never
taken for a number. The helpers return plain Python values (``int``, ``float``, ``str``).

Examples
--------
>>> import numpy as np
>>> check_int("bins", np.int64(10), minimum=2)
10
>>> check_float("alpha", 0.05, low=0.0, high=1.0, low_open=True, high_open=True)
0.05
>>> check_int("cv", 1, minimum=2)
Traceback (most recent call last):
...
pytest_mlaudit.errors.MlauditInputError: cv must be an integer >= 2; got cv=1.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Final, TypeVar

from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "check_bool",
    "check_float",
    "check_fraction",
    "check_int",
    "check_option",
    "is_integer",
    "is_real",
    "shown",
]

#: Characters of a received value's repr shown in a message.
SHOWN_CHARS: Final = 80

_T = TypeVar("_T")


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)``, cut to ``limit`` characters, with its type when the repr hides it."""
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    plain = value is None or type(value) in (bool, int, float, str, list, tuple, dict)
    return text if plain else f"{text} ({type(value).__name__})"


def _fail(name: str, what: str, value: Any, hint: str = "") -> MlauditInputError:
    message = f"{name} must be {what}; got {name}={shown(value)}."
    return MlauditInputError(f"{message} {hint}" if hint else message)


def is_integer(value: Any) -> bool:
    """An ``int`` or numpy integer, not a ``bool``."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | _np_bool())


def is_real(value: Any) -> bool:
    """An ``int``, ``float`` or numpy number (not complex), not a ``bool``."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | _np_bool())


def _np_bool() -> type:
    """numpy's bool type when numpy is imported already (it is never imported here)."""
    import sys

    np = sys.modules.get("numpy")
    return np.bool_ if np is not None else bool  # type: ignore[no-any-return]


def check_int(
    name: str,
    value: Any,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    hint: str = "",
) -> int:
    """``value`` as an ``int`` within ``[minimum, maximum]`` (either bound may be None).

    >>> check_int("users", 5, minimum=1, maximum=10)
    5
    """
    if minimum is not None and maximum is not None:
        what = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        what = f"an integer >= {minimum}"
    elif maximum is not None:
        what = f"an integer <= {maximum}"
    else:
        what = "an integer"
    if not is_integer(value):
        raise _fail(name, what, value, hint)
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise _fail(name, what, value, hint)
    return number


def check_float(
    name: str,
    value: Any,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    hint: str = "",
) -> float:
    """``value`` as a finite ``float`` within the interval the bounds describe.

    Open bounds exclude their end point. The message states the interval the way it
    reads best: ``> 0``, ``>= 0``, ``in (0, 1)``, or just "a finite number".

    >>> check_float("spawn_rate", 2, low=0.0, low_open=True)
    2.0
    """
    if math.isinf(low) and math.isinf(high):
        what = "a finite number"
    elif math.isinf(high):
        what = f"a finite number {'>' if low_open else '>='} {_bound(low)}"
    elif math.isinf(low):
        what = f"a finite number {'<' if high_open else '<='} {_bound(high)}"
    else:
        lo, hi = "(" if low_open else "[", ")" if high_open else "]"
        what = f"a finite number in {lo}{_bound(low)}, {_bound(high)}{hi}"
    if not is_real(value):
        raise _fail(name, what, value, hint)
    number = float(value)
    ok = math.isfinite(number)
    ok = ok and (number > low if low_open else number >= low)
    ok = ok and (number < high if high_open else number <= high)
    if not ok:
        raise _fail(name, what, value, hint)
    return number


def _bound(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def check_fraction(name: str, value: Any, *, hint: str = "") -> float:
    """``value`` as a rate in [0, 1].

    >>> check_fraction("max_issue_rate", 0.05)
    0.05
    """
    if not is_real(value) or not math.isfinite(float(value)) or not 0.0 <= float(value) <= 1.0:
        raise _fail(name, "a rate between 0 and 1 (e.g. 0.05 for 5%)", value, hint)
    return float(value)


def check_option(name: str, value: Any, allowed: Sequence[_T], *, hint: str = "") -> _T:
    """``value`` if it is one of ``allowed``, else an error listing them.

    >>> check_option("correction", "bh", ("holm", "bh", "none"))
    'bh'
    """
    for option in allowed:
        if type(value) is type(option) and value == option:
            return option
    raise _fail(name, f"one of {', '.join(map(repr, allowed))}", value, hint)


def check_bool(name: str, value: Any, *, hint: str = "") -> bool:
    """``value`` if it is ``True`` or ``False`` (numpy bools too).

    >>> check_bool("include_features", False)
    False
    """
    if isinstance(value, bool | _np_bool()):
        return bool(value)
    raise _fail(name, "True or False", value, hint)
