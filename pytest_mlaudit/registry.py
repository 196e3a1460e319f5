"""The check registry: every check kind is described once, here, and everyone reads it.

A *failure mode* (:class:`FailureMode`) is a pytest marker (``@pytest.mark.drift``) with
its help text and the heading of its part of the audit report. A *check kind*
(:class:`CheckSpec`) belongs to one failure mode and names, as ``"module:attribute"``
strings imported only when used:

* the check function (``mlaudit.<name>(...)`` calls it with the marker's defaults);
* the report class (the record is decoded with it);
* the report section that renders one record entry, and the "what to do" advice;
* the public names the package exports lazily (``from pytest_mlaudit import check_drift``).

The consumers (:mod:`~pytest_mlaudit.auditor`, the plugin's markers,
``pytest_mlaudit.__getattr__``, :func:`~pytest_mlaudit.result.report_from_dict`, the
history, the report's sections and advice) read :func:`checks` and
:func:`failure_modes`; nothing else enumerates kinds. The per-row measures that history
trends come from the report itself (:meth:`CheckReport.measures`), not from here.

Adding a kind is a subpackage under ``checks/`` plus one :class:`CheckSpec` in
:data:`BUILTIN_CHECKS`. A separate package adds its own through the entry-point group
``pytest_mlaudit.checks``: each entry point names a :class:`CheckSpec`, a
:class:`FailureMode`, a sequence of them, or a callable returning one of those (see
``docs/extending.md``). Importing this module imports nothing heavy.

Examples
--------
>>> spec = get_check("drift")
>>> spec.marker, spec.function
('drift', 'pytest_mlaudit.checks.drift:check_drift')
>>> failure_mode("skew").checks
('parity', 'skew', 'store_parity')
"""

from __future__ import annotations

import dataclasses
import importlib
import keyword
import threading
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from typing import Any, Final

from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "BUILTIN_CHECKS",
    "BUILTIN_MODES",
    "ENTRY_POINT_GROUP",
    "CheckSpec",
    "FailureMode",
    "checks",
    "exports",
    "failure_mode",
    "failure_modes",
    "get_check",
    "load",
    "register",
    "registration_errors",
]

#: The entry-point group a separate package registers check kinds under.
ENTRY_POINT_GROUP: Final = "pytest_mlaudit.checks"


@dataclasses.dataclass(frozen=True, slots=True)
class FailureMode:
    """A way models fail in production: one pytest marker and one part of the report."""

    name: str  #: the marker, ``@pytest.mark.<name>``, and the report part's anchor
    help: str  #: the marker's help text (``pytest --markers``)
    heading: str  #: the heading of the report part that holds its checks
    intro: str  #: one paragraph under the heading: the question its checks answer
    checks: tuple[str, ...] = ()  #: the check kinds under it, in registration order

    def __post_init__(self) -> None:
        _check_identifier("FailureMode.name", self.name)


@dataclasses.dataclass(frozen=True, slots=True)
class CheckSpec:
    """One check kind: what runs, what it returns, and how the report shows it.

    Every ``"module:attribute"`` string is imported only when it is used, so the registry
    (and the pytest plugin, which reads it at start-up) stays cheap.
    """

    name: str  #: the check's name: ``mlaudit.<name>()`` and ``kind`` of its report
    marker: str  #: the failure mode (marker) whose kwargs set the check's defaults
    function: str  #: ``"module:function"`` of the check, returning a ``CheckReport``
    report: str  #: ``"module:Class"`` of the report (decodes the record's entries)
    #: ``"module:function"`` rendering one record entry (a dict) as a report ``Section``;
    #: None: the generic section (headline and key figures)
    section: str | None = None
    #: ``"module:function"`` giving one sentence of advice for a failing entry; None:
    #: a generic sentence naming the headline
    advice: str | None = None
    #: public name -> module, exported lazily by ``pytest_mlaudit`` (the function, the
    #: report class and their companions)
    exports: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: one line for ``docs`` and error messages: what the check answers
    summary: str = ""

    def __post_init__(self) -> None:
        _check_identifier("CheckSpec.name", self.name)
        _check_identifier("CheckSpec.marker", self.marker)
        for field in ("function", "report", "section", "advice"):
            value = getattr(self, field)
            if value is not None and (not isinstance(value, str) or ":" not in value):
                raise MlauditInputError(
                    f"CheckSpec.{field} must be a 'module:attribute' string; "
                    f"got {field}={value!r} for check {self.name!r}."
                )
        object.__setattr__(self, "exports", dict(self.exports))

    def load_function(self) -> Callable[..., Any]:
        """Import and return the check function."""
        fn: Callable[..., Any] = load(self.function)
        return fn

    def load_report(self) -> type:
        """Import and return the report class."""
        cls: type = load(self.report)
        return cls


