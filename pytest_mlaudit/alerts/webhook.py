"""The webhook message of a run's alerts, and posting it once with a bounded wait.

The message is one JSON object: ``text``, what Slack (and Mattermost, Rocket.Chat,
Teams' incoming webhooks for Slack) show, and ``mlaudit``, the full structured payload for
any other receiver::

    {"text": "...", "mlaudit": {"schema": "mlaudit.alerts/1", "firing": 1, "resolved": 0,
                                "run": {...}, "report": {...}, "alerts": [...]}}

:func:`post_json` makes one attempt, never more: the whole POST (connecting, sending,
the answer) gets at most ``timeout`` seconds, after which the run goes on without it;
urllib's own timeout applies to each socket operation only, so the request runs in a
daemon thread that is waited for ``timeout`` seconds at most. Standard library only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, Final

from pytest_mlaudit.alerts.alert import Alert

__all__ = [
    "DEFAULT_TIMEOUT",
    "MESSAGE_SCHEMA",
    "Delivery",
    "build_message",
    "check_webhook_url",
    "parse_timeout",
    "post_json",
    "redact_url",
    "resolve_webhook",
]

#: Seconds a webhook POST may take in all (``mlaudit_alert_timeout``).
DEFAULT_TIMEOUT: Final = 5.0
#: Names the layout of the message's ``mlaudit`` object.
MESSAGE_SCHEMA: Final = "mlaudit.alerts/1"
#: Bytes of the receiver's answer read (and kept in an error message: 200 characters).
_ANSWER_BYTES: Final = 4096


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt to deliver a run's alerts."""

    channel: str  #: "webhook" or "hook"
    ok: bool
    n_alerts: int
    duration_s: float
    target: str | None = None  #: the webhook URL without its path (:func:`redact_url`)
    status: int | None = None  #: the HTTP status, when there was an answer
    error: str | None = None  #: what went wrong, in words


def check_webhook_url(url: str, *, name: str = "--mlaudit-alert-webhook") -> str:
    """``url`` when it is an http(s) URL with a host; else :class:`MlauditInputError`.

    Examples
    --------
    >>> check_webhook_url("https://hooks.slack.com/services/T0/B0/xyz")
    'https://hooks.slack.com/services/T0/B0/xyz'
    >>> check_webhook_url("file:///etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pytest_mlaudit.errors.MlauditInputError: --mlaudit-alert-webhook must be an http:// ...
    """
    from pytest_mlaudit.errors import MlauditInputError

    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = redact_url(url) if parts.scheme in ("http", "https") else url
        raise MlauditInputError(
            f"{name} must be an http:// or https:// URL with a host; got {shown!r}."
        )
    return url


#: What turns the webhook off, whatever the ini key or the environment say.
_OFF: Final = frozenset({"none", "off", "no", "false", "0"})


