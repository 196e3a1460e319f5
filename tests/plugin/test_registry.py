"""The check registry: one description per kind, read by every consumer."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator

import pytest

import pytest_mlaudit
from pytest_mlaudit import registry
from pytest_mlaudit.auditor import Auditor
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.registry import CheckSpec, FailureMode
from pytest_mlaudit.result import BadWhen, CheckReport, Measure, report_from_dict


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[registry._Registry]:
    """A registry of the built-ins only, restored after the test."""
    fresh = registry._Registry()
    fresh._loaded = True  # no entry points
    monkeypatch.setattr(registry, "_REGISTRY", fresh)
    yield fresh


@pytest.mark.parametrize("spec", registry.BUILTIN_CHECKS, ids=lambda s: s.name)
def test_every_builtin_spec_resolves(spec: CheckSpec) -> None:
    fn = spec.load_function()
    assert callable(fn)
    cls = spec.load_report()
    assert issubclass(cls, CheckReport) and cls.kind == spec.name
    assert spec.marker in registry.failure_modes()
    for target in (spec.section, spec.advice):
        assert target is not None and callable(registry.load(target)), target
    for name, module in spec.exports.items():
        assert getattr(pytest_mlaudit, name) is getattr(__import__(module, fromlist=[name]), name)
        assert name in pytest_mlaudit.__all__


def test_every_builtin_kind_has_a_method_on_the_auditor() -> None:
    for name in registry.checks():
        method = getattr(Auditor, name, None)
        assert method is not None and inspect.isfunction(method), name


def test_failure_modes_list_their_checks() -> None:
    modes = registry.failure_modes()
    assert list(modes) == ["contract", "skew", "drift", "gate", "labels", "load"]
    assert modes["load"].checks == ("load", "capacity", "soak")
    assert modes["skew"].checks == ("parity", "skew", "store_parity")


def test_register_a_kind_at_run_time(fresh_registry: registry._Registry) -> None:
    @dataclasses.dataclass(frozen=True)
    class Rows(CheckReport):
        kind = "rows_t"
        rows: int

        @property
        def passed(self) -> bool:
            return self.rows > 0

        def headline(self) -> Measure:
            return Measure("rows", self.rows, 1, BadWhen.BELOW)

        def sizes(self) -> dict[str, int]:
            return {"rows": self.rows}

        def summary(self) -> str:
            return str(self.rows)

    module = __name__
    globals()["Rows_t"] = Rows
    globals()["check_rows_t"] = lambda data, *, minimum=1: Rows(rows=len(data))
    spec = CheckSpec("rows_t", "volume_t", f"{module}:check_rows_t", f"{module}:Rows_t")
    mode = FailureMode("volume_t", "help", "Volume", "Enough rows?")
    registry.register(spec, mode)  # the mode is added first, whatever the order
    registry.register(spec)  # the same description again: no-op
    assert registry.failure_mode("volume_t").checks == ("rows_t",)
    seen: list[str] = []
    audit = Auditor(sink=lambda check, report, s: seen.append(check))
    report = audit.rows_t([1, 2, 3])
    assert seen == ["rows_t"] and report.passed
    assert report_from_dict(report.to_dict()) == report
    with pytest.raises(MlauditInputError, match="registered already"):
        registry.register(dataclasses.replace(spec, function=f"{module}:other"))


def test_register_refuses_what_cannot_work(fresh_registry: registry._Registry) -> None:
    with pytest.raises(MlauditInputError, match="not a registered failure mode"):
        registry.register(CheckSpec("x_t", "nowhere_t", "m:f", "m:R"))
    with pytest.raises(MlauditInputError, match="'module:attribute' string"):
        CheckSpec("x_t", "drift", "no_colon", "m:R")
    with pytest.raises(MlauditInputError, match="Python identifier"):
        CheckSpec("my check", "drift", "m:f", "m:R")
    with pytest.raises(MlauditInputError, match="exports check_drift"):
        registry.register(CheckSpec("x_t", "drift", "m:f", "m:R", exports={"check_drift": "m"}))
    with pytest.raises(MlauditInputError, match="with other texts"):
        registry.register(FailureMode("drift", "other help", "Drift", "?"))
    with pytest.raises(MlauditInputError, match="must be a CheckSpec, a FailureMode"):
        registry.register(42)  # type: ignore[arg-type]


def test_unknown_names_say_what_is_known() -> None:
    with pytest.raises(MlauditInputError, match=r"unknown check 'drfit'; known: .*drift"):
        registry.get_check("drfit")
    with pytest.raises(AttributeError, match=r"registered checks: .*drift"):
        Auditor().drfit  # noqa: B018
    with pytest.raises(MlauditInputError, match="unknown report kind 'nope'"):
        report_from_dict({"kind": "nope"})


def test_record_refuses_what_is_not_a_report() -> None:
    with pytest.raises(MlauditInputError, match="takes a CheckReport"):
        Auditor().record({"passed": True})  # type: ignore[arg-type]
