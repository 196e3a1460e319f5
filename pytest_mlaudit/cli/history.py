"""``mlaudit history``: the audit history from the command line.

Without an action it shows what the README promises: the last runs, then every check's
trend over them (verdicts old -> new and its headline values). The actions: ``runs``,
``checks`` (per-check trends), ``values`` (one number over time), ``add`` (saved
records), ``mark`` (a retrain, promotion or rollback) and ``events``. Readers never
create or change the store.

Options go before or after the action (``mlaudit history --limit 1 runs`` and
``mlaudit history runs --limit 1`` are the same); an option the action does not take
is an error that says so.

The history is the SQLite store, or the audit runs ``pytest --mlaudit-mlflow`` logged to
MLflow (``--mlflow``, ``--tracking-uri``, ``$MLAUDIT_HISTORY_BACKEND`` or the retrain
policy's ``[history]`` table: :func:`open_store`); every action works on either.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any, Final

from pytest_mlaudit.cli._output import EXIT_OK, EXIT_USAGE, emit, fmt, say
from pytest_mlaudit.history import EVENT_KINDS, CheckRow, HistoryStore, RunRow

__all__ = ["add_arguments", "open_store", "run", "where"]

#: the view shown without an action
OVERVIEW: Final = "overview"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1; got {text!r}")
    return value


#: option -> its argparse settings (every one without a default: see :func:`_options`)
_OPTIONS: Final[dict[str, dict[str, Any]]] = {
    "--db": {
        "metavar": "PATH",
        "help": "the history store (default: $MLAUDIT_HISTORY, the mlaudit_history ini key "
        "in pyproject.toml, else .mlaudit/history.sqlite)",
    },
    "--json": {"action": "store_true", "help": "print JSON instead of a table"},
    "--limit": {
        "type": _positive,
        "metavar": "N",
        "help": "how many: runs (overview, runs), runs per check (checks), rows (values)",
    },
    "--check": {"help": "only this check (drift, gate, labels, ...)"},
    "--test": {"action": "append", "help": "node-id substring (repeatable)"},
    "--subject": {"action": "append", "help": "column/metric/class (repeatable)"},
    "--kind": {"choices": EVENT_KINDS, "help": "only this kind of event"},
    "--mlflow": {
        "action": "store_true",
        "help": "read (and with add/mark, write) the history of the audit runs in MLflow "
        "(pytest --mlaudit-mlflow) instead of the SQLite store",
    },
    "--tracking-uri": {
        "metavar": "URI",
        "help": "the MLflow tracking store (implies --mlflow; default: the policy's [history] "
        "tracking_uri, $MLFLOW_TRACKING_URI, the mlaudit_mlflow ini key, sqlite:///mlflow.db)",
    },
    "--mlflow-experiment": {
        "metavar": "NAME",
        "help": "the MLflow experiment of the audit runs (default: the policy's [history] "
        "experiment, the mlaudit_mlflow_experiment ini key, else mlaudit)",
    },
}
#: where the history is: every action takes these
_WHERE: Final[dict[str, Any]] = {
    "--db": None,
    "--mlflow": False,
    "--tracking-uri": None,
    "--mlflow-experiment": None,
}


#: action -> the options it takes, with their defaults
_TAKES: Final[dict[str, dict[str, Any]]] = {
    OVERVIEW: {**_WHERE, "--json": False, "--limit": 10, "--check": None, "--test": []},
    "runs": {**_WHERE, "--json": False, "--limit": 20},
    "checks": {**_WHERE, "--json": False, "--limit": 10, "--check": None, "--test": []},
    "values": {
        **_WHERE,
        "--json": False,
        "--limit": 20,
        "--check": None,
        "--test": [],
        "--subject": [],
    },
    "add": {**_WHERE, "--json": False},
    "mark": {**_WHERE, "--json": False},
    "events": {**_WHERE, "--json": False, "--kind": None},
    "alerts": {**_WHERE, "--json": False, "--limit": 20},
}


def _options(p: argparse.ArgumentParser, names: Sequence[str]) -> None:
    """Add ``names`` with no default, so a value given before the action survives one
    not given after it; :func:`_resolve` fills the action's defaults."""
    for name in names:
        p.add_argument(name, default=argparse.SUPPRESS, **_OPTIONS[name])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``mlaudit history`` actions (the overview when none is given)."""
    _options(parser, list(_OPTIONS))
    parser.set_defaults(history_action=None)
    sub = parser.add_subparsers(dest="history_action", metavar="ACTION")
    p = sub.add_parser("runs", help="list the runs, newest first")
    _options(p, list(_TAKES["runs"]))
    p = sub.add_parser("checks", help="per-check trends: verdicts and headline over the last runs")
    _options(p, list(_TAKES["checks"]))
    p = sub.add_parser("values", help="one number over time, e.g. `values psi --subject income`")
    p.add_argument("name", help="psi, ks, candidate, diff, issue_rate, or a key figure's name")
    _options(p, list(_TAKES["values"]))
    p = sub.add_parser("add", help="append saved audit records (JSON) to the store")
    p.add_argument("records", nargs="+", metavar="RECORD.json")
    _options(p, list(_TAKES["add"]))
    p = sub.add_parser("mark", help="record a retrain, promotion or rollback")
    p.add_argument("event", choices=EVENT_KINDS)
    p.add_argument("--model", help="which model (a version, a path, a registry URI)")
    p.add_argument("--note", help="why")
    p.add_argument("--at", help="when (ISO-8601; default now)")
    p.add_argument("--run", type=int, help="the run id this event belongs to (e.g. the gate run)")
    _options(p, list(_TAKES["mark"]))
    p = sub.add_parser("events", help="list retrains, promotions and rollbacks")
    _options(p, list(_TAKES["events"]))
    p = sub.add_parser("alerts", help="alerts that fired or resolved, then their deliveries")
    _options(p, list(_TAKES["alerts"]))
    parser.epilog = (
        "without an ACTION: the last runs, then each check's trend over them. Options go "
        "before or after the ACTION."
    )


def _resolve(args: argparse.Namespace) -> str | None:
    """Fill the action's defaults; an error message when an option does not apply."""
    action = args.history_action or OVERVIEW
    takes = _TAKES[action]
    for name in _OPTIONS:
        dest = name.removeprefix("--").replace("-", "_")
        given = hasattr(args, dest)
        if name not in takes:
            if given and getattr(args, dest) not in (None, False, []):
                shown = "mlaudit history" + ("" if action == OVERVIEW else f" {action}")
                return f"{name} does not apply to `{shown}`"
            continue
        if not given or getattr(args, dest) is None:
            default = takes[name]
            setattr(args, dest, list(default) if isinstance(default, list) else default)
    return None


