"""How long `render_report` takes on a realistic record, kernel start included.

The record: a drift check over 50 columns (numeric and categorical, with drifted columns,
a null-rate change and unseen categories), a failing parity check with counterexamples,
a failing deployment gate with its artifact checks, a label audit and a load run with its
time series. Target: <= 5 s per render.

    python benchmarks/bench_report.py [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "report"))

TARGET_S = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="renders to time (default 3)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the last report here")
    args = parser.parse_args(argv)

    import fixture_records

    from pytest_mlaudit.report import render_report

    with tempfile.TemporaryDirectory() as tmp:
        record = fixture_records.benchmark_record(Path(tmp) / "audit.json")
        times = []
        for i in range(args.repeat):
            out = args.keep if (args.keep and i == args.repeat - 1) else Path(tmp) / f"r{i}"
            started = time.perf_counter()
            html = render_report(record, out)
            times.append(time.perf_counter() - started)
            print(
                f"render {i + 1}/{args.repeat}: {times[-1]:.2f} s "
                f"({html.stat().st_size / 1024:.0f} KiB of HTML)"
            )
    median = statistics.median(times)
    verdict = "within" if median <= TARGET_S else "OVER"
    print(
        f"bench_report: median {median:.2f} s, best {min(times):.2f} s over {len(times)} "
        f"render(s) of 50 drift columns + parity + gate + labels + load, kernel start included "
        f"({verdict} the {TARGET_S:.0f} s target)"
    )
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
