"""Joined skew: both sides joined on an id and compared example by example, as TFDV's
``DetectFeatureSkew`` does, with the parity check's value comparison.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.parity.compare import MATCH, TYPE, VALUE, OnlineColumn, compare_feature
from pytest_mlaudit.checks.parity.frames import json_scalar, native_value, short_repr
from pytest_mlaudit.checks.skew.report import JoinedExample, JoinedSkew, JoinStats
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["JOINED_EXAMPLES", "join"]

#: Mismatched joined examples kept per feature in a :class:`SkewReport`.
JOINED_EXAMPLES: Final = 3


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
    def prepare(frame: pd.DataFrame, side: str) -> tuple[pd.DataFrame, int, int]:
        keyed = frame[ids + [f for f in feats if f in frame.columns]]
        no_id = keyed[ids].isna().any(axis=1)
        keyed = keyed[~no_id]
        dup = keyed.duplicated(subset=ids, keep="first")
        if dup.any() and not allow_duplicates:
            example = keyed.loc[dup, ids].iloc[0].tolist()
            raise MlauditInputError(
                f"the id column(s) {ids!r} do not identify the rows of {side}: "
                f"{int(dup.sum())} repeated id(s), e.g. {example!r}. Deduplicate first, or "
                "pass allow_duplicate_ids=True to keep the first row of each id."
            )
        return keyed[~dup], int(no_id.sum()), int(dup.sum())

    t, t_noid, t_dup = prepare(train, "training_features")
    s, s_noid, s_dup = prepare(serve, "serving_features")
    merged = t.merge(s, on=ids, how="inner", suffixes=("__training", "__serving"))
    n = int(merged.shape[0])
    if n == 0:
        raise MlauditInputError(
            f"no id of {ids!r} is in both training_features and serving_features; check "
            "id_column (and that both sides log the same ids)."
        )
    t_ids = t.set_index(ids).index
    s_ids = s.set_index(ids).index
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
        a = merged[f"{f}__training"].reset_index(drop=True)
        b = merged[f"{f}__serving"].reset_index(drop=True)
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
            idv = merged[ids].iloc[int(i)].tolist()
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
