"""The ``mlaudit`` command.

One subcommand per module-level ``_cmd_*`` function, registered in :data:`COMMANDS`
with the function that adds its arguments; ``main`` parses and dispatches. Later
subcommands (``history``, ``retrain-check``, ``init``) are one more entry each.

Exit status: 0 success, 1 the command ran and failed (e.g. the report did not render),
2 bad usage or input (argparse's convention). Never imports pytest.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

from pytest_mlaudit._version import __version__

__all__ = ["COMMANDS", "main"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2


def _say(line: str) -> None:
    print(f"mlaudit: {line}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- report


def _add_report(parser: argparse.ArgumentParser) -> None:
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


def _cmd_report(args: argparse.Namespace) -> int:
    from pytest_mlaudit.errors import MlauditInputError
    from pytest_mlaudit.report import ReportError, render_report

    try:
        html = render_report(
            args.record,
            args.output,
            template=args.template,
            progress=None if args.quiet else _say,
        )
    except MlauditInputError as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except (ReportError, ImportError) as exc:
        _say(f"error: {exc}")
        return EXIT_FAILED
    print(html)
    return EXIT_OK


# --------------------------------------------------------------------------- registry


class Command(NamedTuple):
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _lazy(module: str, help: str) -> Command:
    """A subcommand implemented as ``add_arguments``/``run`` in ``module``, imported when used."""

    def add(parser: argparse.ArgumentParser) -> None:
        importlib.import_module(module).add_arguments(parser)

    def run(args: argparse.Namespace) -> int:
        status: int = importlib.import_module(module).run(args)
        return status

    return Command(help, add, run)


#: subcommand -> (one-line help, argument setup, implementation)
COMMANDS: Final[dict[str, Command]] = {
    "report": Command(
        "render an audit record into audit.ipynb and audit.html", _add_report, _cmd_report
    ),
    "history": _lazy(
        "pytest_mlaudit.history", "list audit runs, per-check trends and events from the history"
    ),
    "retrain-check": _lazy(
        "pytest_mlaudit.retrain", "decide from the audit history whether to retrain (exit 10: yes)"
    ),
    "init": _lazy(
        "pytest_mlaudit.scaffold", "scaffold example audit tests, a retrain policy and CI"
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlaudit",
        description="pytest-mlaudit: ML reliability audits. Run the checks with pytest; "
        "use these commands on the audit records they write.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.help, description=command.help)
        command.add_arguments(p)
        p.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mlaudit`` command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    run: Callable[[argparse.Namespace], int] = args._run
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