def resolve_webhook(
    option: str | None, ini: str | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The webhook URL: ``--mlaudit-alert-webhook``, else ``$MLAUDIT_ALERT_WEBHOOK``, else
    the ``mlaudit_alert_webhook`` ini key (the secret URL belongs in the environment; the
    ini key is the repo's default); ``none`` (or empty) at any level turns it off.

    Examples
    --------
    >>> resolve_webhook(None, "https://example.org/hook", {"MLAUDIT_ALERT_WEBHOOK": "none"})
    >>> resolve_webhook(None, "https://example.org/hook", {})
    'https://example.org/hook'
    """
    env = os.environ if environ is None else environ
    for name, value in (
        ("--mlaudit-alert-webhook", option),
        ("MLAUDIT_ALERT_WEBHOOK", env.get("MLAUDIT_ALERT_WEBHOOK")),
        ("mlaudit_alert_webhook", ini),
    ):
        if value is None:
            continue
        text = str(value).strip()
        if not text or text.lower() in _OFF:
            return None
        return check_webhook_url(text, name=name)
    return None


def parse_timeout(raw: object) -> float:
    """The ``mlaudit_alert_timeout`` ini key: seconds in (0, 600], default 5.

    >>> parse_timeout(None), parse_timeout("2.5")
    (5.0, 2.5)
    """
    from pytest_mlaudit._validation import check_float

    if raw is None or str(raw).strip() == "":
        return DEFAULT_TIMEOUT
    try:
        value: object = float(str(raw))
    except ValueError:
        value = raw
    return check_float(
        "mlaudit_alert_timeout",
        value,
        low=0.0,
        high=600.0,
        low_open=True,
        hint="It is the seconds a webhook POST may take in all, e.g. 5.",
    )


def redact_url(url: str) -> str:
    """The URL without what may be a secret (user, password, path, query): a webhook's
    path is its key (Slack's ``/services/T.../B.../...``).

    Examples
    --------
    >>> redact_url("https://hooks.slack.com/services/T0/B0/xyz")
    'https://hooks.slack.com/...'
    >>> redact_url("http://user:pw@127.0.0.1:8080/hook?token=1")
    'http://127.0.0.1:8080/...'
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    rest = "/..." if (parts.path not in ("", "/") or parts.query) else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def _headline(alerts: Sequence[Alert]) -> str:
    firing = sum(1 for a in alerts if a.state == "firing")
    resolved = len(alerts) - firing
    parts = []
    if firing:
        parts.append(f"{firing} check{'s' if firing != 1 else ''} started failing")
    if resolved:
        parts.append(f"{resolved} check{'s' if resolved != 1 else ''} passing again")
    return "*mlaudit*: " + ", ".join(parts)


def build_message(alerts: Sequence[Alert]) -> dict[str, Any]:
    """The webhook message of a run's ``alerts`` (all of one run)."""
    run: Mapping[str, Any] = alerts[0].run if alerts else {}
    report: Mapping[str, str | None] = alerts[0].report if alerts else {}
    lines = [
        _headline(alerts) + (f" (run of {run['created_at']})" if run.get("created_at") else "")
    ]
    lines += [a.text() for a in alerts]
    where = run.get("url")
    report_path = report.get("html") or report.get("record")
    mlflow = report.get("mlflow")
    run_link = None
    if mlflow:
        page = mlflow.startswith(("http://", "https://"))
        run_link = f"<{mlflow}|the MLflow run>" if page else f"MLflow run {mlflow}"
    if where:
        links = [f"<{where}|the CI run>", f"report {report_path}" if report_path else None]
        lines.append(", ".join(x for x in [*links, run_link] if x))
    elif report_path:
        lines.append(f"report: {report_path}" + (f", {run_link}" if run_link else ""))
    elif run_link:
        lines.append(run_link)
    firing = sum(1 for a in alerts if a.state == "firing")
    return {
        "text": "\n".join(lines),
        "mlaudit": {
            "schema": MESSAGE_SCHEMA,
            "firing": firing,
            "resolved": len(alerts) - firing,
            "run": dict(run),
            "report": dict(report),
            "alerts": [a.to_dict() for a in alerts],
        },
    }


def post_json(
    url: str, message: Mapping[str, Any], *, timeout: float = DEFAULT_TIMEOUT, n_alerts: int = 0
) -> Delivery:
    """POST ``message`` as JSON to ``url`` once; never raises, never waits past ``timeout``.

    A 2xx answer is delivered; anything else (an HTTP error, a refused connection, no
    answer in time) is a :class:`Delivery` with ``ok=False`` and the reason.
    """
    from pytest_mlaudit import __version__

    target = redact_url(url)
    body = json.dumps(message, allow_nan=False, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"pytest-mlaudit/{__version__}",
        },
    )
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read(_ANSWER_BYTES)
                outcome["status"] = int(answer.status)
        except urllib.error.HTTPError as exc:
            detail = exc.read(_ANSWER_BYTES).decode("utf-8", "replace").strip()[:200]
            outcome["status"] = exc.code
            outcome["error"] = f"HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")
        except urllib.error.URLError as exc:
            outcome["error"] = f"cannot reach it ({exc.reason})"
        except TimeoutError:
            outcome["error"] = f"no answer within {timeout:g} s"
        except Exception as exc:  # whatever the network does, the run goes on
            outcome["error"] = f"{type(exc).__name__}: {exc}"

    started = time.monotonic()
    thread = threading.Thread(target=send, name="mlaudit-alert-webhook", daemon=True)
    thread.start()
    thread.join(timeout)
    duration = round(time.monotonic() - started, 3)
    if thread.is_alive():  # left to finish or fail on its own, unwaited
        return Delivery(
            "webhook", False, n_alerts, duration, target, error=f"no answer within {timeout:g} s"
        )
    status = outcome.get("status")
    ok = "error" not in outcome and status is not None and 200 <= status < 300
    error = outcome.get("error") or (None if ok else f"HTTP {status}")
    return Delivery("webhook", ok, n_alerts, duration, target, status, error)