def run(args: argparse.Namespace) -> int:
    """``mlaudit history``: 0 on success, 1 when the store cannot be used, 2 on bad input."""

    problem = _resolve(args)
    if problem is not None:
        say(f"error: {problem}")
        return EXIT_USAGE
    action = args.history_action or OVERVIEW
    store = open_store(args, create=action in ("add", "mark"))
    _ACTIONS[action](store, args)  # a HistoryError or bad input: main() says it in a line
    return EXIT_OK


def open_store(
    args: argparse.Namespace, *, create: bool = False, settings: Any = None
) -> HistoryStore:
    """The history the arguments name: SQLite (``--db``, the default) or MLflow.

    In order: ``--db PATH``; ``--mlflow`` / ``--tracking-uri``; ``$MLAUDIT_HISTORY_BACKEND``
    (``mlflow`` or ``sqlite``); the retrain policy's ``[history]`` table (``settings``, else
    the one found as ``mlaudit retrain-check`` finds the policy); else the SQLite store.
    """
    import os

    from pytest_mlaudit.errors import MlauditInputError
    from pytest_mlaudit.history import resolve_path

    db = getattr(args, "db", None)
    uri = getattr(args, "tracking_uri", None)
    wants_mlflow = bool(getattr(args, "mlflow", False) or uri)
    if db and wants_mlflow:
        raise MlauditInputError("give --db (SQLite) or --mlflow/--tracking-uri, not both.")
    backend = "mlflow" if wants_mlflow else os.environ.get("MLAUDIT_HISTORY_BACKEND", "").lower()
    if backend not in ("", "sqlite", "mlflow"):
        raise MlauditInputError(
            f"MLAUDIT_HISTORY_BACKEND must be 'sqlite' or 'mlflow'; got {backend!r}."
        )
    if not db and not backend:
        if settings is None:
            from pytest_mlaudit.retrain.policy import history_settings

            settings = history_settings()
        if settings is not None:
            backend = settings.backend
    if db or backend != "mlflow":
        path = db or (settings.path if settings is not None and settings.path else None)
        return HistoryStore(resolve_path(path), create=create)
    from pytest_mlaudit.integrations.mlflow.history import MlflowHistory

    history = MlflowHistory(
        uri or (settings.tracking_uri if settings is not None else None),
        experiment=getattr(args, "mlflow_experiment", None)
        or (settings.experiment if settings is not None else None),
        create=create,
    )
    if history.skipped:  # never a silent gap in the history
        ids = ", ".join(run_id for run_id, _ in history.skipped)
        say(f"{len(history.skipped)} MLflow audit run(s) without a readable record left out: {ids}")
    return history


def where(store: HistoryStore) -> str:
    """How messages name the history: its file, or its MLflow experiment."""
    return str(getattr(store, "label", store.path))


