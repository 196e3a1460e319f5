"""Sketch profiles: merge, files, the KS bound and the honest three-way verdict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("datasketches")

from pytest_mlaudit.checks.drift import SketchProfile, check_drift, sketch_profile
from pytest_mlaudit.checks.drift.profile import CategoricalProfile
from pytest_mlaudit.checks.drift.sketch import NumericSketch
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.stats.ks import ks_statistic_sorted
from pytest_mlaudit.stats.sketch import ks_sketch, ks_sketch_exact, new_sketch


def _frame(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    x = rng.normal(shift, 1.0, n)
    x[rng.random(n) < 0.03] = np.nan
    return pd.DataFrame(
        {"x": x, "y": rng.exponential(1.0, n), "c": rng.choice(["a", "b", "c", "d"], n)}
    )


def _exact_d(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.sort(a[~np.isnan(a)]), np.sort(b[~np.isnan(b)])
    return float(ks_statistic_sorted(a, b))


def test_drift_sketch_merged_partitions_equal_the_whole(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    frame = _frame(rng, 60_000)
    parts = [sketch_profile(frame.iloc[i : i + 15_000], k=400) for i in range(0, 60_000, 15_000)]
    merged = SketchProfile.merge_all(parts)
    whole = sketch_profile(frame, k=400)
    assert merged.n_rows == whole.n_rows == 60_000
    for name in ("x", "y"):
        m, w = merged.columns[name], whole.columns[name]
        assert isinstance(m, NumericSketch) and isinstance(w, NumericSketch)
        assert (m.n, m.n_missing) == (w.n, w.n_missing)  # counts: exactly
        assert m.sketch.n == w.sketch.n
        # the two sketches of the same data: CDFs within both rank errors
        d = ks_sketch(m.sketch, w.sketch)
        assert d.statistic <= d.bound
    # a merged profile against the very data it summarises: D within the bound (of 0)
    report = check_drift(merged, frame)
    for row in report.columns:
        if row.method == "ks_sketch":
            assert row.statistic <= float(row.details["bound"]), row
            assert row.details["verdict"] == "not drifted"
    mc, wc = merged.columns["c"], whole.columns["c"]
    assert not isinstance(mc, NumericSketch) and not isinstance(wc, NumericSketch)
    assert mc.categories == wc.categories and mc.counts.tolist() == wc.counts.tolist()
    # per-file profiles of Parquet files merge the same way
    pytest.importorskip("pyarrow")
    for i, part in enumerate(np.array_split(np.arange(60_000), 3)):
        frame.iloc[part].to_parquet(tmp_path / f"p{i}.parquet", index=False)
    per_file = SketchProfile.merge_all(
        sketch_profile(p, k=400) for p in sorted(tmp_path.glob("*.parquet"))
    )
    assert per_file.columns["c"].counts.tolist() == wc.counts.tolist()
    assert per_file.columns["x"].n_missing == whole.columns["x"].n_missing


def test_drift_sketch_profile_files_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    ref, cur = _frame(rng, 20_000), _frame(rng, 20_000, 0.3)
    prof = sketch_profile(ref, k=300)
    path = prof.save(tmp_path / "ref.profile")
    assert path.read_bytes()[:1] == b"{"  # JSON, not a pickle
    loaded = SketchProfile.load(path)
    assert check_drift(loaded, cur).to_dict() == check_drift(prof, cur).to_dict()
    assert check_drift(prof, cur).to_dict() == check_drift(prof, cur).to_dict()  # deterministic
    for broken in ("", "{}", '{"format": "pytest-mlaudit sketch profile 1", "k": 3}'):
        (tmp_path / "bad.profile").write_text(broken)
        with pytest.raises(MlauditInputError, match="not a valid pytest-mlaudit sketch"):
            SketchProfile.load(tmp_path / "bad.profile")
    with pytest.raises(MlauditInputError, match="no sketch profile"):
        SketchProfile.load(tmp_path / "missing.profile")


def test_drift_sketch_small_data_is_exact() -> None:
    """A sketch that kept every value has no error: the same D as the exact test."""
    rng = np.random.default_rng(3)
    ref, cur = _frame(rng, 1500), _frame(rng, 1200, 0.2)
    report = check_drift(sketch_profile(ref, k=2000), cur)
    (row,) = [r for r in report.column("x") if r.method == "ks_sketch"]
    assert row.details["bound"] == 0.0
    assert row.statistic == pytest.approx(_exact_d(ref["x"].to_numpy(), cur["x"].to_numpy()))
    exact_chi2 = [r for r in check_drift(ref, cur).columns if r.method == "chi2"]
    sketch_chi2 = [r for r in report.columns if r.method == "chi2"]
    assert [r.statistic for r in sketch_chi2] == [r.statistic for r in exact_chi2]


def test_drift_sketch_refuses_other_numeric_methods() -> None:
    rng = np.random.default_rng(4)
    ref = _frame(rng, 3000)
    with pytest.raises(MlauditInputError, match="KS statistic and its bound only"):
        check_drift(sketch_profile(ref), ref, methods={"x": "psi"})


@pytest.mark.slow
@pytest.mark.parametrize("both_sketched", [False, True])
def test_drift_sketch_verdicts_never_contradict_the_exact_d(both_sketched: bool) -> None:
    """Over seeded trials with D near the floor: "drifted" only when the exact D is above
    the floor, "not drifted" only when it is at most the floor plus the bound; the
    sketch's D is within its bound of the exact D."""
    rng = np.random.default_rng(2026)
    floor, k, n = 0.02, 1000, 40_000
    seen = {"drifted": 0, "not drifted": 0, "undecided": 0}
    worst = 0.0
    for trial in range(60):
        shift = [0.0, 0.045, 0.05, 0.055, 0.07][trial % 5]
        ref = pd.DataFrame({"x": rng.normal(0, 1, n)})
        cur = pd.DataFrame({"x": rng.normal(shift, 1, n)})
        prof = sketch_profile(ref, k=k)
        current = sketch_profile(cur, k=k) if both_sketched else cur
        report = check_drift(prof, current, min_effect=floor)
        (row,) = report.columns
        exact = _exact_d(ref["x"].to_numpy(), cur["x"].to_numpy())
        bound = float(row.details["bound"])
        worst = max(worst, abs(row.statistic - exact) / bound)
        verdict = str(row.details["verdict"])
        seen[verdict] += 1
        if verdict == "drifted":
            assert exact > floor, (trial, exact, row)
        elif verdict == "not drifted":
            assert exact <= floor + bound, (trial, exact, row)
        assert (verdict == "undecided") == (report.undecided_columns == ("x",))
        assert row.drifted == (verdict == "drifted")
    assert worst <= 1.0, worst
    assert all(seen.values()), seen  # the trials reach all three verdicts


