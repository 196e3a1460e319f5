"""``mlaudit drift``: the drift check for scheduled jobs, without pytest.

``mlaudit drift REFERENCE CURRENT`` compares two datasets (CSV/Parquet files, folders or
globs; quote globs for the shell) exactly, one column at a time;
``mlaudit drift --profile reference.profile CURRENT`` compares the current data with a
saved profile (a sketch profile from ``mlaudit profile``, or an exact ``.npz``
:class:`~pytest_mlaudit.ReferenceProfile`). Prints the summary table; ``--json OUT``
writes the report. Exit status: 0 no drift, 1 drift, 2 bad input. On long runs (or with
``--progress``) a line per column on stderr says how far it got.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pytest_mlaudit.cli._output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say

__all__ = ["add_arguments", "run"]

#: seconds after which progress lines are shown without --progress
PROGRESS_AFTER = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit drift``."""
    parser.add_argument(
        "data",
        nargs="+",
        metavar="DATA",
        help="REFERENCE CURRENT (files, folders or globs), or CURRENT alone with --profile",
    )
    parser.add_argument("--profile", metavar="FILE", default=None, help="a saved reference profile")
    parser.add_argument("--columns", nargs="*", default=None, metavar="COLUMN")
    parser.add_argument("--json", metavar="OUT", default=None, help="write the report as JSON")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--min-effect", type=float, default=0.02, help="effect floor (0.02)")
    parser.add_argument("--drift-share", type=float, default=0.0)
    parser.add_argument("--jobs", type=int, default=1, help="threads over columns (1)")
    parser.add_argument(
        "--progress", action="store_true", help="a line per column on stderr from the start"
    )


class _Progress:
    """A :class:`~pytest_mlaudit.io.sources.Source` that says which column it reads."""

    def __init__(self, inner: Any, *, total: int, always: bool) -> None:
        self.inner, self.name = inner, inner.name
        self.total, self.always = total, always
        self.done = 0
        self.start = time.monotonic()

    def columns(self) -> list[str]:
        names: list[str] = self.inner.columns()
        return names

    def n_rows(self) -> int:
        return int(self.inner.n_rows())

    def read_columns(self, names: Sequence[str]) -> Any:
        self.done += 1
        elapsed = time.monotonic() - self.start
        if self.always or elapsed > PROGRESS_AFTER:
            say(f"[{self.done}/{self.total}] {', '.join(names)} ({elapsed:.1f} s)")
        return self.inner.read_columns(names)

    def iter_column(self, name: str) -> Iterator[Any]:
        yield from self.inner.iter_column(name)


def load_profile(path: str) -> Any:
    """A saved profile: ``.npz`` an exact ReferenceProfile, anything else a SketchProfile."""
    if Path(path).suffix == ".npz":
        from pytest_mlaudit.checks.drift import ReferenceProfile

        return ReferenceProfile.load(path)
    from pytest_mlaudit.checks.drift import SketchProfile

    return SketchProfile.load(path)


def run(args: argparse.Namespace) -> int:
    """``mlaudit drift``: 0 no drift, 1 drift, 2 bad input."""
    from pytest_mlaudit.checks.drift import check_drift
    from pytest_mlaudit.errors import MlauditInputError
    from pytest_mlaudit.io.sources import open_source

    wanted = 1 if args.profile else 2
    if len(args.data) != wanted:
        say(
            "error: give REFERENCE and CURRENT, or --profile FILE and CURRENT; got "
            f"{len(args.data)} data argument(s)."
        )
        return EXIT_USAGE
    try:
        reference: Any = load_profile(args.profile) if args.profile else args.data[0]
        current = open_source(args.data[-1], name="current")
        if args.profile:
            names = list(reference.columns)
        else:
            names = open_source(reference, name="reference").columns()
        total = len(args.columns) if args.columns else len(names)
        report = check_drift(
            reference,
            _Progress(current, total=total, always=args.progress),
            columns=args.columns,
            alpha=args.alpha,
            min_effect=args.min_effect,
            drift_share=args.drift_share,
            n_jobs=args.jobs,
        )
    except MlauditInputError as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    print(report.summary())
    sys.stdout.flush()
    if args.json:
        try:
            Path(args.json).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        except OSError as exc:
            say(f"could not write {args.json}: {exc}")
            return EXIT_USAGE
    return EXIT_OK if report.passed else EXIT_FAILED
