"""check_store_parity against real local Feast repos (file offline store, SQLite online store)
written into tmp_path: a consistent store passes; each way a store goes wrong fails and names
the feature and the cause."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from pytest_mlaudit import Auditor, MlauditInputError, StoreParityReport, check_store_parity
from pytest_mlaudit.errors import CheckFailed
from tests.feast.conftest import EXPIRED, N_DRIVERS, TTL, Repo

DRIVER = ["driver_stats:conv_rate", "driver_stats:trips"]


def _causes(report: StoreParityReport, reference: str) -> dict[str, int]:
    return report.feature(reference).causes


def _roundtrip(report: StoreParityReport) -> StoreParityReport:
    back = StoreParityReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert back == report
    return back


def test_a_consistent_store_passes(repo: Repo) -> None:
    refs = [
        *DRIVER,
        "driver_scaled:conv_pct",
        "customer_profile:lifetime_spend",
        "customer_profile:segment",
        "customer_merchant:visits",
        "customer_merchant:spend_here",
    ]
    report = check_store_parity(repo.path, refs)
    report.assert_ok()
    assert report.passed and report.mismatch_rate == 0.0
    # 22 drivers (20 fresh + 2 whose only row expired), 10 customers, 15 pairs
    assert report.n_entities == N_DRIVERS + len(EXPIRED) + 10 + 15
    assert report.entity_keys == (("driver_id",), ("customer",), ("customer", "merchant"))
    assert [f.checked for f in report.features] == [22, 22, 22, 10, 10, 15, 15]
    assert report.mismatches == ()
    _roundtrip(report)


def test_a_store_object_and_a_feature_service_work_too(repo: Repo) -> None:
    report = check_store_parity(repo.store, repo.store.get_feature_service("driver_service"))
    assert report.passed, report.summary()
    assert report.feature_service == "driver_service"
    assert [f.reference for f in report.features] == [*DRIVER, "driver_scaled:conv_pct"]
    by_name = check_store_parity(repo.store, "service:driver_service")
    assert [f.reference for f in by_name.features] == [f.reference for f in report.features]


def test_stale_materialization_fails_naming_the_feature_and_the_cause(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo()
    # the last materialization ended before the latest rows (1 h old) were written
    repo.materialize(repo.now - TTL, repo.now - pd.Timedelta(hours=2))
    report = check_store_parity(repo.path, DRIVER)
    assert not report.passed
    assert set(report.mismatched_features) == set(DRIVER)
    assert _causes(report, "driver_stats:conv_rate") == {"stale": N_DRIVERS}
    first = next(m for m in report.mismatches if m.feature == "conv_rate")
    assert first.entity == {"driver_id": 1}
    assert (first.offline, first.online) == ("0.51", "0.01")
    assert first.cause == "stale"
    assert first.online_timestamp == (repo.now - pd.Timedelta(hours=3)).isoformat()
    assert first.offline_timestamp == (repo.now - pd.Timedelta(hours=1)).isoformat()
    with pytest.raises(CheckFailed, match=r"driver_stats:conv_rate \[driver_id=1\].*stale"):
        report.assert_ok()
    _roundtrip(report)


def test_ttl_expiry_fails_as_expired_by_ttl(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    # materialized from long ago: the rows of drivers 21 and 22 (3 days old, ttl 1 day)
    # reach the online store, while training as of now reads null for them
    repo.materialize(repo.now - pd.Timedelta(days=7), repo.now)
    report = check_store_parity(repo.path, DRIVER)
    assert not report.passed
    assert report.n_mismatched == len(EXPIRED)
    assert _causes(report, "driver_stats:conv_rate") == {"expired_ttl": 2}
    assert report.n_offline_missing_rows == 2
    expired = [m for m in report.mismatches if m.feature == "conv_rate"]
    assert [m.entity["driver_id"] for m in expired] == list(EXPIRED)
    assert expired[0].offline == "<no row>" and expired[0].online == "0.21"
    assert "older than at - ttl" in expired[0].detail


def test_never_materialized(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    report = check_store_parity(repo.path, ["driver_stats:conv_rate"])
    assert _causes(report, "driver_stats:conv_rate") == {"not_materialized": N_DRIVERS}
    assert "never materialized" in report.mismatches[0].detail
    assert report.mismatches[0].online == "None"


def test_an_on_demand_view_whose_online_result_differs(repo: Repo) -> None:
    # conv_centered subtracts the batch mean: the training set's offline, one request's online
    report = check_store_parity(
        repo.path, ["driver_stats:conv_rate", "driver_centered:conv_centered"], batch_size=1
    )
    assert report.mismatched_features == ("driver_centered:conv_centered",)
    feature = report.feature("driver_centered:conv_centered")
    assert feature.on_demand and feature.causes == {"transformation": N_DRIVERS}
    m = report.mismatches[0]
    assert m.online == "0.0" and float(m.offline) == pytest.approx(0.01 + 0.5 - 0.605)


def test_an_on_demand_view_follows_its_stale_input(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    repo.materialize(repo.now - TTL, repo.now - pd.Timedelta(hours=2))
    report = check_store_parity(repo.path, ["driver_scaled:conv_pct"])
    # the input (driver_stats:conv_rate) is read too, to tell the causes apart
    assert report.feature("driver_scaled:conv_pct").causes == {"input_differs": N_DRIVERS}
    assert "driver_stats:conv_rate" in report.mismatches[0].detail


def test_a_feature_missing_from_the_online_path_fails_naming_it(repo: Repo) -> None:
    report = check_store_parity(repo.path, ["driver_stats:conv_rate", "driver_history:trips"])
    assert not report.passed
    assert report.absent_features == ("driver_history:trips (online)",)
    feature = report.feature("driver_history:trips")
    assert feature.absent_in == "online" and feature.online_type == "<absent>"
    assert report.feature("driver_stats:conv_rate").mismatched == 0
    absent = next(m for m in report.mismatches if m.view == "driver_history")
    assert "no such table" in absent.detail
    assert "driver_history:trips" in report.summary()


def test_a_float_stored_as_int_online_is_type_coerced(repo: Repo) -> None:
    report = check_store_parity(repo.path, ["driver_ratings:rating"])
    feature = report.feature("driver_ratings:rating")
    assert feature.causes == {"type_coerced": N_DRIVERS}
    assert feature.online_type == "int" and feature.max_abs_diff == pytest.approx(0.5)
    m = report.mismatches[0]
    assert (m.offline, m.online) == ("1.5", "1")
    assert "declares INT64" in m.detail


@pytest.mark.parametrize(
    ("refs", "rows", "keys"),
    [
        (["driver_stats:conv_rate"], [{"driver_id": 3}, {"driver_id": 7}], ("driver_id",)),
        (["customer_profile:segment"], [{"customer": "c01"}, {"customer": "c04"}], ("customer",)),
        (
            ["customer_merchant:visits", "customer_merchant:spend_here"],
            [{"customer": "c02", "merchant": 3}, {"customer": "c05", "merchant": 1}],
            ("customer", "merchant"),
        ),
    ],
    ids=["int", "string", "compound"],
)
def test_entity_keys_of_several_types(
    make_repo: Callable[..., Repo], refs: list[str], rows: list[dict[str, Any]], keys: tuple[str]
) -> None:
    repo = make_repo()
    ok = check_store_parity(repo.path, refs, entity_rows=rows)  # nothing materialized
    assert not ok.passed and ok.entity_keys == (keys,)
    first = refs[0].split(":")[1]
    assert [m.entity for m in ok.mismatches if m.feature == first] == rows
    assert {m.cause for m in ok.mismatches} == {"not_materialized"}
    repo.materialize(repo.now - TTL, repo.now)
    report = check_store_parity(repo.path, refs, entity_df=pd.DataFrame(rows))
    assert report.passed and report.n_entities == 2, report.summary()


def test_entities_are_sampled_with_the_seed(repo: Repo) -> None:
    a = check_store_parity(repo.path, ["driver_stats:conv_rate"], sample=5, seed=1)
    b = check_store_parity(repo.path, ["driver_stats:conv_rate"], sample=5, seed=1)
    assert a.n_entities == b.n_entities == 5
    assert a.passed and b.passed


def test_as_of_an_earlier_time_the_online_store_is_newer(repo: Repo) -> None:
    at = repo.now - pd.Timedelta(hours=2)
    report = check_store_parity(repo.path, ["driver_stats:conv_rate"], at=at)
    assert report.feature("driver_stats:conv_rate").causes == {"online_newer": N_DRIVERS}


def test_tolerances_and_the_auditor(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    repo.materialize(repo.now - TTL, repo.now - pd.Timedelta(hours=2))
    seen: list[str] = []
    audit = Auditor(
        defaults={"skew": {"atol": 1.0}}, sink=lambda check, report, s: seen.append(check)
    )
    report = audit.store_parity(repo.path, ["driver_stats:conv_rate"])
    assert report.passed and seen == ["store_parity"]  # differences of 0.5 within atol=1
    strict = audit.store_parity(
        repo.path, ["driver_stats:conv_rate"], tolerances={"conv_rate": (0.0, 0.1)}
    )
    assert not strict.passed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"features": ["driver_stats:nope"]}, "view 'driver_stats' has no feature 'nope'"),
        ({"features": ["nope:x"]}, "has no feature view 'nope'"),
        ({"features": "driver_stats:conv_rate"}, "wrap a single reference in a list"),
        ({"features": ["conv_rate"]}, "'view:feature'"),
        ({"features": []}, "non-empty list"),
        ({"features": "service:nope"}, "feature service 'nope'"),
        ({"features": DRIVER, "entity_df": pd.DataFrame({"x": [1]})}, r"lacks the column\(s\)"),
        ({"features": DRIVER, "entity_rows": [1, 2]}, "entity_rows must be a list of dicts"),
        (
            {"features": DRIVER, "entity_rows": [{"driver_id": 1}], "entity_df": pd.DataFrame()},
            "not both",
        ),
        ({"features": DRIVER, "sample": 0}, "sample must be an integer >= 1"),
        ({"features": DRIVER, "rtol": -1}, "rtol must be"),
        ({"features": DRIVER, "at": 12}, "at must be a datetime"),
        ({"features": DRIVER, "tolerances": {"other": 0.1}}, "tolerances names"),
        ({"features": DRIVER, "max_mismatch_rate": 2}, "max_mismatch_rate"),
    ],
)
def test_bad_inputs_are_input_errors(repo: Repo, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(MlauditInputError, match=message):
        check_store_parity(repo.path, **kwargs)


def test_a_folder_without_a_repo_is_an_input_error(tmp_path: Any) -> None:
    with pytest.raises(MlauditInputError, match=r"no feature_store\.yaml"):
        check_store_parity(tmp_path, DRIVER)
    with pytest.raises(MlauditInputError, match=r"feast\.FeatureStore or the path"):
        check_store_parity(42, DRIVER)


def test_a_python_mode_on_demand_view_with_full_feature_names_is_absent_online(
    repo: Repo,
) -> None:
    refs = ["driver_stats:conv_rate", "driver_ratio:trips_per_conv"]
    assert check_store_parity(repo.path, refs).passed
    # Feast 0.67's online path drops a python-mode on-demand view's columns when it is
    # asked for full feature names (view__feature); its offline path keeps them
    report = check_store_parity(repo.path, refs, full_feature_names=True)
    assert report.absent_features == ("driver_ratio:trips_per_conv (online)",)
    assert report.feature("driver_stats:conv_rate").mismatched == 0
    detail = next(m.detail for m in report.mismatches if m.view == "driver_ratio")
    assert "returned no column 'driver_ratio__trips_per_conv'" in detail


def test_version_pinned_references(make_repo: Callable[..., Repo]) -> None:
    from feast import FeatureStore, FeatureView, Field
    from feast.types import Float64, Int64

    repo = make_repo(versioning=True)
    store = FeatureStore(repo_path=str(repo.path))
    v0 = store.get_feature_view("driver_stats")
    store.apply(  # v1 adds a feature
        [
            FeatureView(
                name="driver_stats",
                entities=[store.get_entity("driver")],
                ttl=TTL,
                schema=[
                    Field(name="conv_rate", dtype=Float64),
                    Field(name="trips", dtype=Int64),
                    Field(name="rating", dtype=Float64),
                ],
                source=v0.batch_source,
            )
        ]
    )
    repo.store = store
    repo.materialize(repo.now - TTL, repo.now)
    report = check_store_parity(store, ["driver_stats@v0:conv_rate", "driver_stats@v1:rating"])
    assert [f.view for f in report.features] == ["driver_stats@v0", "driver_stats@v1"]
    assert report.feature("driver_stats@v1:rating").mismatched == 0
    # materialization wrote the latest version's online table only: the pinned v0 reads
    # nothing online, while the offline read serves it from the view's source
    assert report.feature("driver_stats@v0:conv_rate").causes == {"not_materialized": N_DRIVERS}
    assert "pins @v0" in report.mismatches[0].detail
    with pytest.raises(MlauditInputError, match=r"neither path can read.*not found in projection"):
        check_store_parity(store, ["driver_stats@v0:rating"])


def test_no_entity_before_the_as_of_time_fails_with_a_note(repo: Repo) -> None:
    report = check_store_parity(repo.path, DRIVER, at=repo.now - pd.Timedelta(days=30))
    assert not report.passed and report.n_entities == 0
    assert "nothing was compared" in report.notes[0]
    assert [(f.reference, f.checked) for f in report.features] == [(r, 0) for r in DRIVER]
    assert all(math.isnan(m.statistic) and m.breached for m in report.measures())


def test_each_entity_may_have_its_own_as_of_time(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    repo.materialize(repo.now - TTL, repo.now - pd.Timedelta(hours=2))
    entities = pd.DataFrame(
        {
            "driver_id": [1, 2],
            "event_timestamp": [repo.now, repo.now - pd.Timedelta(hours=2)],
        }
    )
    report = check_store_parity(repo.path, ["driver_stats:conv_rate"], entity_df=entities)
    # driver 1 as of now reads the latest row (stale online); driver 2 as of 2 h ago agrees
    assert [m.entity for m in report.mismatches] == [{"driver_id": 1}]
    assert report.mismatches[0].cause == "stale"
    assert report.at.endswith("(each entity's event_timestamp)")
    with pytest.raises(MlauditInputError, match="give one"):
        check_store_parity(repo.path, DRIVER, entity_df=entities, at=repo.now)


def test_the_marker_sets_the_defaults_in_a_test_run(
    make_repo: Callable[..., Repo], pytester: pytest.Pytester
) -> None:
    repo = make_repo()
    repo.materialize(repo.now - TTL, repo.now - pd.Timedelta(hours=2))
    pytester.makepyfile(
        f"""
        import pytest

        REPO = {str(repo.path)!r}

        @pytest.mark.skew(atol=1.0)
        def test_within_tolerance(mlaudit):
            mlaudit.store_parity(REPO, ["driver_stats:conv_rate"]).assert_ok()

        @pytest.mark.skew
        def test_stale(mlaudit):
            mlaudit.store_parity(REPO, ["driver_stats:conv_rate"]).assert_ok()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--mlaudit-json=audit.json")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAIL store_parity*test_stale*driver_stats:conv_rate (stale)*"])
    record = json.loads((pytester.path / "audit.json").read_text())
    kinds = [c["kind"] for c in record["checks"]]
    assert kinds == ["store_parity", "store_parity"]


def test_an_on_demand_view_with_request_data(repo: Repo) -> None:
    refs = ["driver_offer:expected"]
    with pytest.raises(MlauditInputError, match="need request data"):
        check_store_parity(repo.path, refs)
    with pytest.raises(MlauditInputError, match=r"lacks the column\(s\) \['distance'\]"):
        check_store_parity(repo.path, refs, entity_rows=[{"driver_id": 1}])
    rows = [{"driver_id": d, "distance": 2.0 * d} for d in (1, 2, 3)]
    report = check_store_parity(repo.path, refs, entity_rows=rows)
    assert report.passed and report.n_entities == 3, report.summary()


def test_importing_the_check_does_not_import_feast() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pytest_mlaudit\n"
        "from pytest_mlaudit import check_store_parity, StoreParityReport\n"
        "import pytest_mlaudit.report.sections.store_parity\n"
        "assert 'feast' not in sys.modules, 'feast imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