def test_drift_sketch_exact_current_matches_the_merge_formula() -> None:
    rng = np.random.default_rng(5)
    for n in (100, 5000, 80_000):
        x, y = np.sort(rng.normal(size=n)), np.sort(rng.normal(0.1, 1.0, n // 2 + 7))
        sketch = new_sketch(200)
        sketch.update(x)
        got = ks_sketch_exact(sketch, y)
        exact = float(ks_statistic_sorted(x, y))
        assert abs(got.statistic - exact) <= got.bound + 1e-12
        if got.bound == 0.0:
            assert got.statistic == pytest.approx(exact, abs=1e-12)


def test_drift_sketch_of_sorted_chunks_keeps_its_rank_error() -> None:
    """Chunks are sorted before they reach the sketch (faster compaction); KLL's bound
    holds for any order: the profile's CDF stays within its rank error of the exact one,
    and the missing values of every chunk are counted."""
    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(21)
    worst = 0.0
    for trial in range(20):
        n = 120_000
        x = rng.normal(size=n) if trial % 2 else rng.exponential(size=n)
        x[rng.random(n) < 0.02] = np.nan
        table = pa.Table.from_pandas(pd.DataFrame({"x": x}), preserve_index=False)
        chunked = pa.Table.from_batches(table.to_batches(max_chunksize=7_000))
        prof = sketch_profile(chunked, k=200).columns["x"]
        assert isinstance(prof, NumericSketch)
        assert prof.n_missing == int(np.isnan(x).sum()) and prof.sketch.n == n - prof.n_missing
        exact = np.sort(x[~np.isnan(x)])
        points = exact[:: exact.size // 500]
        est = np.asarray(prof.sketch.get_cdf(points.tolist(), inclusive=True))[:-1]
        err = float(np.abs(est - np.searchsorted(exact, points, side="right") / exact.size).max())
        worst = max(worst, err / prof.rank_error)
    assert 0 < worst <= 1.0


def test_drift_sketch_of_parquet_string_columns_counts_as_pandas(tmp_path: Path) -> None:
    """Parquet string columns are read as dictionaries, chunk by chunk: the exact counts
    (missing values, values absent from some files) equal those of the frame."""
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(4)
    city = np.array(rng.choice(["oslo", "rome", "lima"], 9_000), dtype=object)
    city[rng.random(9_000) < 0.1] = None
    city[:3_000] = "oslo"
    frame = pd.DataFrame({"city": pd.Series(city, dtype=object), "x": rng.normal(size=9_000)})
    for i in range(3):
        frame.iloc[i * 3_000 : (i + 1) * 3_000].to_parquet(tmp_path / f"p{i}.parquet")
    from_files = sketch_profile(str(tmp_path / "*.parquet")).columns["city"]
    in_memory = sketch_profile(frame).columns["city"]
    assert isinstance(from_files, CategoricalProfile) and isinstance(in_memory, CategoricalProfile)
    assert dict(zip(from_files.categories, from_files.counts.tolist(), strict=True)) == dict(
        zip(in_memory.categories, in_memory.counts.tolist(), strict=True)
    )
    assert from_files.n_missing == in_memory.n_missing > 0
