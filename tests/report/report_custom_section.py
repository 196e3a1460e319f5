"""A check kind's report section and advice, as a package outside pytest_mlaudit writes them.

The dispatch tests register a :class:`~pytest_mlaudit.registry.CheckSpec` naming these
functions (``"report_custom_section:render"``); tests/report is on ``sys.path``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_mlaudit.report import sections
from pytest_mlaudit.report.sections import Section


def render(entry: dict[str, Any]) -> Section:
    """Built with the public helpers: markup from ``tag``/``table``, data escaped."""
    result = entry.get("result") or {}
    return Section().html(
        sections.tag("h3", "custom part of ", entry.get("nodeid", "?")),
        sections.tag("p", "the custom value is ", str(result.get("value"))),
        sections.table(["value"], [[result.get("value")]]),
        "<b>a plain string is text</b>",
    )


def advice(entry: Mapping[str, Any]) -> str:
    return f"Call the custom team about {entry.get('nodeid')}."


def broken(entry: dict[str, Any]) -> Section:
    raise RuntimeError("this section is broken on purpose")


def check(*args: Any, **kwargs: Any) -> None:  # never called by the report
    raise NotImplementedError


class CustomReport:  # never loaded by the report
    pass
