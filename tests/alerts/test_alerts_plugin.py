"""Alerts on change as a user runs them: audits run twice and more against one history,
a real webhook receiver on 127.0.0.1, the conftest hook, receivers that are down or slow."""

from __future__ import annotations

import json
import re
import time

# In-process pytester runs drop modules first imported inside them, and numpy cannot be
# imported twice in one process: import what the inner tests use here, once.
import numpy  # noqa: F401
import pytest
import scipy.stats  # noqa: F401

import pytest_mlaudit.alerts
import pytest_mlaudit.checks.drift  # noqa: F401
from pytest_mlaudit.history import HistoryStore
from tests.alerts.receiver import closed_port_url, receiver

TESTS = """
import pathlib

import numpy as np
import pytest

rng = np.random.default_rng(0)
A, B = rng.normal(size=500), rng.normal(size=500)
MODE = (pathlib.Path(__file__).parent / "mode.txt").read_text().strip()


@pytest.mark.drift
def test_inputs(mlaudit):
    shift = 1.0 if MODE == "drift" else 0.0
    mlaudit.drift({"x": A}, {"x": B + shift}, methods=["ks", "psi"]).assert_ok()


@pytest.mark.drift
def test_stable(mlaudit):
    mlaudit.drift({"x": A}, {"x": B}, methods=["ks", "psi"]).assert_ok()
"""

HOOK = """
import json
from pathlib import Path


def pytest_mlaudit_alert(alerts, config):
    with open(Path(str(config.rootpath)) / "hook.jsonl", "a") as fh:
        fh.write(json.dumps([a.to_dict() for a in alerts]) + "\\n")
"""

