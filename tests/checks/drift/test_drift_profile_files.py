"""A profile file is checked before it is used: corrupted, truncated or tampered files
raise MlauditInputError naming the file and what is wrong, never BadZipFile, TypeError,
AttributeError, and never a check that passes on an empty sample."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pytest_mlaudit import MlauditInputError, ReferenceProfile, check_drift, profile_reference

rng = np.random.default_rng(3)
TRAIN = pd.DataFrame(
    {
        "x": rng.normal(size=500),
        "c": rng.choice(["a", "b", "c"], 500),
        "m": np.where(rng.random(500) < 0.1, np.nan, rng.normal(size=500)),
    }
)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return profile_reference(TRAIN).save(tmp_path / "train.npz")


def _arrays(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return json.loads(str(arrays.pop("meta"))), arrays


def _tampered(good: Path, change: Callable[[dict[str, Any], dict[str, np.ndarray]], None]) -> Path:
    meta, arrays = _arrays(good)
    change(meta, arrays)
    out = good.with_name("tampered.npz")
    np.savez(out, meta=np.array(json.dumps(meta)), **arrays)
    return out


def _refused(path: Path, match: str) -> None:
    with pytest.raises(MlauditInputError, match=match) as info:
        ReferenceProfile.load(path)
    assert type(info.value) is MlauditInputError
    assert str(path) in str(info.value)


def test_a_good_profile_loads_and_checks(good: Path) -> None:
    prof = ReferenceProfile.load(good)
    assert check_drift(prof, TRAIN).passed


def test_truncated_and_corrupted_files(good: Path, tmp_path: Path) -> None:
    data = good.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        short = tmp_path / f"short{cut}.npz"
        short.write_bytes(data[:cut])
        _refused(short, "not a valid pytest-mlaudit profile: .*(truncated or corrupted)")
    noise = tmp_path / "noise.npz"
    noise.write_bytes(bytes(rng.integers(0, 256, 2000, dtype=np.uint8)))
    _refused(noise, "not a readable .npz archive")
    flipped = bytearray(data)
    for i in range(200, len(flipped) - 100, 97):
        flipped[i] ^= 0xFF
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(flipped))
    _refused(bad, "not a valid pytest-mlaudit profile")
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    _refused(empty, "not a readable .npz archive")


def test_not_a_profile(tmp_path: Path) -> None:
    np.save(tmp_path / "array.npy", np.arange(3))
    _refused(tmp_path / "array.npy", "a single array")
    np.savez(tmp_path / "other.npz", x=np.arange(3))
    _refused(tmp_path / "other.npz", "no 'meta' entry")
    np.savez(tmp_path / "json.npz", meta=np.array("[1, 2]"))
    _refused(tmp_path / "json.npz", "must be a JSON object")
    np.savez(tmp_path / "text.npz", meta=np.array("{not json"))
    _refused(tmp_path / "text.npz", "not valid JSON")
    np.savez(tmp_path / "num.npz", meta=np.arange(2))
    _refused(tmp_path / "num.npz", "not the profile's JSON text")
    with pytest.raises(MlauditInputError, match=r"no profile at .*there is a directory"):
        ReferenceProfile.load(tmp_path)


def _set(key: str, value: Any, column: int | None = None) -> Callable[..., None]:
    def change(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        (meta if column is None else meta["columns"][column])[key] = value

    return change


def _array(key: str, value: Any) -> Callable[..., None]:
    def change(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value(arrays[key]) if callable(value) else value

    return change


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (_set("columns", "x"), "'columns' must be a non-empty list"),
        (_set("columns", []), "'columns' must be a non-empty list"),
        (_set("n_rows", "500"), "n_rows must be an integer >= 2"),
        (_set("bins", 1), "bins must be an integer >= 2"),
        (_set("kind", "text", 0), "column 'x': kind must be 'numeric' or 'categorical'"),
        (_set("n", 499, 0), r"column 'x': n=499 rows, but the profile has n_rows=500"),
        (_set("n_missing", 500, 0), "leaves no values"),
        (_set("mean", "big", 0), "column 'x': mean must be a finite number"),
        (_set("minimum", 10.0, 0), "contradict each other"),
        (_set("categories", ["a", "a", "b"], 1), "'categories' must be distinct"),
        (_set("categories", [1, 2, 3], 1), "'categories' must be a list of strings"),
        (_set("column", None, 2), "column entry 2 must be an object with a 'column' name"),
        (_array("c0_sample", np.array([], dtype=float)), "the sample has 0 values"),
        (_array("c0_sample", lambda a: a[::-1].copy()), "sample must be sorted"),
        (_array("c0_sample", None), "'c0_sample' is missing"),
        (_array("c0_edges", lambda a: np.where(a == a[0], np.nan, a)), "NaN or infinite"),
        (_array("c0_counts", lambda a: a + 1), "summing to n - n_missing = 500"),
        (_array("c1_counts", lambda a: a[:2].copy()), "one per category"),
        (_array("c2_plot_counts", lambda a: a.astype(float)), "1-D array of integers"),
        (_array("c0_edges", lambda a: a[::-1].copy()), "must be increasing edges"),
    ],
)
def test_tampered_profiles_name_what_is_wrong(
    good: Path, change: Callable[..., None], match: str
) -> None:
    _refused(_tampered(good, change), match)


def test_duplicated_columns(good: Path) -> None:
    def twice(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        meta["columns"][1]["column"] = "x"

    _refused(_tampered(good, twice), "column 'x' is profiled twice")


def test_format_1_profiles_name_float_categories_by_value(tmp_path: Path) -> None:
    """Format 1 wrote a float category as "1.0"; categories are compared by value now."""
    ref = pd.DataFrame({"k": np.repeat([1.0, 2.0, 3.0], 100)})
    path = profile_reference(ref, categorical=["k"]).save(tmp_path / "new.npz")
    meta, arrays = _arrays(path)
    assert meta["format"] == "pytest-mlaudit/profile/2"
    assert meta["columns"][0]["categories"] == ["1", "2", "3"]
    meta["format"] = "pytest-mlaudit/profile/1"
    meta["columns"][0]["categories"] = ["1.0", "2.0", "3.0"]  # as format 1 wrote them
    old = tmp_path / "old.npz"
    np.savez(old, meta=np.array(json.dumps(meta)), **arrays)
    loaded = ReferenceProfile.load(old)
    assert loaded.columns["k"].categories == ("1", "2", "3")  # type: ignore[union-attr]
    report = check_drift(loaded, ref, methods={"k": "chi2"})
    assert report.passed and report.unseen_categories == {}
