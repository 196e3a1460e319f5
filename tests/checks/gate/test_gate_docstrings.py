"""The examples in the docstrings of the gate, history, retrain and scaffold modules run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "pytest_mlaudit.checks.gate.check",
    "pytest_mlaudit.checks.gate.report",
    "pytest_mlaudit.checks.gate._validate",
    "pytest_mlaudit.checks.gate.boot",
    "pytest_mlaudit.checks.gate.metrics",
    "pytest_mlaudit.history",
    "pytest_mlaudit.retrain",
    "pytest_mlaudit.scaffold",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
