"""The ``mlaudit`` object that tests call: checks with defaults, and a sink for results.

This module never imports pytest. The plugin builds an :class:`Auditor` per test with
the defaults from ini keys and markers and a *sink* that records every result; a
notebook or a scheduler can build one too (``Auditor()`` runs checks and records
nothing).

Defaults are applied in this order, later ones winning: the check function's own
defaults, ini defaults (``mlaudit_defaults``), marker kwargs, then the call's kwargs.
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.result import CheckReport

if TYPE_CHECKING:
    from pytest_mlaudit.checks.drift import DriftReport
    from pytest_mlaudit.checks.labels import LabelReport
    from pytest_mlaudit.checks.load import CapacityReport, LoadReport
    from pytest_mlaudit.checks.skew import ParityReport, SkewReport

__all__ = ["CHECKS", "MARKERS", "Auditor", "Sink", "load_check"]

#: check name -> (marker that sets its defaults, "module:function")
CHECKS: Final[dict[str, tuple[str, str]]] = {
    "drift": ("drift", "pytest_mlaudit.checks.drift:check_drift"),
    "parity": ("skew", "pytest_mlaudit.checks.skew:check_parity"),
    "skew": ("skew", "pytest_mlaudit.checks.skew:check_skew"),
    "labels": ("labels", "pytest_mlaudit.checks.labels:check_labels"),
    "load": ("load", "pytest_mlaudit.checks.load:run_load"),
    "capacity": ("load", "pytest_mlaudit.checks.load:find_capacity"),
    "gate": ("gate", "pytest_mlaudit.checks.gate:check_gate"),
}

#: marker name -> help text shown by ``pytest --markers``
MARKERS: Final[dict[str, str]] = {
    "drift": (
        "A data-drift check (failure mode 2). Keyword arguments become the "
        "defaults of mlaudit.drift() in this test, e.g. drift(alpha=0.01, psi_threshold=0.1)."
    ),
    "skew": (
        "A training/serving skew check (failure mode 1). Keyword arguments "
        "become the defaults of mlaudit.parity()/mlaudit.skew() in this test, e.g. skew(rtol=1e-6)."
    ),
    "labels": (
        "A label-noise audit (failure mode 5). Keyword arguments become "
        "the defaults of mlaudit.labels() in this test, e.g. labels(max_issue_rate=0.03)."
    ),
    "gate": (
        "A deployment gate comparing a candidate model with the baseline (failure mode 3). "
        "Keyword arguments become the defaults of mlaudit.gate() in this test, e.g. "
        "gate(min_delta=0.01)."
    ),
    "load": (
        "A load test of a serving endpoint (failure mode 6). Keyword arguments become the "
        "defaults of mlaudit.load()/mlaudit.capacity() in this test, e.g. "
        "load(p95_ms=150, error_rate=0.01, min_rps=100, users=20); objectives given here are "
        "recorded with the numbers."
    ),
}

#: Called with every report a check returns and the seconds it took.
Sink = Callable[[str, CheckReport, float], None]


def load_check(name: str) -> Callable[..., CheckReport]:
    """Import and return the check function registered as ``name``."""
    module, _, attr = CHECKS[name][1].partition(":")
    fn: Callable[..., CheckReport] = getattr(importlib.import_module(module), attr)
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

    def options(self, check: str) -> dict[str, Any]:
        """The defaults that apply to ``check`` (validated against its signature)."""
        marker, _ = CHECKS[check]
        given = self._defaults.get(marker, {})
        if not given:
            return {}
        fn = load_check(check)
        accepted = _accepted(fn)
        if accepted is None:
            return dict(given)
        siblings: set[str] = set()
        for other, (other_marker, _) in CHECKS.items():
            if other_marker == marker and other != check:
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
        if check not in CHECKS:
            raise MlauditInputError(f"unknown check {check!r}; known: {sorted(CHECKS)}.")
        fn = load_check(check)
        merged = {**self.options(check), **kwargs}
        start = time.perf_counter()
        report = fn(*args, **merged)
        seconds = time.perf_counter() - start
        if self._sink is not None:
            self._sink(check, report, seconds)
        return report

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

    def labels(self, *args: Any, **kwargs: Any) -> LabelReport:
        """Run :func:`~pytest_mlaudit.check_labels` (cleanlab label-noise audit) and record it."""
        report = self.run("labels", *args, **kwargs)
        return report  # type: ignore[return-value]

    def load(self, *args: Any, **kwargs: Any) -> LoadReport:
        """Run :func:`~pytest_mlaudit.run_load` (a locust scenario) and record its report."""
        report = self.run("load", *args, **kwargs)
        return report  # type: ignore[return-value]

    def gate(self, *args: Any, **kwargs: Any) -> CheckReport:
        """Run ``check_gate`` (candidate vs baseline model) and record its report."""
        return self.run("gate", *args, **kwargs)

    def capacity(self, *args: Any, **kwargs: Any) -> CapacityReport:
        """Run :func:`~pytest_mlaudit.find_capacity` (step load until the SLO breaks)."""
        report = self.run("capacity", *args, **kwargs)
        return report  # type: ignore[return-value]
