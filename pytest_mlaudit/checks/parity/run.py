"""Calling the offline and online pipelines and checking what they return.

* A *frame* side (the offline pipeline, or an online one with ``online_mode="frame"``)
  gets a DataFrame and must return a DataFrame with one row per input row. Rows are
  matched by index when the output keeps the input's labels (so dropped and reordered
  rows are found), else by position.
* A *records* side (``online_mode="record"`` or ``"records"``) gets one record, or a list
  of records (a micro-batch), and returns a mapping of feature -> value, a sequence of
  values in the offline feature order, or (micro-batches) a list of those or a DataFrame.

An exception on one side is kept per row, with its traceback; when a batch call raises,
the batch is bisected to find the rows that raise, so one bad row does not hide the
others. A callable that returns the wrong *type* or *length* is a usage error
(:class:`~pytest_mlaudit.MlauditInputError`), not a parity finding.
"""

from __future__ import annotations

import contextlib
import dataclasses
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pytest_mlaudit.checks.parity.compare import OnlineColumn
from pytest_mlaudit.checks.parity.frames import name_clashes, short_repr
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["OnlineMode", "SideResult", "run_frame_side", "run_records_side", "traceback_text"]

OnlineMode = Literal["record", "records", "frame"]

#: Most pipeline calls spent bisecting one failing batch before giving up on finer detail.
BISECT_BUDGET: Final = 512
#: Lines of a traceback kept in a report.
TRACEBACK_LINES: Final = 30


def traceback_text(exc: BaseException, *, skip: int = 1) -> str:
    """The traceback of ``exc`` without mlaudit's own calling frame(s), shortened."""
    tb = exc.__traceback__
    for _ in range(skip):
        if tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
    lines = "".join(traceback.format_exception(type(exc), exc, tb)).rstrip().splitlines()
    if len(lines) > TRACEBACK_LINES:
        lines = [lines[0], "  ...", *lines[-(TRACEBACK_LINES - 2) :]]
    return "\n".join(lines)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence numpy's floating-point warnings while the pipelines run: the edge cases
    (zero, negative, huge values) trigger them on purpose."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@dataclasses.dataclass(slots=True)
class SideResult:
    """One side's output for ``n`` input rows."""

    columns: dict[str, pd.Series | OnlineColumn]  #: feature -> values, one per input row
    produced: NDArray[np.bool_]  #: rows with an output (no exception, not dropped)
    errors: dict[int, str]  #: row -> traceback text, for rows where this side raised
    dropped: NDArray[np.bool_]  #: rows the output left out (frame sides)
    moved: NDArray[np.bool_] | None = None  #: rows the output put out of input order
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def features(self) -> list[str]:
        return list(self.columns)


# --------------------------------------------------------------------------- frame sides


def _as_output_frame(out: Any, *, side: str, n_in: int) -> pd.DataFrame:
    if isinstance(out, pd.DataFrame):
        frame = out
    elif isinstance(out, pd.Series) and out.name is not None:
        frame = out.to_frame()
    else:
        shape = getattr(out, "shape", None)
        raise MlauditInputError(
            f"{side} must return a pandas DataFrame with one column per feature and one row "
            f"per input row; got {type(out).__name__}"
            + (f" of shape {shape}" if shape is not None else "")
            + f" for {n_in} input row(s). Wrap it, e.g. pd.DataFrame(values, "
            "columns=FEATURES, index=raw.index)."
        )
    if frame.columns.duplicated().any():
        dupes = frame.columns[frame.columns.duplicated()].tolist()
        raise MlauditInputError(f"{side} returned duplicated feature columns {dupes!r}.")
    _refuse_clashes(frame.columns.tolist(), side)
    return frame


def _refuse_clashes(names: Sequence[Any], side: str) -> None:
    """Features are matched by ``str(name)``: two that read the same would hide one."""
    clashes = name_clashes(names)
    if clashes:
        raise MlauditInputError(
            f"{side} returned features whose names read the same as text: "
            f"{'; '.join(clashes[:5])}. Features are matched by str(name), so one would hide "
            "the other; rename them."
        )


