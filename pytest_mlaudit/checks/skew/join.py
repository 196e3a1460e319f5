"""Joined skew: both sides joined on an id and compared example by example, as TFDV's
``DetectFeatureSkew`` does, with the parity check's value comparison.

The join matches row positions (it never renames or suffixes feature columns, so any
column name works); rows without an id are skipped and counted, repeated ids are an error
unless the first row of each id is kept.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit.checks.parity.compare import MATCH, TYPE, VALUE, OnlineColumn, compare_feature
from pytest_mlaudit.checks.parity.frames import json_scalar, native_value, short_repr
from pytest_mlaudit.checks.skew.report import JoinedExample, JoinedSkew, JoinStats
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["JOINED_EXAMPLES", "join"]

#: Mismatched joined examples kept per feature in a :class:`SkewReport`.
JOINED_EXAMPLES: Final = 3


def _keyed(
    frame: pd.DataFrame, ids: list[str], side: str, *, allow_duplicates: bool
) -> tuple[pd.DataFrame, int, int]:
    """The id columns of ``frame`` (named 0, 1, ...) and the row position (``position``),
    without rows lacking an id and, when allowed, without repeated ids."""
    keyed = pd.DataFrame({i: frame[name].to_numpy() for i, name in enumerate(ids)})
    no_id = keyed.isna().any(axis=1).to_numpy()
    keyed = keyed[~no_id]
    try:
        dup = keyed.duplicated(keep="first")
    except TypeError:
        raise MlauditInputError(
            f"the id column(s) {ids!r} of {side} hold unhashable values (lists or dicts); "
            "an id must be a scalar."
        ) from None
    if dup.any() and not allow_duplicates:
        example = keyed.loc[dup].iloc[0].tolist()
        raise MlauditInputError(
            f"the id column(s) {ids!r} do not identify the rows of {side}: "
            f"{int(dup.sum())} repeated id(s), e.g. {example!r}. Deduplicate first, or "
            "pass allow_duplicate_ids=True to keep the first row of each id."
        )
    keyed = keyed[~dup.to_numpy()]
    keyed["position"] = keyed.index.to_numpy()
    return keyed, int(no_id.sum()), int(dup.sum())


def join(
    train: pd.DataFrame,
    serve: pd.DataFrame,
    ids: list[str],
    feats: list[str],
    *,
    allow_duplicates: bool,
    rtol: float,
    atol: float,
    threshold: float,
) -> tuple[tuple[JoinedSkew, ...], JoinStats, tuple[JoinedExample, ...]]:
    """Per feature, the TFDV ``FeatureSkew`` counts over the examples in both frames."""
    train = train.reset_index(drop=True)
    serve = serve.reset_index(drop=True)
    t, t_noid, t_dup = _keyed(train, ids, "training_features", allow_duplicates=allow_duplicates)
    s, s_noid, s_dup = _keyed(serve, ids, "serving_features", allow_duplicates=allow_duplicates)
    keys = list(range(len(ids)))
    try:
        merged = t.merge(s, on=keys, how="inner", suffixes=("_t", "_s"))
    except (TypeError, ValueError) as exc:
        raise MlauditInputError(
            f"the id column(s) {ids!r} cannot be joined: {exc}. Give both sides ids of one "
            "type (e.g. both int, or both str)."
        ) from None
    n = int(merged.shape[0])
    if n == 0:
        raise MlauditInputError(
            f"no id of {ids!r} is in both training_features and serving_features; check "
            "id_column (and that both sides log the same ids)."
        )
    t_pos: NDArray[np.intp] = merged["position_t"].to_numpy(dtype=np.intp)
    s_pos: NDArray[np.intp] = merged["position_s"].to_numpy(dtype=np.intp)
    t_ids = pd.MultiIndex.from_frame(t[keys])
    s_ids = pd.MultiIndex.from_frame(s[keys])
    stats = JoinStats(
        id_columns=tuple(ids),
        n_joined=n,
        training_ids_only=int((~t_ids.isin(s_ids)).sum()),
        serving_ids_only=int((~s_ids.isin(t_ids)).sum()),
        missing_ids_training=t_noid,
        missing_ids_serving=s_noid,
        duplicate_ids_training=t_dup,
        duplicate_ids_serving=s_dup,
    )
    valid = np.ones(n, dtype=bool)
    rows: list[JoinedSkew] = []
    examples: list[JoinedExample] = []
    for f in feats:
        a = train[f].iloc[t_pos].reset_index(drop=True)
        b = serve[f].iloc[s_pos].reset_index(drop=True)
        comp = compare_feature(
            a, OnlineColumn(b, np.zeros(n, dtype=bool)), valid, rtol=rtol, atol=atol, strict=False
        )
        a_present = ~a.isna().to_numpy()
        b_present = ~b.isna().to_numpy()
        both = a_present & b_present
        mismatch = both & np.isin(comp.status, (VALUE, TYPE))
        rows.append(
            JoinedSkew(
                feature=f,
                n_joined=n,
                training_count=int(a_present.sum()),
                serving_count=int(b_present.sum()),
                match_count=int((both & (comp.status == MATCH)).sum()),
                mismatch_count=int(mismatch.sum()),
                training_only=int((a_present & ~b_present).sum()),
                serving_only=int((b_present & ~a_present).sum()),
                max_abs_diff=comp.max_abs(),
                threshold=threshold,
            )
        )
        for i in np.flatnonzero(comp.status > MATCH)[:JOINED_EXAMPLES]:
            idv = merged[keys].iloc[int(i)].tolist()
            examples.append(
                JoinedExample(
                    feature=f,
                    id=short_repr(idv[0] if len(idv) == 1 else tuple(idv)),
                    training=short_repr(native_value(a.iloc[int(i)], "nan")),
                    serving=short_repr(native_value(b.iloc[int(i)], "nan")),
                    training_json=json_scalar(a.iloc[int(i)]),
                    serving_json=json_scalar(b.iloc[int(i)]),
                )
            )
    return tuple(rows), stats, tuple(examples)
