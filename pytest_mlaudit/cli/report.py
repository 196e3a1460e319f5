"""``mlaudit report RECORD.json -o DIR``: render an audit record into a notebook and HTML."""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_mlaudit.cli._output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit report``."""
    parser.add_argument("record", metavar="RECORD.json", help="the audit record to render")
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        required=True,
        help="directory for audit.ipynb and audit.html (created if needed)",
    )
    parser.add_argument(
        "--template",
        metavar="PATH",
        default=None,
        help="notebook template with a cell tagged 'parameters' (default: the bundled one)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the HTML path")


def run(args: argparse.Namespace) -> int:
    """``mlaudit report``: 0 rendered, 1 the report failed, 2 bad input."""
    from pytest_mlaudit.report import ReportError, render_report

    output = Path(args.output)
    if output.exists() and not output.is_dir():
        say(
            f"error: -o/--output must be a directory for audit.ipynb and audit.html; "
            f"{str(output)!r} is a file. Name a directory (it is created if needed)."
        )
        return EXIT_USAGE
    try:
        html = render_report(
            args.record,
            args.output,
            template=args.template,
            progress=None if args.quiet else say,
        )
    except (ReportError, ImportError) as exc:
        say(f"error: {exc}")
        return EXIT_FAILED
    except OSError as exc:  # the output directory cannot be made or written
        say(f"error: cannot write the report to {str(output)!r}: {exc}")
        return EXIT_FAILED
    print(html)
    return EXIT_OK