def _align(
    out: pd.DataFrame, inp: pd.DataFrame, *, side: str
) -> tuple[NDArray[np.intp], NDArray[np.bool_], str | None]:
    """For each input row: the output row position (-1: dropped) and whether the output
    moved it out of input order; plus a note for the report."""
    n_in, n_out = inp.shape[0], out.shape[0]
    none_moved = np.zeros(n_in, dtype=bool)
    if n_out == n_in and out.index.equals(inp.index):
        return np.arange(n_in, dtype=np.intp), none_moved, None
    if n_out == 0:
        return np.full(n_in, -1, dtype=np.intp), none_moved, None
    if inp.index.is_unique and out.index.is_unique:
        pos_in_input = inp.index.get_indexer(out.index)
        if n_out and (pos_in_input >= 0).all():
            where = np.full(n_in, -1, dtype=np.intp)
            where[pos_in_input] = np.arange(n_out, dtype=np.intp)
            moved = np.zeros(n_in, dtype=bool)
            moved[pos_in_input[pos_in_input != np.sort(pos_in_input)]] = True
            note = None
            if moved.any():
                note = (
                    f"{side} returned its rows in a different order than its input "
                    f"({int(moved.sum())} row(s) moved); rows were matched by index label"
                )
            return where, moved, note
    if n_out == n_in:
        return (
            np.arange(n_in, dtype=np.intp),
            none_moved,
            (f"{side}'s output index differs from its input's; rows were compared by position"),
        )
    raise MlauditInputError(
        f"{side} returned {n_out} row(s) for {n_in} input row(s), and its index does not "
        "name the input rows, so outputs cannot be matched to inputs. Return one row per "
        "input row, or keep the input's index labels (then dropped rows are reported)."
    )


def run_frame_side(
    fn: Callable[[pd.DataFrame], Any], frame: pd.DataFrame, *, side: str
) -> SideResult:
    """Call a DataFrame -> DataFrame pipeline on ``frame`` (bisecting if it raises)."""
    n = frame.shape[0]
    pieces: list[tuple[int, int, pd.DataFrame | None, str | None]] = []
    budget = [BISECT_BUDGET]
    with quiet():
        _frame_calls(fn, frame, 0, n, pieces, budget, side)
    errors: dict[int, str] = {}
    where = np.full(n, -1, dtype=np.intp)
    outs: list[pd.DataFrame] = []
    offset = 0
    moved = np.zeros(n, dtype=bool)
    notes: list[str] = []
    for lo, hi, out, tb in pieces:
        if out is None:
            for i in range(lo, hi):
                errors[i] = tb or ""
            continue
        w, piece_moved, note = _align(out, frame.iloc[lo:hi], side=side)
        moved[lo:hi] |= piece_moved
        if note and note not in notes:
            notes.append(note)
        ok = w >= 0
        where[lo:hi][ok] = w[ok] + offset
        offset += out.shape[0]
        outs.append(out)
    produced = where >= 0
    dropped = (~produced).copy()
    for i in errors:
        dropped[i] = False
    columns: dict[str, pd.Series | OnlineColumn] = {}
    if outs:
        combined = outs[0] if len(outs) == 1 else pd.concat(outs, axis=0, ignore_index=True)
        filler = int(where[produced][0]) if produced.any() else 0
        take = np.where(produced, where, filler)
        for col in combined.columns:
            s = combined[col]
            if combined.shape[0]:
                values = s.iloc[take].reset_index(drop=True)
            else:  # nothing produced: placeholders, never compared
                values = s.reset_index(drop=True).reindex(pd.RangeIndex(n))
            columns[str(col)] = values
    if dropped.any():
        notes.append(f"{side} returned no row for {int(dropped.sum())} input row(s)")
    return SideResult(columns, produced, errors, dropped, moved, notes)


