"""Audit records for the report tests and the report benchmark.

Every entry is built from the real report classes (drift from a real :func:`check_drift`
run; labels, parity/skew, load and capacity from their dataclasses with hand-picked
numbers; the gate from real :func:`check_gate` runs on seeded data), so a change of their
fields shows up here; the "fairness" entry is a kind no registered spec knows, with only
the fields every entry has (and its measures).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.drift import check_drift
from pytest_mlaudit.record import CheckEntry, build_record, write_record
from pytest_mlaudit.result import CheckReport

#: Names that would run code, break out of HTML or be read as Markdown/Jinja/LaTeX if the
#: report ever treated data as anything but text. Rendering them must create no file
#: named SENTINEL and show every one of them literally (escaped in the HTML).
SENTINEL = "MLAUDIT_PWNED"
HOSTILE = [
    f"x\"; __import__('pathlib').Path('{SENTINEL}').touch(); y=\"",
    "<script>alert('col')</script>",
    "{{ 7*191 }}",
    "**bold** _em_ [link](http://example.invalid) # heading",
    "line1\nline2\ttab",
    "$\\alpha^2$",
    'it\'s "quoted" & <b>bold</b>',
]


@dataclasses.dataclass(frozen=True)
class Rendered:
    """A record rendered by a test fixture."""

    record: Path
    out: Path
    status: int | None
    stdout: str
    stderr: str

    @property
    def html(self) -> str:
        return (self.out / "audit.html").read_text(encoding="utf-8")

    @property
    def notebook(self) -> Path:
        return self.out / "audit.ipynb"


def entry(
    check: str, report: CheckReport, nodeid: str, seq: int = 0, markers: tuple[str, ...] = ()
) -> CheckEntry:
    """``CheckEntry.from_report``, tolerant of a report whose ``key_figures`` is broken."""
    try:
        return CheckEntry.from_report(
            check, report, nodeid=nodeid, seq=seq, markers=markers, duration_s=0.25
        )
    except TypeError:
        # ParityReport/SkewReport.key_figures call zero-argument super() inside a slots
        # dataclass, which raises TypeError; use the base class's figures until fixed.
        return CheckEntry(
            nodeid=nodeid,
            seq=seq,
            check=check,
            kind=report.kind,
            markers=markers,
            passed=report.passed,
            duration_s=0.25,
            headline=report.headline(),
            sizes=dict(report.sizes()),
            figures=dict(CheckReport.key_figures(report)),
            brief=report.brief(),
            result=report.to_dict(),
        )


# --------------------------------------------------------------------------- drift


def drift_frames(
    n_columns: int = 6,
    rows: int = 2000,
    *,
    names: list[str] | None = None,
    categories: list[str] | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference/current frames: half the numeric columns shift, a categorical column gains
    an unseen value, and a column's share of missing values grows."""
    rng = np.random.default_rng(seed)
    ref, cur = {}, {}
    names = names or [f"num_{i}" for i in range(n_columns)]
    for i, name in enumerate(names):
        if i % 3 == 2:  # categorical
            *cats, new = categories or ["alpha", "beta", "gamma", "delta", "omega (new)"]
            ref[name] = rng.choice(cats, rows, p=[0.4, 0.3, 0.2, 0.1])
            cur_cats = [*cats, new]
            p = [0.3, 0.25, 0.2, 0.1, 0.15] if i % 2 == 0 else [0.4, 0.3, 0.2, 0.1, 0.0]
            cur[name] = rng.choice(cur_cats, rows, p=p)
        else:
            shift = 0.6 if i % 2 == 0 else 0.0
            ref[name] = rng.lognormal(3.0, 0.5, rows) if i % 4 == 0 else rng.normal(0, 1, rows)
            c = (
                rng.lognormal(3.0 + shift / 2, 0.5, rows)
                if i % 4 == 0
                else rng.normal(shift, 1, rows)
            )
            if i == 1:
                c[: rows // 8] = np.nan  # null rate grows from 0 to 12.5%
            cur[name] = c
    return pd.DataFrame(ref), pd.DataFrame(cur)


def drift_entries(
    n_columns: int = 6,
    *,
    names: list[str] | None = None,
    categories: list[str] | None = None,
    nodeid: str = "tests/test_drift.py::test_inputs_have_not_drifted",
) -> list[CheckEntry]:
    ref, cur = drift_frames(n_columns, names=names, categories=categories)
    failing = check_drift(ref, cur)
    passing = check_drift(ref, ref.sample(frac=1.0, random_state=1).reset_index(drop=True))
    return [
        entry("drift", failing, nodeid, markers=("drift",)),
        entry("drift", passing, "tests/test_drift.py::test_scores_are_stable", markers=("drift",)),
    ]


# --------------------------------------------------------------------------- labels


def labels_entry(
    classes: list[Any] | None = None, nodeid: str = "tests/test_labels.py::test_label_noise_is_low"
) -> CheckEntry:
    from pytest_mlaudit.checks import labels as L

    classes = classes or ["approved", "declined", "review"]
    per_class = tuple(
        L.ClassIssues(label=c, rows=rows, issues=k, max_rate=0.05 if i == 1 else None)
        for i, (c, rows, k) in enumerate(zip(classes, [600, 300, 100], [9, 33, 4], strict=False))
    )
    confusion = tuple(
        L.ConfusionCell(given=g, suggested=s, flagged=n, confident=n + 3)
        for g, s, n in [
            (classes[1], classes[0], 25),
            (classes[0], classes[1], 7),
            (classes[1], classes[2], 8),
            (classes[2], classes[0], 4),
            (classes[0], classes[2], 2),
        ]
    )
    rows = tuple(
        L.LabelRow(
            position=p,
            index=f"app-{p}",
            given=classes[p % 2],
            suggested=classes[(p + 1) % 2],
            quality=round(0.001 * (i + 1), 4),
            flagged=True,
            features={"income": 1000.0 + p, "region": classes[2] if p % 3 else "north"},
        )
        for i, p in enumerate([17, 4, 230, 88, 501, 42])
    )
    sample = L.AuditSample(rows=rows[:2], per_class=1, seed=0)
    report = L.LabelReport(
        rows=1000,
        issues=46,
        max_issue_rate=0.03,
        classes=tuple(classes),
        per_class=per_class,
        confusion=confusion,
        suspicious=rows,
        audit_sample=sample,
        probabilities="cross_validation",
        model="LogisticRegression(max_iter=1000)",
        cv=5,
        seed=0,
        filter_by="prune_by_noise_rate",
        rank_by="self_confidence",
        top_n=6,
        skipped=(L.ClassCount(label="rare", rows=3),),
        notes=("1 class with fewer than 5 rows was skipped: 'rare'",),
    )
    return entry("labels", report, nodeid, markers=("labels",))


# --------------------------------------------------------------------------- load


def load_entries() -> list[CheckEntry]:
    from pytest_mlaudit.checks import load as Ld

    series = tuple(
        Ld.TimePoint(
            t_s=float(t),
            width_s=1.0,
            users=min(50, 10 * (t + 1)),
            requests=int(40 * min(5, t + 1) - (15 if t > 12 else 0)),
            failures=3 if t in (14, 15) else 0,
            p50_ms=40.0 + 2 * t,
            p95_ms=90.0 + 9 * t,
        )
        for t in range(20)
    )
    lat = Ld.Latency(
        p50_ms=52.0, p90_ms=120.0, p95_ms=170.0, p99_ms=260.0, max_ms=410.0, mean_ms=66.5
    )
    load = Ld.LoadReport(
        locustfile="load/predict.py",
        host="http://127.0.0.1:8000",
        users=50,
        spawn_rate=10.0,
        run_time_s=20.0,
        distributed=0,
        user_classes=(),
        seed=0,
        requests=3600,
        failures=6,
        duration_s=20.0,
        rps_steady=195.0,
        latency=lat,
        endpoints=(
            Ld.EndpointStats(
                method="POST", name="/predict", requests=3400, failures=6, rps=170.0, latency=lat
            ),
            Ld.EndpointStats(
                method="GET",
                name="/health",
                requests=200,
                failures=0,
                rps=10.0,
                latency=dataclasses.replace(lat, p95_ms=12.0),
            ),
        ),
        failure_groups=(
            Ld.FailureGroup(
                kind="HTTP 503",
                method="POST",
                name="/predict",
                error="HTTPError('503 Server Error')",
                occurrences=6,
            ),
        ),
        series=series,
        slo=Ld.SLO(p95_ms=150.0, error_rate=0.01, min_rps=100.0),
        health=Ld.HealthProbes(
            path="/health",
            interval_s=1.0,
            timeout_s=2.0,
            baseline_ms=3.0,
            ok_ms=50.0,
            probes_under_load=20,
            failed_under_load=1,
            p50_ms=8.0,
            p95_ms=40.0,
            max_ms=120.0,
            recovered=True,
            recovery_s=1.5,
            recovery_timeout_s=30.0,
            series=tuple(
                Ld.ProbePoint(t_s=float(t), latency_ms=5.0 + t, ok=True) for t in range(0, 20, 2)
            ),
        ),
        resources=Ld.ResourceUsage(
            pid=1234, samples=20, cpu_mean_cores=0.9, cpu_max_cores=1.0, peak_rss_mb=512.0
        ),
        locust_version="2.47.0",
    )
    steps = tuple(
        Ld.CapacityStep(
            users=u,
            start_s=10.0 * i,
            duration_s=8.0,
            requests=int(8 * r),
            failures=0 if p < 100 else 4,
            p50_ms=p / 2,
            p95_ms=p,
            p99_ms=p * 1.4,
            cpu_cores=min(1.0, u / 40),
        )
        for i, (u, r, p) in enumerate(
            [(5, 60, 30), (10, 115, 38), (20, 205, 61), (30, 240, 92), (40, 245, 160)]
        )
    )
    capacity = Ld.CapacityReport(
        locustfile="load/predict_closed_loop.py",
        host="http://127.0.0.1:8000",
        user_classes=(),
        distributed=0,
        seed=0,
        slo=Ld.SLO(p95_ms=100.0, error_rate=0.01),
        step_s=10.0,
        settle_s=2.0,
        steps=steps,
        stop_reason="p95_ms=160 > 100 at 40 users",
        target_rps=500.0,
        headroom=0.3,
        max_replicas=4,
        server_pid=1234,
        peak_rss_mb=480.0,
    )
    return [
        entry(
            "load", load, "tests/test_load.py::test_endpoint_holds_launch_load", markers=("load",)
        ),
        entry("capacity", capacity, "tests/test_load.py::test_capacity_knee", markers=("load",)),
    ]


# --------------------------------------------------------------------------- skew


def skew_entries(features: list[str] | None = None) -> list[CheckEntry]:
    """A failing parity check with two counterexamples and a failing skew check."""
    from pytest_mlaudit.checks import parity as P
    from pytest_mlaudit.checks import skew as S

    names = features or ["income_log", "debt_to_income", "region_onehot"]
    feats = tuple(
        P.FeatureParity(
            feature=f,
            checked=200,
            mismatched=m,
            value_mismatches=m - t,
            type_mismatches=t,
            missing_mismatches=0,
            max_abs_diff=0.5 if m else 0.0,
            max_rel_diff=0.04 if m else 0.0,
            rtol=1e-6,
            atol=1e-12,
            offline_type="float64",
            online_type="float",
        )
        for f, m, t in zip(names, [37, 0, 4], [0, 0, 4], strict=False)
    )
    cx = (
        P.Counterexample(
            feature=names[0],
            kind="value",
            origin="generated",
            shrunk=True,
            row=None,
            seed=0,
            record={"income": "0.0", names[-1]: repr(names[-1])},
            record_json={"income": 0.0, names[-1]: names[-1]},
            record_literal=f"{{'income': 0.0, {names[-1]!r}: {names[-1]!r}}}",
            offline="0.0",
            online="-inf",
            offline_json=0.0,
            online_json="-inf",
            abs_diff=None,
            rel_diff=None,
            detail="offline uses log1p, online uses log",
        ),
        P.Counterexample(
            feature=None,
            kind="online_raised",
            origin="rows",
            shrunk=False,
            row=17,
            seed=None,
            record={"income": "None"},
            record_json={"income": None},
            record_literal="{'income': None}",
            offline="nan",
            online="<raised TypeError>",
            offline_json=None,
            online_json=None,
            abs_diff=None,
            rel_diff=None,
            detail="the online pipeline raised",
            traceback="Traceback ...\nTypeError: bad",
        ),
    )
    parity = P.ParityReport(
        features=feats,
        n_examples=200,
        n_rows=100,
        n_generated=100,
        n_mismatched=41,
        n_both_rejected=0,
        n_offline_raised=0,
        n_online_raised=1,
        n_dropped=0,
        n_moved=0,
        max_mismatch_rate=0.0,
        rtol=1e-6,
        atol=1e-12,
        strict_dtypes=False,
        online_mode="record",
        seed=0,
        max_examples=100,
        counterexamples=cx,
        notes=("hypothesis found 2 distinct failures",),
    )
    dist = tuple(
        S.DistributionSkew(
            feature=f,
            kind="numeric",
            method="js",
            statistic=st,
            threshold=0.1,
            n_training=1000,
            n_serving=800,
            missing_training=0.0,
            missing_serving=0.01,
            details={},
        )
        for f, st in zip(names, [0.31, 0.02, 0.05], strict=False)
    )
    joined = tuple(
        S.JoinedSkew(
            feature=f,
            n_joined=700,
            training_count=700,
            serving_count=700,
            match_count=700 - m,
            mismatch_count=m,
            training_only=0,
            serving_only=0,
            max_abs_diff=0.2 if m else 0.0,
            threshold=0.0,
        )
        for f, m in zip(names, [12, 0, 0], strict=False)
    )
    skew = S.SkewReport(
        distribution=dist,
        joined=joined,
        join=S.JoinStats(
            id_columns=("request_id",),
            n_joined=700,
            training_ids_only=300,
            serving_ids_only=100,
            missing_ids_training=0,
            missing_ids_serving=0,
            duplicate_ids_training=0,
            duplicate_ids_serving=0,
        ),
        n_training=1000,
        n_serving=800,
        checked_features=tuple(names),
        unchecked_features=(),
        linf_threshold=0.1,
        js_threshold=0.1,
        max_mismatch_rate=0.0,
        rtol=1e-6,
        atol=1e-12,
        examples=(
            S.JoinedExample(
                feature=names[0],
                id="'r-1'",
                training="10.1",
                serving="10.3",
                training_json=10.1,
                serving_json=10.3,
            ),
        ),
    )
    return [
        entry(
            "parity",
            parity,
            "tests/test_skew.py::test_online_features_match_offline",
            markers=("skew",),
        ),
        entry(
            "skew", skew, "tests/test_skew.py::test_serving_logs_match_training", markers=("skew",)
        ),
    ]


# --------------------------------------------------------------------------- records


def other_entry() -> dict[str, Any]:
    """An entry of a kind no registered spec knows (the generic fields and its measures)."""
    return {
        "nodeid": "tests/test_fairness.py::test_fairness_gap",
        "seq": 0,
        "check": "fairness",
        "kind": "fairness",
        "markers": [],
        "passed": False,
        "duration_s": 0.01,
        "headline": {"name": "auc_drop", "statistic": 0.04, "threshold": 0.02, "bad_when": "above"},
        "sizes": {"rows": 5000},
        "figures": {"auc_new": 0.81, "auc_old": 0.85, "passed": False},
        "brief": "new model is worse",
        "result": {"kind": "fairness", "anything": [1, 2, 3]},
        "measures": [
            {
                "name": "auc_gap",
                "statistic": 0.06,
                "threshold": 0.05,
                "bad_when": "above",
                "subject": "region=north",
            },
            {
                "name": "auc_gap",
                "statistic": 0.01,
                "threshold": 0.05,
                "bad_when": "above",
                "subject": "region=south",
            },
            {"name": "rows", "statistic": 1200, "threshold": None, "bad_when": "above"},
        ],
    }


# --------------------------------------------------------------------------- gate


def gate_data(seed: int = 0, rows: int = 800) -> tuple[Any, Any, Any, Any]:
    """``(X_test, y_test, baseline, worse_candidate)``: two fitted logistic regressions,
    the candidate trained on a feature that carries little of the signal."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.5 * rng.normal(size=rows) > 0).astype(int)
    half = rows // 2
    baseline = LogisticRegression().fit(X[:half], y[:half])
    weak = X.copy()
    weak[:, 0] = 0.0  # the candidate lost the strongest feature
    candidate = LogisticRegression().fit(weak[:half], y[:half])
    return X[half:], y[half:], baseline, candidate


def gate_entries(metric_names: list[str] | None = None) -> list[CheckEntry]:
    """A failing gate (worse on accuracy and ROC AUC, below a floor, artifact checked) and a
    passing one (the same model against itself)."""
    from pytest_mlaudit.checks.gate import check_gate

    X, y, baseline, candidate = gate_data()
    failing = check_gate(
        candidate,
        baseline,
        X,
        y,
        metrics=["accuracy", "roc_auc"],
        min_delta={"accuracy": 0.01, "roc_auc": 0.0},
        floor={"roc_auc": 0.9},
        n_boot=1000,
        seed=0,
        artifact=True,
        sample_rows=50,
        latency_rows=5,
    )
    passing = check_gate(baseline, baseline, X, y, metrics=["accuracy"], n_boot=500, seed=0)
    entries = [
        entry("gate", failing, "tests/test_gate.py::test_candidate_may_replace_production"),
        entry("gate", passing, "tests/test_gate.py::test_retrained_model_is_as_good"),
    ]
    if metric_names:  # hostile names: rename the metrics in the record's JSON
        result = failing.to_dict()
        for m, name in zip(result["metrics"], metric_names, strict=False):
            m["metric"] = name
        entries[0] = dataclasses.replace(entries[0], result=result)
    return entries


def write(
    path: Path,
    entries: list[CheckEntry],
    extra: list[dict[str, Any]] = (),
    *,
    rootdir: str = "/repo/credit-risk",
) -> Path:
    import json

    record = build_record(
        entries,
        run={
            "exitstatus": 1,
            "duration_s": 12.5,
            "args": ["--mlaudit-report=reports"],
            "rootdir": rootdir,
        },
    )
    write_record(record, path)
    if extra:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["checks"].extend(extra)
        data["summary"]["checks"] += len(extra)
        data["summary"]["failed"] += sum(1 for e in extra if not e["passed"])
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def full_record(path: Path) -> Path:
    """Every section: drift (failing and passing), skew, gate, labels, load, capacity, and a
    kind no spec knows."""
    entries = [
        *drift_entries(),
        *skew_entries(),
        *gate_entries(),
        labels_entry(),
        *load_entries(),
    ]
    return write(path, entries, [other_entry()])


def hostile_record(path: Path) -> Path:
    """Hostile column names, category values, class labels, node ids and messages."""
    names = [HOSTILE[i % len(HOSTILE)] + ("" if i < len(HOSTILE) else f" #{i}") for i in range(9)]
    entries = drift_entries(
        9, names=names, categories=HOSTILE[1:6], nodeid=f"tests/test_x.py::test_drift[{HOSTILE[1]}]"
    )
    entries.append(labels_entry(classes=HOSTILE[1:4], nodeid=f"t.py::test[{HOSTILE[0]}]"))
    entries.extend(skew_entries(HOSTILE[:3]))
    entries.extend(gate_entries(HOSTILE[:2]))
    gate = other_entry()
    gate["brief"] = HOSTILE[3] + " " + HOSTILE[1]
    gate["figures"] = {HOSTILE[2]: HOSTILE[1]}
    return write(path, entries, [gate], rootdir=f"/tmp/{HOSTILE[1]}")


def benchmark_record(path: Path) -> Path:
    """50 drift columns, a parity check, a deployment gate, a labels check and a load run."""
    entries = [
        *drift_entries(50)[:1],
        *skew_entries()[:1],
        gate_entries()[0],
        labels_entry(),
        load_entries()[0],
    ]
    return write(path, entries)
