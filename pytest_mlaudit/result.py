"""The result shape shared by every check.

A check returns a *report*: a frozen dataclass that keeps the numbers, the thresholds and
the inputs' sizes, and computes ``passed`` from them, so the verdict can never disagree
with the numbers. Every report

* names its ``kind`` (``"drift"``, ``"parity"``, ``"labels"``, ...);
* has one :class:`Measure` as its ``headline`` (what the terminal summary prints);
* gives its ``key_figures`` (flat name -> number, for JUnit XML properties);
* renders a readable ``summary()`` table, used by ``assert_ok()``;
* serialises to JSON with ``to_dict()`` and back with ``from_dict()``.

The direction that counts as bad is explicit on every :class:`Measure`
(:class:`BadWhen`), never hidden inside a function: a p-value is bad *below* alpha, a
distance is bad *above* its threshold.
"""

from __future__ import annotations

import abc
import dataclasses
import enum
import math
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pytest_mlaudit._serde import from_jsonable, to_jsonable
from pytest_mlaudit.errors import CheckFailed, MlauditInputError

__all__ = [
    "BadWhen",
    "CheckReport",
    "Measure",
    "report_from_dict",
]


class BadWhen(enum.StrEnum):
    """Which side of the threshold fails."""

    ABOVE = "above"  #: fails when statistic > threshold (distances, error rates, latency)
    BELOW = "below"  #: fails when statistic < threshold (p-values, throughput, accuracy)

    @property
    def symbol(self) -> str:
        """The comparison that *passes*, for tables: ``<=`` or ``>=``."""
        return "<=" if self is BadWhen.ABOVE else ">="


def breaches(statistic: float, threshold: float, bad_when: BadWhen) -> bool:
    """True when ``statistic`` is on the failing side of ``threshold``.

    A NaN statistic always breaches: a check that cannot compute its number fails
    closed instead of passing silently.
    """
    if math.isnan(statistic):
        return True
    if bad_when is BadWhen.ABOVE:
        return statistic > threshold
    return statistic < threshold


@dataclasses.dataclass(frozen=True, slots=True)
class Measure:
    """One statistic set against its threshold, optionally about one subject.

    A report's :meth:`CheckReport.headline` is a ``Measure``; so is each per-column,
    per-class or per-metric figure it gives through :meth:`CheckReport.measures`, which
    the audit history trends. ``subject`` names what the figure is about (a column, a
    class, a metric); ``threshold=None`` is a value tracked without a limit of its own
    (it never breaches).

    Examples
    --------
    >>> m = Measure("psi", statistic=0.31, threshold=0.2, bad_when=BadWhen.ABOVE)
    >>> m.breached
    True
    >>> m.describe()
    'psi=0.31 > 0.2'
    >>> Measure("psi", 0.05, 0.2, BadWhen.ABOVE, subject="income").describe()
    'income: psi=0.05 <= 0.2'
    """

    name: str  #: what the statistic is, e.g. ``"psi"`` or ``"p95_ms"``
    statistic: float  #: the measured value
    threshold: float | None  #: the limit it is compared with; None: tracked, no limit
    bad_when: BadWhen  #: which side of the threshold fails
    subject: str = ""  #: what it is about (a column, a class, a metric); "" for the check

    def __post_init__(self) -> None:
        if not isinstance(self.bad_when, BadWhen):
            object.__setattr__(self, "bad_when", BadWhen(self.bad_when))
        if self.threshold is not None and not (
            isinstance(self.threshold, int | float) and math.isfinite(self.threshold)
        ):
            raise MlauditInputError(
                f"the threshold of {self.name!r} must be a finite number or None; "
                f"got {self.threshold!r}."
            )

    @property
    def breached(self) -> bool:
        """True when the statistic is on the failing side of the threshold."""
        if self.threshold is None:
            return False
        return breaches(self.statistic, self.threshold, self.bad_when)

    def describe(self) -> str:
        """``[subject: ]name=statistic <op> threshold`` with the operator that holds."""
        where = f"{self.subject}: " if self.subject else ""
        if self.threshold is None:
            return f"{where}{self.name}={fmt_number(self.statistic)}"
        if self.breached:
            op = ">" if self.bad_when is BadWhen.ABOVE else "<"
            if math.isnan(self.statistic):
                op = "?"
        else:
            op = self.bad_when.symbol
        return f"{where}{self.name}={fmt_number(self.statistic)} {op} {fmt_number(self.threshold)}"


