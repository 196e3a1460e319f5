"""One scalar validator family: one message format, numpy numbers accepted, bools refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pytest_mlaudit._validation import (
    check_bool,
    check_float,
    check_fraction,
    check_int,
    check_option,
)
from pytest_mlaudit.errors import MlauditInputError


@pytest.mark.parametrize("value", [10, np.int64(10), np.int32(10), np.uint8(10)])
def test_numpy_integers_are_integers(value: object) -> None:
    out = check_int("bins", value, minimum=2)
    assert out == 10 and type(out) is int


@pytest.mark.parametrize("value", [0.5, np.float64(0.5), np.float32(0.5), 1, np.int64(1)])
def test_numpy_reals_are_numbers(value: object) -> None:
    out = check_float("alpha", value, low=0.0, high=1.0)
    assert type(out) is float


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_int("cv", 1, minimum=2), r"^cv must be an integer >= 2; got cv=1\.$"),
        (lambda: check_int("cv", True, minimum=2), r"cv must be an integer >= 2; got cv=True\."),
        (
            lambda: check_int("cv", np.bool_(True)),
            r"cv must be an integer; got cv=(np\.)?True_? \(bool",
        ),
        (lambda: check_int("cv", 2.0, minimum=2), r"got cv=2\.0\."),
        (
            lambda: check_int("users", 0, minimum=1, maximum=10),
            r"users must be an integer in \[1, 10\]; got users=0\.",
        ),
        (
            lambda: check_float("alpha", math.nan, low=0, high=1, low_open=True, high_open=True),
            r"alpha must be a finite number in \(0, 1\); got alpha=nan\.",
        ),
        (
            lambda: check_float("spawn_rate", 0, low=0, low_open=True),
            r"spawn_rate must be a finite number > 0; got spawn_rate=0\.",
        ),
        (
            lambda: check_float("p95_ms", "fast", low=0),
            r"p95_ms must be a finite number >= 0; got p95_ms='fast'\.",
        ),
        (
            lambda: check_fraction("max_issue_rate", 1.5),
            r"max_issue_rate must be a rate between 0 and 1 \(e\.g\. 0\.05 for 5%\); got "
            r"max_issue_rate=1\.5\.",
        ),
        (
            lambda: check_option("correction", "Holm", ("holm", "bh")),
            r"correction must be one of 'holm', 'bh'; got correction='Holm'\.",
        ),
        (lambda: check_bool("strict", 1), r"strict must be True or False; got strict=1\."),
        (
            lambda: check_int("seed", -1, minimum=0, hint="Pass a non-negative integer."),
            r"seed must be an integer >= 0; got seed=-1\. Pass a non-negative integer\.$",
        ),
    ],
)
def test_one_message_format(call: object, message: str) -> None:
    with pytest.raises(MlauditInputError, match=message):
        call()  # type: ignore[operator]


def test_long_values_are_shortened_and_typed() -> None:
    with pytest.raises(MlauditInputError) as info:
        check_int("n", np.arange(100))
    text = str(info.value)
    assert "..." in text and "(ndarray)" in text and len(text) < 200


def test_option_keeps_the_allowed_object() -> None:
    assert check_option("mode", "frame", ("record", "frame")) == "frame"
    with pytest.raises(MlauditInputError):
        check_option("mode", 1, (True, "x"))  # 1 == True, but it is not the option
