"""The root cause of a drifted column: which segment of the rows explains it.

For a drifted column ``c``, the rows are split by every other column: categorical columns
by value (their ``max_values`` most frequent values), numeric ones by ``bins``
reference-quantile bins. Each segment's share of the reference and of the current rows is
compared; the ``top_k`` segments whose share changed most are then *removed* from both
sides and ``c`` is tested again with :func:`~pytest_mlaudit.check_drift` (the same
methods, ``alpha`` and effect floor, on that one column, uncorrected: stricter about
"stops drifting" than the corrected test that flagged it). A segment *explains* the
drift when, without it, ``c`` does not drift. A segment holding more than ``max_share``
of either side is never blamed (removing most of the data explains nothing).

When a global shift moved ``c`` in every segment, removing one does not stop the drift,
and no segment is blamed. The cost is bounded: at most ``max_rows`` rows per side
(a seeded subsample) and ``top_k`` drift tests per drifted column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.impact.report import ColumnCause, Segment
from pytest_mlaudit.io.frames import column_label

__all__ = ["causes"]

_MISSING: Final = "(missing)"


def _segments(
    ref: pd.Series, cur: pd.Series, *, bins: int, max_values: int
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, reference mask, current mask) of each segment of one split column."""
    numeric = pd.api.types.is_numeric_dtype(ref) and not pd.api.types.is_bool_dtype(ref)
    if numeric and ref.nunique(dropna=True) > max(bins, 2):
        values = ref.dropna().to_numpy(dtype=float)
        if values.size == 0:
            return []
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
        ref_bin = np.searchsorted(edges, ref.to_numpy(dtype=float), side="left")
        cur_bin = np.searchsorted(edges, pd.to_numeric(cur, errors="coerce").to_numpy(), "left")
        out = []
        for b in range(edges.size + 1):
            lo = "-inf" if b == 0 else f"{edges[b - 1]:.4g}"
            hi = "inf" if b == edges.size else f"{edges[b]:.4g}"
            out.append((f"({lo}, {hi}]", ref_bin == b, cur_bin == b))
        return out
    ref_s = ref.astype(object).where(ref.notna(), _MISSING).map(str)
    cur_s = cur.astype(object).where(cur.notna(), _MISSING).map(str)
    counts = pd.concat(
        [ref_s.value_counts(normalize=True), cur_s.value_counts(normalize=True)], axis=1
    ).fillna(0.0)
    change = (counts.iloc[:, 1] - counts.iloc[:, 0]).abs().sort_values(ascending=False)
    return [
        (str(v), (ref_s == v).to_numpy(), (cur_s == v).to_numpy())
        for v in change.index[:max_values]
    ]


def _sample(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    return frame.sample(n=max_rows, random_state=seed)


def causes(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    drifted: Sequence[str],
    methods: dict[str, tuple[str, ...]],
    *,
    alpha: float,
    min_effect: float,
    top_k: int,
    max_share: float,
    bins: int,
    max_values: int,
    max_rows: int,
    seed: int,
) -> tuple[ColumnCause, ...]:
    """One :class:`ColumnCause` per drifted column (segments ranked: explaining first)."""
    from pytest_mlaudit.checks.drift import check_drift

    ref = _sample(reference, max_rows, seed)
    cur = _sample(current, max_rows, seed + 1)
    by_name = {column_label(c): c for c in ref.columns}
    out = []
    for name in drifted:
        label = by_name.get(name)
        if label is None or label not in cur.columns:
            continue
        candidates: list[tuple[float, str, str, np.ndarray, np.ndarray]] = []
        for other in ref.columns:
            if other == label or other not in cur.columns:
                continue
            for seg, rmask, cmask in _segments(
                ref[other], cur[other], bins=bins, max_values=max_values
            ):
                r_share, c_share = float(rmask.mean()), float(cmask.mean())
                if max(r_share, c_share) > max_share or c_share == r_share == 0:
                    continue
                candidates.append((abs(c_share - r_share), column_label(other), seg, rmask, cmask))
        candidates.sort(key=lambda t: -t[0])
        segments = []
        for _, split, seg, rmask, cmask in candidates[:top_k]:
            ref_rest, cur_rest = ref.loc[~rmask, [label]], cur.loc[~cmask, [label]]
            if ref_rest[label].notna().sum() < 2 or cur_rest[label].notna().sum() < 2:
                continue
            kwargs: dict[str, Any] = {
                "alpha": alpha,
                "min_effect": min_effect,
                "correction": "none",
            }
            if name in methods:
                kwargs["methods"] = list(methods[name])
            without = check_drift(ref_rest, cur_rest, **kwargs)
            rows = without.columns
            effect = max((r.effect / r.threshold if r.threshold else r.effect) for r in rows)
            segments.append(
                Segment(
                    column=split,
                    value=seg,
                    share_reference=float(rmask.mean()),
                    share_current=float(cmask.mean()),
                    drift_without=effect,
                    explains=without.passed,
                )
            )
        segments.sort(key=lambda s: (not s.explains, -abs(s.share_change)))
        out.append(ColumnCause(column=name, segments=tuple(segments)))
    return tuple(out)