def _check_identifier(what: str, value: Any) -> None:
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        raise MlauditInputError(
            f"{what} must be a Python identifier (it becomes a marker or a method name); "
            f"got {value!r}."
        )


def load(target: str) -> Any:
    """Import ``"module:attribute"`` and return the attribute."""
    module, _, attr = target.partition(":")
    value = importlib.import_module(module)
    for part in attr.split("."):
        value = getattr(value, part)
    return value


# --------------------------------------------------------------------------- built-ins

_C = "pytest_mlaudit.checks"
_S = "pytest_mlaudit.report.sections"

#: The failure modes this package ships, in report order.
BUILTIN_MODES: Final[tuple[FailureMode, ...]] = (
    FailureMode(
        "contract",
        "A data-contract check: the batch keeps the schema the model was trained on. "
        "Keyword arguments become the defaults of mlaudit.contract() in this test, e.g. "
        "contract(max_examples=3).",
        "Data contracts",
        "Does the batch keep the schema the model was trained on (columns, types, ranges, "
        "categories, missing values, keys, row counts)? Every rule is evaluated; a broken "
        "rule stops the batch before any statistics run.",
    ),
    FailureMode(
        "skew",
        "A training/serving skew check (failure mode 1). Keyword arguments become the "
        "defaults of mlaudit.parity()/mlaudit.skew()/mlaudit.store_parity() in this test, "
        "e.g. skew(rtol=1e-6).",
        "Training/serving skew",
        "Does the model see in serving the features it was trained on? Parity checks run the "
        "offline and online feature code on the same raw rows; skew checks compare the "
        "distributions of served and training features; store-parity checks read the same "
        "entities from a feature store's offline and online paths.",
    ),
    FailureMode(
        "drift",
        "A data-drift check (failure mode 2). Keyword arguments become the defaults of "
        "mlaudit.drift() in this test, e.g. drift(alpha=0.01, psi_threshold=0.1).",
        "Data drift",
        "Is production data still distributed like the training data? Each column is "
        "tested with the method for its type; a column drifts when the change is both "
        "significant and larger than the effect floor.",
    ),
    FailureMode(
        "gate",
        "A deployment gate comparing a candidate model with the baseline (failure mode 3). "
        "Keyword arguments become the defaults of mlaudit.gate() in this test, e.g. "
        "gate(min_delta=0.01).",
        "Deployment gate",
        "May the candidate model replace the production model? Both are scored on the same "
        "rows; the candidate fails when it is significantly worse than the baseline by more "
        "than the tolerance, or below a floor, or when its artifact does not load, predict "
        "or repeat itself.",
    ),
    FailureMode(
        "labels",
        "A label-noise audit (failure mode 5). Keyword arguments become the defaults of "
        "mlaudit.labels() in this test, e.g. labels(max_issue_rate=0.03).",
        "Label noise",
        "Are the training labels right? Rows whose given label is unlikely under a model "
        "that did not see them (out-of-sample) are flagged; a person should look at them.",
    ),
    FailureMode(
        "load",
        "A load test of a serving endpoint (failure mode 6). Keyword arguments become the "
        "defaults of mlaudit.load()/mlaudit.capacity() in this test, e.g. "
        "load(p95_ms=150, error_rate=0.01, min_rps=100, users=20); objectives given here "
        "are recorded with the numbers.",
        "Load and capacity",
        "Does the serving endpoint hold its service-level objectives under the expected "
        "load, and where does it stop scaling?",
    ),
)

