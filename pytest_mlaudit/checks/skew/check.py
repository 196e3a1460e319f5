"""The distribution skew check: :func:`check_skew` compares logged serving features with the
training features, as TensorFlow Data Validation does.

* distribution skew, on by default: L-infinity distance for categorical features and
  Jensen-Shannon distance for numeric ones (the drift check's statistics), with the
  missing values as a bucket of their own (:mod:`.distribution`);
* row-joined skew when both sides carry an id column: per feature, how many joined
  examples match, mismatch, or have the feature on one side only (TFDV's
  ``FeatureSkew`` counts; :mod:`.join`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from pytest_mlaudit.checks.skew._validate import category_labels, feature_kind, validate
from pytest_mlaudit.checks.skew.distribution import categorical_skew, numeric_skew, type_skew
from pytest_mlaudit.checks.skew.join import join
from pytest_mlaudit.checks.skew.report import (
    DistributionSkew,
    JoinedExample,
    JoinedSkew,
    JoinStats,
    SkewReport,
)
from pytest_mlaudit.io.sources import is_source, open_source

__all__ = ["check_skew"]


def _read_side(data: Any, features: Any, id_column: Any, side: str) -> tuple[Any, list[str] | None]:
    """A file/Arrow/polars/dask side read into pandas, only the columns compared (when
    ``features`` names them), with all of its column names; other inputs as they are."""
    if not is_source(data):
        return data, None
    name = "training_features" if side == "t" else "serving_features"
    source = open_source(data, name=name)
    names = source.columns()
    wanted: list[Any] | None = None
    if features is not None:
        listed = [features] if isinstance(features, str) else list(features)
        ids = (
            []
            if id_column is None
            else ([id_column] if isinstance(id_column, str) else list(id_column))
        )
        wanted = [c for c in dict.fromkeys([*listed, *ids]) if c in names]
    return source.read_columns(names if wanted is None else wanted), names


def check_skew(
    training_features: Any,
    serving_features: Any,
    *,
    features: Sequence[Hashable] | Hashable | None = None,
    id_column: Hashable | Sequence[Hashable] | None = None,
    categorical: Sequence[Hashable] = (),
    distribution: bool = True,
    linf_threshold: float = 0.1,
    js_threshold: float = 0.1,
    bins: int = 10,
    max_mismatch_rate: float = 0.0,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    allow_duplicate_ids: bool = False,
) -> SkewReport:
    """Compare logged serving features with the training features (TFDV-style skew).

    Parameters
    ----------
    training_features, serving_features
        DataFrames of feature values (one row per example) as the model saw them in
        training and in serving (e.g. from the prediction log); or a path/glob of CSV or
        Parquet files, a pyarrow Table/Dataset, a polars or a dask DataFrame, of which
        only the compared columns are read when ``features`` names them.
    features
        Features to compare (default: every training column except the id columns).
        Columns may have names of any hashable type (``0``, ``("a", 1)``, ``None``); the
        report shows a string name as it is and any other by its ``repr`` (an int ``1``
        beside a string ``"1"`` become ``1`` and ``'1'``), and these arguments take either.
    id_column
        Column(s) identifying an example on both sides. When given, the sides are joined
        on it and each feature is compared example by example.
    categorical
        Numeric features to compare as categories (codes, flags). ``1`` and ``1.0`` are
        one category. Numbers held in an object column (from a CSV reader or a JSON
        payload) are compared as numbers unless named here; ``report.inferred`` says so.
    distribution
        Compare distributions (default True): L-infinity distance for categorical
        features, Jensen-Shannon distance (base 2, in [0, 1]) on 10 training-quantile
        bins for numeric ones; missing values are a bucket of their own on both.
    linf_threshold
        A categorical feature is skewed when the share of some category (or of missing
        values) differs by more than this (default 0.1, as the drift check).
    js_threshold
        A numeric feature is skewed when the Jensen-Shannon distance is above this
        (default 0.1, i.e. a divergence of 0.01).
    bins
        Training-quantile bins of numeric features.
    max_mismatch_rate
        Joined comparison: a feature is skewed when the share of joined examples where it
        differs (or is present on one side only) is above this (default 0).
    rtol, atol
        Tolerance of the joined comparison of numbers (logs often round floats).
    allow_duplicate_ids
        Keep the first row of a repeated id instead of raising.

    Returns
    -------
    SkewReport

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> train = pd.DataFrame({"id": range(1000), "x": rng.normal(size=1000),
    ...                       "c": rng.choice(["a", "b"], 1000)})
    >>> serve = train.copy()
    >>> serve["x"] = serve["x"] * 1000  # a unit bug in serving
    >>> report = check_skew(train, serve, id_column="id")
    >>> report.passed, report.skewed_features
    (False, ('x',))
    """
    training_features, _ = _read_side(training_features, features, id_column, "t")
    serving_features, serve_cols = _read_side(serving_features, features, id_column, "s")
    inp = validate(
        training_features,
        serving_features,
        features=features,
        id_column=id_column,
        categorical=categorical,
        distribution=distribution,
        linf_threshold=linf_threshold,
        js_threshold=js_threshold,
        bins=bins,
        max_mismatch_rate=max_mismatch_rate,
        rtol=rtol,
        atol=atol,
    )
    train, serve, ids, names = inp.train, inp.serve, inp.ids, inp.names

    # ---- distribution skew
    dist: list[DistributionSkew] = []
    if distribution:
        for name in names:
            t, s = train[name], serve[name]
            kt = feature_kind(t, name=name, side="training_features", categorical=inp.categorical)
            ks = feature_kind(s, name=name, side="serving_features", categorical=inp.categorical)
            if kt != ks:
                dist.append(type_skew(name, kt, t, s))
            elif kt == "numeric":
                dist.append(numeric_skew(name, t, s, bins=inp.bins, threshold=inp.js_threshold))
            else:
                t = category_labels(t, name=name, side="training_features")
                s = category_labels(s, name=name, side="serving_features")
                dist.append(categorical_skew(name, t, s, threshold=inp.linf_threshold))

    # ---- joined skew
    joined: tuple[JoinedSkew, ...] = ()
    stats: JoinStats | None = None
    examples: tuple[JoinedExample, ...] = ()
    if ids:
        joined, stats, examples = join(
            train,
            serve,
            ids,
            names,
            allow_duplicates=allow_duplicate_ids,
            rtol=inp.rtol,
            atol=inp.atol,
            threshold=inp.max_mismatch_rate,
        )
    return SkewReport(
        distribution=tuple(dist),
        joined=joined,
        join=stats,
        n_training=int(train.shape[0]),
        n_serving=int(serve.shape[0]),
        checked_features=tuple(names),
        unchecked_features=tuple(
            c
            for c in (serve_cols or list(map(str, serve.columns)))
            if c not in set(names) and c not in set(ids)
        ),
        linf_threshold=inp.linf_threshold,
        js_threshold=inp.js_threshold,
        max_mismatch_rate=inp.max_mismatch_rate,
        rtol=inp.rtol,
        atol=inp.atol,
        examples=examples,
        inferred=inp.inferred,
        notes=inp.notes,
    )
