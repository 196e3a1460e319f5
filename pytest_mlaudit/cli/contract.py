"""``mlaudit contract``: draft a data contract from reference data, or check a batch.

``mlaudit contract infer DATA -o contracts/applicants.yaml [--keys id] [--name applicants]``
writes a draft to review (it never overwrites without ``--force``);
``mlaudit contract check DATA CONTRACT`` prints the report and exits 0 when every rule
holds, 1 when a rule is broken, 2 for bad input. DATA is a CSV/Parquet file, a folder or
a glob (quote it for the shell).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pytest_mlaudit.cli._output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit contract``."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    infer = sub.add_parser("infer", help="draft a contract from reference data (review it!)")
    infer.add_argument("data", metavar="DATA", help="CSV/Parquet file, folder or glob")
    infer.add_argument("-o", "--output", metavar="CONTRACT.yaml", required=True)
    infer.add_argument("--name", default=None, help="the contract's name (default: the file's)")
    infer.add_argument("--keys", nargs="*", default=[], metavar="COLUMN", help="unique columns")
    infer.add_argument("--columns", nargs="*", default=None, metavar="COLUMN")
    infer.add_argument("--margin", type=float, default=0.5, help="range widening (0.5)")
    infer.add_argument("--min-rows", type=int, default=None)
    infer.add_argument("--max-rows", type=int, default=None)
    infer.add_argument("--force", action="store_true", help="overwrite an existing contract")
    check = sub.add_parser("check", help="check a batch against a contract")
    check.add_argument("data", metavar="DATA", help="CSV/Parquet file, folder or glob")
    check.add_argument("contract", metavar="CONTRACT.yaml")
    check.add_argument("--json", metavar="PATH", default=None, help="write the report as JSON")
    check.add_argument("--max-examples", type=int, default=5)


def run(args: argparse.Namespace) -> int:
    """``mlaudit contract``: 0 ok, 1 a rule is broken, 2 bad input."""
    from pytest_mlaudit.checks.contract import check_contract, infer_contract
    from pytest_mlaudit.errors import MlauditInputError

    try:
        if args.action == "infer":
            out = Path(args.output)
            if out.exists() and not args.force:
                say(f"error: {out} exists; review and edit it, or pass --force to replace it.")
                return EXIT_USAGE
            rows = None
            if args.min_rows is not None or args.max_rows is not None:
                rows = (args.min_rows, args.max_rows)
            contract = infer_contract(
                args.data,
                name=args.name or out.stem,
                columns=args.columns,
                keys=args.keys,
                margin=args.margin,
                rows=rows,
            )
            contract.save(out)
            say(f"wrote a draft contract to {out}: review every rule before you rely on it.")
            return EXIT_OK
        report = check_contract(args.data, args.contract, max_examples=args.max_examples)
    except MlauditInputError as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    print(report.summary())
    if args.json:
        try:
            Path(args.json).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        except OSError as exc:
            say(f"could not write {args.json}: {exc}")
    return EXIT_OK if report.passed else EXIT_FAILED
