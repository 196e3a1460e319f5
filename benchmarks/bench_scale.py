"""Benchmark: drift at scale, in memory, from Parquet files (exact streaming and sketch
profiles) and through dask, side by side in one run.

(a) in memory, ``--rows`` (1,000,000) per side x 25 columns as ``bench_drift.py`` but with
    3 of the 20 numeric columns shifted: a per-column scipy loop, ``check_drift`` on the
    frames, and ``check_drift`` from a saved reference profile (``.npz``, loaded in the
    timing);
(b) ``--file-rows`` (20,000,000) per side x 25 columns in Parquet files (8 per side,
    written under a temp dir): the time pyarrow alone takes to read the same columns one
    at a time, the time numpy takes to sort them, the exact streaming path
    (``check_drift(files, files)``) and the sketch path (``sketch_profile`` of both sides
    and ``check_drift`` of the two profiles), with peak RSS;
(c) the same files through dask (``dd.read_parquet``) on a 2-worker LocalCluster: sketch
    profiles of both sides mapped over the partitions, merged, compared.

Every contender runs in a fresh child process (peak RSS: Linux VmHWM, reset before each
call), ``--repeat`` times in it; the table shows the median wall time and the largest
peak (for (c) the client's: the workers are processes of their own). ``--shift`` is the
mean shift of the 3 drifted columns (in sd): 0.1 (the default) gives ``D`` about 0.04,
whose p-value scipy returns at once; about 0.06 at a million rows gives ``D`` about
0.024, drifted, whose p-value scipy sums term by term (issue 12, item 6).
Generating 20M rows x 25 columns x 2 sides takes about 1.5 minutes and 6.5 GB of disk (the
whole run about 4 minutes here); pass a smaller ``--file-rows`` for a quick run.

    .venv/bin/python benchmarks/bench_scale.py [--rows 1000000] [--file-rows 20000000]
        [--repeat 3] [--shift 0.1] [--skip a b c]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_drift import (
    N_CATEGORICAL,
    N_CATEGORIES,
    N_NUMERIC,
    _peak_rss_reset,
    _trim,
    _vm,
    scipy_loop,
)

SHIFTED = 3
N_FILES = 8


def make_frame(rows: int, shift: float, rng: np.random.Generator) -> pd.DataFrame:
    """``rows`` x 25 columns; the first 3 numeric columns shifted by ``shift`` sd."""
    cats = np.array([f"category_{i:02d}" for i in range(N_CATEGORIES)])
    data: dict[str, Any] = {}
    for i in range(N_NUMERIC):
        data[f"num_{i:02d}"] = rng.normal(shift if i < SHIFTED else 0.0, 1.0, size=rows)
    p = np.random.default_rng(99).dirichlet(np.full(N_CATEGORIES, 5.0))  # both sides
    for i in range(N_CATEGORICAL):
        data[f"cat_{i}"] = pd.array(cats[rng.choice(N_CATEGORIES, size=rows, p=p)], dtype="str")
    return pd.DataFrame(data)


def write_files(folder: Path, rows: int, shift: float, seed: int) -> str:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    per = -(-rows // N_FILES)
    for i in range(N_FILES):
        n = min(per, rows - i * per)
        make_frame(n, shift, rng).to_parquet(folder / f"part-{i:02d}.parquet", index=False)
    return str(folder / "part-*.parquet")


# ------------------------------------------------------------------ contenders


def _in_memory(name: str, rows: int, tmp: str, shift: float) -> Any:
    from pytest_mlaudit import check_drift, profile_reference

    rng = np.random.default_rng(0)
    ref, cur = make_frame(rows, 0.0, rng), make_frame(rows, shift, rng)
    if name == "a: scipy loop":
        return lambda: scipy_loop(ref, cur)
    if name == "a: check_drift":
        return lambda: check_drift(ref, cur)
    path = profile_reference(ref).save(Path(tmp) / "reference.npz")
    from pytest_mlaudit import ReferenceProfile

    return lambda: check_drift(ReferenceProfile.load(path), cur)


def _read_columns(pattern: str, sort: bool) -> None:
    import glob

    import pyarrow.parquet as pq

    files = sorted(glob.glob(pattern))
    for name in pq.read_schema(files[0]).names:
        parts = [pq.read_table(f, columns=[name]) for f in files]
        import pyarrow as pa

        table = pa.concat_tables(parts)
        del parts
        if sort and name.startswith("num"):
            np.sort(table.column(0).to_numpy())
        del table


def _files(name: str, ref: str, cur: str) -> Any:
    from pytest_mlaudit import check_drift
    from pytest_mlaudit.checks.drift import sketch_profile

    if name == "b: pyarrow read":
        return lambda: (_read_columns(ref, False), _read_columns(cur, False))
    if name == "b: read + numpy sort":
        return lambda: (_read_columns(ref, True), _read_columns(cur, True))
    if name == "b: exact streaming":
        return lambda: check_drift(ref, cur)
    return lambda: check_drift(sketch_profile(ref), sketch_profile(cur))


def _dask(ref: str, cur: str) -> Any:
    def run() -> Any:
        import dask.dataframe as dd
        import distributed

        from pytest_mlaudit import check_drift
        from pytest_mlaudit.checks.drift import sketch_profile

        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster),
        ):
            return check_drift(
                sketch_profile(dd.read_parquet(ref)), sketch_profile(dd.read_parquet(cur))
            )

    return run


def _child(name: str, repeat: int, args: tuple[Any, ...], queue: Any) -> None:
    import scipy.stats  # noqa: F401

    import pytest_mlaudit.checks.drift  # noqa: F401

    if name.startswith("a:"):
        fn = _in_memory(name, *args)
    elif name.startswith("b:"):
        fn = _files(name, *args)
    else:
        fn = _dask(*args)
    walls, peaks = [], []
    for _ in range(repeat):
        _trim()
        _peak_rss_reset()
        t0 = time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - t0)
        peaks.append(_vm("VmHWM"))
        drifted = getattr(result, "drifted_columns", None)
        del result
    shown = None if drifted is None else len(drifted)
    queue.put((name, float(np.median(walls)), max(peaks), shown))


def _run(name: str, repeat: int, *args: Any) -> tuple[str, float, int, int | None]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(name, repeat, args, q))
    p.start()
    out: tuple[str, float, int, int | None] = q.get()
    p.join()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--file-rows", type=int, default=20_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--shift", type=float, default=0.1)
    parser.add_argument("--skip", nargs="*", default=[], choices=["a", "b", "c"])
    args = parser.parse_args()
    rows: list[tuple[str, float, int, int | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if "a" not in args.skip:
            for name in ("a: scipy loop", "a: check_drift", "a: saved profile"):
                rows.append(_run(name, args.repeat, args.rows, tmp, args.shift))
        if not {"b", "c"} <= set(args.skip):
            t0 = time.perf_counter()
            ref = write_files(Path(tmp) / "ref", args.file_rows, 0.0, 1)
            cur = write_files(Path(tmp) / "cur", args.file_rows, args.shift, 2)
            print(f"wrote 2 x {args.file_rows:,} rows in {time.perf_counter() - t0:.0f} s")
        if "b" not in args.skip:
            for name in (
                "b: pyarrow read",
                "b: read + numpy sort",
                "b: exact streaming",
                "b: sketch profiles",
            ):
                rows.append(_run(name, args.repeat, ref, cur))
        if "c" not in args.skip:
            rows.append(_run("c: dask sketch", args.repeat, ref, cur))
    mb = 1024 * 1024
    print(
        f"(a) {args.rows:,} rows per side in memory; (b, c) {args.file_rows:,} rows per side "
        f"in {N_FILES} Parquet files; {N_NUMERIC} numeric ({SHIFTED} shifted) + "
        f"{N_CATEGORICAL} categorical columns; shift {args.shift} sd; median of {args.repeat}"
    )
    print(f"{'contender':<22} {'wall s':>8} {'peak RSS MiB':>13} {'drifted':>8}")
    for name, wall, peak, drifted in rows:
        shown = "-" if drifted is None else str(drifted)
        print(f"{name:<22} {wall:>8.2f} {peak / mb:>13.0f} {shown:>8}")
    by = {name: wall for name, wall, _, _ in rows}
    if "a: scipy loop" in by:
        loop = by["a: scipy loop"]
        print(
            f"(a) check_drift / scipy loop: {by['a: check_drift'] / loop:.2f}x (target <= 0.3x); "
            f"saved profile / scipy loop: {by['a: saved profile'] / loop:.2f}x (target <= 0.15x)"
        )
    if "b: pyarrow read" in by:
        read, sort = by["b: pyarrow read"], by["b: read + numpy sort"]
        print(
            f"(b) sketch path / read: {by['b: sketch profiles'] / read:.2f}x (target <= 3x); "
            f"exact path / (read + sort): {by['b: exact streaming'] / sort:.2f}x "
            "(target <= 2x)"
        )


if __name__ == "__main__":
    main()