def _frame_calls(
    fn: Callable[[pd.DataFrame], Any],
    frame: pd.DataFrame,
    lo: int,
    hi: int,
    pieces: list[tuple[int, int, pd.DataFrame | None, str | None]],
    budget: list[int],
    side: str,
) -> None:
    part = frame.iloc[lo:hi]
    budget[0] -= 1
    try:
        out = fn(part.copy(deep=True))
    except Exception as exc:
        tb = traceback_text(exc)
        if hi - lo == 1 or budget[0] <= 0:
            pieces.append((lo, hi, None, tb))
            return
        mid = (lo + hi) // 2
        _frame_calls(fn, frame, lo, mid, pieces, budget, side)
        _frame_calls(fn, frame, mid, hi, pieces, budget, side)
        return
    pieces.append((lo, hi, _as_output_frame(out, side=side, n_in=hi - lo), None))


# --------------------------------------------------------------------------- record sides


def _copy_record(rec: Mapping[str, Any]) -> dict[str, Any]:
    """A copy the online side may change without changing the record mlaudit reports."""
    out = dict(rec)
    for k, v in out.items():
        if isinstance(v, list | dict):
            out[k] = v.copy()
    return out


def _as_is(rec: Mapping[str, Any]) -> Mapping[str, Any]:
    return rec


def _as_mapping(
    out: Any, *, record: Mapping[str, Any] | None, names: Sequence[str], what: str
) -> dict[str, Any]:
    if type(out) is dict:  # the common case, used as is (never modified)
        return out
    if isinstance(out, Mapping | pd.Series):
        mapped = {str(k): v for k, v in out.items()}
        if len(mapped) < len(out):
            _refuse_clashes(list(out.keys()), what)
        return mapped
    if isinstance(out, list | tuple) or (isinstance(out, np.ndarray) and out.ndim == 1):
        values = list(out)
        if len(values) != len(names):
            raise MlauditInputError(
                f"{what} returned a sequence of {len(values)} value(s) but the offline "
                f"pipeline has {len(names)} feature(s) {list(names)[:20]!r}; a sequence is "
                "matched to the offline features by position. Return a dict of feature -> "
                "value instead."
                + (f" Record: {short_repr(dict(record))}" if record is not None else "")
            )
        return dict(zip(names, values, strict=True))
    raise MlauditInputError(
        f"{what} must return a dict of feature -> value (or a sequence in the offline "
        f"feature order); got {type(out).__name__}: {short_repr(out, 120)}"
        + (f" for the record {short_repr(dict(record))}." if record is not None else ".")
    )


def _batch_outputs(out: Any, *, n_in: int, names: Sequence[str]) -> list[dict[str, Any]] | (
    pd.DataFrame
):
    if isinstance(out, pd.DataFrame):
        if out.shape[0] != n_in:
            raise MlauditInputError(
                f"online (online_mode='records') returned a DataFrame of {out.shape[0]} row(s) "
                f"for a micro-batch of {n_in} record(s); return one row per record, in order."
            )
        return out.reset_index(drop=True)
    if isinstance(out, np.ndarray) and out.ndim == 2:
        if out.shape != (n_in, len(names)):
            raise MlauditInputError(
                f"online (online_mode='records') returned an array of shape {out.shape} for "
                f"{n_in} record(s) and {len(names)} offline feature(s); expected "
                f"({n_in}, {len(names)})."
            )
        return pd.DataFrame(out, columns=list(names))
    if isinstance(out, list | tuple):
        if len(out) != n_in:
            raise MlauditInputError(
                f"online (online_mode='records') returned {len(out)} output(s) for a "
                f"micro-batch of {n_in} record(s); return one output per record, in order."
            )
        return [
            _as_mapping(o, record=None, names=names, what="online (one output of a micro-batch)")
            for o in out
        ]
    raise MlauditInputError(
        "online (online_mode='records') must return a list of dicts (one per record) or a "
        f"DataFrame; got {type(out).__name__}: {short_repr(out, 120)}."
    )


