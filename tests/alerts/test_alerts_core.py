"""The alert core without pytest: the state kept in the history, the alert and its
message, the webhook settings, and one bounded POST to a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_mlaudit.alerts import (
    Alert,
    alert_key,
    build_message,
    check_webhook_url,
    ci_run_url,
    observe,
    parse_timeout,
    post_json,
    raise_alerts,
    redact_url,
    resolve_webhook,
)
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.history import HistoryError, HistoryStore
from pytest_mlaudit.record import AuditRecord
from tests.alerts.receiver import closed_port_url, receiver
from tests.history.records import drift_entry, gate_entry, record

DRIFT = "tests/test_drift.py::test_inputs_have_not_drifted"
GATE = "tests/test_gate.py::test_production_performance"


def run(
    store: HistoryStore, when: str, *entries: dict[str, Any], **kwargs: Any
) -> tuple[AuditRecord, list[Alert]]:
    """Append a record of ``entries`` at ``when`` and raise its alerts (hook only)."""
    rec = record(when, list(entries))
    store.append(rec)
    told: list[Sequence[Alert]] = []
    outcome = raise_alerts(rec, store.path, hook=told.append, **kwargs)
    assert list(outcome.alerts) == (list(told[0]) if told else [])
    return rec, list(outcome.alerts)


def states(alerts: Sequence[Alert]) -> list[tuple[str, str]]:
    return [(a.state, a.check) for a in alerts]


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history.sqlite")


def test_alerts_fire_on_change_only(store: HistoryStore) -> None:
    ok, bad = drift_entry(), drift_entry(failed_columns=["income"])
    floor = gate_entry(candidate=0.7, floor=0.8)
    assert run(store, "2025-01-06T06:00:00Z", ok, gate_entry())[1] == []
    _, alerts = run(store, "2025-01-13T06:00:00Z", bad, gate_entry())
    assert states(alerts) == [("firing", "drift")]
    (first,) = alerts
    assert first.key == f"{DRIFT}::drift#0" and first.since == "2025-01-13T06:00:00+00:00"
    assert first.verdict == "failed" and first.run["id"] == 2
    assert first.summary == "drifted_share=0.5 > 0  drifted: income"
    # still failing, and the gate breaks its floor: only the gate is news
    assert states(run(store, "2025-01-20T06:00:00Z", bad, floor)[1]) == [("firing", "gate")]
    # the drift test did not run this week: its alert stays open, nothing resolves
    assert run(store, "2025-01-27T06:00:00Z", floor)[1] == []
    _, alerts = run(store, "2025-02-03T06:00:00Z", ok, gate_entry())
    assert states(alerts) == [("resolved", "drift"), ("resolved", "gate")]
    assert alerts[0].since == "2025-01-13T06:00:00+00:00" and alerts[0].verdict == "passed"
    assert alerts[1].since == "2025-01-20T06:00:00+00:00"
    assert store.open_alerts() == []
    assert [(a.state, a.run_id) for a in store.alerts(key=first.key)] == [
        ("resolved", 5),
        ("firing", 2),
    ]
    # every hook call is in the delivery log
    assert [(d.channel, d.ok, d.n_alerts, d.run_id) for d in store.deliveries()] == [
        ("hook", True, 2, 5),
        ("hook", True, 1, 3),
        ("hook", True, 1, 2),
    ]


def test_a_check_with_no_history_fires_when_it_fails(store: HistoryStore) -> None:
    bad = drift_entry(failed_columns=["age"])
    assert states(run(store, "2025-01-06T06:00:00Z", bad, gate_entry())[1]) == [("firing", "drift")]


def test_an_expected_failure_changes_nothing() -> None:
    xfailed = dict(drift_entry(failed_columns=["age"]), outcome="xfailed")
    rec = record("2025-01-06T06:00:00Z", [xfailed, gate_entry()])
    assert observe(rec) == {f"{GATE}::gate#0": False}


def test_a_run_missing_from_the_history_raises_no_alert(store: HistoryStore) -> None:
    rec = record("2025-01-06T06:00:00Z", [drift_entry(failed_columns=["age"])])
    with pytest.raises(HistoryError, match="the run is not in the history"):
        raise_alerts(rec, store.path)
    assert store.alerts() == []


def test_a_store_written_before_the_alert_tables(store: HistoryStore) -> None:
    store.append(record("2025-01-06T06:00:00Z", [drift_entry()]))
    with sqlite3.connect(store.path) as conn:
        conn.executescript("DROP TABLE alerts; DROP TABLE alert_deliveries;")
    reader = HistoryStore(store.path, create=False)
    assert reader.alerts() == [] and reader.open_alerts() == [] and reader.deliveries() == []
    with sqlite3.connect(store.path) as conn:  # the reader wrote nothing
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "alerts" not in names
    _, alerts = run(HistoryStore(store.path), "2025-01-13T06:00:00Z", drift_entry())
    assert alerts == []  # a writer made the tables; the passing check raised nothing
    bad = drift_entry(failed_columns=["income"])
    assert states(run(HistoryStore(store.path), "2025-01-20T06:00:00Z", bad)[1]) == [
        ("firing", "drift")
    ]


def test_the_alert_round_trips_and_keys_the_check_stably() -> None:
    rec = record("2025-01-06T06:00:00Z", [drift_entry(failed_columns=["income"], seq=1)])
    (entry,) = rec.checks
    assert alert_key(entry) == f"{DRIFT}::drift#1"
    from pytest_mlaudit.alerts.alert import build_alert

    alert = build_alert(entry, "firing", rec.created_at, run={"id": 1}, report={"record": "a"})
    data = json.loads(json.dumps(alert.to_dict(), allow_nan=False))
    assert Alert.from_dict(data) == alert
    assert data["summary"] == alert.summary and data["headline"]["bad_when"] == "above"


def test_the_message_is_slack_text_and_the_payload() -> None:
    rec = record(
        "2025-01-06T06:00:00Z",
        [drift_entry(failed_columns=["income"]), drift_entry(psi={"age": math.nan}, seq=1)],
    )
    from pytest_mlaudit.alerts.alert import build_alert

    url = ci_run_url(
        {
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "acme/credit",
            "GITHUB_RUN_ID": "42",
        }
    )
    run_info = {"id": 7, "created_at": rec.created_at, "url": url}
    report = {"record": "reports/audit.json", "html": "reports/audit.html"}
    alerts = [
        build_alert(rec.checks[0], "firing", rec.created_at, run=run_info, report=report),
        build_alert(rec.checks[1], "resolved", "2024-12-30", run=run_info, report=report),
    ]
    message = build_message(alerts)
    json.dumps(message, allow_nan=False)  # strict JSON: the NaN is the string "nan"
    assert message["mlaudit"]["alerts"][1]["measures"][0]["statistic"] == "nan"
    assert message["text"].splitlines() == [
        "*mlaudit*: 1 check started failing, 1 check passing again (run of 2025-01-06T06:00:00Z)",
        # age's KS effect is past its floor too, but age did not drift: not named
        f":red_circle: *FIRING* drift `{DRIFT}`: drifted_share=0.5 > 0  drifted: income",
        f":large_green_circle: *RESOLVED* drift `{DRIFT}`: drifted_share=0 <= 0 "
        "(failing since 2024-12-30)",
        "<https://github.com/acme/credit/actions/runs/42|the CI run>, report reports/audit.html",
    ]
    assert message["mlaudit"]["run"] == run_info and message["mlaudit"]["report"] == report


def test_the_ci_run_page() -> None:
    assert ci_run_url({"CI_JOB_URL": "https://gitlab.com/a/b/-/jobs/9"}) == (
        "https://gitlab.com/a/b/-/jobs/9"
    )
    assert ci_run_url({"GITHUB_RUN_ID": "1"}) is None and ci_run_url({}) is None


def test_the_webhook_settings() -> None:
    assert resolve_webhook("http://127.0.0.1:1/h", "https://x.org/a", {}) == "http://127.0.0.1:1/h"
    env = {"MLAUDIT_ALERT_WEBHOOK": "https://env.org/h"}
    assert resolve_webhook(None, "https://ini.org/h", env) == "https://env.org/h"
    assert resolve_webhook("none", None, env) is None
    assert resolve_webhook(None, None, {}) is None
    with pytest.raises(MlauditInputError, match="MLAUDIT_ALERT_WEBHOOK must be an http"):
        resolve_webhook(None, None, {"MLAUDIT_ALERT_WEBHOOK": "hooks.slack.com/services/x"})
    with pytest.raises(MlauditInputError, match=r"got 'https:///\.\.\.'"):
        check_webhook_url("https:///services/secret")  # never shows the secret path
    assert redact_url("https://[::1]:8443/x") == "https://[::1]:8443/..."
    assert redact_url("https://example.org") == "https://example.org"
    assert parse_timeout(" 0.5 ") == 0.5
    for bad in ("0", "-1", "601", "nan", "soon"):
        with pytest.raises(MlauditInputError, match="mlaudit_alert_timeout must be a finite"):
            parse_timeout(bad)


def test_one_post_to_a_real_receiver() -> None:
    with receiver() as rec:
        delivery = post_json(rec.url, {"text": "hi", "n": 1.5}, timeout=5, n_alerts=1)
    assert delivery.ok and delivery.status == 200 and delivery.error is None
    assert delivery.target == rec.url.split("/services")[0] + "/..."
    assert rec.bodies == [{"text": "hi", "n": 1.5}]
    assert rec.headers[0]["User-Agent"].startswith("pytest-mlaudit/")
    with receiver(status=404) as rec:
        delivery = post_json(rec.url, {"text": "hi"}, timeout=5)
    assert (delivery.ok, delivery.status) == (False, 404)
    assert delivery.error == "HTTP 404 Not Found: invalid_payload"


def test_a_post_never_waits_past_its_timeout() -> None:
    with receiver(delay=5) as rec:
        started = time.monotonic()
        delivery = post_json(rec.url, {"text": "hi"}, timeout=0.5)
        took = time.monotonic() - started
    assert not delivery.ok and delivery.error == "no answer within 0.5 s"
    assert 0.5 <= took < 0.5 + 1.0 and delivery.duration_s < 1.5
    refused = post_json(closed_port_url(), {"text": "hi"}, timeout=2)
    assert not refused.ok and refused.status is None
    assert refused.error is not None and refused.error.startswith("cannot reach it (")


def test_the_message_links_the_ci_run_the_report_and_the_mlflow_run() -> None:
    from pytest_mlaudit.alerts.alert import build_alert

    rec = record("2025-01-06T06:00:00Z", [drift_entry(failed_columns=["income"])])
    run_info = {"id": 7, "created_at": rec.created_at, "url": "https://ci.example/run/42"}
    page = "https://mlflow.example/#/experiments/3/runs/abc"
    report = {"record": "reports/audit.json", "html": None, "mlflow": page}
    alert = build_alert(rec.checks[0], "firing", rec.created_at, run=run_info, report=report)
    assert build_message([alert])["text"].splitlines()[-1] == (
        "<https://ci.example/run/42|the CI run>, report reports/audit.json, "
        f"<{page}|the MLflow run>"
    )
    report = {"record": None, "html": None, "mlflow": "runs:/abc"}
    alert = build_alert(rec.checks[0], "firing", rec.created_at, run={"id": 7}, report=report)
    assert build_message([alert])["text"].splitlines()[-1] == "MLflow run runs:/abc"
