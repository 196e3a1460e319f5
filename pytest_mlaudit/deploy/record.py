"""The evidence a plan is made from: the capacity (and soak) checks of an audit record."""

from __future__ import annotations

import os
from typing import Any

from pytest_mlaudit.deploy.plan import DeployPlan, make_plan
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["plan_from_record"]


def _pick(entries: list[Any], kind: str, check: str | None) -> Any | None:
    found = [e for e in entries if e.kind == kind]
    if check is not None:  # a full name or node id, or the test's function name
        found = [e for e in found if check in (e.name, e.nodeid) or e.nodeid.endswith(f"::{check}")]
    if not found:
        return None
    return found[-1]


def plan_from_record(
    path: str | os.PathLike[str],
    *,
    target_rps: float,
    headroom: float = 0.3,
    capacity_check: str | None = None,
    soak_check: str | None = None,
    **options: Any,
) -> DeployPlan:
    """The plan from the last capacity check of the record at ``path`` (or the one named
    ``capacity_check``) and its last soak check, if any."""
    from pytest_mlaudit.record import read_record

    record = read_record(path)
    entries = list(record.checks)
    cap = _pick(entries, "capacity", capacity_check)
    if cap is None:
        known = sorted({e.name or e.nodeid for e in entries if e.kind == "capacity"})
        raise MlauditInputError(
            f"the record {os.fspath(path)!r} has no capacity check"
            + (
                f" named {capacity_check!r} (capacity checks: {', '.join(known) or 'none'})"
                if capacity_check
                else ""
            )
            + "; run mlaudit.capacity(...) with server_pid (and cpu_limit/memory_limit) first."
        )
    soak = _pick(entries, "soak", soak_check)
    evidence = {"capacity": cap.name or cap.nodeid}
    if soak is not None:
        evidence["soak"] = soak.name or soak.nodeid
    return make_plan(
        cap.report(),
        target_rps=target_rps,
        headroom=headroom,
        soak=None if soak is None else soak.report(),
        evidence=evidence,
        **options,
    )