# --------------------------------------------------------------------------- the views


def _count(n: int | None) -> str:
    return "-" if n is None else str(n)


def _run_rows(runs: Sequence[RunRow]) -> list[list[str]]:
    return [
        [
            str(r.id),
            r.created_at,
            (r.git_commit or "-")[:10],
            str(r.exitstatus),
            str(r.n_checks),
            str(r.n_passed),
            str(r.n_failed),
            _count(r.n_xfailed),
            _count(r.n_errors),
            r.source or "-",
        ]
        for r in runs
    ]


_RUN_HEADERS: Final = [
    "run",
    "created_at",
    "commit",
    "exit",
    "checks",
    "passed",
    "failed",
    "xfailed",
    "errors",
    "source",
]
_CHECK_HEADERS: Final = [
    "check",
    "test",
    "runs",
    "passed",
    "verdicts (old->new: . pass, F fail, x xfail, E error)",
    "last",
    "last 5 values",
]
_TEST_HEADERS: Final = ["run", "test", "outcome", "exception", "message"]
#: the trend's letter for a check, by the outcome of its test (else by its verdict)
_LETTER: Final = {"xfailed": "x", "error": "E"}


def _letter(row: CheckRow) -> str:
    if not row.passed and row.outcome in _LETTER:
        return _LETTER[row.outcome]
    return "." if row.passed else "F"


def _overview(store: HistoryStore, args: argparse.Namespace) -> None:
    runs = store.runs(limit=args.limit)
    since = runs[-1].created_at if runs else None
    trends, table = _trends(store, args, since=since)
    # marked tests that recorded no check (a fixture that errored, a skip): never hidden
    bare = [t for t in store.tests(tests=args.test, since=since) if t.n_checks == 0]
    bare = [t for t in bare if t.outcome != "passed"] if args.check is None else []
    if args.json:
        data = {
            "runs": [dataclasses.asdict(r) for r in runs],
            "checks": trends,
            "tests_without_checks": [dataclasses.asdict(t) for t in bare],
        }
        print(json.dumps(data, indent=2))
        return
    emit(False, None, _RUN_HEADERS, _run_rows(runs), f"no runs in {where(store)}")
    if runs:
        print(f"\nper-check trends over these {len(runs)} run(s):")
        emit(False, None, _CHECK_HEADERS, table, "no checks in these runs")
    if bare:
        print("\nmarked tests that recorded no check:")
        rows = [
            [str(t.run_id), t.nodeid, t.outcome, t.exception or "-", (t.message or "")[:60]]
            for t in bare
        ]
        emit(False, None, _TEST_HEADERS, rows, "")


def _runs(store: HistoryStore, args: argparse.Namespace) -> None:
    runs = store.runs(limit=args.limit)
    emit(
        args.json,
        [dataclasses.asdict(r) for r in runs],
        _RUN_HEADERS,
        _run_rows(runs),
        f"no runs in {where(store)}",
    )


def _checks(store: HistoryStore, args: argparse.Namespace) -> None:
    out, table = _trends(store, args)
    emit(args.json, out, _CHECK_HEADERS, table, f"no checks in {where(store)}")


def _trends(
    store: HistoryStore, args: argparse.Namespace, *, since: str | None = None
) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """Per check (test and position): verdicts and headline values, old -> new."""
    rows = store.checks(check=args.check, tests=args.test, since=since)
    name_of = _namer(store, tests=args.test, since=since)
    groups: dict[tuple[str, str, int], list[CheckRow]] = {}
    for r in rows:  # newest first
        groups.setdefault((r.check, r.nodeid, r.seq), []).append(r)
    out = []
    table = []
    for (check, nodeid, seq), items in sorted(groups.items(), key=lambda kv: kv[0][1:]):
        recent = items[: args.limit]
        trend = "".join(_letter(r) for r in reversed(recent))
        last = recent[0]
        stats = [r.statistic for r in reversed(recent)]
        name = name_of(last.run_id, nodeid, seq)
        out.append(
            {
                "check": check,
                "name": name,
                "nodeid": nodeid,
                "seq": seq,
                "runs": len(items),
                "passed": sum(r.passed for r in items),
                "trend": trend,
                "outcomes": [r.outcome for r in reversed(recent)],
                "statistic_name": last.statistic_name,
                "statistics": stats,
                "threshold": last.threshold,
                "last_brief": last.brief,
                "last_run": last.run_id,
                "last_at": last.created_at,
            }
        )
        table.append(
            [
                check,
                name,
                str(len(items)),
                str(sum(r.passed for r in items)),
                trend,
                f"{last.statistic_name}={fmt(last.statistic)}",
                " ".join(fmt(s) for s in stats[-5:]),
            ]
        )
    return out, table