FIRING = [("firing", "test_audit.py::test_inputs")]
RESOLVED = [("resolved", "test_audit.py::test_inputs")]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback only: no proxy from the environment, no webhook from it either."""
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("MLAUDIT_ALERT_WEBHOOK", raising=False)
    monkeypatch.delenv("CI_JOB_URL", raising=False)
    monkeypatch.delenv("GITHUB_RUN_ID", raising=False)


def audit(pytester: pytest.Pytester, mode: str, *args: str) -> pytest.RunResult:
    (pytester.path / "mode.txt").write_text(mode)
    return pytester.runpytest("-p", "no:cacheprovider", "--mlaudit-json=audit.json", *args)


def alert_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if re.match(r"mlaudit: (\d+ alerts? |no alert)", line)]


def store(pytester: pytest.Pytester) -> HistoryStore:
    return HistoryStore(pytester.path / ".mlaudit" / "history.sqlite")


def test_one_alert_when_drift_starts_none_while_it_lasts_one_when_it_ends(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    pytester.makeconftest(HOOK)
    with receiver() as rec:
        hook = ("--mlaudit-alert-webhook", rec.url)
        audit(pytester, "clean", *hook).assert_outcomes(passed=2)
        assert rec.bodies == []  # first run, every check passing: nothing to say
        # drift starts: one message, one alert, for the check that changed only
        result = audit(pytester, "drift", *hook)
        result.assert_outcomes(passed=1, failed=1)
        assert rec.alerts() == [FIRING]
        target = rec.url.split("/services")[0] + "/..."
        assert alert_lines(result) == [
            "mlaudit: 1 alert (1 firing, 0 resolved) sent to the alert hook",
            f"mlaudit: 1 alert (1 firing, 0 resolved) sent to the webhook {target} (HTTP 200)",
        ]
        # the drift goes on: no message at all
        result = audit(pytester, "drift", *hook)
        result.assert_outcomes(passed=1, failed=1)
        assert rec.alerts() == [FIRING] and alert_lines(result) == []
        # it passes again: one "resolved"
        audit(pytester, "clean", *hook).assert_outcomes(passed=2)
        assert rec.alerts() == [FIRING, RESOLVED]
    # the message: Slack's text, and the structured payload
    firing, resolved = rec.bodies
    assert rec.headers[0]["Content-Type"] == "application/json; charset=utf-8"
    assert rec.paths[0] == "/services/T000/B000/secret"
    text = firing["text"].splitlines()
    assert text[0].startswith("*mlaudit*: 1 check started failing (run of 20")
    assert text[1].startswith(":red_circle: *FIRING* drift `test_audit.py::test_inputs`: ")
    assert text[1].endswith("drifted_share=1 > 0  drifted: x") and "report: audit.json" == text[-1]
    alert = firing["mlaudit"]["alerts"][0]
    assert firing["mlaudit"]["schema"] == "mlaudit.alerts/1"
    assert (firing["mlaudit"]["firing"], firing["mlaudit"]["resolved"]) == (1, 0)
    assert alert["key"] == "test_audit.py::test_inputs::drift#0"
    assert alert["verdict"] == "failed" and alert["check"] == "drift"
    assert alert["report"] == {"record": "audit.json", "html": None}
    assert alert["run"]["id"] == 2 and alert["since"] == alert["run"]["created_at"]
    psi = next(m for m in alert["measures"] if m["name"] == "psi")
    assert psi["subject"] == "x" and psi["statistic"] > psi["threshold"] == 0.2
    assert alert["figures"]["n_drifted"] == 1
    back = resolved["mlaudit"]["alerts"][0]
    assert back["verdict"] == "passed" and back["run"]["id"] == 4
    assert back["since"] == alert["since"]  # failing since run 2
    assert "(failing since " in resolved["text"]
    # the hook got the same alerts
    hooked = [json.loads(line) for line in (pytester.path / "hook.jsonl").read_text().splitlines()]
    assert hooked == [firing["mlaudit"]["alerts"], resolved["mlaudit"]["alerts"]]
    # the history keeps the alerts and every delivery
    history = store(pytester)
    assert [(a.state, a.run_id) for a in history.alerts()] == [("resolved", 4), ("firing", 2)]
    assert history.open_alerts() == []
    log = history.deliveries()
    assert [(d.channel, d.ok, d.run_id) for d in log] == [
        ("webhook", True, 4),
        ("hook", True, 4),
        ("webhook", True, 2),
        ("hook", True, 2),
    ]
    # and `mlaudit history alerts` shows both, as a table and as JSON
    from pytest_mlaudit.cli import main

    db = str(pytester.path / ".mlaudit" / "history.sqlite")
    capsys.readouterr()  # the audits' own output
    assert main(["history", "alerts", "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["id", "run", "created_at", "state"]
    assert [line.split()[3] for line in out[2:4]] == ["resolved", "firing"]
    assert out[3].endswith("drifted_share=1 > 0  drifted: x")
    assert "webhook" in out[7] and out[7].split()[4:7] == ["1", "yes", "200"]
    assert main(["history", "alerts", "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [a["state"] for a in data["alerts"]] == ["resolved", "firing"]
    assert len(data["deliveries"]) == 4
    assert all(d.target == target and d.status == 200 for d in log if d.channel == "webhook")


def test_the_first_run_ever_fires_for_failing_checks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    with receiver() as rec:
        audit(pytester, "drift", "--mlaudit-alert-webhook", rec.url)
        assert rec.alerts() == [FIRING]
        assert rec.bodies[0]["mlaudit"]["alerts"][0]["run"]["id"] == 1


def _timed(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, float]:
    started = time.monotonic()
    result = audit(pytester, "drift", *args)
    return result, time.monotonic() - started


@pytest.mark.parametrize("down", ["closed port", "slow"])
def test_a_receiver_down_or_slow_neither_fails_nor_stalls_the_run(
    pytester: pytest.Pytester, down: str
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    pytester.makeini("[pytest]\nmlaudit_alert_timeout = 1\n")
    # the same run without a webhook: its outcome and exit status are the reference
    reference, base = _timed(pytester)
    (pytester.path / ".mlaudit" / "history.sqlite").unlink()
    if down == "slow":
        with receiver(delay=8) as rec:
            result, took = _timed(pytester, "--mlaudit-alert-webhook", rec.url)
        assert len(rec.bodies) == 1  # it was sent; the answer never came in time
        why = "no answer within 1 s"
    else:
        result, took = _timed(pytester, "--mlaudit-alert-webhook", closed_port_url())
        why = "cannot reach it (*refused*)"
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == reference.ret == 1
    assert took < base + 1 + 5, (took, base)
    result.stdout.fnmatch_lines(
        [
            "mlaudit: 1 alert (1 firing, 0 resolved) NOT delivered to the webhook "
            f"http://127.0.0.1:*/...: {why}; the verdicts stand (in the delivery log)"
        ]
    )
    (delivery,) = store(pytester).deliveries()
    assert not delivery.ok and delivery.status is None and delivery.n_alerts == 1
    assert delivery.duration_s < 1 + 1
    # the alert was raised all the same: the next failing run does not send it again
    with receiver() as rec:
        audit(pytester, "drift", "--mlaudit-alert-webhook", rec.url)
        assert rec.bodies == []
    assert [a.state for a in store(pytester).open_alerts()] == ["firing"]


def test_a_failing_hook_and_a_refusing_receiver_change_no_verdict(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    pytester.makeconftest("def pytest_mlaudit_alert(alerts, config):\n    raise KeyError('oops')\n")
    with receiver(status=500) as rec:
        result = audit(pytester, "drift", "--mlaudit-alert-webhook", rec.url)
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == 1
    assert alert_lines(result) == [
        "mlaudit: 1 alert (1 firing, 0 resolved) NOT delivered to the alert hook: "
        "KeyError: 'oops'; the verdicts stand (in the delivery log)",
        "mlaudit: 1 alert (1 firing, 0 resolved) NOT delivered to the webhook "
        f"{rec.url.split('/services')[0]}/...: HTTP 500 Internal Server Error: "
        "invalid_payload; the verdicts stand (in the delivery log)",
    ]
    log = store(pytester).deliveries()
    assert [(d.channel, d.ok, d.status) for d in log] == [
        ("webhook", False, 500),
        ("hook", False, None),
    ]
    assert "secret" not in result.stdout.str()


def test_the_webhook_from_the_environment_and_the_ini_key(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    with receiver() as env_rec, receiver() as ini_rec:
        pytester.makeini(f"[pytest]\nmlaudit_alert_webhook = {ini_rec.url}\n")
        monkeypatch.setenv("MLAUDIT_ALERT_WEBHOOK", env_rec.url)
        audit(pytester, "drift")  # the environment wins over the ini key
        assert (len(env_rec.bodies), len(ini_rec.bodies)) == (1, 0)
        audit(pytester, "clean", "--mlaudit-alert-webhook=none")  # the option over both
        assert (len(env_rec.bodies), len(ini_rec.bodies)) == (1, 0)
        monkeypatch.delenv("MLAUDIT_ALERT_WEBHOOK")
        # the check resolved in the last run (told to nobody); now it fails again
        audit(pytester, "drift")
        assert ini_rec.alerts() == [FIRING]


def test_a_webhook_alone_keeps_the_history_it_needs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_audit=TESTS)
    with receiver() as rec:
        (pytester.path / "mode.txt").write_text("drift")
        pytester.runpytest("-p", "no:cacheprovider", "--mlaudit-alert-webhook", rec.url)
        assert rec.alerts() == [FIRING]  # no record file asked for: the history is kept anyway
        assert store(pytester).count_runs() == 1
        result = pytester.runpytest(
            "-p", "no:cacheprovider", "--mlaudit-alert-webhook", rec.url, "--mlaudit-history=none"
        )
        result.stdout.fnmatch_lines(["*--mlaudit-alert-webhook needs the audit history*"])
        assert len(rec.bodies) == 1


def test_an_xfail_check_never_alerts(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_audit=TESTS.replace(
            "@pytest.mark.drift\ndef test_inputs",
            "@pytest.mark.xfail\n@pytest.mark.drift\ndef test_inputs",
        )
    )
    with receiver() as rec:
        audit(pytester, "drift", "--mlaudit-alert-webhook", rec.url).assert_outcomes(
            passed=1, xfailed=1
        )
        assert rec.bodies == []


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (["--mlaudit-alert-webhook", "ftp://x/y"], "", "--mlaudit-alert-webhook must be an http"),
        ([], "mlaudit_alert_webhook = hooks.slack.com/x", "mlaudit_alert_webhook must be an http"),
        (
            ["--mlaudit-alert-webhook", "http://127.0.0.1:9/x"],
            "mlaudit_alert_timeout = soon",
            "mlaudit_alert_timeout must be a finite number in (0, 600]; got "
            "mlaudit_alert_timeout='soon'",
        ),
    ],
)
def test_bad_alert_settings_are_usage_errors(
    pytester: pytest.Pytester, args: list[str], ini: str, message: str
) -> None:
    pytester.makepyfile(test_audit=TESTS)
    pytester.makeini(f"[pytest]\n{ini}\n")
    result = audit(pytester, "clean", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()
