"""``mlaudit promote``: move a registry alias to a version the audit record approves.

``mlaudit promote credit-risk --from challenger --to champion --record reports/audit.json``
moves ``@champion`` to the version behind ``@challenger`` only when the record's audit
passed and it holds a passing gate that compared that version
(:func:`pytest_mlaudit.integrations.mlflow.promotion.promote`).

Exit status: 0 promoted (or the alias already points there), 1 refused or the registry
cannot be used, 2 bad input (no such model, record or version).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from pytest_mlaudit.cli._output import EXIT_FAILED, EXIT_OK, say

__all__ = ["add_arguments", "add_registry_arguments", "finish", "run"]


def add_registry_arguments(parser: argparse.ArgumentParser) -> None:
    """``--tracking-uri``, ``--dry-run`` and ``--json``: shared with ``mlaudit rollback``."""
    parser.add_argument(
        "--tracking-uri",
        metavar="URI",
        default=None,
        help="the MLflow tracking store and registry (default: $MLFLOW_TRACKING_URI, else "
        "MLflow's default sqlite:///mlflow.db); $MLFLOW_REGISTRY_URI names another registry",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would happen; change nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit promote``."""
    parser.add_argument("model", metavar="MODEL", help="the registered model, e.g. credit-risk")
    parser.add_argument(
        "--from",
        dest="source",
        metavar="ALIAS",
        default="challenger",
        help="the alias (or version number) of the candidate (default: challenger)",
    )
    parser.add_argument(
        "--to",
        dest="alias",
        metavar="ALIAS",
        default="champion",
        help="the alias to move (default: champion)",
    )
    parser.add_argument(
        "--record",
        metavar="FILE",
        action="append",
        required=True,
        help="the audit record with the gate (pytest --mlaudit-json); repeat it when the "
        "audit and the gate wrote separate records: all must pass",
    )
    add_registry_arguments(parser)
    parser.epilog = (
        "exit status: 0 promoted (or already there), 1 refused (the audit or the gate did not "
        "pass, the record's gate compared another version) or the registry cannot be used, "
        "2 bad input (no such model, version or record)."
    )


def finish(args: argparse.Namespace, act: Callable[[Any], Any]) -> int:
    """Run ``act(client)`` on the registry; print its outcome; 0 when ``ok``, else 1.

    A registry that cannot be used is one line on stderr and exit 1 (shared with
    ``mlaudit rollback``)."""
    from pytest_mlaudit.integrations.mlflow import registry as reg
    from pytest_mlaudit.integrations.mlflow.tracking import quiet_and_bounded

    try:
        # a tracking server that is down: each request bounded (MLflow retries for minutes)
        with quiet_and_bounded():
            result = act(reg.registry_client(args.tracking_uri))
    except reg.RegistryError as exc:
        say(f"error: {exc}")
        return EXIT_FAILED
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.summary())
    return EXIT_OK if result.ok else EXIT_FAILED


def run(args: argparse.Namespace) -> int:
    """``mlaudit promote``: the outcome, and why, and an exit status."""
    from pytest_mlaudit.integrations.mlflow.promotion import promote

    return finish(
        args,
        lambda client: promote(
            args.model,
            source=args.source,
            alias=args.alias,
            records=args.record,
            client=client,
            dry_run=args.dry_run,
        ),
    )