def run_records_side(
    fn: Callable[..., Any],
    records: Sequence[Mapping[str, Any]],
    *,
    mode: Literal["record", "records"],
    names: Sequence[str],
    batch_size: int,
    copy: bool = True,
) -> SideResult:
    """Call the online pipeline per record or per micro-batch of records.

    ``copy=False`` hands the records over as they are (the caller can rebuild them, e.g.
    from the real rows, if the pipeline changes them).
    """
    prepare = _copy_record if copy else _as_is
    n = len(records)
    outputs: list[dict[str, Any] | None] = [None] * n
    frames: list[tuple[int, pd.DataFrame]] = []
    errors: dict[int, str] = {}
    if mode == "record":
        with quiet():
            for i, rec in enumerate(records):
                try:
                    out = fn(prepare(rec))
                except Exception as exc:
                    errors[i] = traceback_text(exc)
                    continue
                outputs[i] = _as_mapping(out, record=rec, names=names, what="online")
    else:
        budget = [BISECT_BUDGET]
        with quiet():
            for lo in range(0, n, batch_size):
                _records_calls(
                    fn,
                    records,
                    lo,
                    min(lo + batch_size, n),
                    names,
                    outputs,
                    frames,
                    errors,
                    budget,
                    prepare,
                )
    produced = np.ones(n, dtype=bool)
    for i in errors:
        produced[i] = False
    for _, f in frames[:1]:
        _refuse_clashes(f.columns.tolist(), "online")
    if frames and not errors and sum(f.shape[0] for _, f in frames) == n:
        frames.sort(key=lambda t: t[0])
        combined = pd.concat([f for _, f in frames], axis=0, ignore_index=True)
        cols: dict[str, pd.Series | OnlineColumn] = {
            str(c): OnlineColumn(combined[c], np.zeros(n, dtype=bool)) for c in combined.columns
        }
        return SideResult(cols, produced, errors, np.zeros(n, dtype=bool))
    for start, f in frames:
        for j, row in enumerate(f.to_dict("records")):
            outputs[start + j] = {str(k): v for k, v in row.items()}
    return SideResult(_columns_of(outputs, produced), produced, errors, np.zeros(n, dtype=bool))


def _columns_of(
    outputs: Sequence[dict[str, Any] | None], produced: NDArray[np.bool_]
) -> dict[str, pd.Series | OnlineColumn]:
    """Per feature, the values of every row (None where a row has no output)."""
    names: dict[str, None] = {}
    first_keys: Any = None
    same_keys = True
    for out in outputs:
        if out is None:
            continue
        keys = out.keys()
        if first_keys is None:
            first_keys = keys
            names.update(dict.fromkeys(keys))
        elif keys != first_keys:
            same_keys = False
            names.update(dict.fromkeys(keys))
    if any(type(name) is not str for name in names):  # e.g. {0: ...}: keyed by str(name)
        _refuse_clashes(list(names), "online")
        return _columns_of(
            [None if out is None else {str(k): v for k, v in out.items()} for out in outputs],
            produced,
        )
    n = len(outputs)
    cols: dict[str, pd.Series | OnlineColumn] = {}
    for name in names:
        values = [out.get(name) if out is not None else None for out in outputs]
        if same_keys:
            absent = np.zeros(n, dtype=bool)
        else:
            absent = np.fromiter(
                (out is not None and name not in out for out in outputs), dtype=bool, count=n
            )
        cols[name] = OnlineColumn(values, absent)
    return cols


def _records_calls(
    fn: Callable[..., Any],
    records: Sequence[Mapping[str, Any]],
    lo: int,
    hi: int,
    names: Sequence[str],
    outputs: list[dict[str, Any] | None],
    frames: list[tuple[int, pd.DataFrame]],
    errors: dict[int, str],
    budget: list[int],
    prepare: Callable[[Mapping[str, Any]], Any],
) -> None:
    budget[0] -= 1
    try:
        out = fn([prepare(r) for r in records[lo:hi]])
    except Exception as exc:
        if hi - lo == 1 or budget[0] <= 0:
            tb = traceback_text(exc)
            for i in range(lo, hi):
                errors[i] = tb
            return
        mid = (lo + hi) // 2
        _records_calls(fn, records, lo, mid, names, outputs, frames, errors, budget, prepare)
        _records_calls(fn, records, mid, hi, names, outputs, frames, errors, budget, prepare)
        return
    got = _batch_outputs(out, n_in=hi - lo, names=names)
    if isinstance(got, pd.DataFrame):
        frames.append((lo, got))
    else:
        outputs[lo:hi] = got
