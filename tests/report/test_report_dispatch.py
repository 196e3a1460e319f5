"""The registry decides which section renders an entry and which advice it gets."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixture_records import other_entry

from pytest_mlaudit import registry
from pytest_mlaudit.registry import CheckSpec, FailureMode
from pytest_mlaudit.report import sections
from pytest_mlaudit.report.sections import overview


@pytest.fixture
def restore_registry() -> Iterator[None]:
    """Undo run-time registrations: the registry is process-global."""
    reg = registry._REGISTRY
    reg.ensure_loaded()
    modes, checks = dict(reg._modes), dict(reg._checks)
    yield
    reg._modes.clear()
    reg._modes.update(modes)
    reg._checks.clear()
    reg._checks.update(checks)


def custom_entry(kind: str, nodeid: str, *, passed: bool = False) -> dict[str, Any]:
    return {
        "nodeid": nodeid,
        "seq": 0,
        "check": kind,
        "kind": kind,
        "passed": passed,
        "headline": {"name": "custom", "statistic": 3, "threshold": 1, "bad_when": "above"},
        "result": {"kind": kind, "value": 42},
    }


def record(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": "1.1", "checks": list(entries)}


def register_custom(kind: str, mode: str, section: str | None, advice: str | None) -> None:
    registry.register(
        FailureMode(mode, "a custom failure mode", f"Heading of {mode}", f"Intro of {mode}."),
        CheckSpec(
            kind,
            mode,
            "report_custom_section:check",
            "report_custom_section:CustomReport",
            section=section,
            advice=advice,
        ),
    )


def test_a_kind_registered_at_run_time_gets_its_own_part(restore_registry: None) -> None:
    register_custom(
        "custom_report_kind_t1",
        "custom_report_mode_t1",
        "report_custom_section:render",
        "report_custom_section:advice",
    )
    rec = record(
        custom_entry("custom_report_kind_t1", "tests/test_custom.py::test_it"),
        other_entry(),
    )
    markup = sections.failure_modes(rec).to_html()
    heading = markup.index("Heading of custom_report_mode_t1")
    assert "Intro of custom_report_mode_t1." in markup
    assert "<h3>custom part of tests/test_custom.py::test_it</h3>" in markup
    assert "&lt;b&gt;a plain string is text&lt;/b&gt;" in markup
    assert markup.index("the custom value is 42") > heading
    # the registered kind is not "other"; the unknown kind is, after every registered part
    other = markup.index("Other checks")
    assert other > markup.index("the custom value is 42")
    assert markup.index("region=north") > other
    assert sections.part(rec, "custom_report_mode_t1") is not None
    assert "Call the custom team about tests/test_custom.py::test_it." in (
        sections.actions(rec).to_html()
    )


def test_parts_follow_the_registry_order(records: dict[str, Path]) -> None:
    full = sections.read(records["full"])
    markup = sections.failure_modes(full).to_html()
    headings = [m.heading for m in registry.failure_modes().values()]
    shown = [f"<h2>{heading}</h2>" for heading in headings if f"<h2>{heading}</h2>" in markup]
    assert len(shown) >= 5  # skew, drift, gate, labels, load: the full record has each
    positions = [markup.index(heading) for heading in shown]
    assert positions == sorted(positions)
    assert markup.index("<h2>Other checks</h2>") > positions[-1]


def test_an_unregistered_kind_is_under_other_checks_with_its_measures() -> None:
    rec = record(other_entry())
    assert sections.failure_modes(rec) is not None
    for mode in registry.failure_modes():
        assert sections.part(rec, mode) is None
    markup = sections.other(rec).to_html()  # type: ignore[union-attr]
    assert "Other checks" in markup
    for shown in ("region=north", "region=south", "auc_gap", "BREACHED", "tracked", "auc_new"):
        assert shown in markup
    assert "Investigate this check: auc_drop=0.04 &gt; 0.02 (new model is worse)." in (
        sections.actions(rec).to_html()
    )


def test_a_kind_without_section_or_advice_gets_the_generic_ones(
    restore_registry: None,
) -> None:
    register_custom("custom_report_kind_t2", "custom_report_mode_t2", None, None)
    rec = record(custom_entry("custom_report_kind_t2", "tests/test_custom.py::test_plain"))
    assert sections.part(rec, "custom_report_mode_t2") is None
    other = sections.other(rec)
    assert other is not None and "custom=3 &gt; 1" in other.to_html()
    assert sections.advice(rec["checks"][0]) == "Investigate this check: custom=3 > 1."


def test_a_broken_custom_section_shows_a_note(restore_registry: None) -> None:
    register_custom(
        "custom_report_kind_t3", "custom_report_mode_t3", "report_custom_section:broken", None
    )
    rec = record(
        custom_entry("custom_report_kind_t3", "tests/test_custom.py::test_broken"),
        custom_entry("custom_report_kind_t3", "tests/test_custom.py::test_broken_too"),
    )
    markup = sections.failure_modes(rec).to_html()
    assert markup.count("could not be shown: RuntimeError: this section is broken") == 2


def test_the_public_functions_survive_importing_every_section_module() -> None:
    for spec in registry.checks().values():
        for target in (spec.section, spec.advice):
            if target is not None and target.startswith("pytest_mlaudit."):
                assert callable(registry.load(target))
                importlib.import_module(target.partition(":")[0])
    for name in ("drift", "skew", "gate", "labels", "load"):
        assert callable(getattr(sections, name)), name
        assert getattr(sections, name).__module__ == "pytest_mlaudit.report.sections"


def test_report_modules_enumerate_no_kind() -> None:
    root = Path(sections.__file__).parent
    kinds = [spec.name for spec in registry.BUILTIN_CHECKS]
    for name in ("_dispatch.py", "_common.py", "overview.py", "generic.py"):
        text = (root / name).read_text(encoding="utf-8").split('"""', 2)[-1]  # after the docstring
        for kind in kinds:
            assert f'"{kind}"' not in text, (name, kind)
    assert not hasattr(sections, "KNOWN_KINDS")


def test_a_section_of_several_parts_keeps_its_images(records: dict[str, Path]) -> None:
    full = sections.read(records["full"])
    outputs = sections.failure_modes(full).outputs()  # type: ignore[union-attr]
    images = [value for mime, value in outputs if mime == "image/png"]
    assert len(images) == 5
    assert all(data.startswith(b"\x89PNG") and alt for data, alt in images)
    # HTML around the images is merged, never lost
    assert [mime for mime, _ in outputs].count("text/html") >= len(images)


# --------------------------------------------------------------------------- footer


def test_the_footer_names_the_record_and_its_output(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    rec = {"_path": str(root / "reports" / "audit.json"), "run": {"rootdir": str(root)}}
    command, base = overview.rerender_command(rec, root / "reports")
    assert command == "mlaudit report reports/audit.json -o reports/"
    assert base == str(root)
    # outside the project: absolute paths, quoted for the shell
    odd = tmp_path / "it's here" / "audit.json"
    command, base = overview.rerender_command({"_path": str(odd)}, tmp_path / "out")
    assert base is None
    assert command == f"mlaudit report '{tmp_path}/it'\"'\"'s here/audit.json' -o {tmp_path}/out/"
    markup = overview.footer(rec, root / "reports").to_html()
    assert "mlaudit report reports/audit.json -o reports/" in markup
