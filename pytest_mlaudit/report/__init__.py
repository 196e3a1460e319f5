"""The auditors' report: an audit record rendered by papermill into a notebook and HTML.

``render_report(record, out_dir)`` executes the template notebook (bundled
``audit_report.ipynb``, or your own) with the record's *path* as its one parameter and
writes ``out_dir/audit.ipynb`` and ``out_dir/audit.html``. The template's cells call
:mod:`pytest_mlaudit.report.sections`, which builds every table and plot from the
record's JSON.

Importing this package is cheap: papermill, nbconvert and matplotlib are imported when a
report is rendered. It never imports pytest.
"""

from __future__ import annotations

from pytest_mlaudit.report._render import ReportError, default_template, render_report

__all__ = ["ReportError", "default_template", "render_report"]
