"""The hooks pytest-mlaudit adds to pytest (registered by the plugin's ``pytest_addhooks``).

Implement them in a ``conftest.py`` (or a plugin) by name; pytest calls every
implementation. This module imports pluggy, never pytest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from pytest_mlaudit.alerts import Alert

__all__ = ["pytest_mlaudit_alert"]

hookspec = pluggy.HookspecMarker("pytest")


@hookspec
def pytest_mlaudit_alert(alerts: Sequence[Alert], config: Any) -> None:
    """Called once at the end of a run whose checks changed state, with those changes.

    ``alerts`` are :class:`pytest_mlaudit.alerts.Alert` objects, in the order of the
    record: ``state`` is ``"firing"`` (the check started failing) or ``"resolved"`` (it
    passes again), with the check's ``name``, ``verdict``, ``headline``, ``measures``,
    ``figures``, the ``run`` and the ``report`` paths; ``alert.to_dict()`` is what the
    webhook receives. ``config`` is the ``pytest.Config``. Not called when no check
    changed state, nor when the run has no audit history to compare with.

    An exception raised here never changes the run's verdict: it is one line in the
    terminal summary and a row of the history's delivery log.

    Example (``conftest.py``)::

        def pytest_mlaudit_alert(alerts, config):
            for alert in alerts:
                print(alert.state, alert.name, alert.summary)
    """
