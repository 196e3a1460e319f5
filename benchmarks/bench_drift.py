"""Benchmark: check_drift vs a plain per-column scipy loop on the same data.

1,000,000 rows per side x (20 numeric + 5 categorical string columns with ~20 categories).
Each contender runs in a fresh child process on the same seeded data; the table reports
wall time, the peak resident set size during the call (Linux VmHWM, reset just before the
call via /proc/self/clear_refs) and the data's own size (pandas deep memory usage of both
frames), then the ratios.

    .venv/bin/python benchmarks/bench_drift.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import time
from typing import Any

import numpy as np
import pandas as pd

N_NUMERIC = 20
N_CATEGORICAL = 5
N_CATEGORIES = 20


def make_data(rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cats = np.array([f"category_{i:02d}" for i in range(N_CATEGORIES)])

    def frame(shift: float) -> pd.DataFrame:
        data: dict[str, Any] = {}
        for i in range(N_NUMERIC):
            data[f"num_{i:02d}"] = rng.normal(shift if i == 0 else 0.0, 1.0, size=rows)
        p = rng.dirichlet(np.full(N_CATEGORIES, 5.0))
        for i in range(N_CATEGORICAL):
            data[f"cat_{i}"] = pd.array(cats[rng.choice(N_CATEGORIES, size=rows, p=p)], dtype="str")
        return pd.DataFrame(data)

    return frame(0.0), frame(0.05)


def scipy_loop(ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, float]:
    """What a user writes by hand: ks_2samp per numeric column, chi2_contingency per
    categorical column on value counts aligned by category."""
    from scipy import stats

    out = {}
    for col in ref.columns:
        if pd.api.types.is_numeric_dtype(ref[col]):
            out[col] = stats.ks_2samp(ref[col].to_numpy(), cur[col].to_numpy()).pvalue
        else:
            table = pd.concat([ref[col].value_counts(), cur[col].value_counts()], axis=1).fillna(0)
            out[col] = stats.chi2_contingency(table.to_numpy().T).pvalue
    return out


def mlaudit(ref: pd.DataFrame, cur: pd.DataFrame) -> Any:
    from pytest_mlaudit import check_drift

    return check_drift(ref, cur)


def _trim() -> None:
    """Give freed heap memory back to the OS (glibc), so RSS before the call is honest."""
    import ctypes

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc
        pass


def _peak_rss_reset() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _vm(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def _child(name: str, rows: int, repeat: int, queue: Any) -> None:
    import scipy.stats  # noqa: F401  (import cost outside the timing, for both)

    import pytest_mlaudit.checks.drift  # noqa: F401

    libs = _vm("VmRSS")  # the interpreter and libraries, before any data
    ref, cur = make_data(rows)
    _trim()
    data_bytes = int(ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum())
    fn = {"scipy loop": scipy_loop, "check_drift": mlaudit}[name]
    times, peaks = [], []
    for _ in range(repeat):
        _trim()
        before = _vm("VmRSS")
        _peak_rss_reset()
        t0 = time.perf_counter()
        fn(ref, cur)
        times.append(time.perf_counter() - t0)
        peaks.append((_vm("VmHWM"), before))
    best = int(np.argmin(times))
    queue.put((name, min(times), peaks[best][0], peaks[best][1], data_bytes, libs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    results = {}
    for name in ("scipy loop", "check_drift"):
        q = ctx.Queue()
        p = ctx.Process(target=_child, args=(name, args.rows, args.repeat, q))
        p.start()
        results[name] = q.get()
        p.join()
    mb = 1024 * 1024
    print(
        f"rows per side: {args.rows:,}; columns: {N_NUMERIC} numeric + {N_CATEGORICAL} "
        f"categorical ({N_CATEGORIES} string categories); best of {args.repeat}"
    )
    print(
        f"{'contender':<12} {'wall s':>8} {'libs MiB':>9} {'data MiB':>9} {'before MiB':>11} "
        f"{'peak MiB':>9} {'peak/data':>10} {'(peak-libs)/data':>17}"
    )
    for name, (_, t, peak, before, data, libs) in results.items():
        print(
            f"{name:<12} {t:>8.2f} {libs / mb:>9.0f} {data / mb:>9.0f} {before / mb:>11.0f} "
            f"{peak / mb:>9.0f} {peak / data:>10.2f} {(peak - libs) / data:>17.2f}"
        )
    base, ours = results["scipy loop"], results["check_drift"]
    print(f"time ratio check_drift / scipy loop: {ours[1] / base[1]:.2f}x (target <= 0.4x)")
    print(
        f"check_drift peak RSS / data size: {ours[2] / ours[4]:.2f}x with the interpreter and "
        f"libraries, {(ours[2] - ours[5]) / ours[4]:.2f}x without them (target <= 1.3x); "
        f"memory added during the call: {(ours[2] - ours[3]) / mb:.0f} MiB"
    )


if __name__ == "__main__":
    main()