#: The check kinds this package ships.
BUILTIN_CHECKS: Final[tuple[CheckSpec, ...]] = (
    CheckSpec(
        "contract",
        "contract",
        f"{_C}.contract:check_contract",
        f"{_C}.contract:ContractReport",
        section=f"{_S}.contract:render",
        advice=f"{_S}.contract:advice",
        exports={
            n: f"{_C}.contract"
            for n in ("check_contract", "infer_contract", "Contract", "ContractReport")
        },
        summary="the batch keeps the data contract (schema, ranges, categories, nulls, keys)",
    ),
    CheckSpec(
        "parity",
        "skew",
        f"{_C}.parity:check_parity",
        f"{_C}.parity:ParityReport",
        section=f"{_S}.parity:render",
        advice=f"{_S}.parity:advice",
        exports={n: f"{_C}.parity" for n in ("check_parity", "ParityReport")},
        summary="online and offline feature code give the same features for the same rows",
    ),
    CheckSpec(
        "skew",
        "skew",
        f"{_C}.skew:check_skew",
        f"{_C}.skew:SkewReport",
        section=f"{_S}.skew:render",
        advice=f"{_S}.skew:advice",
        exports={n: f"{_C}.skew" for n in ("check_skew", "SkewReport")},
        summary="served features are distributed like the training features",
    ),
    CheckSpec(
        "store_parity",
        "skew",
        f"{_C}.store_parity:check_store_parity",
        f"{_C}.store_parity.report:StoreParityReport",
        section=f"{_S}.store_parity:render",
        advice=f"{_S}.store_parity:advice",
        exports={
            "check_store_parity": f"{_C}.store_parity",
            "StoreParityReport": f"{_C}.store_parity.report",
        },
        summary="a feature store (Feast) serves online what training reads offline",
    ),
    CheckSpec(
        "drift",
        "drift",
        f"{_C}.drift:check_drift",
        f"{_C}.drift:DriftReport",
        section=f"{_S}.drift:render",
        advice=f"{_S}.drift:advice",
        exports={
            n: f"{_C}.drift"
            for n in (
                "check_drift",
                "profile_reference",
                "sketch_profile",
                "ColumnDrift",
                "DriftReport",
                "ReferenceProfile",
                "SketchProfile",
            )
        },
        summary="production inputs are distributed like the training data",
    ),
    CheckSpec(
        "performance",
        "drift",
        f"{_C}.performance:check_performance",
        f"{_C}.performance:PerformanceReport",
        section=f"{_S}.performance:render",
        advice=f"{_S}.performance:advice",
        exports={
            n: f"{_C}.performance"
            for n in ("check_performance", "MetricEstimate", "PerformanceReport")
        },
        summary="the model's performance on unlabelled data, estimated from its probabilities",
    ),
    CheckSpec(
        "impact",
        "drift",
        f"{_C}.impact:check_impact",
        f"{_C}.impact:ImpactReport",
        section=f"{_S}.impact:render",
        advice=f"{_S}.impact:advice",
        exports={n: f"{_C}.impact" for n in ("check_impact", "ImpactReport")},
        summary="the drift touches what the model uses (score drift, importance, root cause)",
    ),
    CheckSpec(
        "gate",
        "gate",
        f"{_C}.gate:check_gate",
        f"{_C}.gate:GateReport",
        section=f"{_S}.gate:render",
        advice=f"{_S}.gate:advice",
        exports={n: f"{_C}.gate" for n in ("check_gate", "GateMetric", "GateReport")},
        summary="the candidate model is not worse than the production model",
    ),
    CheckSpec(
        "labels",
        "labels",
        f"{_C}.labels:check_labels",
        f"{_C}.labels:LabelReport",
        section=f"{_S}.labels:render",
        advice=f"{_S}.labels:advice",
        exports={n: f"{_C}.labels" for n in ("check_labels", "LabelReport")},
        summary="few training labels are likely wrong",
    ),
    CheckSpec(
        "label_review",
        "labels",
        f"{_C}.label_review:review_labels",
        f"{_C}.label_review:LabelReviewReport",
        section=f"{_S}.label_review:render",
        advice=f"{_S}.label_review:advice",
        exports={n: f"{_C}.label_review" for n in ("review_labels", "LabelReviewReport")},
        summary="reviewers' verdicts on the audit sample: the true label-noise rate is low",
    ),
    CheckSpec(
        "load",
        "load",
        f"{_C}.load:run_load",
        f"{_C}.load:LoadReport",
        section=f"{_S}.load:render_load",
        advice=f"{_S}.load:advice_load",
        exports={n: f"{_C}.load" for n in ("run_load", "serve", "LoadReport", "SLO")},
        summary="the endpoint holds its service-level objectives under load",
    ),
    CheckSpec(
        "capacity",
        "load",
        f"{_C}.load:find_capacity",
        f"{_C}.load:CapacityReport",
        section=f"{_S}.load:render_capacity",
        advice=f"{_S}.load:advice_capacity",
        exports={n: f"{_C}.load" for n in ("find_capacity", "CapacityReport")},
        summary="how much load one replica holds within its objectives",
    ),
    CheckSpec(
        "soak",
        "load",
        f"{_C}.soak:run_soak",
        f"{_C}.soak:SoakReport",
        section=f"{_S}.soak:render",
        advice=f"{_S}.soak:advice",
        exports={n: f"{_C}.soak" for n in ("run_soak", "SoakReport")},
        summary="a steady load held for a while shows no leak, creep or error bursts",
    ),
)


# --------------------------------------------------------------------------- the registry


