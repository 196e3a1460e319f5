"""The result of checking a batch against a data contract: every rule, with counts."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from pytest_mlaudit.result import BadWhen, CheckReport, Measure, fmt_number, format_table

__all__ = ["ContractReport", "RuleExample", "RuleResult"]


@dataclasses.dataclass(frozen=True, slots=True)
class RuleExample:
    """One value that breaks a rule: its row (the batch's index label) and the value."""

    row: str
    value: str


@dataclasses.dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule of the contract evaluated on the batch.

    ``failed`` counts the rows (for ``required``/``extra_columns``: the columns; for
    ``rows``: 1) that break it, out of ``checked``. Rules are evaluated on every column;
    range and category rules on the values of the right type only.
    """

    json_properties: ClassVar[tuple[str, ...]] = ("passed",)

    rule: str  #: type, required, extra_columns, max_null_rate, min, max, allowed, unique, rows
    column: str | None  #: None for rules of the whole batch (rows, extra_columns)
    expected: str  #: the rule in words: ">= 0", "int", "one of 8 values", "<= 2%"
    failed: int  #: rows (or columns) that break it
    checked: int  #: rows (or columns) it was evaluated on
    observed: str = ""  #: what the batch has, in words ("37 rows", "5.2% missing")
    examples: tuple[RuleExample, ...] = ()  #: a few offending values, most frequent first

    @property
    def passed(self) -> bool:
        return self.failed == 0

    @property
    def where(self) -> str:
        return self.column if self.column is not None else "(batch)"


@dataclasses.dataclass(frozen=True, slots=True)
class ContractReport(CheckReport):
    """Every rule of a contract evaluated on one batch; passes when none is broken.

    The record keeps each rule's counts and at most ``max_examples`` offending values per
    rule (the value of that column and its row label, never whole rows).
    """

    kind: ClassVar[str] = "contract"

    contract: str  #: the contract's name
    source: str | None  #: the contract file, when it came from one
    engine: str  #: "mlaudit" (a YAML contract) or "pandera" (a pandera schema)
    rows: int  #: rows in the batch
    columns: int  #: columns in the batch
    rules: tuple[RuleResult, ...]  #: every rule evaluated, in contract order
    max_examples: int  #: offending values kept per rule

    @property
    def violations(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.rules if not r.passed)

    @property
    def passed(self) -> bool:
        return not self.violations

    def headline(self) -> Measure:
        return Measure("violated_rules", len(self.violations), 0, BadWhen.ABOVE)

    def sizes(self) -> dict[str, int]:
        return {"rows": self.rows, "columns": self.columns, "rules": len(self.rules)}

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)  # zero-arg super() fails in slotted dataclasses
        figures["rules"] = len(self.rules)
        figures["failed_rows_max"] = max((r.failed for r in self.violations), default=0)
        return figures

    def measures(self) -> tuple[Measure, ...]:
        """Per rule: the rows that break it (threshold 0), so history trends each rule."""
        return tuple(
            Measure(r.rule, r.failed, 0, BadWhen.ABOVE, subject=r.where) for r in self.rules
        )

    def brief(self) -> str:
        bad = self.violations
        if not bad:
            return f"{len(self.rules)} rules hold on {self.rows} rows"
        shown = ", ".join(f"{r.where}: {r.rule}" for r in bad[:4])
        return f"broken: {shown}" + (f" and {len(bad) - 4} more" if len(bad) > 4 else "")

    def summary(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        where = f" ({self.source})" if self.source else ""
        head = (
            f"contract {verdict}: {len(self.violations)} of {len(self.rules)} rules broken in "
            f"{self.rows} rows against {self.contract!r}{where}"
        )
        rows = [
            [
                r.where,
                r.rule,
                r.expected,
                r.observed or fmt_number(r.failed),
                f"{r.failed}/{r.checked}",
                ", ".join(f"{e.value} (row {e.row})" for e in r.examples[:3]),
            ]
            for r in self.violations
        ]
        if not rows:
            return head
        return (
            head
            + "\n"
            + format_table(["column", "rule", "expected", "observed", "failed", "examples"], rows)
        )
