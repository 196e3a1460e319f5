"""One parity run: both pipelines on the same raw rows, every feature compared.

:class:`Engine` runs a batch (real rows, or the records hypothesis generated) and a
single record (while shrinking) through exactly the same code, so a counterexample is
judged by the same rules as the batch that found it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit.checks.parity.compare import (
    MATCH,
    FeatureComparison,
    OnlineColumn,
    compare_feature,
    compare_values,
)
from pytest_mlaudit.checks.parity.frames import (
    frame_from_records,
    native_value,
    short_repr,
)
from pytest_mlaudit.checks.parity.run import (
    OnlineMode,
    SideResult,
    run_frame_side,
    run_records_side,
)
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["BatchResult", "Engine", "Options", "Target"]


@dataclasses.dataclass(frozen=True, slots=True)
class Options:
    rtol: float
    atol: float
    tolerances: dict[str, tuple[float, float]]
    strict_dtypes: bool
    features: tuple[str, ...] | None
    online_mode: OnlineMode
    batch_size: int

    def tolerance(self, feature: str) -> tuple[float, float]:
        return self.tolerances.get(feature, (self.rtol, self.atol))


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """What a counterexample must show: a feature mismatch, or a whole-record problem."""

    kind: str  #: "feature", "offline_raised", "online_raised", "offline_dropped", "online_dropped"
    feature: str | None = None

    def label(self) -> str:
        return f"feature {self.feature!r}" if self.feature is not None else self.kind


@dataclasses.dataclass(slots=True)
class BatchResult:
    n: int
    offline: SideResult
    online: SideResult
    features: list[str]
    comparisons: dict[str, FeatureComparison]
    offline_rejected: NDArray[np.bool_]  #: raised or dropped on the offline side
    online_rejected: NDArray[np.bool_]
    row_mismatch: NDArray[np.bool_]  #: any problem with this row

    @property
    def both_rejected(self) -> NDArray[np.bool_]:
        return self.offline_rejected & self.online_rejected

    def rows_failing(self, target: Target) -> NDArray[np.intp]:
        return np.flatnonzero(self.failing_mask(target))

    def failing_mask(self, target: Target) -> NDArray[np.bool_]:
        off_err = _mask(self.n, self.offline.errors)
        on_err = _mask(self.n, self.online.errors)
        if target.kind == "feature":
            comp = self.comparisons.get(target.feature or "")
            if comp is None:
                return np.zeros(self.n, dtype=bool)
            return np.asarray(comp.status > MATCH)
        if target.kind == "offline_raised":
            return off_err & ~self.online_rejected
        if target.kind == "online_raised":
            return on_err & ~self.offline_rejected
        if target.kind == "offline_dropped":
            return self.offline.dropped & ~self.online_rejected
        if target.kind == "online_dropped":
            return self.online.dropped & ~self.offline_rejected
        if target.kind == "moved":
            moved = (
                self.offline.moved
                if self.offline.moved is not None
                else np.zeros(self.n, dtype=bool)
            )
            return np.asarray(moved)
        raise AssertionError(target.kind)  # pragma: no cover

    def targets(self) -> list[tuple[Target, int]]:
        """Every problem found, with how many rows show it (most frequent first)."""
        found: list[tuple[Target, int]] = []
        for kind in ("offline_raised", "online_raised", "offline_dropped", "online_dropped"):
            t = Target(kind)
            count = int(self.failing_mask(t).sum())
            if count:
                found.append((t, count))
        moved = self.failing_mask(Target("moved"))
        if moved.any():
            found.append((Target("moved"), int(moved.sum())))
        per_feature = [
            (Target("feature", f), int(np.count_nonzero(c.status > MATCH)))
            for f, c in self.comparisons.items()
        ]
        per_feature = [(t, c) for t, c in per_feature if c]
        per_feature.sort(key=lambda tc: -tc[1])
        return found + per_feature

    def value(self, side: str, feature: str, row: int) -> tuple[bool, Any]:
        """``(present, value)`` of one feature on one side for one row."""
        result = self.offline if side == "offline" else self.online
        col = result.columns.get(feature)
        if col is None:
            return False, None
        if isinstance(col, OnlineColumn):
            if col.absent[row]:
                return False, None
            vals = col.values
            return True, vals.iloc[row] if isinstance(vals, pd.Series) else vals[row]
        return True, col.iloc[row]


def _mask(n: int, rows: Mapping[int, Any]) -> NDArray[np.bool_]:
    m = np.zeros(n, dtype=bool)
    if rows:
        m[list(rows)] = True
    return m


class Engine:
    """Runs both pipelines on raw rows and compares every feature."""

    __slots__ = ("dtypes", "offline", "online", "opts")

    def __init__(
        self,
        offline: Callable[[pd.DataFrame], Any],
        online: Callable[..., Any],
        opts: Options,
        dtypes: Mapping[str, Any] | None,
    ) -> None:
        self.offline = offline
        self.online = online
        self.opts = opts
        self.dtypes = dict(dtypes) if dtypes is not None else None

    def run(
        self,
        frame: pd.DataFrame,
        records: Sequence[Mapping[str, Any]],
        *,
        only: Sequence[str] | None = None,
        copy_records: bool = True,
    ) -> BatchResult:
        """Run both sides on the same rows and compare the features (or ``only`` these)."""
        n = frame.shape[0]
        off = run_frame_side(self.offline, frame, side="offline")
        names = off.features or list(self.opts.features or ())
        if self.opts.online_mode == "frame":
            on = run_frame_side(self.online, frame, side="online")
            on_cols = {
                k: (v if isinstance(v, OnlineColumn) else OnlineColumn(v, np.zeros(n, dtype=bool)))
                for k, v in on.columns.items()
            }
            on.columns = dict(on_cols)
        else:
            on = run_records_side(
                self.online,
                records,
                mode=self.opts.online_mode,
                names=names,
                batch_size=self.opts.batch_size,
                copy=copy_records,
            )
        if self.opts.features is not None:
            features = list(self.opts.features)
        else:
            features = list(dict.fromkeys([*off.features, *on.features]))
        if only is not None:
            features = [f for f in features if f in set(only)]
        off_rej = ~off.produced
        on_rej = ~on.produced
        valid = off.produced & on.produced
        comparisons: dict[str, FeatureComparison] = {}
        row_mismatch = off_rej ^ on_rej
        if off.moved is not None:
            row_mismatch |= off.moved
        if on.moved is not None:
            row_mismatch |= on.moved
        for f in features:
            rtol, atol = self.opts.tolerance(f)
            off_col = off.columns.get(f)
            on_col = on.columns.get(f)
            comp = compare_feature(
                off_col if isinstance(off_col, pd.Series) else None,
                on_col if isinstance(on_col, OnlineColumn) else None,
                valid,
                rtol=rtol,
                atol=atol,
                strict=self.opts.strict_dtypes,
            )
            comparisons[f] = comp
            row_mismatch |= comp.status > MATCH
        return BatchResult(n, off, on, features, comparisons, off_rej, on_rej, row_mismatch)

    def run_records(
        self, records: Sequence[Mapping[str, Any]], *, only: Sequence[str] | None = None
    ) -> BatchResult:
        """Run records through both sides; the offline frame gets the known dtypes."""
        frame = frame_from_records(records, self.dtypes)
        return self.run(frame, records, only=only)

    def fails(self, record: Mapping[str, Any], target: Target) -> bool:
        """True when ``record`` alone shows ``target`` (used while shrinking)."""
        only = [target.feature] if target.feature is not None else []
        try:
            result = self.run_records([record], only=only)
        except MlauditInputError:
            return False
        return bool(result.failing_mask(target)[0])

    def describe(self, result: BatchResult, target: Target, row: int) -> dict[str, Any]:
        """Offline value, online value, difference and detail of ``target`` at ``row``."""
        out: dict[str, Any] = {"abs_diff": None, "rel_diff": None, "traceback": None}
        off_err = result.offline.errors.get(row)
        on_err = result.online.errors.get(row)
        if target.kind != "feature":
            out["offline"] = _side_text(result, "offline", row)
            out["online"] = _side_text(result, "online", row)
            out["offline_value"] = None
            out["online_value"] = None
            tb = off_err if target.kind == "offline_raised" else on_err
            out["traceback"] = tb
            if target.kind.endswith("raised"):
                side = target.kind.split("_")[0]
                other = "online" if side == "offline" else "offline"
                last = (tb or "").strip().splitlines()[-1:] or [""]
                out["detail"] = f"{side} raised {last[0]}; {other} returned features"
            elif target.kind == "moved":
                out["detail"] = "offline returned this row out of input order"
            else:
                side = target.kind.split("_")[0]
                out["detail"] = f"{side} returned no row for this input"
            return out
        feature = target.feature or ""
        has_off, a = result.value("offline", feature, row)
        has_on, b = result.value("online", feature, row)
        out["offline_value"] = a
        out["online_value"] = b
        out["offline"] = repr_value(a) if has_off else "<absent>"
        out["online"] = repr_value(b) if has_on else "<absent>"
        if not has_off or not has_on:
            side = "offline" if not has_off else "online"
            out["detail"] = f"the {side} output has no feature {feature!r}"
            return out
        rtol, atol = self.opts.tolerance(feature)
        _, d, r, detail = compare_values(a, b, rtol=rtol, atol=atol, strict=self.opts.strict_dtypes)
        out["abs_diff"] = None if d != d else float(d)
        out["rel_diff"] = None if r != r else float(r)
        out["detail"] = detail
        return out


def repr_value(v: Any) -> str:
    if isinstance(v, np.generic):
        return f"{short_repr(v.item())} ({type(v).__name__})"
    return short_repr(v)


def _side_text(result: BatchResult, side: str, row: int) -> str:
    res = result.offline if side == "offline" else result.online
    tb = res.errors.get(row)
    if tb is not None:
        last = tb.strip().splitlines()[-1] if tb.strip() else "an exception"
        return f"<raised {last}>"
    if res.dropped[row]:
        return "<no row>"
    return "<features>"


def typical_values(frame: pd.DataFrame, *, sample: int = 10_000) -> dict[str, Any]:
    """Per column, a typical observed value: the value nearest the median for numbers and
    datetimes, the most frequent one otherwise (from the first ``sample`` rows). Columns
    of lists or other unhashable values are left out."""
    out: dict[str, Any] = {}
    head = frame.iloc[:sample]
    for col in head.columns:
        s = head[col]
        present = s.dropna()
        if present.empty:
            continue
        try:
            if (
                pd.api.types.is_numeric_dtype(s.dtype)
                and not pd.api.types.is_bool_dtype(s.dtype)
                and not isinstance(s.dtype, pd.CategoricalDtype)
            ):
                vals = present.to_numpy(dtype=np.float64)
                finite = np.isfinite(vals)
                if not finite.any():
                    continue
                vals, kept = vals[finite], present[finite]
                pos = int(np.argmin(np.abs(vals - np.median(vals))))
                out[str(col)] = native_value(kept.iloc[pos])
            elif pd.api.types.is_datetime64_any_dtype(s.dtype):
                ordered = present.sort_values()
                out[str(col)] = native_value(ordered.iloc[len(ordered) // 2])
            else:
                first = present.iloc[0]
                if isinstance(first, list | dict | set | np.ndarray):
                    continue
                out[str(col)] = native_value(present.value_counts().index[0])
        except (TypeError, ValueError):
            continue
    return out
