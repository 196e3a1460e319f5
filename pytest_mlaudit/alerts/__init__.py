"""Alerts on change: tell people when a check starts failing, and when it passes again.

After each run whose record reaches the audit history, the plugin compares every check
with the state the history keeps for it (:meth:`HistoryStore.change_alerts`): a check
that fails while its alert is not open **fires**, one that passes while it is open
**resolves**; a check that keeps failing raises nothing more, so a drift that lasts ten
runs is one alert, and its resolution one more. The alerts go to

* the ``pytest_mlaudit_alert(alerts, config)`` hook, which a ``conftest.py`` implements
  (:mod:`pytest_mlaudit.hooks`), and
* a webhook (``--mlaudit-alert-webhook URL``, ini ``mlaudit_alert_webhook``, or the
  ``MLAUDIT_ALERT_WEBHOOK`` environment variable): one JSON POST per run, with a
  Slack-compatible ``text`` and the structured payload (:func:`build_message`).

Delivery never changes the run's verdict: a webhook that is down or slow is one line in
the terminal summary and a row of the history's delivery log
(:meth:`HistoryStore.deliveries`). See ``docs/alerts.md``.

Files
-----
``alert.py``
    :class:`Alert`, :func:`alert_key` (how a check is known across runs), :func:`observe`.
``webhook.py``
    :func:`build_message`, :func:`post_json` (one attempt, bounded), :func:`redact_url`.
``notify.py``
    :func:`raise_alerts`, what the plugin calls after the run; :class:`AlertOutcome`.

Standard library only.
"""

from __future__ import annotations

from pytest_mlaudit.alerts.alert import Alert, AlertState, alert_key, ci_run_url, observe
from pytest_mlaudit.alerts.notify import AlertOutcome, raise_alerts
from pytest_mlaudit.alerts.webhook import (
    DEFAULT_TIMEOUT,
    MESSAGE_SCHEMA,
    Delivery,
    build_message,
    check_webhook_url,
    parse_timeout,
    post_json,
    redact_url,
    resolve_webhook,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "MESSAGE_SCHEMA",
    "Alert",
    "AlertOutcome",
    "AlertState",
    "Delivery",
    "alert_key",
    "build_message",
    "check_webhook_url",
    "ci_run_url",
    "observe",
    "parse_timeout",
    "post_json",
    "raise_alerts",
    "redact_url",
    "resolve_webhook",
]
