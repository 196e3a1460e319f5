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

    ref, cur = make_data(rows)
    data_bytes = int(ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum())
    fn = {"scipy loop": scipy_loop, "check_drift": mlaudit}[name]
    times, peaks = [], []
    for _ in range(repeat):
        gc.collect()
        before = _vm("VmRSS")
        _peak_rss_reset()
        t0 = time.perf_counter()
        fn(ref, cur)
        times.append(time.perf_counter() - t0)
        peaks.append((_vm("VmHWM"), before))
    best = int(np.argmin(times))
    queue.put((name, min(times), peaks[best][0], peaks[best][1], data_bytes))


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
        f"{'contender':<12} {'wall s':>8} {'peak RSS MiB':>13} {'RSS before MiB':>15} "
        f"{'data MiB':>9} {'peak/data':>10}"
    )
    for name, (_, t, peak, before, data) in results.items():
        print(
            f"{name:<12} {t:>8.2f} {peak / mb:>13.0f} {before / mb:>15.0f} {data / mb:>9.0f} "
            f"{peak / data:>10.2f}"
        )
    base, ours = results["scipy loop"], results["check_drift"]
    print(f"time ratio check_drift / scipy loop: {ours[1] / base[1]:.2f}x (target <= 0.4x)")
    print(
        f"peak RSS / data size (check_drift): {ours[2] / ours[4]:.2f}x (target <= 1.3x); "
        f"extra memory during the call: {(ours[2] - ours[3]) / mb:.0f} MiB"
    )


if __name__ == "__main__":
    main()