def fmt_number(x: float | int | None) -> str:
    """Compact, human-readable formatting used in summaries and tables."""
    if x is None:
        return "-"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if abs(x) < 1e-3 or abs(x) >= 1e6:
        return f"{x:.3g}"
    return f"{x:.4g}"


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with aligned columns (no third-party dependency)."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join([line, rule, *body])


class CheckReport(abc.ABC):
    """Base of every check's report. Subclasses are frozen dataclasses.

    Subclasses set ``kind`` and implement ``passed``, ``headline``, ``sizes`` and
    ``summary``; serialisation and ``assert_ok`` come from here.
    """

    __slots__ = ()

    kind: ClassVar[str]

    @property
    @abc.abstractmethod
    def passed(self) -> bool:
        """The verdict, computed from the numbers the report holds."""

    @abc.abstractmethod
    def headline(self) -> Measure:
        """The one statistic/threshold pair that best states the verdict."""

    @abc.abstractmethod
    def sizes(self) -> dict[str, int]:
        """The inputs' sizes (rows, columns, requests, ...)."""

    @abc.abstractmethod
    def summary(self) -> str:
        """A readable, multi-line table of the result."""

    def key_figures(self) -> dict[str, float | int | str | bool]:
        """Flat figures for JUnit XML properties. Subclasses add their own."""
        h = self.headline()
        figures: dict[str, float | int | str | bool] = {"passed": self.passed, h.name: h.statistic}
        if h.threshold is not None:
            figures[f"{h.name}_threshold"] = h.threshold
        return figures

    def measures(self) -> tuple[Measure, ...]:
        """Per-subject figures (per column, class, metric, endpoint) with their thresholds.

        The audit history stores them (``mlaudit history checks``, ``retrain-check``) and
        the record keeps them beside the key figures, so nothing downstream branches on
        the kind. The default is none; reports with per-subject numbers override it.
        """
        return ()

    def brief(self) -> str:
        """A few words after the headline in the terminal summary (e.g. which columns)."""
        return ""

    def supersedes(self, recorded: CheckReport) -> bool:
        """True when this report is ``recorded`` judged again against stricter thresholds.

        An ``assert_*`` method that takes thresholds (e.g. ``LoadReport.assert_slo``)
        raises :class:`CheckFailed` with such a report; the pytest plugin then records its
        verdict in place of the one the check returned, so the audit record agrees with
        the test's outcome. Reports whose ``assert_ok`` adds nothing keep the default.
        """
        return False

    def assert_ok(self) -> None:
        """Raise :class:`~pytest_mlaudit.CheckFailed` with :meth:`summary` if not passed."""
        __tracebackhide__ = True  # pytest shows the table, not this frame and its ``self``
        if not self.passed:
            raise CheckFailed(self, self.summary())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: every field, plus ``kind`` and the computed ``passed``."""
        data: dict[str, Any] = {"kind": self.kind, "passed": self.passed}
        data.update(to_jsonable(self))
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a report from :meth:`to_dict` output."""
        kind = data.get("kind")
        if kind is not None and kind != cls.kind:
            raise MlauditInputError(
                f"{cls.__name__}.from_dict expects kind={cls.kind!r}; got kind={kind!r}."
            )
        return from_jsonable(cls, data)  # type: ignore[type-var]

    def __str__(self) -> str:
        return self.summary()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # dataclasses do not replace a __repr__ the class defines itself, so every report
        # keeps the one-line repr below (tracebacks and notebooks stay readable) unless the
        # subclass writes its own
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = CheckReport.__repr__  # type: ignore[method-assign]

    def __repr__(self) -> str:
        """One line: class, kind, verdict, headline (the numbers are in ``summary()``)."""
        try:
            verdict = "PASS" if self.passed else "FAIL"
            text = f"{self.kind} {verdict} {self.headline().describe()}"
            brief = self.brief()
        except Exception as exc:  # a repr must never raise
            return f"<{type(self).__name__} (unreadable: {type(exc).__name__})>"
        return f"<{type(self).__name__} {text}{'  ' + brief if brief else ''}>"

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the check's section of the audit report."""
        from pytest_mlaudit.report.display import report_html

        return report_html(self)


def report_from_dict(data: Mapping[str, Any]) -> CheckReport:
    """Rebuild any registered kind's report from its ``to_dict()`` data (dispatch on ``kind``)."""
    from pytest_mlaudit import registry

    kind = data.get("kind")
    known = registry.checks()
    if not isinstance(kind, str) or kind not in known:
        raise MlauditInputError(f"unknown report kind {kind!r}; known kinds: {sorted(known)}.")
    cls = known[kind].load_report()
    report: CheckReport = cls.from_dict(data)  # type: ignore[attr-defined]
    return report
