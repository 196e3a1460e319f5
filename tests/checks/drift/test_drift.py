"""Behaviour of check_drift and DriftReport."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import (
    CheckFailed,
    DriftReport,
    ReferenceProfile,
    check_drift,
    profile_reference,
)
from pytest_mlaudit.result import report_from_dict


def _frames(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def one() -> pd.DataFrame:
        return pd.DataFrame(
            {
                "x": rng.normal(size=n),
                "k": rng.integers(0, 5, size=n),
                "c": rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2]),
            }
        )

    return one(), one()


def test_identical_frames_pass_and_shifted_fail_with_a_table() -> None:
    ref, cur = _frames()
    assert check_drift(ref, ref).passed
    drifted = cur.assign(x=cur["x"] + 0.5)
    report = check_drift(ref, drifted)
    assert not report.passed
    assert report.drifted_columns == ("x",)
    with pytest.raises(CheckFailed) as info:
        report.assert_ok()
    message = str(info.value)
    assert "drift FAILED: 1 of 3 column(s) drifted" in message
    assert "DRIFT" in message and "x" in message
    assert info.value.report is report


def test_default_methods_per_type_and_overrides() -> None:
    ref, cur = _frames()
    report = check_drift(ref, cur)
    assert {(c.column, c.method) for c in report.columns} == {
        ("x", "ks"),
        ("k", "ks"),
        ("c", "chi2"),
    }
    report = check_drift(ref, cur, methods={"k": "chi2", "x": ["ks", "psi", "wasserstein", "js"]})
    assert {(c.column, c.method) for c in report.columns} == {
        ("x", "ks"),
        ("x", "psi"),
        ("x", "wasserstein"),
        ("x", "js"),
        ("k", "chi2"),
        ("c", "chi2"),
    }
    assert report.column("k")[0].kind == "categorical"
    psi_only = check_drift(ref, cur, methods="psi")
    assert {c.method for c in psi_only.columns} == {"psi"}
    assert all(c.pvalue is None for c in psi_only.columns)


def test_marker_style_threshold_is_applied() -> None:
    rng = np.random.default_rng(1)
    train, prod = rng.normal(size=5000), rng.normal(0.35, size=5000)
    loose = check_drift(train, prod, methods="psi", psi_threshold=0.5)
    tight = check_drift(train, prod, methods="psi", psi_threshold=0.05)
    assert loose.passed and not tight.passed
    assert loose.columns[0].statistic == tight.columns[0].statistic


def test_missing_values_are_counted_and_a_null_rate_jump_is_drift() -> None:
    ref, cur = _frames()
    cur = cur.copy()
    cur.loc[cur.index[:600], "x"] = np.nan  # 20% nulls, none in reference
    report = check_drift(ref, cur)
    rows = {c.method: c for c in report.column("x")}
    assert rows["missing"].drifted
    assert rows["missing"].missing_current == pytest.approx(0.2)
    assert rows["ks"].n_current == len(cur) - 600
    cur_c = cur.copy()
    cur_c.loc[cur_c.index[:600], "c"] = None
    c_row = check_drift(ref, cur_c, columns=["c"]).columns[0]
    assert c_row.drifted and c_row.missing_current == pytest.approx(0.2)


def test_unseen_categories_are_their_own_bucket_and_reported() -> None:
    ref, cur = _frames()
    cur = cur.copy()
    cur.loc[cur.index[:300], "c"] = "brand-new"
    report = check_drift(ref, cur, columns=["c"], methods={"c": ["chi2", "psi", "linf"]})
    assert report.unseen_categories == {"c": ("brand-new",)}
    assert report.column("c")[0].details["unseen_share"] == pytest.approx(0.1)
    assert not report.passed
    assert "unseen categories in 'c': 'brand-new'" in report.summary()


def test_correction_and_drift_share() -> None:
    ref, cur = _frames()
    cur = cur.assign(x=cur["x"] + 0.3)
    assert not check_drift(ref, cur).passed
    assert check_drift(ref, cur, drift_share=0.5).passed  # 1 of 3 columns is below half
    none = check_drift(ref, cur, correction="none")
    holm = check_drift(ref, cur, correction="holm")
    for a, b in zip(none.columns, holm.columns, strict=True):
        assert a.pvalue == b.pvalue
        assert a.pvalue_adjusted is not None and b.pvalue_adjusted is not None
        assert b.pvalue_adjusted >= a.pvalue_adjusted


def test_series_and_arrays() -> None:
    rng = np.random.default_rng(2)
    s = pd.Series(rng.normal(size=100), name="score")
    assert check_drift(s, s).checked_columns == ("score",)
    assert check_drift(rng.normal(size=100), rng.normal(size=100)).checked_columns == ("value",)
    two_d = check_drift(rng.normal(size=(100, 3)), rng.normal(size=(100, 3)))
    assert two_d.checked_columns == ("x0", "x1", "x2")


def test_current_only_columns_are_listed_not_dropped_silently() -> None:
    ref, cur = _frames()
    report = check_drift(ref, cur.assign(prediction=0.5))
    assert report.unchecked_columns == ("prediction",)
    assert "not checked (only in current): 'prediction'" in report.summary()


def test_user_data_is_not_modified() -> None:
    ref, cur = _frames()
    ref_copy, cur_copy = ref.copy(deep=True), cur.copy(deep=True)
    check_drift(ref, cur, methods={"x": ["ks", "psi"], "k": "chi2"})
    pd.testing.assert_frame_equal(ref, ref_copy)
    pd.testing.assert_frame_equal(cur, cur_copy)


def test_json_round_trip_and_computed_fields() -> None:
    ref, cur = _frames()
    report = check_drift(ref, cur.assign(x=cur["x"] + 1), methods={"x": ["ks", "psi"]})
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["kind"] == "drift" and data["passed"] is False
    assert data["drifted_columns"] == ["x"]
    assert all("drifted" in row for row in data["columns"])
    again = DriftReport.from_dict(data)
    assert again == report
    assert report_from_dict(data) == report
    assert again.passed == report.passed


def test_histograms_are_small_and_binned() -> None:
    ref, cur = _frames(20_000)
    report = check_drift(ref, cur)
    hx = report.histograms["x"]
    assert hx.edges is not None and len(hx.edges) == len(hx.reference) + 1 == len(hx.current) + 1
    assert sum(hx.reference) == 20_000 and sum(hx.current) == 20_000
    hc = report.histograms["c"]
    assert hc.labels == ("a", "b", "c")
    assert len(json.dumps(report.to_dict())) < 20_000  # never raw rows


def test_profile_gives_the_same_verdicts_for_binned_methods(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ref, cur = _frames(5000)
    cur = cur.assign(x=cur["x"] * 1.3, c=np.where(cur.index % 7 == 0, "new", cur["c"]))
    methods = {
        "x": ["psi", "js"],
        "k": ["chi2", "psi", "js", "linf"],
        "c": ["chi2", "psi", "js", "linf"],
    }
    prof = profile_reference(ref, categorical=["k"])
    path = prof.save(tmp_path / "train.npz")
    loaded = ReferenceProfile.load(path)
    raw = check_drift(ref, cur, methods=methods)
    from_profile = check_drift(loaded, cur, methods=methods)
    assert [(c.column, c.method, c.statistic, c.pvalue, c.drifted) for c in raw.columns] == [
        (c.column, c.method, c.statistic, c.pvalue, c.drifted) for c in from_profile.columns
    ]
    assert raw.passed == from_profile.passed
    assert from_profile.reference_is_profile


def test_profile_ks_uses_a_seeded_sample() -> None:
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"x": rng.normal(size=50_000)})
    a = profile_reference(ref, sample_size=1000, seed=1)
    b = profile_reference(ref, sample_size=1000, seed=1)
    assert np.array_equal(a.columns["x"].sample, b.columns["x"].sample)  # type: ignore[union-attr]
    row = check_drift(a, ref.iloc[:2000]).columns[0]
    assert row.details["reference_sample"] == 1000


def test_profile_files_are_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pytest_mlaudit import MlauditInputError

    with pytest.raises(MlauditInputError, match="no profile at"):
        ReferenceProfile.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", meta=np.array("{}"))
    with pytest.raises(MlauditInputError, match="is not a pytest-mlaudit profile"):
        ReferenceProfile.load(tmp_path / "other.npz")
    ref, _ = _frames()
    with pytest.raises(MlauditInputError, match="bins=10; got bins=20"):
        check_drift(profile_reference(ref), ref, bins=20)
