"""From the registry to the report: which function renders an entry, and its advice.

An entry's kind is looked up in :func:`pytest_mlaudit.registry.checks`; its
:class:`~pytest_mlaudit.registry.CheckSpec` names the section (``"module:function"``
rendering one entry) and the advice. A failure mode's part of the report holds its
kinds that have a section, under the :class:`~pytest_mlaudit.registry.FailureMode`'s
heading and intro; every other entry (an unregistered kind, or one registered without
a section) goes to :func:`other` and the generic section. Nothing here names a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pytest_mlaudit import registry
from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections import generic
from pytest_mlaudit.report.sections._common import Section, _entries, _kind, _safe

__all__ = ["advice", "failure_modes", "other", "part"]

Render = Callable[[dict[str, Any]], Section]


def _spec(entry: Mapping[str, Any]) -> registry.CheckSpec | None:
    known = registry.checks()
    return known.get(_kind(entry)) or known.get(str(entry.get("check") or ""))


def _renderer(entry: dict[str, Any]) -> Section:
    """Render one entry with its kind's registered section (or the generic one)."""
    spec = _spec(entry)
    if spec is None or spec.section is None:
        return generic.render(entry)
    build: Render = registry.load(spec.section)
    return build(entry)


def _has_section(entry: Mapping[str, Any]) -> bool:
    spec = _spec(entry)
    return spec is not None and spec.section is not None


def _mode_of(entry: Mapping[str, Any]) -> str | None:
    spec = _spec(entry)
    return spec.marker if spec is not None and spec.section is not None else None


def _part(heading: str, intro: str, entries: list[dict[str, Any]], build: Render) -> Section:
    section = Section().html(h.tag("h2", heading), h.tag("p", intro))
    for entry in entries:
        section.extend(_safe(build, entry))
    return section


def part(record: Mapping[str, Any], mode: str) -> Section | None:
    """The part of the report for failure mode ``mode`` (None when it has no entries).

    Its heading and intro come from :func:`pytest_mlaudit.registry.failure_mode`; each
    entry of a kind registered under it with a ``section`` is rendered by that section.
    """
    fm = registry.failure_mode(mode)
    entries = [e for e in _entries(record) if _mode_of(e) == fm.name]
    if not entries:
        return None
    return _part(fm.heading, fm.intro, entries, _renderer)


def other(record: Mapping[str, Any]) -> Section | None:
    """Checks of kinds without a registered section: the generic section of each."""
    entries = [e for e in _entries(record) if not _has_section(e)]
    if not entries:
        return None
    return _part(
        "Other checks",
        "Checks without a report section of their own (a custom or unknown kind): the "
        "headline, key figures and per-subject measures of each.",
        entries,
        generic.render,
    )


def failure_modes(record: Mapping[str, Any]) -> Section | None:
    """Every failure mode's part that has entries, in registry order, then :func:`other`."""
    out = Section()
    for name in registry.failure_modes():
        section = part(record, name)
        if section is not None:
            out.extend(section)
    rest = other(record)
    if rest is not None:
        out.extend(rest)
    return out if out else None


def advice(entry: Mapping[str, Any]) -> str:
    """One sentence: what to do about a failing check (its kind's registered advice)."""
    spec = _spec(entry)
    if spec is None or spec.advice is None:
        return generic.advice(entry)
    try:
        give: Callable[[Mapping[str, Any]], str] = registry.load(spec.advice)
        return str(give(entry))
    except Exception as exc:  # a broken advice function must not stop the report
        return f"{generic.advice(entry)} (its advice could not be given: {type(exc).__name__})"