class _Registry:
    """Failure modes and check kinds by name; entry points are read on first use."""

    __slots__ = ("_checks", "_errors", "_loaded", "_lock", "_modes")

    def __init__(self) -> None:
        self._modes: dict[str, FailureMode] = {}
        self._checks: dict[str, CheckSpec] = {}
        self._errors: list[str] = []
        self._loaded = False
        self._lock = threading.RLock()
        for mode in BUILTIN_MODES:
            self._add_mode(mode)
        for spec in BUILTIN_CHECKS:
            self._add_check(spec)

    def _add_mode(self, mode: FailureMode) -> None:
        known = self._modes.get(mode.name)
        if known is not None:
            if dataclasses.replace(known, checks=()) == dataclasses.replace(mode, checks=()):
                return
            raise MlauditInputError(
                f"failure mode {mode.name!r} is registered already with other texts; "
                "register a check kind under it instead of redefining it."
            )
        self._modes[mode.name] = dataclasses.replace(mode, checks=())

    def _add_check(self, spec: CheckSpec) -> None:
        if spec.name in self._checks:
            if self._checks[spec.name] == spec:
                return
            raise MlauditInputError(
                f"check kind {spec.name!r} is registered already "
                f"(function {self._checks[spec.name].function}); pick another name."
            )
        if spec.marker not in self._modes:
            raise MlauditInputError(
                f"check kind {spec.name!r} names marker {spec.marker!r}, which is not a "
                f"registered failure mode (known: {', '.join(sorted(self._modes))}); register "
                "a FailureMode for it first (in the same entry point, before the CheckSpec)."
            )
        clash = sorted(set(spec.exports) & self._export_names())
        if clash:
            raise MlauditInputError(
                f"check kind {spec.name!r} exports {', '.join(clash)}, which another kind "
                "exports already."
            )
        self._checks[spec.name] = spec
        mode = self._modes[spec.marker]
        self._modes[spec.marker] = dataclasses.replace(mode, checks=(*mode.checks, spec.name))

    def _export_names(self) -> set[str]:
        return {name for spec in self._checks.values() for name in spec.exports}

    def add(self, item: Any, *, source: str) -> None:
        with self._lock:
            if isinstance(item, FailureMode):
                self._add_mode(item)
            elif isinstance(item, CheckSpec):
                self._add_check(item)
            elif isinstance(item, Iterable) and not isinstance(item, str | bytes | Mapping):
                items = list(item)
                for sub in sorted(items, key=lambda x: not isinstance(x, FailureMode)):
                    self.add(sub, source=source)
            elif callable(item):
                self.add(item(), source=source)
            else:
                raise MlauditInputError(
                    f"{source} gave {item!r}; an mlaudit check registration must be a "
                    "CheckSpec, a FailureMode, a sequence of them, or a callable returning one."
                )

    def ensure_loaded(self) -> None:
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                source = f"entry point {ep.name!r} ({ep.value}) of group {ENTRY_POINT_GROUP!r}"
                try:
                    self.add(ep.load(), source=source)
                except Exception as exc:  # one broken plugin must not hide the others
                    self._errors.append(f"{source}: {type(exc).__name__}: {exc}")

    def modes(self) -> dict[str, FailureMode]:
        self.ensure_loaded()
        return dict(self._modes)

    def checks(self) -> dict[str, CheckSpec]:
        self.ensure_loaded()
        return dict(self._checks)

    def errors(self) -> list[str]:
        self.ensure_loaded()
        return list(self._errors)


_REGISTRY: Final = _Registry()


def register(*items: CheckSpec | FailureMode) -> None:
    """Register failure modes and check kinds at run time (a ``conftest.py`` may do it).

    Failure modes are added before the checks that name them, whatever the order given.
    A name registered twice with the same description is a no-op; with another, an error.
    """
    _REGISTRY.add(items, source="register()")


def checks() -> dict[str, CheckSpec]:
    """Every check kind by name: the built-ins, then those of entry points and
    :func:`register`, in registration order."""
    return _REGISTRY.checks()


def failure_modes() -> dict[str, FailureMode]:
    """Every failure mode (marker) by name, in report order."""
    return _REGISTRY.modes()


def registration_errors() -> list[str]:
    """Entry points that could not be loaded, one line each (the plugin warns about them)."""
    return _REGISTRY.errors()


def get_check(name: str) -> CheckSpec:
    """The check kind registered as ``name``, or an error listing the known ones."""
    known = checks()
    spec = known.get(name)
    if spec is None:
        raise MlauditInputError(f"unknown check {name!r}; known: {', '.join(sorted(known))}.")
    return spec


def failure_mode(name: str) -> FailureMode:
    """The failure mode registered as ``name``, or an error listing the known ones."""
    known = failure_modes()
    mode = known.get(name)
    if mode is None:
        raise MlauditInputError(
            f"unknown failure mode {name!r}; known: {', '.join(sorted(known))}."
        )
    return mode


def exports() -> dict[str, str]:
    """Public name -> module for every check kind's lazily exported names."""
    return {name: module for spec in checks().values() for name, module in spec.exports.items()}
