"""The ``mlaudit`` command.

One module per subcommand, each with ``add_arguments(parser)`` and ``run(args) -> int``,
listed once in :data:`COMMANDS` and imported only when that subcommand is used:

``report.py``
    ``mlaudit report``: render an audit record into a notebook and HTML.
``history.py``
    ``mlaudit history``: runs, per-check trends, values, events of the audit history.
``retrain_check.py``
    ``mlaudit retrain-check``: retrain or not, from the history and a policy.
``init.py``
    ``mlaudit init``: scaffold example tests, a retrain policy and CI in a model repo.
``contract.py``
    ``mlaudit contract infer|check``: draft a data contract, or check a batch against one.
``deploy_plan.py``
    ``mlaudit deploy-plan``: Dockerfile, Kubernetes manifests and cost from a capacity check.
``drift.py``
    ``mlaudit drift``: the drift check on files or against a saved profile, for scheduled jobs.
``profile.py``
    ``mlaudit profile``: a reference profile (sketch or exact) built once from files.
``promote.py``
    ``mlaudit promote``: move an MLflow registry alias to a version the audit approves.
``rollback.py``
    ``mlaudit rollback``: keep the alias's version after a post-deploy audit, or move it back.
``_output.py``
    what the subcommands share: messages on stderr, tables or JSON on stdout.

Exit status: 0 success, 1 the command ran and failed (e.g. the report did not render, the
history store or a file cannot be used), 2 bad usage or input (argparse's convention);
``retrain-check`` exits 10 for "retrain". Never imports pytest.

Examples
--------
>>> sorted(COMMANDS)
['contract', 'deploy-plan', 'drift', 'history', 'init', 'profile', 'promote', 'report',
 'retrain-check', 'rollback']
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

from pytest_mlaudit._version import __version__
from pytest_mlaudit.cli._output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, exit_status, say

__all__ = ["COMMANDS", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "Command", "build_parser", "main"]


class Command(NamedTuple):
    """One subcommand: its one-line help and the module that implements it."""

    help: str
    module: str  #: has ``add_arguments(parser)`` and ``run(args) -> int``

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        importlib.import_module(self.module).add_arguments(parser)

    def run(self, args: argparse.Namespace) -> int:
        status: int = importlib.import_module(self.module).run(args)
        return status


#: subcommand -> its help and module
COMMANDS: Final[dict[str, Command]] = {
    "report": Command(
        "render an audit record into audit.ipynb and audit.html", "pytest_mlaudit.cli.report"
    ),
    "history": Command(
        "per-check trends, runs, values and events from the audit history",
        "pytest_mlaudit.cli.history",
    ),
    "retrain-check": Command(
        "decide from the audit history whether to retrain (exit 10: yes)",
        "pytest_mlaudit.cli.retrain_check",
    ),
    "init": Command(
        "scaffold example audit tests, a retrain policy and CI", "pytest_mlaudit.cli.init"
    ),
    "contract": Command(
        "draft a data contract from reference data, or check a batch against one",
        "pytest_mlaudit.cli.contract",
    ),
    "drift": Command(
        "compare current data with reference data or a saved profile (exit 1: drift)",
        "pytest_mlaudit.cli.drift",
    ),
    "profile": Command(
        "summarise reference data once into a profile for later drift runs",
        "pytest_mlaudit.cli.profile",
    ),
    "deploy-plan": Command(
        "a Dockerfile, Kubernetes manifests and costs from a record's capacity check",
        "pytest_mlaudit.cli.deploy_plan",
    ),
    "promote": Command(
        "move an MLflow registry alias to a version the audit record approves (exit 1: refused)",
        "pytest_mlaudit.cli.promote",
    ),
    "rollback": Command(
        "after a post-deploy audit, keep the registry alias's version or move it back",
        "pytest_mlaudit.cli.rollback",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The ``mlaudit`` parser with every subcommand's arguments."""
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
    try:
        return run(args)
    except Exception as exc:  # what a user can fix is one line, with its exit status
        status = exit_status(exc)
        if status is None:
            raise
        say(f"error: {exc}")
        return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
