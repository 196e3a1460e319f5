"""``mlaudit history``: the audit history from the command line.

``runs``, ``checks`` (per-check trends), ``values`` (one number over time), ``add``
(saved records), ``mark`` (a retrain, promotion or rollback) and ``events``. Readers
never create or change the store.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from pytest_mlaudit.cli._output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, emit, fmt, say
from pytest_mlaudit.history import EVENT_KINDS, CheckRow, HistoryStore

__all__ = ["add_arguments", "run"]


def _add_db(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS if sub else None,
        help="the history store (default: $MLAUDIT_HISTORY, the mlaudit_history ini key in "
        "pyproject.toml, else .mlaudit/history.sqlite)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if sub else False,
        help="print JSON instead of a table",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``mlaudit history`` subcommands (``runs`` when none is given)."""
    _add_db(parser, sub=False)
    parser.set_defaults(history_action="runs", limit=20)
    sub = parser.add_subparsers(dest="history_action", metavar="ACTION")
    p = sub.add_parser("runs", help="list the runs, newest first (the default)")
    _add_db(p, sub=True)
    p.add_argument("--limit", type=int, default=20, help="runs to show (default 20)")
    p = sub.add_parser("checks", help="per-check trends: verdicts and headline over the last runs")
    _add_db(p, sub=True)
    p.add_argument("--check", help="only this check (drift, gate, labels, ...)")
    p.add_argument("--test", action="append", default=[], help="node-id substring (repeatable)")
    p.add_argument("--limit", type=int, default=10, help="runs per check to show (default 10)")
    p = sub.add_parser("values", help="one number over time, e.g. `values psi --subject income`")
    _add_db(p, sub=True)
    p.add_argument("name", help="psi, ks, candidate, diff, issue_rate, or a key figure's name")
    p.add_argument(
        "--subject", action="append", default=[], help="column/metric/class (repeatable)"
    )
    p.add_argument("--check", help="only this check")
    p.add_argument("--test", action="append", default=[], help="node-id substring (repeatable)")
    p.add_argument("--limit", type=int, default=20, help="rows to show (default 20)")
    p = sub.add_parser("add", help="append saved audit records (JSON) to the store")
    _add_db(p, sub=True)
    p.add_argument("records", nargs="+", metavar="RECORD.json")
    p = sub.add_parser("mark", help="record a retrain, promotion or rollback")
    _add_db(p, sub=True)
    p.add_argument("event", choices=EVENT_KINDS)
    p.add_argument("--model", help="which model (a version, a path, a registry URI)")
    p.add_argument("--note", help="why")
    p.add_argument("--at", help="when (ISO-8601; default now)")
    p.add_argument("--run", type=int, help="the run id this event belongs to (e.g. the gate run)")
    p = sub.add_parser("events", help="list retrains, promotions and rollbacks")
    _add_db(p, sub=True)
    p.add_argument("--kind", choices=EVENT_KINDS)


def run(args: argparse.Namespace) -> int:
    """``mlaudit history``: 0 on success, 1 when the store cannot be used, 2 on bad input."""
    from pytest_mlaudit.errors import MlauditInputError
    from pytest_mlaudit.history import HistoryError, resolve_path

    path = resolve_path(args.db)
    action = args.history_action or "runs"
    writes = action in ("add", "mark")
    store = HistoryStore(path, create=writes)
    try:
        if action == "runs":
            runs = store.runs(limit=args.limit)
            emit(
                args.json,
                [dataclasses.asdict(r) for r in runs],
                ["run", "created_at", "commit", "exit", "checks", "passed", "failed", "source"],
                [
                    [
                        str(r.id),
                        r.created_at,
                        (r.git_commit or "-")[:10],
                        str(r.exitstatus),
                        str(r.n_checks),
                        str(r.n_passed),
                        str(r.n_failed),
                        r.source or "-",
                    ]
                    for r in runs
                ],
                f"no runs in {path}",
            )
        elif action == "checks":
            _print_checks(store, args)
        elif action == "values":
            rows = store.measures(
                name=args.name, subjects=args.subject, check=args.check, tests=args.test
            )[: args.limit]
            emit(
                args.json,
                [dataclasses.asdict(r) for r in rows],
                ["run", "created_at", "test", "subject", "value", "threshold", "flagged"],
                [
                    [
                        str(r.run_id),
                        r.created_at,
                        r.nodeid,
                        r.subject or "-",
                        fmt(r.value),
                        "-" if r.threshold is None else fmt(r.threshold),
                        "-" if r.flagged is None else ("YES" if r.flagged else "no"),
                    ]
                    for r in rows
                ],
                f"no values named {args.name!r} in {path}",
            )
        elif action == "add":
            results = []
            for file in args.records:
                result = store.append(file)
                results.append({"record": file, **dataclasses.asdict(result)})
                if not args.json:
                    verb = "appended as" if result.created else "already stored as"
                    print(f"{file}: {verb} run #{result.run_id}")
            if args.json:
                print(json.dumps(results, indent=2))
        elif action == "mark":
            event = store.add_event(
                args.event, at=args.at, model=args.model, note=args.note, run_id=args.run
            )
            if args.json:
                print(json.dumps(dataclasses.asdict(event), indent=2))
            else:
                print(
                    f"recorded {event.kind} #{event.id} at {event.created_at}"
                    + (f" ({event.model})" if event.model else "")
                )
        elif action == "events":
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
                f"no events in {path}",
            )
    except HistoryError as exc:
        say(f"error: {exc}")
        return EXIT_FAILED
    except MlauditInputError as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    return EXIT_OK


def _print_checks(store: HistoryStore, args: argparse.Namespace) -> None:
    rows = store.checks(check=args.check, tests=args.test)
    groups: dict[tuple[str, str, int], list[CheckRow]] = {}
    for r in rows:  # newest first
        groups.setdefault((r.check, r.nodeid, r.seq), []).append(r)
    out = []
    table = []
    for (check, nodeid, seq), items in sorted(groups.items()):
        recent = items[: args.limit]
        trend = "".join("." if r.passed else "F" for r in reversed(recent))
        last = recent[0]
        stats = [r.statistic for r in reversed(recent)]
        out.append(
            {
                "check": check,
                "nodeid": nodeid,
                "seq": seq,
                "runs": len(items),
                "passed": sum(r.passed for r in items),
                "trend": trend,
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
                nodeid + (f"[{seq}]" if seq else ""),
                str(len(items)),
                str(sum(r.passed for r in items)),
                trend,
                f"{last.statistic_name}={fmt(last.statistic)}",
                " ".join(fmt(s) for s in stats[-5:]),
            ]
        )
    emit(
        args.json,
        out,
        ["check", "test", "runs", "passed", "verdicts (old->new, F=fail)", "last", "last 5 values"],
        table,
        f"no checks in {store.path}",
    )
