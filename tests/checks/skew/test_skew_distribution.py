"""check_skew: TFDV-style distribution skew and row-joined skew of served features."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import distance

from pytest_mlaudit import MlauditInputError, check_skew
from pytest_mlaudit.checks.skew import SkewReport
from pytest_mlaudit.result import report_from_dict
from pytest_mlaudit.stats.histogram import bin_counts_sorted, quantile_edges, with_support_bins


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 4000
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "income_log": rng.normal(10.6, 0.5, n),
            "region": rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2]),
            "n_accounts": rng.poisson(4, n),
        }
    )


def test_identical_features_do_not_skew(features) -> None:
    report = check_skew(features, features.copy(), id_column="id")
    assert report.passed and report.skewed_features == ()
    assert {d.method for d in report.distribution} == {"js", "linf"}
    assert all(d.statistic == 0 for d in report.distribution)
    assert all(j.match_count == j.n_joined == 4000 for j in report.joined)


def test_distribution_methods_default_per_type_and_reference_values() -> None:
    train = pd.DataFrame({"c": ["a"] * 50 + ["b"] * 50, "x": np.arange(100.0)})
    serve = pd.DataFrame(
        {
            "c": ["a"] * 30 + ["b"] * 60 + ["c"] * 10,
            "x": np.r_[np.arange(50.0), np.arange(50.0) + 200],
        }
    )
    report = check_skew(train, serve)
    c = next(d for d in report.distribution if d.feature == "c")
    assert c.method == "linf" and c.statistic == pytest.approx(0.2)  # |0.5 - 0.3| and c: 0.1
    assert c.details["unseen"] == "c" and c.details["unseen_share"] == pytest.approx(0.1)
    x = next(d for d in report.distribution if d.feature == "x")
    edges = quantile_edges(np.arange(100.0), 10)
    ref_counts = bin_counts_sorted(np.arange(100.0), edges)
    # serving values above the training maximum (200..249) get a bin of their own
    edges, ref_counts = with_support_bins(edges, ref_counts, 0.0, 99.0, 0.0, 249.0)
    ref = [*ref_counts, 0]
    cur = [*bin_counts_sorted(np.sort(serve["x"].to_numpy()), edges), 0]
    expected = distance.jensenshannon(np.divide(ref, 100), np.divide(cur, 100), base=2)
    assert x.method == "js" and x.statistic == pytest.approx(expected)
    assert report.skewed_features == ("c", "x")


def test_a_serving_unit_bug_and_a_null_rate_change_are_skew(features) -> None:
    serve = features.copy()
    serve["income_log"] = np.exp(serve["income_log"])  # logged raw income, not its log
    serve.loc[serve.index[:800], "region"] = None  # 20% nulls in serving
    report = check_skew(features, serve)
    assert report.skewed_features == ("income_log", "region")
    region = next(d for d in report.distribution if d.feature == "region")
    assert region.missing_serving == pytest.approx(0.2) and region.statistic >= 0.2
    assert "skewed: income_log, region" == report.brief()
    # thresholds are documented defaults and can be raised
    lenient = check_skew(features, serve, features=["region"], linf_threshold=0.25)
    assert lenient.passed


def test_joined_counts_follow_tfdv() -> None:
    train = pd.DataFrame({"id": [1, 2, 3, 4, 5], "x": [1.0, 2.0, np.nan, 4.0, 5.0]})
    serve = pd.DataFrame({"id": [2, 3, 4, 5, 6], "x": [2.0, 3.0, 4.0000001, np.nan, 9.0]})
    report = check_skew(train, serve, id_column="id", distribution=False)
    [x] = report.joined
    assert (x.n_joined, x.training_count, x.serving_count) == (4, 3, 3)
    assert (x.match_count, x.mismatch_count, x.training_only, x.serving_only) == (2, 0, 1, 1)
    assert x.diff_count == 2 and x.diff_rate == 0.5 and not report.passed
    join = report.join
    assert join is not None
    assert (join.n_joined, join.training_ids_only, join.serving_ids_only) == (4, 1, 1)
    strict = check_skew(train, serve, id_column="id", distribution=False, rtol=1e-12)
    assert strict.joined[0].mismatch_count == 1
    assert any(e.id == "4" and e.serving == "4.0000001" for e in strict.examples)
    lenient = check_skew(train, serve, id_column="id", distribution=False, max_mismatch_rate=0.5)
    assert lenient.passed


def test_joined_comparison_finds_a_row_level_bug_distributions_miss(features) -> None:
    serve = features.sample(frac=1.0, random_state=1).reset_index(drop=True)  # log order
    serve["income_log"] = serve["income_log"].round(2)  # the log keeps two decimals
    report = check_skew(features, serve, id_column="id")
    dist = next(d for d in report.distribution if d.feature == "income_log")
    assert not dist.skewed  # the distributions look the same
    joined = next(j for j in report.joined if j.feature == "income_log")
    assert joined.mismatch_count > 3900 and report.skewed_features == ("income_log",)
    assert "income_log at id" in report.summary()


def test_duplicate_and_missing_ids() -> None:
    train = pd.DataFrame({"id": [1, 1, 2, None], "x": [1.0, 1.5, 2.0, 3.0]})
    serve = pd.DataFrame({"id": [1, 2, 2], "x": [1.0, 2.0, 2.0]})
    with pytest.raises(MlauditInputError, match=r"do not identify the rows of training_features"):
        check_skew(train, serve, id_column="id")
    report = check_skew(train, serve, id_column="id", allow_duplicate_ids=True, distribution=False)
    assert report.passed and report.join.duplicate_ids_training == 1
    assert report.join.duplicate_ids_serving == 1 and report.join.missing_ids_training == 1


def test_a_type_change_between_training_and_serving_is_skew() -> None:
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    serve = pd.DataFrame({"x": ["1.0", "2.0", "3.0"]})
    report = check_skew(train, serve)
    [d] = report.distribution
    assert d.method == "type" and d.skewed and d.details["serving_dtype"] == "str"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id_column": "nope"}, "id_column ['nope'] not found in training_features"),
        ({"features": ["nope"]}, "features names ['nope'], not found in training_features"),
        ({"distribution": False}, "nothing to compare"),
        (
            {"linf_threshold": 2.0},
            "linf_threshold must be a finite number in [0, 1]; got linf_threshold=2.0",
        ),
        ({"bins": 1}, "bins must be an integer >= 2"),
        ({"categorical": ["zz"]}, "categorical names ['zz']"),
    ],
)
def test_bad_input(kwargs, message, features) -> None:
    with pytest.raises(MlauditInputError) as info:
        check_skew(features, features, **kwargs)
    assert message in str(info.value)


def test_serving_without_a_training_feature_and_without_common_ids(features) -> None:
    with pytest.raises(
        MlauditInputError,
        match=r"\['region'\] of training_features are "
        r"missing from serving_features",
    ):
        check_skew(features, features.drop(columns="region"))
    shifted = features.assign(id=features["id"] + 10**6)
    with pytest.raises(MlauditInputError, match="no id of"):
        check_skew(features, shifted, id_column="id")


def test_report_round_trips_through_json(features) -> None:
    serve = features.copy()
    serve["n_accounts"] = serve["n_accounts"] * 2
    report = check_skew(features, serve, id_column="id")
    data = report.to_dict()
    assert data["kind"] == "skew" and data["skewed_features"] == ["n_accounts"]
    text = json.dumps(data, allow_nan=False)
    back = report_from_dict(json.loads(text))
    assert isinstance(back, SkewReport) and back.to_dict() == data
    assert back.headline().describe() == "skewed_features=1 > 0"
    assert report.sizes()["n_joined"] == 4000
    assert math.isfinite(report.key_figures()["max_js"])


def test_a_constant_that_becomes_another_constant_is_skew() -> None:
    report = check_skew(pd.DataFrame({"x": [1.0] * 100}), pd.DataFrame({"x": [2.0] * 100}))
    (x,) = report.distribution
    assert x.statistic == pytest.approx(1.0) and report.skewed_features == ("x",)
