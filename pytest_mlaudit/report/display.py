"""A report shown in a notebook: the same section the audit report shows for its entry.

``CheckReport._repr_html_`` calls :func:`report_html`, so ``check_drift(ref, cur)`` as the
last line of a Jupyter cell shows the verdict badge, the tables and the plots (embedded
PNG, no scripts, every name escaped) that ``audit.html`` shows for that check. One
renderer serves both: the report's entry is built from the report exactly as the audit
record stores it, and the kind's registered section renders it (the generic section for
kinds without one). matplotlib is imported only for sections that plot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_mlaudit.result import CheckReport

__all__ = ["report_html"]


def report_html(report: CheckReport) -> str:
    """The HTML of ``report``'s section, as in the audit report (self-contained)."""
    from pytest_mlaudit.record import CheckEntry
    from pytest_mlaudit.report.sections._common import _safe
    from pytest_mlaudit.report.sections._dispatch import _renderer

    entry = CheckEntry.from_report(report.kind, report).to_dict()
    entry["nodeid"] = ""
    entry["name"] = f"{report.kind} (in this notebook)"
    return _safe(_renderer, entry).to_html()
