"""Input validation of :func:`review_labels`: the label report, and the reviewed CSV file.

Every problem in the file is an :class:`~pytest_mlaudit.MlauditInputError` naming the
file, the row (its CSV line and ``position``) and the column.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_mlaudit.checks.labels.report import (
    LABEL_COLUMN,
    VERDICT_COLUMN,
    VERDICTS,
    Label,
    LabelReport,
    LabelRow,
)
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["Verdict", "label_report", "read_review"]


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """One reviewed row of the sample."""

    row: LabelRow  #: the sample's row
    wrong: bool  #: the reviewer judged the given label wrong
    label: Label | None  #: the right label, when the reviewer gave one


def label_report(source: Any) -> LabelReport:
    """The :class:`LabelReport` in ``source``: a report, its ``to_dict()``, a record entry,
    an audit record (object, dict or JSON file) with exactly one ``labels`` entry."""
    from pytest_mlaudit.record import AuditRecord, CheckEntry, read_record

    if isinstance(source, LabelReport):
        return source
    if isinstance(source, str | os.PathLike):
        source = read_record(source)
    if isinstance(source, Mapping):
        if "schema_version" in source:
            source = AuditRecord.from_dict(source)
        elif source.get("kind") == "labels" and isinstance(source.get("result"), Mapping):
            return LabelReport.from_dict(source["result"])
        elif source.get("kind") == "labels":
            return LabelReport.from_dict(source)
    if isinstance(source, CheckEntry) and source.kind == "labels":
        return LabelReport.from_dict(source.result)
    if isinstance(source, AuditRecord):
        entries = [e for e in source.checks if e.kind == "labels"]
        if len(entries) != 1:
            names = ", ".join(repr(e.name or e.nodeid) for e in entries) or "none"
            raise MlauditInputError(
                f"report_or_record: the audit record has {len(entries)} labels entries "
                f"({names}); pass the one to review (record.checks[i] or its report)."
            )
        return LabelReport.from_dict(entries[0].result)
    raise MlauditInputError(
        "report_or_record must be the LabelReport of check_labels / mlaudit.labels(), its "
        "to_dict(), an audit-record entry of kind 'labels', or an audit record (or its JSON "
        f"file) with one labels entry; got {type(source).__name__}."
    )


def _where(path: Path, line: int, position: object) -> str:
    return f"{str(path)!r} line {line} (position={position})"


def read_review(path: str | os.PathLike[str], report: LabelReport) -> tuple[list[Verdict], int]:
    """The reviewed rows of ``path`` (one per sample row with a verdict) and how many
    rows of the sample have no verdict."""
    import pandas as pd

    if not isinstance(path, str | os.PathLike):
        raise MlauditInputError(
            f"reviewed must be the path of the reviewed CSV file; got {type(path).__name__}."
        )
    target = Path(path)
    if not target.is_file():
        raise MlauditInputError(
            f"reviewed={str(target)!r} is not a file; write the audit sample with "
            "report.audit_sample.to_csv(path), fill in its reviewer columns and pass that path."
        )
    try:
        frame = pd.read_csv(target, dtype=str, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise MlauditInputError(
            f"reviewed={str(target)!r} is not a readable CSV file: {exc}"
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in ("position", VERDICT_COLUMN, LABEL_COLUMN):
        if column not in frame.columns:
            raise MlauditInputError(
                f"{str(target)!r} has no column {column!r} (columns: {list(frame.columns)}); "
                "start from the file report.audit_sample.to_csv(path) writes and keep its "
                "position, reviewer_verdict and reviewer_label columns."
            )
    by_position = {row.position: row for row in report.audit_sample.rows}
    known: dict[str, Label] = {str(c): c for c in report.classes}
    known.update({str(c.label): c.label for c in report.skipped})
    seen: set[int] = set()
    verdicts: list[Verdict] = []
    has_given = "given" in frame.columns
    for i, record in enumerate(frame.to_dict("records")):
        line = i + 2  # the header is line 1
        text = str(record["position"]).strip()
        try:
            position = int(text)
        except ValueError:
            position = -1
        row = by_position.get(position)
        if row is None:
            raise MlauditInputError(
                f"{_where(target, line, text or '<empty>')}: column 'position' names no row "
                f"of this report's audit sample ({len(by_position)} rows); review the file "
                "that report.audit_sample.to_csv() wrote for this report, without adding rows."
            )
        if position in seen:
            raise MlauditInputError(
                f"{_where(target, line, position)}: the row appears twice in column "
                "'position'; keep one verdict per row."
            )
        seen.add(position)
        if has_given and str(record["given"]).strip() != str(row.given):
            raise MlauditInputError(
                f"{_where(target, line, position)}: column 'given' is "
                f"{record['given']!r} but the audit gave {row.given!r}; this file belongs to "
                "another audit sample (or the given label was edited): put corrections in "
                f"{LABEL_COLUMN!r}."
            )
        verdict = str(record[VERDICT_COLUMN]).strip().lower()
        label_text = str(record[LABEL_COLUMN]).strip()
        if verdict not in ("", *VERDICTS):
            raise MlauditInputError(
                f"{_where(target, line, position)}: column {VERDICT_COLUMN!r} is "
                f"{record[VERDICT_COLUMN]!r}; write 'correct' or 'wrong', or leave it empty "
                "for a row not reviewed."
            )
        label = None
        if label_text:
            if label_text not in known:
                raise MlauditInputError(
                    f"{_where(target, line, position)}: column {LABEL_COLUMN!r} is "
                    f"{label_text!r}, which is not a class of the audit "
                    f"({', '.join(map(repr, known))}); write one of them or leave it empty."
                )
            label = known[label_text]
        if not verdict:
            if label is not None:
                raise MlauditInputError(
                    f"{_where(target, line, position)}: column {LABEL_COLUMN!r} is filled "
                    f"but {VERDICT_COLUMN!r} is empty; write 'wrong' (or clear the label)."
                )
            continue
        wrong = verdict == "wrong"
        if label is not None and wrong == (label == row.given):
            raise MlauditInputError(
                f"{_where(target, line, position)}: column {VERDICT_COLUMN!r} is {verdict!r} "
                f"but {LABEL_COLUMN!r} is {label_text!r} and the given label is "
                f"{row.given!r}; a wrong row's right label differs from the given one."
            )
        verdicts.append(Verdict(row, wrong, label if wrong else None))
    if not verdicts:
        raise MlauditInputError(
            f"{str(target)!r} has no verdict: fill column {VERDICT_COLUMN!r} with 'correct' "
            "or 'wrong' for the rows you reviewed."
        )
    return verdicts, len(by_position) - len(verdicts)
