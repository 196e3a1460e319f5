"""The report sections show the limits, a server killed by its limit, the cost by
headroom (capacity) and the trends (soak)."""

from __future__ import annotations

from pytest_mlaudit.checks.load.capacity_report import ServerExit
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.report.sections.load import render_capacity
from pytest_mlaudit.report.sections.soak import advice, render
from tests.checks.load.deploy_fixtures import make_limited_capacity
from tests.checks.soak.soak_fixtures import make_soak_report


def _html(section) -> str:  # type: ignore[no-untyped-def]
    return "".join(str(v) for kind, v in section.outputs() if kind != "png")


def test_capacity_section_shows_limits_and_cost() -> None:
    entry = CheckEntry.from_report("capacity", make_limited_capacity()).to_dict()
    html = _html(render_capacity(entry))
    assert "One replica measured under its limits" in html
    assert "cgroup v1 CPU quota + affinity" in html and "512 MiB" in html
    assert "Cost at the target peak" in html and "(this check)" in html
    assert "0.3529" in html  # 13 replicas at 30% headroom, per hour


def test_capacity_section_says_the_server_died() -> None:
    dead = make_limited_capacity(server_exit=ServerExit(-9, 512.0, 6, True))
    html = _html(render_capacity(CheckEntry.from_report("capacity", dead).to_dict()))
    assert "SERVER DIED" in html and "killed by its memory limit" in html and "512" in html


def test_soak_section_and_advice() -> None:
    entry = CheckEntry.from_report("soak", make_soak_report(rss_slope=900.0)).to_dict()
    html = _html(render(entry))
    assert "RISING" in html and "Theil-Sen" in html and "Server over time" in html
    assert advice(entry).startswith("Find the memory leak")