def _namer(
    store: HistoryStore, *, tests: Sequence[str], since: str | None
) -> Callable[[int, str, int], str]:
    """How the record names a check of a run: its test's node id, with ``#1``, ``#2``, ...
    when that test ran several checks in that run (one naming scheme everywhere)."""
    seqs: dict[tuple[int, str], set[int]] = {}
    for c in store.checks(tests=tests, since=since):
        seqs.setdefault((c.run_id, c.nodeid), set()).add(c.seq)

    def name(run_id: int, nodeid: str, seq: int) -> str:
        mine = sorted(seqs.get((run_id, nodeid), {seq}))
        return nodeid if len(mine) <= 1 else f"{nodeid}#{mine.index(seq) + 1}"

    return name


def _values(store: HistoryStore, args: argparse.Namespace) -> None:
    rows = store.measures(name=args.name, subjects=args.subject, check=args.check, tests=args.test)[
        : args.limit
    ]
    name_of = _namer(store, tests=args.test, since=rows[-1].created_at if rows else None)
    emit(
        args.json,
        [{**dataclasses.asdict(r), "check_name": name_of(r.run_id, r.nodeid, r.seq)} for r in rows],
        ["run", "created_at", "test", "subject", "value", "threshold", "flagged"],
        [
            [
                str(r.run_id),
                r.created_at,
                name_of(r.run_id, r.nodeid, r.seq),
                r.subject or "-",
                fmt(r.value),
                "-" if r.threshold is None else fmt(r.threshold),
                "-" if r.flagged is None else ("YES" if r.flagged else "no"),
            ]
            for r in rows
        ],
        f"no values named {args.name!r} in {where(store)}",
    )


def _add(store: HistoryStore, args: argparse.Namespace) -> None:
    results = []
    for file in args.records:
        result = store.append(file)
        results.append({"record": file, **dataclasses.asdict(result)})
        if not args.json:
            verb = "appended as" if result.created else "already stored as"
            print(f"{file}: {verb} run #{result.run_id}")
    if args.json:
        print(json.dumps(results, indent=2))


def _mark(store: HistoryStore, args: argparse.Namespace) -> None:
    event = store.add_event(
        args.event, at=args.at, model=args.model, note=args.note, run_id=args.run
    )
    if args.json:
        print(json.dumps(dataclasses.asdict(event), indent=2))
    else:
        model = f" ({event.model})" if event.model else ""
        print(f"recorded {event.kind} #{event.id} at {event.created_at}{model}")


def _events(store: HistoryStore, args: argparse.Namespace) -> None:
    events = store.events(args.kind)
    emit(
        args.json,
        [dataclasses.asdict(e) for e in events],
        ["id", "kind", "created_at", "model", "run", "note"],
        [
            [
                str(e.id),
                e.kind,
                e.created_at,
                e.model or "-",
                "-" if e.run_id is None else str(e.run_id),
                e.note or "",
            ]
            for e in events
        ],
        f"no events in {where(store)}",
    )


def _alerts(store: HistoryStore, args: argparse.Namespace) -> None:
    alerts, deliveries = store.alerts(limit=args.limit), store.deliveries(limit=args.limit)
    if args.json:
        print(
            json.dumps(
                {
                    "alerts": [dataclasses.asdict(a) for a in alerts],
                    "deliveries": [dataclasses.asdict(d) for d in deliveries],
                },
                indent=2,
                default=str,
            )
        )
        return
    emit(
        False,
        [],
        ["id", "run", "created_at", "state", "check", "since", "summary"],
        [
            [
                str(a.id),
                "-" if a.run_id is None else str(a.run_id),
                a.created_at,
                a.state,
                a.key,
                a.since,
                str(a.payload.get("summary", "")),
            ]
            for a in alerts
        ],
        f"no alerts in {where(store)}",
    )
    if not deliveries:
        return
    print()
    emit(
        False,
        [],
        ["run", "attempted_at", "channel", "target", "alerts", "delivered", "status", "seconds"],
        [
            [
                "-" if d.run_id is None else str(d.run_id),
                d.attempted_at,
                d.channel,
                d.target or "-",
                str(d.n_alerts),
                "yes" if d.ok else f"no: {d.error or '?'}",
                "-" if d.status is None else str(d.status),
                f"{d.duration_s:.2f}",
            ]
            for d in deliveries
        ],
        "",
    )


_ACTIONS: Final[dict[str, Callable[[HistoryStore, argparse.Namespace], None]]] = {
    OVERVIEW: _overview,
    "runs": _runs,
    "checks": _checks,
    "values": _values,
    "add": _add,
    "mark": _mark,
    "events": _events,
    "alerts": _alerts,
}
