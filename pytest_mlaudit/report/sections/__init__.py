"""The sections of the audit report, built from an audit record's JSON.

The report notebook (``notebooks/audit_report.ipynb``) is a few one-line cells that call
these functions; a custom template can call them too::

    from pytest_mlaudit.report import sections
    record = sections.read(record_path)
    sections.header(record)
    sections.summary(record)
    sections.failure_modes(record)   # every failure mode's part, then "Other checks"
    sections.drift(record)           # or one failure mode's part

Each function returns a :class:`Section` (shown by Jupyter as HTML and PNG outputs) or
``None`` when the record has nothing for it. They read the record as plain JSON with
defaults for every field, so a record written by an older or newer version, or holding
a kind of check this version does not know, still renders: an unknown kind appears in
the summary and in :func:`other`.

Which function renders an entry is the registry's business
(:mod:`pytest_mlaudit.registry`): a :class:`~pytest_mlaudit.registry.CheckSpec` names
its ``section`` (``"module:function"`` taking one entry, returning a :class:`Section`)
and its ``advice``; a :class:`~pytest_mlaudit.registry.FailureMode` gives the heading
and intro of its part. The built-in renderers are the modules of this package, one per
kind (``drift``, ``parity``, ``skew``, ``labels``, ``load``, ``gate``), beside
``generic`` (kinds without a section), ``overview`` (header, summary, what to do,
footer) and ``_common`` (:class:`Section` and the JSON helpers).

Everything taken from the record is escaped (see :mod:`pytest_mlaudit.report._html`);
no Markdown is ever built from data. A section of your own builds its markup with
:func:`tag`, :func:`table` and :func:`badge` (they escape every value that is not
:class:`Html`); a plain string given to :meth:`Section.html` is shown as text::

    from pytest_mlaudit.report import sections

    def render(entry):
        rows = entry["result"]["rows"]
        return sections.Section().html(
            sections.tag("h3", "Row count of ", entry["nodeid"]),
            sections.table(["rows", "minimum"], [[rows, entry["result"]["minimum"]]]),
        )
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from pytest_mlaudit import registry
from pytest_mlaudit.report._html import Html, badge, table, tag
from pytest_mlaudit.report.sections._common import Section, describe, read
from pytest_mlaudit.report.sections._dispatch import advice, failure_modes, other, part
from pytest_mlaudit.report.sections.overview import actions, footer, header, summary

__all__ = [
    "Html",
    "Section",
    "actions",
    "advice",
    "badge",
    "describe",
    "drift",
    "failure_modes",
    "footer",
    "gate",
    "header",
    "labels",
    "load",
    "other",
    "part",
    "read",
    "skew",
    "summary",
    "table",
    "tag",
]

# Import this package's own section modules now: importing a submodule for the first
# time sets it as an attribute of the package, which would replace the functions of the
# same name below (``sections.drift`` must stay the function, not ``sections/drift.py``).
for _spec in registry.BUILTIN_CHECKS:
    for _target in (_spec.section, _spec.advice):
        if _target is not None and _target.startswith(f"{__name__}."):
            importlib.import_module(_target.partition(":")[0])


def drift(record: Mapping[str, Any]) -> Section | None:
    """Per drift check: columns by effect, drifted distributions, null rates, unseen values."""
    return part(record, "drift")


def skew(record: Mapping[str, Any]) -> Section | None:
    """Per parity/skew check: per-feature mismatches, counterexamples, distributions."""
    return part(record, "skew")


def gate(record: Mapping[str, Any]) -> Section | None:
    """Per deployment gate: the decision, per-metric bounds, McNemar, artifact checks."""
    return part(record, "gate")


def labels(record: Mapping[str, Any]) -> Section | None:
    """Per label audit: per-class rates, the given -> suggested matrix, suspicious rows."""
    return part(record, "labels")


def load(record: Mapping[str, Any]) -> Section | None:
    """Per load run: SLOs, latency percentiles and RPS over time; capacity curves with knee."""
    return part(record, "load")
