"""``mlaudit rollback``: after a post-deploy audit, keep the alias's version or move it back.

``mlaudit rollback credit-risk --to champion --record reports/post_deploy.json`` tags the
version behind ``@champion`` with the post-deploy audit's verdict; when it failed, moves
``@champion`` to the version whose post-deploy audit passed last (else to the holder
before it). Without ``--record`` it rolls back unconditionally
(:func:`pytest_mlaudit.integrations.mlflow.promotion.rollback`).

Exit status: 0 the version holds or the alias was rolled back, 1 nothing to roll back to
or the registry cannot be used, 2 bad input (no such model or record).
"""

from __future__ import annotations

import argparse

from pytest_mlaudit.cli.promote import add_registry_arguments, finish

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit rollback``."""
    parser.add_argument("model", metavar="MODEL", help="the registered model, e.g. credit-risk")
    parser.add_argument(
        "--to",
        dest="alias",
        metavar="ALIAS",
        default="champion",
        help="the alias to keep or move back (default: champion)",
    )
    parser.add_argument(
        "--record",
        metavar="FILE",
        action="append",
        default=[],
        help="the post-deploy audit record (pytest --mlaudit-json); without it the alias "
        "is rolled back unconditionally",
    )
    add_registry_arguments(parser)
    parser.epilog = (
        "exit status: 0 the version holds (post-deploy audit passed) or the alias was rolled "
        "back, 1 nothing to roll back to or the registry cannot be used, 2 bad input (no such "
        "model or record)."
    )


def run(args: argparse.Namespace) -> int:
    """``mlaudit rollback``: the outcome, and why, and an exit status."""
    from pytest_mlaudit.integrations.mlflow.promotion import rollback

    return finish(
        args,
        lambda client: rollback(
            args.model, alias=args.alias, records=args.record, client=client, dry_run=args.dry_run
        ),
    )
