"""``mlaudit profile``: summarise reference data once for later ``mlaudit drift`` runs.

``mlaudit profile DATA -o reference.profile [--sketch-k K]`` writes a mergeable sketch
profile (JSON: a KLL sketch per numeric column, exact counts per category; see
:mod:`pytest_mlaudit.checks.drift.sketch`); with ``-o reference.npz`` it writes the exact
:class:`~pytest_mlaudit.ReferenceProfile` instead. DATA is a CSV/Parquet file, a folder
or a glob (quote it for the shell), read one column at a time. Exit status: 0 written,
2 bad input; an existing file is replaced only with ``--force``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_mlaudit.cli._output import EXIT_OK, EXIT_USAGE, say

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit profile``."""
    from pytest_mlaudit.checks.drift.sketch import DEFAULT_SKETCH_K

    parser.add_argument("data", metavar="DATA", help="CSV/Parquet file, folder or glob")
    parser.add_argument("-o", "--output", metavar="FILE", required=True)
    parser.add_argument(
        "--sketch-k",
        type=int,
        default=DEFAULT_SKETCH_K,
        metavar="K",
        help=f"KLL sketch size (default {DEFAULT_SKETCH_K}: rank error 0.14%%)",
    )
    parser.add_argument("--columns", nargs="*", default=None, metavar="COLUMN")
    parser.add_argument(
        "--categorical", nargs="*", default=[], metavar="COLUMN", help="numbers to count"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing file")


def run(args: argparse.Namespace) -> int:
    """``mlaudit profile``: 0 written, 2 bad input."""
    from pytest_mlaudit.checks.drift import profile_reference, sketch_profile
    from pytest_mlaudit.errors import MlauditInputError

    out = Path(args.output)
    if out.exists() and not args.force:
        say(f"error: {out} exists; pass --force to replace it.")
        return EXIT_USAGE
    try:
        if out.suffix == ".npz":
            exact = profile_reference(args.data, columns=args.columns, categorical=args.categorical)
            exact.save(out)
            say(f"wrote an exact profile of {exact.n_rows} rows, {len(exact.columns)} columns")
            return EXIT_OK
        prof = sketch_profile(
            args.data,
            columns=args.columns,
            categorical=args.categorical,
            k=args.sketch_k,
            name="DATA",
        )
    except MlauditInputError as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    prof.save(out)
    say(
        f"wrote a sketch profile (k={prof.k}) of {prof.n_rows} rows, "
        f"{len(prof.columns)} columns to {out}"
    )
    return EXIT_OK
