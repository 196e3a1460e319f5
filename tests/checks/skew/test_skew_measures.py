"""SkewReport.measures(): per feature its distribution distance (named after the method) and
its joined diff rate, each breached exactly when the report calls the feature skewed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pytest_mlaudit import check_skew
from pytest_mlaudit._serde import to_jsonable
from pytest_mlaudit.checks.skew import SkewReport
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import BadWhen


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    n = 2000
    train = pd.DataFrame(
        {
            "id": np.arange(n),
            "x": rng.normal(size=n),
            "ok": rng.normal(size=n),
            "c": rng.choice(["a", "b", "c"], n),
            "t": rng.normal(size=n),
        }
    )
    serve = train.copy()
    serve["x"] = serve["x"] * 3  # a unit bug
    serve.loc[:99, "c"] = "a"  # 5% of rows change category: a joined mismatch, small L-inf
    serve["t"] = serve["t"].astype(str)  # a type change
    return train, serve


def test_measures_agree_with_the_skewed_rows() -> None:
    train, serve = frames()
    report = check_skew(train, serve, id_column="id")
    measures = report.measures()
    dist = [m for m in measures if m.name != "diff_rate"]
    joined = [m for m in measures if m.name == "diff_rate"]
    assert [(m.subject, m.name) for m in dist] == [
        (d.feature, d.method) for d in report.distribution
    ]
    assert [m.subject for m in joined] == [j.feature for j in report.joined]
    assert all(m.bad_when is BadWhen.ABOVE for m in measures)
    for m, d in zip(dist, report.distribution, strict=True):
        assert (m.statistic, m.threshold, m.breached) == (d.statistic, d.threshold, d.skewed)
    for m, j in zip(joined, report.joined, strict=True):
        assert (m.threshold, m.breached) == (j.threshold, j.skewed)
    assert {m.name for m in dist} == {"js", "linf", "type"}
    breached = {m.subject for m in measures if m.breached}
    assert breached == set(report.skewed_features) == {"x", "c", "t"}
    by = {(m.subject, m.name): m for m in measures}
    assert not by[("c", "linf")].breached and by[("c", "diff_rate")].breached


def test_measures_round_trip_through_to_dict_and_the_record() -> None:
    train, serve = frames()
    report = check_skew(train, serve, id_column="id")
    again = SkewReport.from_dict(report.to_dict())
    assert to_jsonable(again.measures()) == to_jsonable(report.measures())
    entry = CheckEntry.from_report("skew", report, nodeid="t::x")
    back = CheckEntry.from_dict(entry.to_dict())
    assert to_jsonable(back.measures) == to_jsonable(report.measures())
