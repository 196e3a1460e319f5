"""The ``mlaudit`` object that tests call: checks with defaults, and a sink for results.

This module never imports pytest. The plugin builds an :class:`Auditor` per test with
the defaults from ini keys and markers and a *sink* that records every result; a
notebook or a scheduler can build one too (``Auditor()`` runs checks and records
nothing).

Defaults are applied in this order, later ones winning: the check function's own
defaults, ini defaults (``mlaudit_defaults``), marker kwargs, then the call's kwargs.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pytest_mlaudit import registry
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.result import CheckReport

if TYPE_CHECKING:
    from pytest_mlaudit.checks.contract import ContractReport
    from pytest_mlaudit.checks.drift import DriftReport
    from pytest_mlaudit.checks.gate import GateReport
    from pytest_mlaudit.checks.impact import ImpactReport
    from pytest_mlaudit.checks.label_review import LabelReviewReport
    from pytest_mlaudit.checks.labels import LabelReport
    from pytest_mlaudit.checks.load import CapacityReport, LoadReport
    from pytest_mlaudit.checks.parity import ParityReport
    from pytest_mlaudit.checks.performance import PerformanceReport
    from pytest_mlaudit.checks.skew import SkewReport
    from pytest_mlaudit.checks.soak import SoakReport
    from pytest_mlaudit.checks.store_parity.report import StoreParityReport

__all__ = ["Auditor", "Sink", "load_check"]

#: Called with every report a check returns and the seconds it took.
Sink = Callable[[str, CheckReport, float], None]


def load_check(name: str) -> Callable[..., CheckReport]:
    """Import and return the check function registered as ``name``."""
    fn: Callable[..., CheckReport] = registry.get_check(name).load_function()
    return fn


def _accepted(fn: Callable[..., Any]) -> set[str] | None:
    """Keyword names ``fn`` accepts, or None when it takes ``**kwargs``."""
    params = inspect.signature(fn).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {
        p.name
        for p in params
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    }


class Auditor:
    """Runs checks with layered defaults and hands every report to a sink.

    Parameters
    ----------
    defaults
        ``{marker: {option: value}}``; e.g. ``{"drift": {"alpha": 0.01}}``. Options of a
        marker apply to every check of that marker that accepts them.
    sources
        ``{marker: "where the defaults came from"}``, used in error messages.
    sink
        Called as ``sink(check_name, report, seconds)`` after each check.

    Examples
    --------
    >>> import numpy as np
    >>> audit = Auditor(defaults={"drift": {"alpha": 0.01}})
    >>> rng = np.random.default_rng(0)
    >>> audit.drift(rng.normal(size=500), rng.normal(size=500)).passed
    True
    """

    __slots__ = ("_defaults", "_sink", "_sources")

    def __init__(
        self,
        *,
        defaults: Mapping[str, Mapping[str, Any]] | None = None,
        sources: Mapping[str, str] | None = None,
        sink: Sink | None = None,
    ) -> None:
        self._defaults = {k: dict(v) for k, v in (defaults or {}).items()}
        self._sources = dict(sources or {})
        self._sink = sink

    def __repr__(self) -> str:
        shown = {k: v for k, v in self._defaults.items() if v}
        return f"<mlaudit {type(self).__name__} defaults={shown!r}>"

    def options(self, check: str) -> dict[str, Any]:
        """The defaults that apply to ``check`` (validated against its signature)."""
        specs = registry.checks()
        marker = registry.get_check(check).marker
        given = self._defaults.get(marker, {})
        if not given:
            return {}
        fn = load_check(check)
        accepted = _accepted(fn)
        if accepted is None:
            return dict(given)
        siblings: set[str] = set()
        for other, spec in specs.items():
            if spec.marker == marker and other != check:
                try:
                    other_accepted = _accepted(load_check(other))
                except ImportError:  # an optional extra is not installed
                    continue
                siblings |= other_accepted or set()
        unknown = sorted(set(given) - accepted - siblings)
        if unknown:
            source = self._sources.get(marker, f"the {marker!r} defaults")
            raise MlauditInputError(
                f"{source} sets {', '.join(map(repr, unknown))}, which no {marker!r} check "
                f"accepts; {fn.__name__} accepts: {', '.join(sorted(accepted))}."
            )
        return {k: v for k, v in given.items() if k in accepted}

    def run(self, check: str, /, *args: Any, **kwargs: Any) -> CheckReport:
        """Run the check registered as ``check`` with the layered defaults."""
        fn = load_check(check)
        merged = {**self.options(check), **kwargs}
        start = time.perf_counter()
        report = fn(*args, **merged)
        seconds = time.perf_counter() - start
        if not isinstance(report, CheckReport):
            raise MlauditInputError(
                f"the check {check!r} ({registry.get_check(check).function}) returned "
                f"{type(report).__name__}, not a CheckReport; a registered check must return "
                "its report."
            )
        self._record(check, report, seconds)
        return report

    def record(self, report: CheckReport, /, *, seconds: float = 0.0) -> CheckReport:
        """Record a report a check of your own built (a :class:`CheckReport` subclass).

        It appears in the terminal summary, the audit record, JUnit properties, the history
        and the report (a generic section unless its kind is registered), exactly like
        the built-in checks' reports. Returns the report, so
        ``mlaudit.record(MyReport(...)).assert_ok()`` reads naturally.

        >>> import dataclasses
        >>> from pytest_mlaudit import BadWhen, CheckReport, Measure
        >>> @dataclasses.dataclass(frozen=True)
        ... class RowCount(CheckReport):
        ...     kind = "row_count"
        ...     rows: int
        ...     minimum: int
        ...     @property
        ...     def passed(self) -> bool:
        ...         return not self.headline().breached
        ...     def headline(self) -> Measure:
        ...         return Measure("rows", self.rows, self.minimum, BadWhen.BELOW)
        ...     def sizes(self) -> dict[str, int]:
        ...         return {"rows": self.rows}
        ...     def summary(self) -> str:
        ...         return f"row count: {self.headline().describe()}"
        >>> seen = []
        >>> audit = Auditor(sink=lambda check, report, s: seen.append(check))
        >>> audit.record(RowCount(rows=120, minimum=100)).passed
        True
        >>> seen
        ['row_count']
        """
        if not isinstance(report, CheckReport):
            raise MlauditInputError(
                f"mlaudit.record() takes a CheckReport (a subclass of "
                f"pytest_mlaudit.CheckReport); got {type(report).__name__}."
            )
        kind = getattr(type(report), "kind", None)
        if not isinstance(kind, str) or not kind.isidentifier():
            raise MlauditInputError(
                f"{type(report).__name__}.kind must be a class attribute naming the check "
                f"kind (an identifier such as 'row_count'); got kind={kind!r}."
            )
        self._record(kind, report, float(seconds))
        return report

    def _record(self, check: str, report: CheckReport, seconds: float) -> None:
        if self._sink is not None:
            self._sink(check, report, seconds)

    def __getattr__(self, name: str) -> Callable[..., CheckReport]:
        """``mlaudit.<kind>(...)`` for check kinds registered by other packages."""
        if name.startswith("_") or name not in registry.checks():
            raise AttributeError(
                f"'Auditor' object has no attribute {name!r}; registered checks: "
                f"{', '.join(sorted(registry.checks()))}."
            )

        def call(*args: Any, **kwargs: Any) -> CheckReport:
            return self.run(name, *args, **kwargs)

        call.__name__ = name
        call.__doc__ = f"Run the registered check {name!r} and record its report."
        return call

    def contract(self, data: Any, contract: Any, /, **kwargs: Any) -> ContractReport:
        """Run :func:`~pytest_mlaudit.check_contract` (a batch against its data contract)."""
        report = self.run("contract", data, contract, **kwargs)
        return report  # type: ignore[return-value]

    def drift(self, reference: Any, current: Any, /, **kwargs: Any) -> DriftReport:
        """Run :func:`~pytest_mlaudit.check_drift` and record its report."""
        report = self.run("drift", reference, current, **kwargs)
        return report  # type: ignore[return-value]

    def parity(self, *args: Any, **kwargs: Any) -> ParityReport:
        """Run :func:`~pytest_mlaudit.check_parity` (online vs offline feature code)."""
        report = self.run("parity", *args, **kwargs)
        return report  # type: ignore[return-value]

    def skew(self, *args: Any, **kwargs: Any) -> SkewReport:
        """Run :func:`~pytest_mlaudit.check_skew` (served vs training features)."""
        report = self.run("skew", *args, **kwargs)
        return report  # type: ignore[return-value]

    def store_parity(self, store: Any, /, *args: Any, **kwargs: Any) -> StoreParityReport:
        """Run :func:`~pytest_mlaudit.check_store_parity` (a Feast store, online vs offline)."""
        report = self.run("store_parity", store, *args, **kwargs)
        return report  # type: ignore[return-value]

    def labels(self, *args: Any, **kwargs: Any) -> LabelReport:
        """Run :func:`~pytest_mlaudit.check_labels` (cleanlab label-noise audit) and record it."""
        report = self.run("labels", *args, **kwargs)
        return report  # type: ignore[return-value]

    def label_review(
        self, report_or_record: Any, reviewed: Any, /, **kwargs: Any
    ) -> LabelReviewReport:
        """Run :func:`~pytest_mlaudit.review_labels` (reviewers' verdicts -> noise rate)."""
        report = self.run("label_review", report_or_record, reviewed, **kwargs)
        return report  # type: ignore[return-value]

    def load(self, *args: Any, **kwargs: Any) -> LoadReport:
        """Run :func:`~pytest_mlaudit.run_load` (a locust scenario) and record its report."""
        report = self.run("load", *args, **kwargs)
        return report  # type: ignore[return-value]

    def gate(self, *args: Any, **kwargs: Any) -> GateReport:
        """Run :func:`~pytest_mlaudit.check_gate` (candidate vs baseline model) and record it."""
        report = self.run("gate", *args, **kwargs)
        return report  # type: ignore[return-value]

    def capacity(self, *args: Any, **kwargs: Any) -> CapacityReport:
        """Run :func:`~pytest_mlaudit.find_capacity` (step load until the SLO breaks)."""
        report = self.run("capacity", *args, **kwargs)
        return report  # type: ignore[return-value]

    def soak(self, *args: Any, **kwargs: Any) -> SoakReport:
        """Run :func:`~pytest_mlaudit.run_soak` (steady load; fails on upward trends)."""
        report = self.run("soak", *args, **kwargs)
        return report  # type: ignore[return-value]

    def performance(
        self, model: Any, reference: Any, reference_y: Any, current: Any, /, **kwargs: Any
    ) -> PerformanceReport:
        """Run :func:`~pytest_mlaudit.check_performance` (performance without labels)."""
        report = self.run("performance", model, reference, reference_y, current, **kwargs)
        return report  # type: ignore[return-value]

    def impact(self, model: Any, reference: Any, current: Any, /, **kwargs: Any) -> ImpactReport:
        """Run :func:`~pytest_mlaudit.check_impact` (drift weighted by the model)."""
        report = self.run("impact", model, reference, current, **kwargs)
        return report  # type: ignore[return-value]
