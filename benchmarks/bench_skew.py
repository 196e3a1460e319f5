"""Benchmark: examples checked per second by check_parity, and check_skew on big logs.

Pipelines: the 20-feature offline (pandas) / online (plain Python) pair of
``tests/checks/parity/parity_pipelines.py`` (log transforms, fills, clipping, rounding, category
codes, string normalisation, UTC and local-time features, a rolling mean over a list).

1. **Hypothesis path**: ``check_parity(offline, online, records_strategy(),
   max_examples=N)`` on the correct pair. Every generated record is checked; the offline
   side runs once on the generated batch, the online side once per record. Reported:
   examples/s overall, and the time to generate the records alone. A buggy pair adds the
   shrinking of one counterexample (single-record runs of both pipelines).
2. **Batch path**: ``check_parity`` on ``--rows`` real logged rows (every row checked):
   with a vectorised micro-batch online side (``online_mode="records"``, batches of
   ``--batch``) and, for contrast, with the per-record online side (a Python loop is
   unavoidable there). The comparison itself is vectorised in both cases.
3. ``check_skew`` on ``--rows`` training vs serving feature rows: distributions
   (Jensen-Shannon / L-infinity) and the row-joined comparison on an id.

Medians of ``--repeat`` runs after a warm-up run that pays the imports.

    .venv/bin/python benchmarks/bench_skew.py [--examples 1000] [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.checks.parity

from pytest_mlaudit import check_parity, check_skew
from pytest_mlaudit.checks.parity.frames import records_from_frame
from pytest_mlaudit.checks.parity.search import explore
from tests.checks.parity import parity_pipelines as P


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    n_features = len(P.FEATURES)
    print(f"pipeline: {n_features} features; python {sys.version.split()[0]}")

    # 1. hypothesis path
    strategy = P.records_strategy()
    gen_s, records = timed(
        lambda: explore(strategy, max_examples=args.examples, seed=0), args.repeat
    )
    secs, report = timed(
        lambda: check_parity(P.offline, P.online, strategy, max_examples=args.examples, seed=0),
        args.repeat,
    )
    assert report.passed, report.summary()
    print(
        f"hypothesis, correct pair: {report.n_generated} examples in {secs:.2f} s = "
        f"{report.n_generated / secs:,.0f} examples/s (generating alone: {gen_s:.2f} s = "
        f"{len(records) / gen_s:,.0f} records/s)"
    )
    bug = next(b for b in P.BUGS if b.name == "off_by_one_window")
    secs, report = timed(
        lambda: check_parity(bug.offline, bug.online, strategy, max_examples=args.examples, seed=0),
        args.repeat,
    )
    assert report.mismatched_features == ("mean_last_7",)
    print(f"hypothesis, buggy pair (+ shrinking one counterexample): {secs:.2f} s")

    # 2. batch path on logged rows
    raw = P.make_raw(args.rows, seed=1)
    records = records_from_frame(raw)

    def pipelines_alone(per_record: bool) -> None:
        P.offline(raw)
        if per_record:
            [P.online(r) for r in records]
        else:
            for lo in range(0, len(records), args.batch):
                P.online_micro_batch(records[lo : lo + args.batch])

    alone, _ = timed(lambda: pipelines_alone(False), args.repeat)
    secs, report = timed(
        lambda: check_parity(
            P.offline, P.online_micro_batch, raw, online_mode="records", batch_size=args.batch
        ),
        args.repeat,
    )
    assert report.passed, report.summary()
    print(
        f"batch path, vectorised micro-batches of {args.batch}: {args.rows:,} rows in "
        f"{secs:.2f} s = {args.rows / secs:,.0f} rows/s (the two pipelines alone: "
        f"{alone:.2f} s)"
    )
    alone, _ = timed(lambda: pipelines_alone(True), 1)
    secs, report = timed(lambda: check_parity(P.offline, P.online, raw), 1)
    assert report.passed, report.summary()
    print(
        f"batch path, per-record online: {args.rows:,} rows in {secs:.2f} s = "
        f"{args.rows / secs:,.0f} rows/s (the two pipelines alone: {alone:.2f} s)"
    )

    # 3. check_skew on logged features
    training = P.offline(P.make_raw(args.rows, seed=2)).reset_index(names="id")
    serving = P.offline(raw).reset_index(names="id")
    numeric = training.drop(columns=["region_clean", "age_bucket"])
    served = serving.drop(columns=["region_clean", "age_bucket"])
    secs, report = timed(
        lambda: check_skew(numeric, served, id_column="id", max_mismatch_rate=1.0), args.repeat
    )
    print(
        f"check_skew, {args.rows:,} x {numeric.shape[1] - 1} features, distributions + "
        f"join on id: {secs:.2f} s = {args.rows / secs:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
