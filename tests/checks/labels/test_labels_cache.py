"""The on-disk cache of out-of-fold probabilities: hits, misses, where it lives, and that
it never touches files it did not write."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from pytest_mlaudit.checks.labels import LabelReport, check_labels
from pytest_mlaudit.checks.labels.probs import CACHE_ENV, fingerprint


class CountingNB(GaussianNB):
    """GaussianNB that counts its fits (clones share the class counter)."""

    fits: ClassVar[int] = 0

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> CountingNB:
        type(self).fits += 1
        super().fit(X, y, sample_weight=sample_weight)
        return self


@pytest.fixture
def fits() -> Any:
    CountingNB.fits = 0
    return CountingNB


def same_apart_from_source(a: LabelReport, b: LabelReport) -> bool:
    return dataclasses.replace(a, probabilities="x") == dataclasses.replace(b, probabilities="x")


def oof_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.glob("labels-oof-*.npy"))


def test_second_run_reads_the_cache_and_fits_nothing(small, tmp_path, fits) -> None:  # type: ignore[no-untyped-def]
    first = check_labels(small.X, small.y, model=CountingNB(), cache=tmp_path)
    assert first.probabilities == "cross_validation" and fits.fits == 5
    assert len(oof_files(tmp_path)) == 1
    second = check_labels(small.X, small.y, model=CountingNB(), cache=tmp_path)
    assert second.probabilities == "cache" and fits.fits == 5
    assert same_apart_from_source(first, second)


@pytest.mark.parametrize(
    "change",
    ["X", "y", "model params", "cv", "seed", "model class"],
)
def test_anything_that_changes_the_probabilities_misses(small, tmp_path, change: str) -> None:  # type: ignore[no-untyped-def]
    base: dict[str, Any] = {"model": CountingNB(), "cv": 5, "seed": 0, "cache": tmp_path}
    check_labels(small.X, small.y, **base)
    X, y = small.X, small.y
    kwargs = dict(base)
    if change == "X":
        X = X.copy()
        X[0, 0] += 1e-9
    elif change == "y":
        y = y.copy()
        y[0] = (y[0] + 1) % 5
    elif change == "model params":
        kwargs["model"] = CountingNB(var_smoothing=1e-8)
    elif change == "cv":
        kwargs["cv"] = 4
    elif change == "seed":
        kwargs["seed"] = 1
    else:
        kwargs["model"] = GaussianNB()
    assert check_labels(X, y, **kwargs).probabilities == "cross_validation"
    assert len(oof_files(tmp_path)) == 2


def test_options_that_do_not_change_the_probabilities_hit(small, tmp_path) -> None:  # type: ignore[no-untyped-def]
    check_labels(small.X, small.y, model=CountingNB(), cache=tmp_path)
    again = check_labels(
        small.X,
        small.y,
        model=CountingNB(),
        cache=tmp_path,
        filter_by="confident_learning",
        max_issue_rate=0.01,
        top_n=3,
        n_jobs=1,
    )
    assert again.probabilities == "cache"


def test_renamed_labels_are_a_different_problem(small, tmp_path) -> None:  # type: ignore[no-untyped-def]
    check_labels(small.X, small.y, model=CountingNB(), cache=tmp_path)
    names = np.array(list("abcde"))
    assert check_labels(
        small.X, names[small.y], model=CountingNB(), cache=tmp_path
    ).probabilities == ("cross_validation")


def test_pandas_x_is_hashed_by_content_not_index(small, tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(small.X, columns=[f"c{j}" for j in range(20)])
    check_labels(frame, small.y, model=CountingNB(), cache=tmp_path)
    moved = frame.set_axis(frame.index + 1000)
    assert check_labels(moved, small.y, model=CountingNB(), cache=tmp_path).probabilities == "cache"
    renamed = frame.rename(columns={"c0": "income"})
    assert check_labels(renamed, small.y, model=CountingNB(), cache=tmp_path).probabilities == (
        "cross_validation"
    )


def test_cache_true_uses_dot_mlaudit_in_the_working_directory(small, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CACHE_ENV, raising=False)
    check_labels(small.X, small.y, model=CountingNB(), cache=True)
    where = tmp_path / ".mlaudit" / "cache"
    assert len(oof_files(where)) == 1
    assert (where / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (
        (where / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )


def test_cache_true_follows_the_environment_variable(small, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "ci-cache"))
    check_labels(small.X, small.y, model=CountingNB(), cache=True)
    assert len(oof_files(tmp_path / "ci-cache")) == 1
    assert not (tmp_path / ".mlaudit").exists()


def test_no_cache_by_default(small, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    check_labels(small.X, small.y, model=CountingNB())
    assert list(tmp_path.iterdir()) == []


def test_files_in_an_existing_directory_are_left_alone(small, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".gitignore").write_text("my rules\n")
    (tmp_path / "labels-oof-notes.txt").write_text("mine")
    check_labels(small.X, small.y, model=CountingNB(), cache=tmp_path)
    assert (tmp_path / ".gitignore").read_text() == "my rules\n"
    assert (tmp_path / "labels-oof-notes.txt").read_text() == "mine"
    assert not (tmp_path / "CACHEDIR.TAG").exists()
    names = {p.name for p in tmp_path.iterdir()}
    assert len(names) == 3  # the two files above and one cache file, no temp files left


def test_a_corrupt_cache_file_is_recomputed(small, tmp_path, fits) -> None:  # type: ignore[no-untyped-def]
    check_labels(small.X, small.y, model=CountingNB(), cache=tmp_path)
    (path,) = tmp_path.glob("labels-oof-*.npy")
    path.write_bytes(b"not a numpy file")
    again = check_labels(small.X, small.y, model=CountingNB(), cache=tmp_path)
    assert again.probabilities == "cross_validation" and fits.fits == 10
    assert (
        check_labels(small.X, small.y, model=CountingNB(), cache=tmp_path).probabilities == "cache"
    )


def test_a_model_that_cannot_be_fingerprinted_is_not_cached(small, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = make_pipeline(FunctionTransformer(lambda a: a * 2), GaussianNB())
    report = check_labels(small.X, small.y, model=model, cache=tmp_path)
    assert report.probabilities == "cross_validation"
    assert any("cannot be fingerprinted" in note for note in report.notes)
    assert oof_files(tmp_path) == []


def test_pipelines_with_module_level_functions_are_cached(small, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def model() -> Any:
        return make_pipeline(StandardScaler(), FunctionTransformer(np.tanh), GaussianNB())

    check_labels(small.X, small.y, model=model(), cache=tmp_path)
    assert check_labels(small.X, small.y, model=model(), cache=tmp_path).probabilities == "cache"
    other = make_pipeline(StandardScaler(), FunctionTransformer(np.sinh), GaussianNB())
    assert check_labels(small.X, small.y, model=other, cache=tmp_path).probabilities == (
        "cross_validation"
    )


def test_fingerprint_is_stable_and_sensitive(small) -> None:  # type: ignore[no-untyped-def]
    key = fingerprint(small.X, small.y, GaussianNB(), cv=5, seed=0)
    assert key == fingerprint(small.X.copy(), small.y.copy(), GaussianNB(), cv=5, seed=0)
    assert len(key) == 40 and int(key, 16) >= 0
    assert key != fingerprint(small.X.astype(np.float32), small.y, GaussianNB(), cv=5, seed=0)
    assert key != fingerprint(
        small.X, small.y, GaussianNB(priors=None, var_smoothing=2e-9), cv=5, seed=0
    )
