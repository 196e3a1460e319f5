"""Exact streaming: Parquet inputs are checked one column at a time, with the in-memory
check's numbers, and memory bounded by a column per side, not the table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import check_drift, profile_reference

pytest.importorskip("pyarrow")


def _write(folder: Path, frame: pd.DataFrame, parts: int) -> str:
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[rows].to_parquet(folder / f"f{i:02d}.parquet", index=False)
    return str(folder / "*.parquet")


def _side(rng: np.random.Generator, n: int, shift: float) -> pd.DataFrame:
    data = {f"n{i}": rng.normal(shift if i < 2 else 0.0, 1.0, n) for i in range(8)}
    data["ints"] = rng.integers(0, 1000, n)
    data["cat"] = rng.choice(list("abcdef"), n)
    data["flag"] = rng.random(n) < (0.3 + shift)
    frame = pd.DataFrame(data)
    frame.loc[rng.random(n) < 0.02, "n3"] = np.nan
    return frame


@pytest.mark.parametrize("methods", [None, ["psi"], {"n0": ["ks", "wasserstein", "js"]}])
def test_drift_streaming_equals_in_memory_exactly(methods: object, tmp_path: Path) -> None:
    rng = np.random.default_rng(2026)
    ref, cur = _side(rng, 40_000, 0.0), _side(rng, 25_000, 0.05)
    if methods == ["psi"]:
        kwargs: dict[str, object] = {"methods": "psi", "columns": [f"n{i}" for i in range(8)]}
    else:
        kwargs = {"methods": methods}
    ref_files, cur_files = _write(tmp_path / "r", ref, 4), _write(tmp_path / "c", cur, 7)
    expected = check_drift(ref, cur, **kwargs)  # type: ignore[arg-type]
    streamed = check_drift(ref_files, cur_files, **kwargs)  # type: ignore[arg-type]
    assert streamed.to_dict() == expected.to_dict()
    assert streamed.passed == expected.passed
    # the same against a profile made from the files
    prof_files = profile_reference(ref_files, sample_size=10_000, seed=3)
    prof_mem = profile_reference(ref, sample_size=10_000, seed=3)
    assert (
        check_drift(prof_files, cur_files, **kwargs).to_dict()  # type: ignore[arg-type]
        == check_drift(prof_mem, cur, **kwargs).to_dict()  # type: ignore[arg-type]
    )


_MEASURE = """
import json, sys, tracemalloc
import numpy as np, pyarrow as pa
from pytest_mlaudit import check_drift

warm = np.random.default_rng(0).normal(size=(50, 2))
check_drift(warm, warm + 1)  # scipy imported before measuring
columns = None if sys.argv[3] == "all" else [sys.argv[3]]
tracemalloc.start()
report = check_drift(sys.argv[1], sys.argv[2], columns=columns, n_jobs=1)
numpy_peak = tracemalloc.get_traced_memory()[1]
arrow_peak = pa.default_memory_pool().max_memory()
print(json.dumps({"peak": numpy_peak + arrow_peak, "passed": report.passed,
                  "columns": len(report.checked_columns)}))
"""


def _peak(paths: list[str], which: str) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *paths, which],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_drift_streaming_peak_memory_is_about_a_column(tmp_path: Path) -> None:
    """Peak memory (numpy allocations, traced, plus pyarrow's pool) of a 48-column check
    is that of one column pair, far below the tables' size."""
    rng = np.random.default_rng(7)
    n, cols = 200_000, 48
    paths, table_bytes = [], 0
    for side, shift in (("r", 0.0), ("c", 0.1)):
        frame = pd.DataFrame({f"x{i}": rng.normal(shift, 1.0, n) for i in range(cols)})
        paths.append(_write(tmp_path / side, frame, 4))
        table_bytes += int(frame.memory_usage(index=False).sum())
        del frame
    every = _peak(paths, "all")
    one = _peak(paths, "x1")
    assert every["columns"] == cols and every["passed"] is False
    # 2 x 77 MB of tables; the check holds one column pair and its sort at a time
    assert every["peak"] < 0.25 * table_bytes, (every, table_bytes)
    assert every["peak"] < 1.5 * one["peak"], (every, one)


def test_drift_streaming_string_columns_read_as_dictionaries_equal_in_memory(
    tmp_path: Path,
) -> None:
    """String columns are read from Parquet as dictionaries (an index per row): with
    missing values, values absent from some files and values only in current, the report
    and the reference profile equal those of the same data in pandas."""
    rng = np.random.default_rng(7)

    def side(n: int, labels: list[str]) -> pd.DataFrame:
        city = np.array(rng.choice(labels, n), dtype=object)
        city[rng.random(n) < 0.05] = None
        return pd.DataFrame({"city": pd.Series(city, dtype=object), "x": rng.normal(size=n)})

    ref = side(30_000, ["oslo", "rome", "lima", "pune"])
    ref.loc[:9_999, "city"] = "oslo"  # the first file holds one value only
    cur = side(20_000, ["oslo", "rome", "lima", "kyiv"])  # kyiv unseen, pune gone
    ref_files, cur_files = _write(tmp_path / "r", ref, 3), _write(tmp_path / "c", cur, 4)
    for kwargs in ({}, {"methods": {"city": ["chi2", "psi", "linf"]}}):
        expected = check_drift(ref, cur, **kwargs)  # type: ignore[arg-type]
        streamed = check_drift(ref_files, cur_files, **kwargs)  # type: ignore[arg-type]
        assert streamed.to_dict() == expected.to_dict()
    assert streamed.unseen_categories == {"city": ("kyiv",)}
    prof_files, prof_mem = profile_reference(ref_files), profile_reference(ref)
    assert prof_files.columns["city"].categories == prof_mem.columns["city"].categories
    assert (prof_files.columns["city"].counts == prof_mem.columns["city"].counts).all()
    assert prof_files.columns["city"].n_missing == prof_mem.columns["city"].n_missing > 0
