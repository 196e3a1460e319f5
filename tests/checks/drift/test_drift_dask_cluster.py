"""Sketch profiles over dask: the sketch is mapped over partitions on a 2-worker
``distributed.LocalCluster`` and merged; the result equals a profile of the whole."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("datasketches")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from pytest_mlaudit.checks.drift import check_drift, sketch_profile  # noqa: E402
from pytest_mlaudit.checks.drift.sketch import NumericSketch  # noqa: E402
from pytest_mlaudit.stats.sketch import ks_sketch  # noqa: E402


def test_drift_dask_sketch_profile_on_a_local_cluster() -> None:
    rng = np.random.default_rng(8)
    n = 200_000
    ref = pd.DataFrame(
        {
            "x": rng.normal(0, 1, n),
            "y": np.where(rng.random(n) < 0.02, np.nan, rng.exponential(1.0, n)),
            "c": rng.choice(["a", "b", "c"], n),
        }
    )
    cur = ref.assign(x=rng.normal(0.1, 1, n))
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        distributed.Client(cluster, timeout="60s") as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        prof = sketch_profile(dd.from_pandas(ref, npartitions=8), k=1000)
        report = check_drift(prof, dd.from_pandas(cur, npartitions=4))
    whole = sketch_profile(ref, k=1000)
    assert prof.n_rows == n and prof.k == 1000
    for name in ("x", "y"):
        got, want = prof.columns[name], whole.columns[name]
        assert isinstance(got, NumericSketch) and isinstance(want, NumericSketch)
        assert (got.n, got.n_missing, got.sketch.n) == (want.n, want.n_missing, want.sketch.n)
        d = ks_sketch(got.sketch, want.sketch)
        assert d.statistic <= d.bound
    assert prof.columns["c"].counts.tolist() == whole.columns["c"].counts.tolist()
    assert report.drifted_columns == ("x",)
