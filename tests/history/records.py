"""Small audit records for the history tests, built as the plugin writes them (no numpy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pytest_mlaudit.record import SCHEMA_VERSION, AuditRecord


def measure(
    name: str, statistic: float, threshold: float | None, bad_when: str, subject: str
) -> dict[str, Any]:
    """One entry of a check entry's ``measures`` (a serialised ``Measure``)."""
    return {
        "name": name,
        "statistic": statistic,
        "threshold": threshold,
        "bad_when": bad_when,
        "subject": subject,
    }


def drift_entry(
    nodeid: str = "tests/test_drift.py::test_inputs_have_not_drifted",
    psi: Mapping[str, float] | None = None,
    *,
    threshold: float = 0.2,
    failed_columns: Sequence[str] = (),
    seq: int = 0,
) -> dict[str, Any]:
    """A drift check entry: PSI rows per column, and a KS row failing for ``failed_columns``."""
    psi = dict(psi or {"income": 0.01, "age": 0.02})
    columns = []
    for col, value in psi.items():
        columns.append(
            {
                "column": col,
                "method": "psi",
                "statistic": value,
                "effect": value,
                "threshold": threshold,
                "drifted": value > threshold,
            }
        )
        columns.append(
            {
                "column": col,
                "method": "ks",
                "statistic": 0.1,
                "effect": 0.1,
                "threshold": 0.02,
                "drifted": col in failed_columns,
            }
        )
    drifted = sorted({c["column"] for c in columns if c["drifted"]})
    share = len(drifted) / len(psi)
    return {
        "nodeid": nodeid,
        "seq": seq,
        "check": "drift",
        "kind": "drift",
        "markers": ["drift"],
        "passed": not drifted,
        "duration_s": 0.01,
        "headline": {
            "name": "drifted_share",
            "statistic": share,
            "threshold": 0.0,
            "bad_when": "above",
        },
        "sizes": {"n_reference": 1000, "n_current": 1000},
        "figures": {
            "passed": not drifted,
            "drifted_share": share,
            "n_drifted": len(drifted),
            "drifted_columns": ",".join(drifted),
        },
        "brief": f"drifted: {', '.join(drifted)}" if drifted else "",
        "result": {"kind": "drift", "passed": not drifted, "columns": columns},
        # the report's measures (schema 1.1): per column, its method's effect
        "measures": [
            measure(c["method"], c["effect"], c["threshold"], "above", c["column"]) for c in columns
        ],
    }


def gate_entry(
    nodeid: str = "tests/test_gate.py::test_production_performance",
    *,
    metric: str = "accuracy",
    candidate: float = 0.9,
    baseline: float | None = None,
    floor: float | None = None,
) -> dict[str, Any]:
    passed = floor is None or candidate >= floor
    m = {
        "metric": metric,
        "greater_is_better": True,
        "candidate": candidate,
        "baseline": baseline,
        "difference": None if baseline is None else candidate - baseline,
        "min_delta": 0.0,
        "floor": floor,
        "below_floor": not passed,
        "significantly_worse": False,
        "passed": passed,
    }
    return {
        "nodeid": nodeid,
        "seq": 0,
        "check": "gate",
        "kind": "gate",
        "markers": ["gate"],
        "passed": passed,
        "duration_s": 0.01,
        "headline": {
            "name": metric,
            "statistic": candidate,
            "threshold": floor or 0.0,
            "bad_when": "below",
        },
        "sizes": {"n_rows": 1000},
        "figures": {"passed": passed, f"{metric}_candidate": candidate},
        "brief": "",
        "result": {"kind": "gate", "passed": passed, "metrics": [m]},
        # the report's measures (schema 1.1, as GateReport.measures() gives them): per
        # metric, the candidate against its floor; with a baseline, the baseline and the
        # difference (tracked) and the difference's upper bound against -min_delta
        "measures": [
            measure("candidate", candidate, floor, "below", metric),
            *(
                [
                    measure("baseline", baseline, None, "below", metric),
                    measure("diff", candidate - baseline, None, "below", metric),
                    measure("diff_ucb", candidate - baseline + 0.03, -0.0, "below", metric),
                ]
                if baseline is not None
                else []
            ),
        ],
    }


def record(
    created_at: str,
    entries: Sequence[Mapping[str, Any]] = (),
    *,
    tag: str = "",
    exitstatus: int | None = None,
) -> AuditRecord:
    passed = sum(1 for e in entries if e["passed"])
    data = {
        "schema_version": SCHEMA_VERSION,
        "created_at": created_at,
        "package": {"name": "pytest-mlaudit", "version": "0.1.0"},
        "environment": {"python": "3.11", "git_commit": f"c0ffee{tag}"},
        "run": {
            "exitstatus": exitstatus if exitstatus is not None else int(passed != len(entries)),
            "tag": tag,
        },
        "summary": {"checks": len(entries), "passed": passed, "failed": len(entries) - passed},
        "checks": list(entries),
    }
    return AuditRecord.from_dict(data)
