"""After a run: fire and resolve the alerts of its checks, tell the hook and the webhook,
and keep every attempt in the history's delivery log.

:func:`raise_alerts` is what the pytest plugin calls once the run's record is in the
audit history. It never changes the run's verdict: the plugin reports what it returns
(:meth:`AlertOutcome.lines`) and nothing else.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_mlaudit.alerts.alert import (
    Alert,
    AlertState,
    alert_key,
    build_alert,
    ci_run_url,
    observe,
)
from pytest_mlaudit.alerts.webhook import DEFAULT_TIMEOUT, Delivery, build_message, post_json
from pytest_mlaudit.record import AuditRecord

__all__ = ["AlertOutcome", "raise_alerts"]

#: Characters of a hook's exception kept in the delivery log.
_ERROR_CHARS = 300


@dataclasses.dataclass(frozen=True, slots=True)
class AlertOutcome:
    """The alerts one run raised, and what became of their delivery."""

    alerts: tuple[Alert, ...]
    deliveries: tuple[Delivery, ...]
    #: the delivery log could not be written (the attempts happened all the same)
    log_error: str | None = None

    def lines(self) -> list[tuple[str, bool]]:
        """What the terminal says, as ``(line, is_a_problem)``: one line per channel."""
        if not self.alerts:
            return []
        firing = sum(1 for a in self.alerts if a.state == "firing")
        what = f"{len(self.alerts)} alert{'s' if len(self.alerts) != 1 else ''} "
        what += f"({firing} firing, {len(self.alerts) - firing} resolved)"
        out: list[tuple[str, bool]] = []
        for d in self.deliveries:
            where = f"the webhook {d.target}" if d.channel == "webhook" else "the alert hook"
            if d.ok:
                status = f" (HTTP {d.status})" if d.status is not None else ""
                out.append((f"{what} sent to {where}{status}", False))
            else:
                kept = "not kept: " + self.log_error if self.log_error else "in the delivery log"
                out.append(
                    (
                        f"{what} NOT delivered to {where}: {d.error}; the verdicts stand ({kept})",
                        True,
                    )
                )
        return out


def _call_hook(hook: Callable[[Sequence[Alert]], object], alerts: tuple[Alert, ...]) -> Delivery:
    started = time.monotonic()
    try:
        hook(alerts)
    except Exception as exc:  # a conftest's bug never changes the run's verdict
        error = f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]
        return Delivery(
            "hook", False, len(alerts), round(time.monotonic() - started, 3), error=error
        )
    return Delivery("hook", True, len(alerts), round(time.monotonic() - started, 3))


def raise_alerts(
    record: AuditRecord,
    history: str | Path,
    *,
    record_path: str | Path | None = None,
    html_path: str | Path | None = None,
    webhook: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    hook: Callable[[Sequence[Alert]], object] | None = None,
    environ: Mapping[str, str] | None = None,
    mlflow_run: str | None = None,
) -> AlertOutcome:
    """Fire and resolve the alerts of ``record``'s checks against the state kept in the
    audit history at ``history`` (where the record was appended), then deliver them.

    A check that fails while its alert is not open fires; one that passes while it is
    open resolves; a check that keeps failing raises nothing more. With no earlier state
    (the first run with alerts, or a new check) a failing check fires: it is news to
    whoever reads the alerts. ``hook`` (the conftest hook) and ``webhook`` are told only
    when there are alerts; every attempt is kept in the delivery log. ``mlflow_run`` (the
    page or ``runs:/`` URI of the run ``--mlaudit-mlflow`` logged) is linked in the report.

    Raises :class:`~pytest_mlaudit.history.HistoryError` when the history cannot be used
    (the plugin reports it as one line).
    """
    from pytest_mlaudit.history import HistoryError, HistoryStore

    store = HistoryStore(history)
    run_id = store.find_run(record)
    if run_id is None:
        raise HistoryError(
            f"the run is not in the history {str(history)!r} (it could not be appended), so "
            "its checks were not compared with the last run: no alert was raised"
        )
    by_key = {alert_key(entry): entry for entry in record.checks}
    run = {
        "id": run_id,
        "created_at": record.created_at,
        "git_commit": record.environment.get("git_commit"),
        "url": ci_run_url(environ),
    }
    report = {
        "record": None if record_path is None else str(record_path),
        "html": None if html_path is None else str(html_path),
    }
    if mlflow_run:
        report["mlflow"] = mlflow_run
    built: dict[str, Alert] = {}

    def payload(key: str, state: AlertState, since: str) -> dict[str, Any]:
        built[key] = build_alert(by_key[key], state, since, run=run, report=report)
        return built[key].to_dict()

    rows = store.change_alerts(
        observe(record), at=record.created_at, payload=payload, run_id=run_id
    )
    alerts = tuple(built[row.key] for row in rows)
    deliveries: list[Delivery] = []
    if alerts and hook is not None:
        deliveries.append(_call_hook(hook, alerts))
    if alerts and webhook:
        deliveries.append(
            post_json(webhook, build_message(alerts), timeout=timeout, n_alerts=len(alerts))
        )
    log_error = None
    for d in deliveries:
        try:
            store.add_delivery(
                channel=d.channel,
                n_alerts=d.n_alerts,
                ok=d.ok,
                duration_s=d.duration_s,
                run_id=run_id,
                target=d.target,
                status=d.status,
                error=d.error,
            )
        except HistoryError as exc:
            log_error = str(exc)
    return AlertOutcome(alerts, tuple(deliveries), log_error)
