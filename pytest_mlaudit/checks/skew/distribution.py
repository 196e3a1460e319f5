"""Distribution skew of one feature, as TensorFlow Data Validation compares it.

Numeric features: the Jensen-Shannon distance (base 2) over training-quantile bins plus
a bucket of missing values (the drift check's profile and
:func:`pytest_mlaudit.stats.distances.jensen_shannon`), with a bin of its own for
serving values beyond the training range on either side, so a constant that becomes
another constant is seen. Categorical features: the L-infinity distance over the
categories of both sides plus a missing bucket
(:func:`pytest_mlaudit.stats.distances.linf`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.drift.profile import NumericProfile, profile_column
from pytest_mlaudit.checks.skew.report import DistributionSkew
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.io.frames import category_counts
from pytest_mlaudit.stats import distances
from pytest_mlaudit.stats.histogram import bin_counts_sorted, with_support_bins

__all__ = ["categorical_skew", "numeric_skew", "type_skew"]


def numeric_skew(
    name: str, train: pd.Series, serve: pd.Series, *, bins: int, threshold: float
) -> DistributionSkew:
    try:
        prof = profile_column(
            train,
            column=name,
            kind="numeric",
            side="training_features",
            bins=bins,
            sample_size=None,
            seed=0,
            max_categories=2,
        )
    except MlauditInputError as exc:
        raise MlauditInputError(str(exc).replace("columns=", "features=")) from None
    assert isinstance(prof, NumericProfile)
    values = serve.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values)
    present = np.sort(values[~missing])
    edges, ref_counts = prof.edges, prof.counts
    finite = present[np.isfinite(present)]
    if finite.size:  # serving values beyond the training range get bins of their own
        edges, ref_counts = with_support_bins(
            prof.edges, prof.counts, prof.minimum, prof.maximum, float(finite[0]), float(finite[-1])
        )
    cur_counts = bin_counts_sorted(present, edges)
    ref = [*ref_counts.tolist(), prof.n_missing]
    cur = [*cur_counts.tolist(), int(missing.sum())]
    stat = distances.jensen_shannon(ref, cur) if sum(cur) else 1.0
    n_inf = int(np.isinf(present).sum())
    details: dict[str, float | int | str] = {
        "bins": int(ref_counts.size),
        "mean_training": prof.mean,
        "mean_serving": float(present[np.isfinite(present)].mean())
        if np.isfinite(present).any()
        else math.nan,
    }
    if n_inf:
        details["infinite_serving"] = n_inf
    return DistributionSkew(
        name,
        "numeric",
        "js",
        stat,
        threshold,
        prof.n,
        int(values.size),
        prof.n_missing / prof.n,
        float(missing.mean()),
        details,
    )


def categorical_skew(
    name: str, train: pd.Series, serve: pd.Series, *, threshold: float
) -> DistributionSkew:
    ref_counts, ref_missing = category_counts(train)
    cur_counts, cur_missing = category_counts(serve)
    cats = list(dict.fromkeys([*ref_counts, *cur_counts]))
    ref = [ref_counts.get(c, 0) for c in cats] + [ref_missing]
    cur = [cur_counts.get(c, 0) for c in cats] + [cur_missing]
    stat = distances.linf(ref, cur)
    unseen = [c for c in cur_counts if c not in ref_counts]
    details: dict[str, float | int | str] = {
        "categories": len(ref_counts),
        "unseen_share": sum(cur_counts[c] for c in unseen) / max(int(serve.size), 1),
    }
    if unseen:
        details["unseen"] = ", ".join(sorted(unseen, key=lambda c: -cur_counts[c])[:10])
    return DistributionSkew(
        name,
        "categorical",
        "linf",
        stat,
        threshold,
        int(train.size),
        int(serve.size),
        ref_missing / max(int(train.size), 1),
        cur_missing / max(int(serve.size), 1),
        details,
    )


def type_skew(name: str, kind: str, train: pd.Series, serve: pd.Series) -> DistributionSkew:
    """A feature of one kind in training and another in serving: skewed outright."""
    return DistributionSkew(
        name,
        kind,
        "type",
        1.0,
        0.0,
        int(train.size),
        int(serve.size),
        float(train.isna().mean()),
        float(serve.isna().mean()),
        {"training_dtype": str(train.dtype), "serving_dtype": str(serve.dtype)},
    )
